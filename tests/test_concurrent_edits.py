"""People saving the same things at the same moment, through HTTP (PostgreSQL, issue #7).

Each request runs in its own thread with its own test client and database
connection, released together by a barrier. Where the race needs one request
to be caught between reading and writing (a hide landing while an edit is in
flight), a wrapped function holds it there until the other request is done.

SQLite runs one writer at a time (IMMEDIATE transactions), so these races
cannot happen there and the tests are skipped.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from papers import actions
from papers.models import Membership, Note, Notification, Paper, Question, Revision, Role
from tests.conftest import (
    WAIT,
    at_once,
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so there is no race")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data):
    return lambda: client.post(url, data, **HTMX).status_code


def hold(monkeypatch, owner, name):
    """Make owner.name wait, once called, until the returned `release` event is set.

    Returns (called, release): `called` is set when a request reaches the function.
    """
    real = getattr(owner, name)
    called, release = threading.Event(), threading.Event()

    def held(*args, **kwargs):
        called.set()
        assert release.wait(WAIT), "the other request never finished"
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    return called, release


# -- Several people save the same note from the same version ---------------

EDITORS, ROUNDS = 8, 3


def test_of_many_saves_from_one_version_exactly_one_wins(log, paper, carol):
    editors = []
    for i in range(EDITORS):
        user = make_user(f"curator{i}")
        Membership.objects.create(log=log, user=user, role=Role.CURATOR)
        editors.append(user)
    clients = [client_for(user) for user in editors]

    for round_ in range(ROUNDS):
        note = make_note(paper, by=carol, body="The note as loaded.")
        url = reverse("note_edit", args=[log.slug, note.pk])
        texts = [f"Round {round_}, text of {user.username}" for user in editors]
        statuses = at_once(
            *(
                post(c, url, {"version": 1, "body": text})
                for c, text in zip(clients, texts, strict=True)
            )
        )

        assert sorted(statuses) == [200] + [409] * (EDITORS - 1), statuses
        winner = statuses.index(200)
        note = Note.objects.get(pk=note.pk)
        assert note.body == texts[winner]
        assert (note.version, note.edited_by) == (2, editors[winner])
        revisions = list(Revision.objects.of(note).order_by("version"))
        assert [r.version for r in revisions] == [1, 2]
        assert revisions[0].data["body"] == "The note as loaded."
        assert revisions[1].data["body"] == texts[winner]
        assert revisions[1].created_by == editors[winner]


# -- Two people edit different fields of one paper at once -----------------

PAPER_ROUNDS = 30


def test_edits_of_different_fields_of_a_paper_at_once_are_all_kept(log, paper, bob, carol):
    bobs, carols = client_for(bob), client_for(carol)
    title_url = reverse("paper_field_edit", args=[log.slug, paper.number, "title"])
    tldr_url = reverse("paper_field_edit", args=[log.slug, paper.number, "tldr"])

    for round_ in range(PAPER_ROUNDS):
        version = Paper.objects.get(pk=paper.pk).version
        statuses = at_once(
            post(bobs, title_url, {"version": version, "title": f"Title {round_}"}),
            post(carols, tldr_url, {"version": version, "tldr": f"TL;DR {round_}"}),
        )

        assert statuses == [200, 200], (round_, statuses)
        saved = Paper.objects.get(pk=paper.pk)
        assert (saved.title, saved.tldr) == (f"Title {round_}", f"TL;DR {round_}"), round_
        assert saved.version == version + 2


# -- A hide or a resolve lands while the author's edit is in flight --------


def test_a_comment_hidden_while_its_author_edits_it_stays_hidden_with_the_new_text(
    monkeypatch, log, paper, bob, carol
):
    comment = make_comment(paper, by=carol, body="Off topic, sorry.")
    carols, bobs = client_for(carol), client_for(bob)
    edited, hidden = hold(monkeypatch, actions, "text_edit")

    def edit():
        url = reverse("comment_edit", args=[log.slug, comment.pk])
        return carols.post(url, {"version": 1, "body": "On topic now."}, **HTMX)

    def hide():
        assert edited.wait(WAIT)  # carol's request has read the comment, not yet saved it
        url = reverse("comment_hide", args=[log.slug, comment.pk])
        response = bobs.post(url, {"hidden": "1"}, **HTMX)
        hidden.set()
        return response

    edit_response, hide_response = at_once(edit, hide)

    assert (edit_response.status_code, hide_response.status_code) == (200, 200)
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_by == bob
    assert comment.body == "On topic now." and comment.version == 2


def test_a_question_resolved_while_its_author_edits_it_stays_resolved_with_the_new_text(
    monkeypatch, log, paper, bob, carol
):
    question = make_question(paper, by=carol, body="Why sqrt?")
    carols, bobs = client_for(carol), client_for(bob)
    edited, resolved = hold(monkeypatch, actions, "text_edit")

    def edit():
        url = reverse("question_edit", args=[log.slug, question.pk])
        return carols.post(url, {"version": 1, "body": "Why divide by sqrt(d_k)?"}, **HTMX)

    def resolve():
        assert edited.wait(WAIT)
        url = reverse("question_resolve", args=[log.slug, question.pk])
        response = bobs.post(url, {"resolution": "To keep the softmax out of saturation."}, **HTMX)
        resolved.set()
        return response

    edit_response, resolve_response = at_once(edit, resolve)

    assert (edit_response.status_code, resolve_response.status_code) == (200, 200)
    question = Question.objects.get(pk=question.pk)
    assert question.status == Question.Status.RESOLVED and question.resolved_by == bob
    assert question.resolution == "To keep the softmax out of saturation."
    assert question.body == "Why divide by sqrt(d_k)?" and question.version == 2


def test_resolves_and_edits_at_once_never_undo_each_other(log, paper, bob, carol):
    carols, bobs = client_for(carol), client_for(bob)
    for round_ in range(10):
        question = make_question(paper, by=carol, body=f"Question {round_}?")
        edit_url = reverse("question_edit", args=[log.slug, question.pk])
        resolve_url = reverse("question_resolve", args=[log.slug, question.pk])
        statuses = at_once(
            post(carols, edit_url, {"version": 1, "body": f"Better question {round_}?"}),
            post(bobs, resolve_url, {"resolution": "Answered."}),
        )

        assert statuses == [200, 200], (round_, statuses)
        question = Question.objects.get(pk=question.pk)
        assert question.status == Question.Status.RESOLVED, round_
        assert question.body == f"Better question {round_}?", round_


# -- Two owners demote each other at once ------------------------------------


def demotions(log, alice, bob):
    """Return the two crossed demotions: alice demotes bob, bob demotes alice."""
    calls = []
    for user, other in ((alice, bob), (bob, alice)):
        pk = Membership.objects.get(log=log, user=other).pk
        url = reverse("member_role", args=[log.slug, pk])
        calls.append(post(client_for(user), url, {f"m{pk}-role": "curator"}))
    return calls


def owners(log):
    return list(Membership.objects.filter(log=log, role=Role.OWNER).values_list("user", flat=True))


def test_two_owners_demoting_each_other_at_once_leave_one_owner(monkeypatch, log, alice, bob):
    Membership.objects.filter(log=log, user=bob).update(role=Role.OWNER)
    # Both requests pass the access check and the form before either changes a role.
    both = threading.Barrier(2)
    real = Membership.set_role

    def set_role(self, role):
        both.wait(WAIT)
        return real(self, role)

    monkeypatch.setattr(Membership, "set_role", set_role)

    statuses = at_once(*demotions(log, alice, bob))

    assert sorted(statuses) == [200, 422], statuses
    assert len(owners(log)) == 1


def test_crossed_demotions_never_leave_a_log_without_an_owner(log, alice, bob):
    for round_ in range(10):
        Membership.objects.filter(log=log, user__in=[alice, bob]).update(role=Role.OWNER)
        statuses = at_once(*demotions(log, alice, bob))
        assert len(owners(log)) == 1, (round_, statuses)
        # The second either finds itself the last owner (422) or, when the first
        # was already done, is no longer an owner at all (403).
        assert sorted(statuses) in ([200, 403], [200, 422]), (round_, statuses)


def test_comments_and_opening_notifications_at_once_keep_the_unread_count_right():
    """Six members comment on bob's note while bob opens one twice: the count adds up."""
    owner = make_user("owner")
    bob = make_user("bob")
    log_users = [make_user(f"m{i}") for i in range(6)]
    log = make_log(owner, members=[(bob, Role.MEMBER), *[(u, Role.MEMBER) for u in log_users]])
    note = make_note(make_paper(log, by=owner), by=bob)
    make_comment(note, by=owner, body="Already here.")  # one unread notification to open
    opened = Notification.objects.get(recipient=bob)
    url = reverse("comment_add", args=[log.slug, "note", note.pk])

    def comment(user):
        return lambda: client_for(user).post(url, {"body": f"From {user.username}."}).status_code

    def open_it():
        return client_for(bob).get(reverse("notification_open", args=[opened.pk])).status_code

    results = at_once(*[comment(u) for u in log_users], open_it, open_it)
    assert results == [302] * 8
    bob.refresh_from_db()
    unread = Notification.objects.filter(recipient=bob, read_at__isnull=True).count()
    assert (bob.unread_notifications, unread) == (6, 6)
