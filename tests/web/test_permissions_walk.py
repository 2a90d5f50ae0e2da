"""Every URL of the app, checked for every kind of visitor.

The walk finds each named URL pattern whose view lives in `papers.views` and
fails when its name is missing from PERMISSION_CASES. Adding a URL? Add ONE
line here, in your area's block:

    "note_edit": case(MEMBER, NOTE),                   # GET works for the minimum role
    "note_delete": case(MEMBER, NOTE, POST),            # POST with empty data
    "log_detail": case(VIEWER, LOG, public=True),       # anonymous may read a public log
    "paper_field_edit": case(MEMBER, PAPER, field="title"),  # extra URL kwargs

`need` is the lowest role that may use the URL (VIEWER … OWNER), or ANYONE
(no login at all) or SIGNED_IN (any logged-in user, no log involved). The
second argument turns the fixtures into URL kwargs: LOG, PAPER, NOTE, QUESTION,
COMMENT, ENTRY (a written change-log entry), MEMBERSHIP (dave's),
INVITATION, TOKEN, or your own `lambda o: {...}` over the objects below.
Everything in the log (paper, note, question, comment) was written by carol,
the member, so "edit your own" URLs have MEMBER as their minimum.

For a log URL, the test then asserts on the private "group" log:
- mallory (signed in, not a member) gets 404;
- an anonymous visitor is sent to log in, or gets 404 (views that a public
  log opens to anyone have no @login_required, and a private one is a 404);
- each role below `need` gets 403;
- the `need` role gets a status that is not an error: below 400, or 422 (an
  empty POST that the view rejects as invalid input still proved access).
With public=True, an anonymous visitor to the same URL on a public log gets in.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from papers import actions
from papers.models import ChangeLogEntry, Invitation, Membership, ReadingLog, Role
from tests.conftest import make_comment, make_note, make_question

ANYONE, SIGNED_IN = "anyone", "signed_in"
VIEWER, MEMBER, CURATOR, OWNER = Role.VIEWER, Role.MEMBER, Role.CURATOR, Role.OWNER
GET, POST = "GET", "POST"


def NONE(o):
    return {}


def LOG(o):
    return {"slug": o.log.slug}


def PAPER(o):
    return {"slug": o.log.slug, "number": o.paper.number}


def NOTE(o):
    return {"slug": o.log.slug, "pk": o.note.pk}


def QUESTION(o):
    return {"slug": o.log.slug, "pk": o.question.pk}


def COMMENT(o):
    return {"slug": o.log.slug, "pk": o.comment.pk}


def ENTRY(o):
    return {"slug": o.log.slug, "pk": o.entry.pk}


def MEMBERSHIP(o):
    return {"slug": o.log.slug, "pk": o.dave_membership.pk}


def INVITATION(o):
    return {"slug": o.log.slug, "pk": o.invitation.pk}


def TOKEN(o):
    return {"token": o.invitation.token}


@dataclass
class Case:
    need: str
    kwargs: object = NONE
    method: str = GET
    public: bool = False
    extra: dict = field(default_factory=dict)

    def url(self, name, objects):
        return reverse(name, kwargs={**self.kwargs(objects), **self.extra})


def case(need, kwargs=NONE, method=GET, *, public=False, **extra):
    return Case(need, kwargs, method, public, extra)


# fmt: off
PERMISSION_CASES = {
    # -- Shell: home, accounts, log settings, members (papers/views/accounts.py)
    "home": case(ANYONE),
    "login": case(ANYONE),
    "logout": case(ANYONE, method=POST),
    "password_change": case(SIGNED_IN),
    "password_reset": case(ANYONE),
    "password_reset_confirm": case(ANYONE, lambda o: {"uidb64": "MQ", "token": "set-password"}),
    "healthz": case(ANYONE),  # papers/views/outage.py
    "log_create": case(SIGNED_IN),
    "invitation_accept": case(ANYONE, TOKEN),  # shown to anyone; joining needs a login
    "invitation_signup": case(ANYONE, TOKEN),
    "log_settings": case(OWNER, LOG),
    "log_delete": case(OWNER, LOG, POST),
    "log_members": case(VIEWER, LOG),
    "member_role": case(OWNER, MEMBERSHIP, POST),
    "member_remove": case(OWNER, MEMBERSHIP, POST),
    "invitation_create": case(OWNER, LOG, POST),
    "invitation_revoke": case(OWNER, INVITATION, POST),
    # -- Log page (papers/views/logs.py)
    "log_detail": case(VIEWER, LOG, public=True),
    "paper_add": case(MEMBER, LOG, POST),
    "markdown_preview": case(MEMBER, LOG, POST),
    # -- Paper page and notes (papers/views/paper.py)
    "paper_detail": case(VIEWER, PAPER, public=True),
    "paper_field_edit": case(MEMBER, PAPER, field="title"),
    "paper_delete": case(MEMBER, PAPER, POST),
    "note_add": case(MEMBER, PAPER, POST),
    "note_edit": case(MEMBER, NOTE),
    "note_delete": case(MEMBER, NOTE, POST),
    "note_move": case(MEMBER, NOTE, POST),
    "note_to_question": case(MEMBER, NOTE, POST),
    # -- Comments and live updates (papers/views/comments.py, updates.py)
    "comment_add": case(MEMBER, lambda o: {"slug": o.log.slug, "kind": "paper", "pk": o.paper.pk}, POST),  # noqa: E501
    "comment_reply": case(MEMBER, COMMENT),
    "comment_edit": case(MEMBER, COMMENT),
    "comment_delete": case(MEMBER, COMMENT, POST),
    "comment_hide": case(CURATOR, COMMENT, POST),
    "comment_move": case(CURATOR, COMMENT),
    "paper_updates": case(VIEWER, PAPER, public=True),
    # -- Questions (papers/views/questions.py)
    "question_ask": case(MEMBER, PAPER, POST),
    "log_questions": case(VIEWER, LOG, public=True),
    "log_question_badge": case(VIEWER, LOG, public=True),
    "question_detail": case(VIEWER, QUESTION, public=True),
    "question_edit": case(MEMBER, QUESTION),
    "question_delete": case(MEMBER, QUESTION, POST),
    "question_resolve": case(MEMBER, QUESTION, POST),
    "question_reopen": case(MEMBER, QUESTION, POST),
    "question_to_note": case(MEMBER, QUESTION, POST),
    # -- Change log (papers/views/changelog.py)
    "log_changelog": case(VIEWER, LOG, public=True),
    "changelog_add": case(CURATOR, LOG, POST),
    "changelog_entry": case(VIEWER, ENTRY, public=True),
    "changelog_edit": case(CURATOR, ENTRY),
    "changelog_hide": case(CURATOR, ENTRY, POST),
    "changelog_unhide": case(CURATOR, ENTRY, POST),
    "changelog_undo": case(CURATOR, ENTRY, POST),  # a written entry: refused, with a message
    # -- Import and export (papers/views/transfer.py)
    "log_import_new": case(SIGNED_IN),
    "log_import_new_confirm": case(SIGNED_IN, NONE, POST),
    "log_import": case(CURATOR, LOG),
    "log_import_confirm": case(CURATOR, LOG, POST),
    "log_export_markdown": case(VIEWER, LOG, public=True),
    "log_export_json": case(CURATOR, LOG),
    # -- History and trash (papers/views/history.py, trash.py); every item was edited once
    "paper_history": case(VIEWER, lambda o: {"slug": o.log.slug, "pk": o.paper.number}, public=True),  # noqa: E501
    "paper_revision_restore": case(MEMBER, lambda o: {"slug": o.log.slug, "pk": o.paper.number, "version": 1}, POST),  # noqa: E501
    "note_history": case(VIEWER, NOTE, public=True),
    "note_revision_restore": case(MEMBER, lambda o: {**NOTE(o), "version": 1}, POST),
    "question_history": case(VIEWER, QUESTION, public=True),
    "question_revision_restore": case(MEMBER, lambda o: {**QUESTION(o), "version": 1}, POST),
    "comment_history": case(VIEWER, COMMENT, public=True),
    "comment_revision_restore": case(MEMBER, lambda o: {**COMMENT(o), "version": 1}, POST),
    "entry_history": case(VIEWER, ENTRY, public=True),
    "entry_revision_restore": case(CURATOR, lambda o: {**ENTRY(o), "version": 1}, POST),
    "log_trash": case(MEMBER, LOG),
    "trash_restore": case(MEMBER, lambda o: {"slug": o.log.slug, "pk": o.trash_item.pk}, POST),
    "trash_purge": case(CURATOR, lambda o: {"slug": o.log.slug, "pk": o.trash_item.pk}, POST),
    "trash_empty": case(CURATOR, LOG, POST),
}
# fmt: on


def app_url_names():
    """Names of every URL pattern, at any depth, whose view is in papers.views."""
    names = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                module = getattr(pattern.callback, "__module__", "")
                if module.startswith("papers.views"):
                    assert pattern.name, f"{pattern} has no name: name it and add it here"
                    names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_of_the_app_has_a_permission_case():
    missing = sorted(app_url_names() - PERMISSION_CASES.keys())
    assert not missing, f"Add these URL names to PERMISSION_CASES: {missing}"


def test_the_table_has_no_stale_entries():
    stale = sorted(PERMISSION_CASES.keys() - app_url_names())
    assert not stale, f"These URL names no longer exist: {stale}"


@pytest.fixture
def objects(log, paper, alice, bob, carol, dave, mallory):
    note = make_note(paper, by=carol)
    question = make_question(paper, by=carol)
    comment = make_comment(paper, by=carol)
    entry = ChangeLogEntry.objects.create(log=log, text="Read [1] together.", author=bob)
    for item, values in [
        (paper, {"title": "Attention, revised"}),
        (note, {"body": "Figure 1, revised"}),
        (question, {"body": "Why sqrt(d_k), revised?"}),
        (comment, {"body": "Good point, revised."}),
        (entry, {"text": "Read [1] together, revised."}),
    ]:
        actions.text_edit(item, by=carol, version=1, **values)
    deleted = make_note(paper, by=carol, body="A note carol deleted")
    return SimpleNamespace(
        trash_item=actions.trash(deleted, by=carol),
        log=log,
        paper=paper,
        note=note,
        question=question,
        comment=comment,
        entry=entry,
        invitation=Invitation.objects.create(log=log, created_by=alice),
        dave_membership=Membership.objects.get(log=log, user=dave),
        users={OWNER: alice, CURATOR: bob, MEMBER: carol, VIEWER: dave},
        mallory=mallory,
    )


def request(client, method, url):
    return client.post(url, {}) if method == POST else client.get(url)


def is_allowed(status):
    return status < 400 or status == 422


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(PERMISSION_CASES))
def test_url_permissions(client, objects, name):
    spec = PERMISSION_CASES[name]
    url = spec.url(name, objects)

    anonymous = request(client, spec.method, url)
    if spec.need == ANYONE:
        assert is_allowed(anonymous.status_code), f"{name}: anonymous got {anonymous.status_code}"
        return
    if spec.need == SIGNED_IN:
        assert is_login_redirect(anonymous), f"{name}: anonymous was not sent to log in"
        client.force_login(objects.mallory)
        status = request(client, spec.method, url).status_code
        assert is_allowed(status), f"{name}: a signed-in user got {status}"
        return

    assert is_login_redirect(anonymous) or anonymous.status_code == 404, (
        f"{name}: anonymous got {anonymous.status_code} on a private log"
    )

    client.force_login(objects.mallory)
    status = request(client, spec.method, url).status_code
    assert status == 404, f"{name}: an outsider got {status} on a private log, not 404"

    for role in Role:
        if role.rank < Role(spec.need).rank:
            client.force_login(objects.users[role])
            status = request(client, spec.method, url).status_code
            assert status == 403, f"{name}: a {role.label.lower()} got {status}, not 403"

    client.force_login(objects.users[spec.need])
    status = request(client, spec.method, url).status_code
    assert is_allowed(status), f"{name}: a {Role(spec.need).label.lower()} got {status}"


@pytest.mark.parametrize("name", sorted(n for n, c in PERMISSION_CASES.items() if c.public))
def test_public_log_urls_open_to_anonymous_visitors(client, objects, name):
    ReadingLog.objects.filter(pk=objects.log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    spec = PERMISSION_CASES[name]
    status = request(client, spec.method, spec.url(name, objects)).status_code
    assert is_allowed(status), f"{name}: anonymous got {status} on a public log"
