"""While the database is away every page answers a friendly 503, and the app comes back by itself.

`database_away()` makes every query fail the way an unreachable server does:
the connection raises OperationalError (on any database). On PostgreSQL the
later tests take the real database away: the connection goes through a small
TCP proxy on 127.0.0.1 that is cut and restored, or to a port that never answers.
"""

import socket
import threading
import time
from contextlib import contextmanager, suppress

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.urls import reverse

from papers.models import Comment
from papers.views.outage import MESSAGE
from tests.test_settings import manage


def _refuse(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: refused")


@contextmanager
def database_away():
    """Make every query on this thread's connection fail as if the server were unreachable."""
    with connection.execute_wrapper(_refuse):
        yield


def paper_url(paper):
    return reverse("paper_detail", args=[paper.log.slug, paper.number])


def comment_url(paper):
    return reverse("comment_add", args=[paper.log.slug, "paper", paper.pk])


def assert_friendly_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "<h1>Readinglog can’t reach its database</h1>" in html
    assert "Nothing you typed was saved — try again in a minute." in html


def test_a_page_answers_503_while_the_database_is_away(client, carol, paper):
    client.force_login(carol)
    with database_away():
        response = client.get(paper_url(paper))
    assert_friendly_503(response)


def test_an_anonymous_visitor_gets_the_same_page(client, paper):
    paper.log.visibility = "public"
    paper.log.save()
    with database_away():
        assert_friendly_503(client.get(paper_url(paper)))


def test_a_comment_posted_while_the_database_is_away_is_refused_and_not_saved(client, carol, paper):
    client.force_login(carol)
    with database_away():
        response = client.post(comment_url(paper), {"body": "Typed while it was away"})
    assert_friendly_503(response)
    assert not Comment.objects.filter(body="Typed while it was away").exists()


def test_htmx_gets_the_message_alone(client, carol, paper, htmx):
    """htmx swaps nothing on a 503: the form keeps the text and app.js shows the message."""
    client.force_login(carol)
    with database_away():
        response = client.post(comment_url(paper), {"body": "Typed while it was away"}, **htmx)
    assert response.status_code == 503
    assert response.content.decode() == MESSAGE
    assert not Comment.objects.filter(body="Typed while it was away").exists()


def test_an_error_outside_the_view_answers_the_same_page(client, carol):
    """A signed-in visitor's 404 page loads the user after the view, in Django's 404 handler."""
    client.force_login(carol)
    client.raise_request_exception = False
    with database_away():
        assert_friendly_503(client.get("/no-such-page/"))


def test_other_errors_are_not_mistaken_for_an_outage(client, carol, paper):
    def fail(execute, sql, params, many, context):
        raise ZeroDivisionError

    client.force_login(carol)
    client.raise_request_exception = False
    with connection.execute_wrapper(fail):
        assert client.get(paper_url(paper)).status_code == 500


def test_healthz_says_ok_without_reading_the_session(client, carol, django_assert_num_queries):
    client.force_login(carol)  # a session cookie /healthz must not look up
    with django_assert_num_queries(1):  # SELECT 1
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


def test_healthz_says_503_while_the_database_is_away(client, db):
    with database_away():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unreachable\n"


def test_timeouts_come_from_the_environment():
    """The defaults (3 s, 30 s) are checked on PostgreSQL itself, below."""
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        DATABASE_CONNECT_TIMEOUT="5",
        DATABASE_STATEMENT_TIMEOUT="0",
    )
    assert "'connect_timeout': 5" in result.stdout, result.stderr
    assert "'options': '-c statement_timeout=0s'" in result.stdout


# -- PostgreSQL taken away for real ------------------------------------------


class Proxy:
    """A TCP proxy on 127.0.0.1 to the test database; `cut()` drops every connection."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.port = 0  # chosen by the system at the first start, kept after
        self.sockets = []

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        for sock in [self.listener, *self.sockets]:
            with suppress(OSError):  # already shut down by its other end
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked on it; close() does not
            sock.close()
        self.sockets.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target, timeout=5)
            server.settimeout(None)
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def route_database(transactional_db):
    """Return route(port): this thread's connection to the test database goes to that port."""
    if connection.vendor != "postgresql":
        pytest.skip("takes a real PostgreSQL server away")
    saved = {"HOST": connection.settings_dict["HOST"], "PORT": connection.settings_dict["PORT"]}

    def route(port):
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))

    yield route
    connection.close()
    connection.settings_dict.update(saved)


@pytest.fixture
def proxy(route_database):
    target = connection.settings_dict
    proxy = Proxy(target["HOST"] or "127.0.0.1", int(target["PORT"] or 5432))
    proxy.start()
    route_database(proxy.port)
    yield proxy
    proxy.cut()


def test_it_answers_503_while_postgresql_is_away_and_recovers_when_it_returns(
    client, carol, paper, proxy, htmx
):
    client.force_login(carol)
    assert client.get(paper_url(paper)).status_code == 200

    proxy.cut()  # the open connection is dropped, new ones are refused
    assert_friendly_503(client.get(paper_url(paper)))
    assert client.get("/healthz").status_code == 503
    response = client.post(comment_url(paper), {"body": "Typed while it was away"}, **htmx)
    assert response.status_code == 503

    # What the server does after every request; the test client leaves it out.
    # The connection had errors and fails its check, so it is closed.
    close_old_connections()
    assert connection.connection is None
    proxy.start()
    assert client.get("/healthz").status_code == 200
    assert client.get(paper_url(paper)).status_code == 200
    assert not Comment.objects.filter(body="Typed while it was away").exists()


def test_a_database_that_never_answers_fails_within_the_connect_timeout(client, route_database):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    route_database(silent.getsockname()[1])
    start = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - start
    silent.close()
    assert response.status_code == 503
    assert 2.5 < elapsed < 6, elapsed  # DATABASE_CONNECT_TIMEOUT is 3 s


def test_statements_have_a_time_limit(db):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("30s",)
