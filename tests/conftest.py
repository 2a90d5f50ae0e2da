"""Personas and small factories shared by every test.

alice owns the "group" log, bob curates it, carol is a member, dave a viewer,
and mallory is signed in but belongs to no log.
"""

import threading

import pytest
from django.db import connections

from papers import actions
from papers.models import Membership, ReadingLog, Role, User

PASSWORD = "correct horse battery staple"

WAIT = 10  # seconds; a thread that waits longer has deadlocked


def at_once(*calls):
    """Run each call in its own thread, all released together; return their results in order."""
    start = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            start.wait(WAIT)
            results[index] = call()
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def make_user(username, **fields):
    user = User(username=username, email=f"{username}@example.org", **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_log(owner, *, title="Group reading log", slug="group", members=(), **fields):
    log = ReadingLog.objects.create(title=title, slug=slug, created_by=owner, **fields)
    Membership.objects.create(user=owner, log=log, role=Role.OWNER)
    for user, role in members:
        Membership.objects.create(user=user, log=log, role=role)
    return log


def make_paper(log, *, by, title="Attention Is All You Need", **fields):
    fields.setdefault("url", "https://arxiv.org/abs/1706.03762")
    return actions.paper_add(log, by=by, title=title, **fields)


def make_note(paper, *, by, body="Figure 1 shows the encoder.", **fields):
    return actions.note_add(paper, by=by, body=body, **fields)


def make_question(paper, *, by, body="Why divide by sqrt(d_k)?", **fields):
    return actions.question_ask(paper, by=by, body=body, **fields)


def make_comment(target, *, by, body="Good point.", parent=None):
    return actions.comment_add(target, by=by, body=body, parent=parent)


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def bob(db):
    return make_user("bob")


@pytest.fixture
def carol(db):
    return make_user("carol")


@pytest.fixture
def dave(db):
    return make_user("dave")


@pytest.fixture
def mallory(db):
    return make_user("mallory")


@pytest.fixture
def admin_user(db):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def log(alice, bob, carol, dave):
    return make_log(alice, members=[(bob, Role.CURATOR), (carol, Role.MEMBER), (dave, Role.VIEWER)])


@pytest.fixture
def paper(log, carol):
    return make_paper(log, by=carol)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_network_lookups(settings):
    """Point the arXiv and Crossref lookups at a closed local port: no test reaches the
    network, and a paper added with an id is looked up and found offline at once.
    Tests that want answers replay tests/recorded_metadata.py with respx."""
    settings.READINGLOG_ARXIV_API_URL = "http://127.0.0.1:9/arxiv/api/query"
    settings.READINGLOG_CROSSREF_API_URL = "http://127.0.0.1:9/crossref/works"
