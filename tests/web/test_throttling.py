"""Login throttling (issue #8): django-axes with papers/throttle.py.

An account is refused after 5 failures, an address after 30, for 15 minutes;
the counts live in the database, so they hold across processes.
"""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.db import connection
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse

from papers.throttle import client_address
from papers.views.auth import PasswordResetView
from tests.conftest import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent.parent
HOME, OFFICE = "203.0.113.7", "198.51.100.20"


def log_in(client, username, password=PASSWORD, *, address=HOME, url=None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def fail(client, username, times, *, address=HOME, url=None):
    return [
        log_in(client, username, "wrong", address=address, url=url).status_code
        for _ in range(times)
    ]


def travel(minutes):
    """Move every recorded failure `minutes` into the past."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def assert_logged_in(response, client):
    assert response.status_code == 302, response.content[:300]
    assert "_auth_user_id" in client.session


# -- One account ---------------------------------------------------------------


def test_the_fifth_wrong_password_locks_the_account_and_says_so(client, carol):
    assert fail(client, "carol", 4) == [422] * 4
    response = log_in(client, "carol", "wrong")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert "to the account “carol”" in html
    assert "Try again in 15 minutes." in html
    assert reverse("password_reset") in html
    assert 890 <= int(response["Retry-After"]) <= 900


def test_a_locked_account_refuses_even_the_right_password_from_any_address(client, carol):
    fail(client, "carol", 5)
    response = log_in(client, "carol", address=OFFICE)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_account_on_the_same_address_still_logs_in(client, carol, dave):
    fail(client, "carol", 5)
    assert_logged_in(log_in(client, "dave"), client)


def test_the_admin_login_counts_and_refuses_too(client, admin_user):
    admin_login = reverse("admin:login")
    assert fail(client, "root", 4, url=admin_login) == [200] * 4  # the admin's own form
    response = log_in(client, "root", "wrong", url=admin_login)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert log_in(client, "root", url=admin_login).status_code == 429
    assert log_in(client, "root").status_code == 429  # one count for both login pages


def test_failures_in_both_login_pages_add_up(client, admin_user):
    fail(client, "root", 3)
    fail(client, "root", 2, url=reverse("admin:login"))
    assert log_in(client, "root").status_code == 429


def test_the_lockout_ends_15_minutes_after_the_last_failure(client, carol):
    fail(client, "carol", 5)
    travel(14)
    response = log_in(client, "carol")
    assert response.status_code == 429
    assert "Try again in 1 minute." in response.content.decode()
    travel(1)
    assert_logged_in(log_in(client, "carol"), client)


def test_failures_older_than_15_minutes_no_longer_count(client, carol):
    fail(client, "carol", 4)
    travel(16)
    assert fail(client, "carol", 4) == [422] * 4
    assert_logged_in(log_in(client, "carol"), client)


def test_a_refused_attempt_does_not_start_the_15_minutes_again(client, carol):
    fail(client, "carol", 5)
    travel(10)
    assert log_in(client, "carol", "wrong").status_code == 429
    travel(5)
    assert_logged_in(log_in(client, "carol"), client)


def test_choosing_a_new_password_by_email_lifts_the_lockout(client, carol):
    fail(client, "carol", 5)
    client.post(reverse("password_reset"), {"email": "carol@example.org"}, REMOTE_ADDR=OFFICE)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    new = "another long passphrase here"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert_logged_in(log_in(client, "carol", new), client)


# -- One address ---------------------------------------------------------------


def test_thirty_failures_from_one_address_refuse_it(client, dave):
    # Ten made-up usernames, three tries each: no account reaches its limit.
    statuses = [code for n in range(10) for code in fail(client, f"guess{n}", 3)]
    assert statuses == [422] * 29 + [429]
    response = log_in(client, "dave")
    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    assert_logged_in(log_in(client, "dave", address=OFFICE), client)


def test_below_thirty_another_account_on_the_address_logs_in(client, dave):
    for n in range(7):
        fail(client, f"guess{n}", 4)
    assert_logged_in(log_in(client, "dave"), client)


def test_an_ipv6_address_counts_for_its_whole_64(client, dave):
    for n in range(30):
        fail(client, f"guess{n}", 1, address=f"2001:db8:1:2::{n + 1:x}")
    assert log_in(client, "dave", address="2001:db8:1:2:abcd::1").status_code == 429
    assert_logged_in(log_in(client, "dave", address="2001:db8:1:3::1"), client)


def test_the_address_is_remote_addr_unless_a_proxy_is_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_address(request) == "10.0.0.2"
    settings.TRUST_X_FORWARDED_FOR = True
    # The proxy appends the address it saw; what comes before it the client wrote.
    assert client_address(request) == "203.0.113.7"
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


# -- Password reset ------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, carol):
    known = client.post(reverse("password_reset"), {"email": "carol@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.content == unknown.content
    assert [message.to for message in mail.outbox] == [["carol@example.org"]]


@pytest.mark.parametrize("email", ["carol@example.org", "nobody@example.org"])
def test_password_reset_looks_up_and_mails_only_after_the_response(
    carol, email, django_assert_num_queries
):
    request = RequestFactory().post(reverse("password_reset"), {"email": email})
    request._dont_enforce_csrf_checks = True
    # The same queries either way: axes' clean-up, the count and its lookups.
    with django_assert_num_queries(9):
        response = PasswordResetView.as_view()(request)
    assert response.status_code == 302
    assert mail.outbox == []
    response.close()  # what the server does once the response is sent
    assert len(mail.outbox) == (email == "carol@example.org")


def test_password_reset_requests_count_against_the_address(client, carol):
    for _ in range(29):
        client.post(reverse("password_reset"), {"email": "carol@example.org"})
    response = client.post(reverse("password_reset"), {"email": "carol@example.org"})
    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    assert len(mail.outbox) == 29
    assert client.get(reverse("password_reset")).status_code == 429
    assert log_in(client, "carol", address="127.0.0.1").status_code == 429


def test_password_reset_stays_open_to_a_locked_account(client, carol):
    fail(client, "carol", 5)
    response = client.post(reverse("password_reset"), {"email": "carol@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1


# -- Across processes ----------------------------------------------------------

# Logs in with each (username, password, address) through the whole app and
# prints the status codes; run in a process of its own against the same database.
ACTOR = """
import json
from django.test import Client, override_settings
from django.test.utils import setup_test_environment

setup_test_environment()
with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    print(json.dumps([
        Client().post("/accounts/login/", {"username": u, "password": p}, REMOTE_ADDR=a).status_code
        for u, p, a in %s
    ]))
"""


def in_another_process(database_url, attempts):
    inherited = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment.update(DEBUG="1", DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ACTOR % json.dumps(attempts)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def shared_database_url(transactional_db, tmp_path):
    """Return a URL where other processes find this test's (committed) data."""
    make_user("carol")
    make_user("dave")
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    # The SQLite test database lives in this process's memory: copy it to a file.
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    return f"sqlite:///{path}"


def test_failures_in_one_process_lock_the_account_in_another(shared_database_url):
    wrong = [["carol", "wrong", HOME]] * 5
    assert in_another_process(shared_database_url, wrong) == [422] * 4 + [429]
    after = [["carol", PASSWORD, OFFICE], ["dave", PASSWORD, HOME]]
    assert in_another_process(shared_database_url, after) == [429, 302]
