"""Every URL of the app, checked for every kind of visitor.

The walk finds each named URL pattern whose view lives in `papers.views` and
fails when its name is missing from PERMISSION_CASES. Adding a URL? Add ONE
line here, in your area's block:

    "log_detail": case(VIEWER, LOG, public=True),       # anonymous may read a public log
    "note_add": case(MEMBER, PAPER, POST),              # POST with empty data
    "note_edit": case(MEMBER, NOTE, GET_POST, own=True),  # GET and POST; carol's own note
    "paper_field_edit": case(MEMBER, PAPER, GET_POST, field="title"),  # extra URL kwargs

`need` is the lowest role that may use the URL (VIEWER … OWNER), or ANYONE
(no login at all) or SIGNED_IN (any logged-in user, no log involved). The
second argument turns the fixtures into URL kwargs: LOG, PAPER, PAPER_NUMBER,
NOTE, QUESTION, COMMENT, ENTRY (a written change-log entry), MEMBERSHIP
(dave's), INVITATION, TOKEN, TRASH_ITEM, or your own `lambda o: {...}` over
the objects below. The third says which methods the view takes: GET (the
default), POST or GET_POST; the other one must answer 405.
Everything in the log (paper, note, question, comment, trash item) was written
by carol, the member, so "edit your own" URLs have MEMBER as their minimum and
say `own=True`: carol then gets 403 on the same URL over bob's objects.

Each URL is requested with every method it takes, as a page and as htmx
(`HX-Request: true`), with an empty POST; what a request writes is rolled back.
For a log URL, the test then asserts on the private "group" log:
- mallory (signed in, not a member) gets 404;
- an anonymous visitor is sent to log in, or gets 404 (views that a public
  log opens to anyone have no @login_required, and a private one is a 404);
- each role below `need` gets 403;
- the `need` role gets a status that is not an error: below 400, or 422 (an
  empty POST that the view rejects as invalid input still proved access).
With public=True, an anonymous visitor to the same URL on a public log gets in.
On a public log, URLs that need a member or more refuse mallory (403 or 404)
and anonymous visitors (sent to log in, or 403 or 404), and write nothing.
The Django admin is walked too, from its registry: /admin/ and each model's
changelist, add and change pages send non-staff users to the admin login, and
refuse staff without permissions.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from papers import actions, mail
from papers.models import (
    ChangeLogEntry,
    Invitation,
    Membership,
    Notification,
    ReadingLog,
    Role,
)
from tests.conftest import make_comment, make_note, make_paper, make_question, make_user
from tests.web.conftest import HTMX

ANYONE, SIGNED_IN = "anyone", "signed_in"
VIEWER, MEMBER, CURATOR, OWNER = Role.VIEWER, Role.MEMBER, Role.CURATOR, Role.OWNER
GET, POST, GET_POST = "GET", "POST", "GET POST"
METHODS = (GET, POST)


def NONE(o):
    return {}


def LOG(o):
    return {"slug": o.log.slug}


def PAPER(o):
    return {"slug": o.log.slug, "number": o.paper.number}


def PAPER_NUMBER(o):
    return {"slug": o.log.slug, "pk": o.paper.number}


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


def NOTIFICATION(o):
    return {"pk": o.notification.pk}


def TRASH_ITEM(o):
    return {"slug": o.log.slug, "pk": o.trash_item.pk}


@dataclass
class Case:
    need: str
    kwargs: object = NONE
    methods: tuple = (GET,)
    public: bool = False
    own: bool = False
    extra: dict = field(default_factory=dict)

    def url_kwargs(self, objects):
        return {**self.kwargs(objects), **self.extra}

    def url(self, name, objects):
        return reverse(name, kwargs=self.url_kwargs(objects))


def case(need, kwargs=NONE, methods=GET, *, public=False, own=False, **extra):
    return Case(need, kwargs, tuple(methods.split()), public, own, extra)


# fmt: off
PERMISSION_CASES = {
    # -- Shell: home, accounts, log settings, members (papers/views/accounts.py)
    "home": case(ANYONE),
    "login": case(ANYONE, NONE, GET_POST),
    "logout": case(ANYONE, NONE, POST),
    "password_change": case(SIGNED_IN, NONE, GET_POST),
    # -- Notifications (papers/views/notifications.py): dave's, from carol
    "notification_list": case(SIGNED_IN),
    "notifications_read": case(SIGNED_IN, NONE, POST),
    "notification_open": case(VIEWER, NOTIFICATION),
    "unsubscribe": case(ANYONE, lambda o: {"token": mail.unsubscribe_token(o.users[VIEWER], "all")}, GET_POST),  # noqa: E501
    # -- Account settings (papers/views/account.py): the user's own
    "account_settings": case(SIGNED_IN, NONE, GET_POST),
    "feed_token_reset": case(SIGNED_IN, NONE, POST),
    "password_reset": case(ANYONE, NONE, GET_POST),
    "password_reset_confirm": case(ANYONE, lambda o: {"uidb64": "MQ", "token": "set-password"}, GET_POST),  # noqa: E501
    "healthz": case(ANYONE),  # papers/views/outage.py
    "log_create": case(SIGNED_IN, NONE, GET_POST),
    "invitation_accept": case(ANYONE, TOKEN, GET_POST),  # shown to anyone; joining needs a login
    "invitation_signup": case(ANYONE, TOKEN, GET_POST),
    "log_settings": case(OWNER, LOG, GET_POST),
    "log_delete": case(OWNER, LOG, POST),
    "log_members": case(VIEWER, LOG),
    "member_names": case(MEMBER, LOG),
    "member_role": case(OWNER, MEMBERSHIP, POST),
    "member_remove": case(OWNER, MEMBERSHIP, POST),
    "invitation_create": case(OWNER, LOG, POST),
    "invitation_revoke": case(OWNER, INVITATION, POST),
    # -- Log page (papers/views/logs.py)
    "log_detail": case(VIEWER, LOG, public=True),
    "paper_add": case(MEMBER, LOG, POST),
    "markdown_preview": case(MEMBER, LOG, POST),
    "log_watch": case(VIEWER, LOG, POST),  # any member's own digest; an empty POST is a 422
    # -- Paper page and notes (papers/views/paper.py)
    "paper_detail": case(VIEWER, PAPER, public=True),
    "paper_field_edit": case(MEMBER, PAPER, GET_POST, own=True, field="title"),
    "paper_delete": case(MEMBER, PAPER, POST, own=True),
    "paper_add_preview": case(MEMBER, LOG, POST),
    "paper_fetch": case(MEMBER, PAPER, POST, own=True),
    "paper_merge": case(CURATOR, PAPER, GET_POST),
    "note_add": case(MEMBER, PAPER, POST),
    "note_edit": case(MEMBER, NOTE, GET_POST, own=True),
    "note_delete": case(MEMBER, NOTE, POST, own=True),
    "note_move": case(MEMBER, NOTE, POST, own=True),
    "note_to_question": case(MEMBER, NOTE, POST, own=True),
    # -- Comments and live updates (papers/views/comments.py, updates.py)
    "comment_add": case(MEMBER, lambda o: {"slug": o.log.slug, "kind": "paper", "pk": o.paper.pk}, POST),  # noqa: E501
    "comment_reply": case(MEMBER, COMMENT, GET_POST),  # to anyone's comment
    "comment_edit": case(MEMBER, COMMENT, GET_POST, own=True),
    "comment_delete": case(MEMBER, COMMENT, POST, own=True),
    "comment_hide": case(CURATOR, COMMENT, POST),
    "comment_move": case(CURATOR, COMMENT, GET_POST),
    "paper_updates": case(VIEWER, PAPER, public=True),
    # ?log= is a query parameter: a private log's counts refuse non-members in
    # tests/web/test_updates_counts.py; without it there is nothing to refuse.
    "updates": case(ANYONE),
    # -- Questions (papers/views/questions.py)
    "question_ask": case(MEMBER, PAPER, POST),
    "log_questions": case(VIEWER, LOG, public=True),
    "log_question_badge": case(VIEWER, LOG, public=True),
    "question_detail": case(VIEWER, QUESTION, public=True),
    "question_edit": case(MEMBER, QUESTION, GET_POST, own=True),
    "question_delete": case(MEMBER, QUESTION, POST, own=True),
    "question_resolve": case(MEMBER, QUESTION, POST, own=True),
    "question_reopen": case(MEMBER, QUESTION, POST, own=True),
    "question_to_note": case(MEMBER, QUESTION, POST, own=True),
    # -- Change log (papers/views/changelog.py)
    "log_changelog": case(VIEWER, LOG, public=True),
    "changelog_add": case(CURATOR, LOG, POST),
    "changelog_entry": case(VIEWER, ENTRY, public=True),
    "changelog_edit": case(CURATOR, ENTRY, GET_POST),
    "changelog_hide": case(CURATOR, ENTRY, POST),
    "changelog_unhide": case(CURATOR, ENTRY, POST),
    "changelog_undo": case(CURATOR, ENTRY, POST),  # a written entry: refused, with a message
    # -- Atom feeds (papers/views/feeds.py); a private log's also open with a member's ?key=
    "changelog_feed": case(VIEWER, LOG, public=True),
    "activity_feed": case(VIEWER, LOG, public=True),
    # -- Import and export (papers/views/transfer.py)
    "log_import_new": case(SIGNED_IN, NONE, GET_POST),
    "log_import_new_confirm": case(SIGNED_IN, NONE, POST),
    "log_import": case(CURATOR, LOG, GET_POST),
    "log_import_confirm": case(CURATOR, LOG, POST),
    "log_export_markdown": case(VIEWER, LOG, public=True),
    "log_export_json": case(CURATOR, LOG),
    "log_export_bibtex": case(VIEWER, LOG, public=True),
    "paper_export_bibtex": case(VIEWER, PAPER, public=True),
    # -- History and trash (papers/views/history.py, trash.py); every item was edited once
    "paper_history": case(VIEWER, PAPER_NUMBER, public=True),
    "paper_revision_restore": case(MEMBER, lambda o: {**PAPER_NUMBER(o), "version": 1}, POST, own=True),  # noqa: E501
    "note_history": case(VIEWER, NOTE, public=True),
    "note_revision_restore": case(MEMBER, lambda o: {**NOTE(o), "version": 1}, POST, own=True),
    "question_history": case(VIEWER, QUESTION, public=True),
    "question_revision_restore": case(MEMBER, lambda o: {**QUESTION(o), "version": 1}, POST, own=True),  # noqa: E501
    "comment_history": case(VIEWER, COMMENT, public=True),
    "comment_revision_restore": case(MEMBER, lambda o: {**COMMENT(o), "version": 1}, POST, own=True),  # noqa: E501
    "entry_history": case(VIEWER, ENTRY, public=True),
    "entry_revision_restore": case(CURATOR, lambda o: {**ENTRY(o), "version": 1}, POST),
    "log_trash": case(MEMBER, LOG),
    "trash_restore": case(MEMBER, TRASH_ITEM, POST, own=True),
    "trash_purge": case(CURATOR, TRASH_ITEM, POST),
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


def _written(log, author, paper):
    """Write a note, a question and a comment on paper, edit each once, and trash a note."""
    note = make_note(paper, by=author)
    question = make_question(paper, by=author)
    comment = make_comment(paper, by=author)
    for item, values in [
        (note, {"body": "Figure 1, revised"}),
        (question, {"body": "Why sqrt(d_k), revised?"}),
        (comment, {"body": "Good point, revised."}),
    ]:
        actions.text_edit(item, by=author, version=1, **values)
    deleted = make_note(paper, by=author, body=f"A note {author.username} deleted")
    return {
        "paper": paper,
        "note": note,
        "question": question,
        "comment": comment,
        "trash_item": actions.trash(deleted, by=author),
    }


@pytest.fixture
def objects(log, paper, alice, bob, carol, dave, mallory):
    """Return what the cases' kwargs read: carol's paper, note, question, comment and trash item."""
    entry = ChangeLogEntry.objects.create(log=log, text="Read [1] together.", author=bob)
    actions.text_edit(paper, by=carol, version=1, title="Attention, revised")
    actions.text_edit(entry, by=carol, version=1, text="Read [1] together, revised.")
    written = _written(log, carol, paper)
    notification = Notification.send(
        dave,
        actor=carol,
        kind=Notification.Kind.REPLY,
        item=written["comment"],
        text="A reply to dave.",
    )
    return SimpleNamespace(
        log=log,
        entry=entry,
        notification=notification,
        invitation=Invitation.objects.create(log=log, created_by=alice),
        dave_membership=Membership.objects.get(log=log, user=dave),
        users={OWNER: alice, CURATOR: bob, MEMBER: carol, VIEWER: dave},
        mallory=mallory,
        **written,
    )


def bobs(objects):
    """Return the objects with bob's paper, note, question, comment and trash item instead."""
    bob = objects.users[CURATOR]
    paper = make_paper(objects.log, by=bob, title="BERT", url="https://arxiv.org/abs/1810.04805")
    actions.text_edit(paper, by=bob, version=1, title="BERT, revised")
    return SimpleNamespace(**{**vars(objects), **_written(objects.log, bob, paper)})


def request(client, method, url, headers=None):
    """Send an empty GET or POST; whatever it writes is rolled back."""
    with transaction.atomic():
        if method == POST:
            response = client.post(url, {}, headers=headers)
        else:
            response = client.get(url, headers=headers)
        transaction.set_rollback(True)
    return response


def snapshot():
    """Return every row of the app's tables, trashed ones included."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_app_config("papers").get_models()
    }


def is_allowed(status):
    return status < 400 or status == 422


def is_login_redirect(response, login="login"):
    return response.status_code == 302 and response["Location"].startswith(reverse(login))


def variants(spec):
    """Yield (method, headers, label) for each method the view takes, as a page and as htmx."""
    for method in spec.methods:
        for headers, kind in [({}, ""), (HTMX, " (htmx)")]:
            yield method, headers, f"{method}{kind}"


@pytest.mark.parametrize("name", sorted(PERMISSION_CASES))
def test_url_permissions(client, objects, name):
    spec = PERMISSION_CASES[name]
    url = spec.url(name, objects)

    for method, headers, how in variants(spec):
        client.logout()
        anonymous = request(client, method, url, headers)
        if spec.need == ANYONE:
            status = anonymous.status_code
            assert is_allowed(status), f"{name}: anonymous {how} got {status}"
            continue
        if spec.need == SIGNED_IN:
            assert is_login_redirect(anonymous), f"{name}: anonymous {how} was not sent to log in"
            client.force_login(objects.mallory)
            status = request(client, method, url, headers).status_code
            assert is_allowed(status), f"{name}: a signed-in user {how} got {status}"
            continue

        assert is_login_redirect(anonymous) or anonymous.status_code == 404, (
            f"{name}: anonymous {how} got {anonymous.status_code} on a private log"
        )

        client.force_login(objects.mallory)
        status = request(client, method, url, headers).status_code
        assert status == 404, f"{name}: an outsider {how} got {status} on a private log, not 404"

        for role in Role:
            if role.rank < Role(spec.need).rank:
                client.force_login(objects.users[role])
                status = request(client, method, url, headers).status_code
                assert status == 403, f"{name}: a {role.label.lower()} {how} got {status}, not 403"

        client.force_login(objects.users[spec.need])
        status = request(client, method, url, headers).status_code
        assert is_allowed(status), f"{name}: a {Role(spec.need).label.lower()} {how} got {status}"

    for method in set(METHODS) - set(spec.methods):  # as whoever may use the URL
        status = request(client, method, url).status_code
        assert status == 405, f"{name}: {method} got {status}, not 405"


@pytest.mark.parametrize("name", sorted(n for n, c in PERMISSION_CASES.items() if c.public))
def test_public_log_urls_open_to_anonymous_visitors(client, objects, name):
    ReadingLog.objects.filter(pk=objects.log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    spec = PERMISSION_CASES[name]
    for method, headers, how in variants(spec):
        status = request(client, method, spec.url(name, objects), headers).status_code
        assert is_allowed(status), f"{name}: anonymous {how} got {status} on a public log"


@pytest.mark.parametrize("name", sorted(n for n, c in PERMISSION_CASES.items() if c.own))
def test_a_member_cannot_change_what_someone_else_wrote(client, objects, name):
    spec = PERMISSION_CASES[name]
    url = spec.url(name, bobs(objects))
    client.force_login(objects.users[MEMBER])
    before = snapshot()
    for method, headers, how in variants(spec):
        status = request(client, method, url, headers).status_code
        assert status == 403, f"{name}: a member {how} got {status} on bob's, not 403"
    assert snapshot() == before, f"{name}: a refused request wrote something"


WRITERS = sorted(n for n, c in PERMISSION_CASES.items() if c.need in (MEMBER, CURATOR, OWNER))


@pytest.mark.parametrize("name", WRITERS)
def test_outsiders_cannot_write_to_a_public_log(client, objects, name):
    ReadingLog.objects.filter(pk=objects.log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    spec = PERMISSION_CASES[name]
    url = spec.url(name, objects)
    client.force_login(objects.mallory)
    anonymous = Client()
    before = snapshot()
    for method, headers, how in variants(spec):
        status = request(client, method, url, headers).status_code
        assert status in (403, 404), f"{name}: an outsider {how} got {status} on a public log"
        response = request(anonymous, method, url, headers)
        assert is_login_redirect(response) or response.status_code in (403, 404), (
            f"{name}: anonymous {how} got {response.status_code} on a public log"
        )
    assert snapshot() == before, f"{name}: a refused request wrote something"


def admin_urls():
    """Return (label, URL name, model) for /admin/ and each registered model's pages."""
    urls = [pytest.param("admin:index", None, id="index")]
    for model, model_admin in admin.site._registry.items():
        for view in ("changelist", "add", "change"):
            url_name = f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_{view}"
            urls.append(pytest.param(url_name, model, id=f"{model._meta.label_lower}.{view}"))
    return urls


@pytest.mark.parametrize(("url_name", "model"), admin_urls())
def test_admin_urls_refuse_who_is_not_staff_or_has_no_permission(
    client, paper, carol, admin_user, url_name, model
):
    first = model._base_manager.order_by("pk").first() if model else None
    args = [first.pk if first else 1] if url_name.endswith("_change") else []
    url = reverse(url_name, args=args)
    staff = make_user("staffer", is_staff=True)  # no permissions at all
    for method in METHODS:
        for user in (None, carol):
            client.logout()
            if user:
                client.force_login(user)
            response = request(client, method, url)
            assert is_login_redirect(response, "admin:login"), (
                f"{url_name}: {user or 'anonymous'} {method} was not sent to the admin login"
            )
        client.force_login(staff)
        status = request(client, method, url).status_code
        expected = 200 if url_name == "admin:index" else 403
        assert status == expected, f"{url_name}: staff without permissions {method} got {status}"

    # A site admin gets in, wherever anyone can: nobody adds axes' records by hand.
    client.force_login(admin_user)
    status = request(client, GET, url).status_code
    site_admin = RequestFactory().get(url)
    site_admin.user = admin_user
    if args and not first:
        assert status == 302, f"{url_name}: a site admin got {status} for a missing object"
    elif url_name.endswith("_add") and not admin.site._registry[model].has_add_permission(
        site_admin
    ):
        assert status == 403, f"{url_name}: a site admin got {status}"
    else:
        assert status == 200, f"{url_name}: a site admin got {status}"
