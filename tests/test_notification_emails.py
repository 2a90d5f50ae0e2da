"""Notification emails (issue #10, item 3): batched, at most one per person per 10 minutes,
sent after the response or by `manage.py send_notification_emails`, never failing a request."""

import http.client
import logging
import re
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode, urlsplit

import pytest
from django.core import mail as outbox
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from papers import actions, mail
from papers.models import Membership, Notification, User
from tests.conftest import at_once, make_note, make_question

SITE = "https://reading.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class FailingBackend(EmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


class SlowBackend(EmailBackend):
    """A mail server that takes its time, so that two senders overlap."""

    def send_messages(self, messages):
        time.sleep(0.5)
        return super().send_messages(messages)


def comment(client, user, target, kind, body="Figure 1 is the decoder, I think."):
    client.force_login(user)
    url = reverse("comment_add", args=[target.paper.log.slug, kind, target.pk])
    response = client.post(url, {"body": body})
    assert response.status_code < 400, response.content[:300]
    return response


def pending(user):
    return Notification.objects.filter(recipient=user, email=Notification.Email.PENDING).count()


def emails_to(user):
    return [message for message in outbox.outbox if message.to == [user.email]]


def html_of(message):
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def test_a_comment_on_a_note_emails_its_author_after_the_response(client, bob, carol, paper):
    note = make_note(paper, by=bob, body="Figure 1 shows the encoder.")

    comment(client, carol, note, "note", "Figure 1 is the *decoder*, I think.")

    [message] = emails_to(bob)
    notification = Notification.objects.get(recipient=bob)
    link = f"{SITE}/notifications/{notification.pk}/"
    assert message.subject == "1 new notification on Readinglog"
    assert "carol commented on your note on [1] Attention Is All You Need" in message.body
    assert "Group reading log" in message.body
    assert "Figure 1 is the *decoder*, I think." in message.body
    assert link in message.body and f'href="{link}"' in html_of(message)
    assert f"{SITE}/account/" in message.body and f'href="{SITE}/account/"' in html_of(message)
    # Every link is absolute, in both parts.
    assert not re.search(r'href="/', html_of(message))
    unsubscribe = re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{SITE}/unsubscribe/")
    assert unsubscribe in message.body and unsubscribe in html_of(message)
    assert "Stop emails when someone commented on your note" in message.body
    token = resolve(urlsplit(unsubscribe).path).kwargs["token"]
    assert mail.read_unsubscribe_token(token) == (bob.pk, "kind:note_comment")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    notification.refresh_from_db()
    bob.refresh_from_db()
    assert notification.email == Notification.Email.SENT
    assert bob.last_emailed_at is not None


def test_the_email_goes_once_the_response_is_closed_not_before(rf, bob, carol, paper):
    note = make_note(paper, by=bob)

    def view(request):
        actions.comment_add(note, by=carol, body="Is it?")
        return HttpResponse("done")

    response = mail.SendAfterResponseMiddleware(view)(rf.get("/"))
    assert response.content == b"done"
    assert outbox.outbox == []
    response.close()  # what the WSGI server does once the response has gone
    assert len(emails_to(bob)) == 1


def test_the_email_link_opens_the_notification_and_marks_it_read(client, bob, carol, paper):
    note = make_note(paper, by=bob)
    comment(client, carol, note, "note")
    [link] = re.findall(rf"{SITE}(/notifications/\d+/)", emails_to(bob)[0].body)

    client.force_login(bob)
    response = client.get(link)

    assert response.status_code == 302
    assert response.url.startswith(paper.get_absolute_url())
    bob.refresh_from_db()
    assert bob.unread_notifications == 0


def test_more_within_ten_minutes_wait_and_go_together_in_one_email(client, bob, carol, paper):
    note = make_note(paper, by=bob)
    question = make_question(paper, by=bob)
    comment(client, carol, note, "note", "First")
    assert len(emails_to(bob)) == 1

    comment(client, carol, note, "note", "Second")
    comment(client, carol, question, "question", "Third")
    assert len(emails_to(bob)) == 1
    assert pending(bob) == 2
    out = StringIO()
    call_command("send_notification_emails", stdout=out)
    assert len(emails_to(bob)) == 1  # still within the window
    assert out.getvalue() == "Sent 0 notification emails.\n"

    User.objects.filter(pk=bob.pk).update(last_emailed_at=timezone.now() - timedelta(minutes=10))
    call_command("send_notification_emails", stdout=out)

    first, batch = emails_to(bob)
    assert "Sent 1 notification email.\n" in out.getvalue()
    assert batch.subject == "2 new notifications on Readinglog"
    assert batch.body.index("Second") < batch.body.index("Third")
    assert "carol answered your question" in batch.body
    assert "First" not in batch.body
    # Two kinds in one email: its link turns off every email.
    token = re.fullmatch(rf"<{SITE}/unsubscribe/(.+)/>", batch.extra_headers["List-Unsubscribe"])
    assert mail.read_unsubscribe_token(token.group(1)) == (bob.pk, "all")
    assert pending(bob) == 0
    call_command("send_notification_emails", stdout=out)
    assert len(emails_to(bob)) == 2


def test_off_stores_nothing_and_site_only_sends_nothing(client, bob, carol, paper):
    bob.notification_delivery = {"note_comment": "off", "answer": "site"}
    bob.save()
    note = make_note(paper, by=bob)
    question = make_question(paper, by=bob)

    comment(client, carol, note, "note")
    comment(client, carol, question, "question")
    call_command("send_notification_emails", stdout=StringIO())

    assert list(Notification.objects.filter(recipient=bob).values_list("kind", "email")) == [
        ("answer", "")
    ]
    assert outbox.outbox == []


def test_what_was_read_on_the_site_or_is_about_a_left_log_is_not_emailed(client, bob, carol, paper):
    note = make_note(paper, by=bob)
    comment(client, carol, note, "note", "Goes at once")
    comment(client, carol, note, "note", "Read on the site first")
    comment(client, carol, note, "note", "Waits for the window")
    read = Notification.objects.get(excerpt="Read on the site first")
    client.force_login(bob)
    client.get(reverse("notification_open", args=[read.pk]))
    User.objects.filter(pk=bob.pk).update(last_emailed_at=timezone.now() - timedelta(minutes=11))

    sent = mail.send_notification_batches()

    assert sent == 1
    batch = emails_to(bob)[-1]
    assert "Waits for the window" in batch.body
    assert "Read on the site first" not in batch.body
    assert batch.subject == "1 new notification on Readinglog"
    assert pending(bob) == 0
    read.refresh_from_db()
    assert read.email == Notification.Email.NONE

    comment(client, carol, note, "note", "After bob left")
    Membership.objects.filter(user=bob, log=paper.log).delete()
    User.objects.filter(pk=bob.pk).update(last_emailed_at=None)
    assert mail.send_notification_batches() == 0
    assert pending(bob) == 0
    assert len(emails_to(bob)) == 2


def test_without_an_email_address_nothing_is_sent_and_nothing_piles_up(client, bob, carol, paper):
    User.objects.filter(pk=bob.pk).update(email="")
    note = make_note(paper, by=bob)

    comment(client, carol, note, "note")

    assert outbox.outbox == []
    assert pending(bob) == 0
    assert Notification.objects.get(recipient=bob).email == Notification.Email.NONE


def test_a_kind_taken_off_email_before_the_batch_is_not_sent(client, bob, carol, paper):
    note = make_note(paper, by=bob)
    comment(client, carol, note, "note")
    comment(client, carol, note, "note", "Second")
    client.force_login(bob)
    [link] = re.findall(rf"{SITE}(/unsubscribe/[^/]+/)", emails_to(bob)[0].body)
    client.post(link)
    User.objects.filter(pk=bob.pk).update(last_emailed_at=None)

    assert mail.send_notification_batches() == 0
    assert pending(bob) == 0


def test_a_mail_server_that_fails_never_fails_the_request_and_the_batch_waits(
    client, settings, bob, carol, paper, caplog
):
    settings.EMAIL_BACKEND = "tests.test_notification_emails.FailingBackend"
    note = make_note(paper, by=bob)

    with caplog.at_level(logging.ERROR, logger="papers.mail"):
        response = comment(client, carol, note, "note")

    assert response.status_code in (200, 302)
    assert "SMTP server down" in caplog.text
    assert pending(bob) == 1
    bob.refresh_from_db()
    assert bob.last_emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("send_notification_emails", stdout=out)
    assert len(emails_to(bob)) == 1
    assert pending(bob) == 0


def test_a_failure_for_one_person_does_not_stop_the_others(
    client, settings, monkeypatch, alice, bob, carol, paper
):
    make_note(paper, by=bob)
    note = make_note(paper, by=alice)
    question = make_question(paper, by=bob)
    settings.EMAIL_BACKEND = "tests.test_notification_emails.FailingBackend"
    comment(client, carol, note, "note")
    comment(client, carol, question, "question")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    real = mail.notification_email

    def broken_for_alice(user, notifications):
        if user.pk == alice.pk:
            raise ValueError("template broke")
        return real(user, notifications)

    monkeypatch.setattr(mail, "notification_email", broken_for_alice)
    assert mail.send_notification_batches() == 1
    assert len(emails_to(bob)) == 1
    assert pending(alice) == 1


def test_no_email_is_sent_by_a_request_that_made_no_notification(client, bob, paper):
    client.force_login(bob)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    assert not response._resource_closers


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_a_batch_once(settings, bob, carol, paper):
    """Two processes sending at the same moment (PostgreSQL, threads): one email, not two.

    The mail server takes half a second, so both senders have found bob's
    batch due before either has sent it; the lock on bob's row makes the
    second wait for the first, then find the window closed.
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so there is no race")
    settings.EMAIL_BACKEND = "tests.test_notification_emails.SlowBackend"
    note = make_note(paper, by=bob)
    for n in range(3):
        actions.comment_add(note, by=carol, body=f"Comment {n}")
    assert pending(bob) == 3
    results = at_once(mail.send_notification_batches, mail.send_notification_batches)

    assert sorted(results) == [0, 1]
    [message] = emails_to(bob)
    assert message.subject == "3 new notifications on Readinglog"
    assert pending(bob) == 0


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_email_their_common_recipient_once(settings, bob, carol, dave, paper):
    """carol and alice comment on bob's note at the same moment (PostgreSQL, threads)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so there is no race")
    settings.EMAIL_BACKEND = "tests.test_notification_emails.SlowBackend"
    note = make_note(paper, by=bob)
    url = reverse("comment_add", args=[paper.log.slug, "note", note.pk])
    clients = []
    for user in (carol, paper.log.created_by):
        client = Client()
        client.force_login(user)
        clients.append(client)
    statuses = at_once(*(lambda c=c: c.post(url, {"body": "At once"}).status_code for c in clients))

    assert all(status < 400 for status in statuses)
    assert len(emails_to(bob)) == 1
    # The one that found the window closed left its notification for the command.
    assert Notification.objects.filter(recipient=bob).count() == 2
    assert pending(bob) + emails_to(bob)[0].body.count("At once") == 2


class VerySlowBackend(EmailBackend):
    """A mail server that takes three seconds to answer."""

    def send_messages(self, messages):
        time.sleep(3)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_a_slow_mail_server_does_not_slow_the_response(live_server, settings, bob, carol, paper):
    """Over real HTTP: the response is complete long before the three-second email has gone."""
    settings.EMAIL_BACKEND = "tests.test_notification_emails.VerySlowBackend"
    note = make_note(paper, by=bob)
    client = Client()
    client.force_login(carol)
    csrf = "a" * 32
    server = http.client.HTTPConnection(urlsplit(live_server.url).netloc, timeout=10)
    body = urlencode({"body": "Quick?"})
    headers = {
        "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }

    started = time.monotonic()
    server.request("POST", f"/logs/{paper.log.slug}/comments/on/note/{note.pk}/", body, headers)
    response = server.getresponse()
    response.read()
    took = time.monotonic() - started
    server.close()

    assert response.status in (200, 302)
    assert took < 2, took
    deadline = time.monotonic() + 8
    while not emails_to(bob) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(emails_to(bob)) == 1


@pytest.mark.parametrize("comments", [1, 6])
def test_a_batch_costs_the_same_queries_whatever_it_holds(
    bob, carol, paper, comments, django_assert_num_queries
):
    note = make_note(paper, by=bob)
    for n in range(comments):
        actions.comment_add(note, by=carol, body=f"Comment {n}")
    # Who is due; then, for bob, in a savepoint: his locked row, which of his
    # pending ones he can read, them with who and where, marking them sent,
    # his last_emailed_at.
    with django_assert_num_queries(8):
        assert mail.send_notification_batches() == 1
    assert emails_to(bob)[0].subject.startswith(f"{comments} new notification")
