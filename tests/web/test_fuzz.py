"""Crafted input anywhere in any URL gets a 4xx, never a 5xx (issue #8, item 4).

The fuzz walks every URL pattern of the URLconf: the app's, whose case in
test_permissions_walk.PERMISSION_CASES says who may use it and how the fixture
objects become its path, and Django's (the admin as a site admin, the rest of
auth signed in). For each, hypothesis sends a few requests as someone the view
lets in, so that the view really runs:
- its path parameters are their fixture values, or hostile strings that
  their converters accept, percent-encoded into the raw path;
- each query parameter and form field the view reads (READS below for the
  app's views, found in each ModelAdmin for the admin's) is left out, valid,
  or hostile: NUL, lone surrogates (sent as the invalid UTF-8 a client would
  send), impossible dates, huge and negative numbers, `../`, unicode, long text;
- GET or POST, as the view takes them, as a page or as htmx, the form
  urlencoded or multipart.
What a request writes is rolled back, so every example starts from the same objects.
"""

import re
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters
from django.urls.resolvers import RegexPattern
from hypothesis import given, settings
from hypothesis import strategies as st

from papers.forms import PAPER_FIELDS
from papers.models import Anchor, ChangeLogEntry, Paper, Question, ReadingLog, Role
from tests.conftest import PASSWORD
from tests.web import test_permissions_walk as walk
from tests.web.conftest import HTMX
from tests.web.test_permissions_walk import ANYONE, GET, PERMISSION_CASES, POST, SIGNED_IN

objects = walk.objects  # the walk's fixture: carol's paper, note, question… in alice's log

FUZZ = settings(max_examples=6, deadline=None)
ADMIN_FUZZ = settings(FUZZ, max_examples=3)  # about a hundred pages, mostly Django's own

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\x1b[2J",
    "\r\nSet-Cookie: x=1",
    "2024-02-30T00:00:00Z",
    "2024-02-30",
    "2024-13-45",
    "0000-00-00",
    "9999-12-31T23:59:59+14:00",
    "-001-01-01",
    "99999999999999999999",
    str(10**30),
    str(-(10**30)),
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "1e400",
    "NaN",
    "-inf",
    "1.5",
    "٣",
    "²",
    "..",
    "../",
    "../../../etc/passwd",
    "%",
    "%00",
    "%2e%2e%2f",
    "?",
    "#",
    "&=&",
    "/",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "\\\\evil.example",
    "é",
    "😀",
    "\u202egnp.exe",
    "\ufeff",
    "İ",
    "ﬀ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "paper:1",
    "paper:x",
    "note:99999999999999999999",
    "question:",
    "a:b:c",
    "x" * 10_000,
    "word " * 2_000,
    "[" * 5_000,
    "y" * 60_001,
]
ANY_CHARACTER = st.characters(exclude_categories=())  # lone surrogates included
# Dates and times that look right but may not exist: 30 February, month 13, hour 99.
ODD_DATES = st.builds(
    "{:04}-{:02}-{:02}T{:02}:{:02}:00{}".format,
    st.integers(0, 99999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(["Z", "+14:00", "-99:99", ""]),
).flatmap(lambda text: st.sampled_from([text, text[:10]]))
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(ANY_CHARACTER, max_size=30),
    st.integers().map(str),
    ODD_DATES,
)

# What each view of the app reads: "query parameters | form fields". Adding a
# URL, or reading a new parameter? Say so here.
# fmt: off
READS = {
    "home": "page |",
    "login": "next | username password next",
    "logout": "next | next",
    "password_change": "| old_password new_password1 new_password2",
    "notification_list": "page |",
    "notifications_read": "|",
    "notification_open": "|",
    "unsubscribe": "|",
    "account_settings": "| email delivery_reply delivery_note_comment delivery_answer delivery_resolved delivery_reopened delivery_joined delivery_mention",  # noqa: E501
    "feed_token_reset": "|",
    "password_reset": "| email",
    "password_reset_confirm": "| new_password1 new_password2",
    "healthz": "|",
    "log_create": "| title description visibility",
    "invitation_accept": "|",
    "invitation_signup": "| username email password1 password2",
    "log_settings": "| title description visibility",
    "log_delete": "| confirm",
    "log_members": "|",
    "member_names": "|",
    "member_role": "| m{membership}-role",
    "member_remove": "|",
    "invitation_create": "| role days max_uses",
    "invitation_revoke": "|",
    "log_detail": "q status curiosity tag open sort page |",
    "paper_add": "q status curiosity tag open sort page | title url add_anyway",
    "paper_add_preview": "| title url",
    "paper_fetch": "|",
    "paper_merge": "| into confirm",
    "markdown_preview": "| body text tldr anchor_kind anchor_label",
    "log_watch": "q status curiosity tag open sort page | digest",
    "paper_detail": "|",
    "paper_field_edit": "show | title url arxiv_id doi authors year status curiosity curiosity_note tag_names tldr version",  # noqa: E501
    "paper_delete": "|",
    "note_add": "| body anchor_kind anchor_label",
    "note_edit": "show | body anchor_kind anchor_label version",
    "note_delete": "|",
    "note_move": "| direction",
    "note_to_question": "|",
    "comment_add": "| body",
    "comment_reply": "| body",
    "comment_edit": "show | body version",
    "comment_delete": "|",
    "comment_hide": "| hidden",
    "comment_move": "| target paper_number",
    "paper_updates": "since unread questions log_since |",
    "updates": "unread log questions log_since |",
    "question_ask": "| body",
    "log_questions": "status paper asker page |",
    "log_question_badge": "|",
    "question_detail": "|",
    "question_edit": "| body version next from",
    "question_delete": "| next from",
    "question_resolve": "| resolution answer next from",
    "question_reopen": "| next from",
    "question_to_note": "| next from",
    "log_changelog": "show page |",
    "changelog_add": "| date text show",
    "changelog_entry": "|",
    "changelog_edit": "| date text version",
    "changelog_hide": "|",
    "changelog_unhide": "|",
    "changelog_undo": "|",
    "changelog_feed": "key show |",
    "activity_feed": "key |",
    "log_import_new": "| file",
    "log_import_new_confirm": "| token",
    "log_import": "| file",
    "log_import_confirm": "| token",
    "log_export_markdown": "|",
    "log_export_json": "|",
    "log_export_bibtex": "|",
    "paper_export_bibtex": "|",
    "paper_history": "|",
    "paper_revision_restore": "|",
    "note_history": "|",
    "note_revision_restore": "|",
    "question_history": "|",
    "question_revision_restore": "|",
    "comment_history": "|",
    "comment_revision_restore": "|",
    "entry_history": "|",
    "entry_revision_restore": "|",
    "log_trash": "page |",
    "trash_restore": "|",
    "trash_purge": "|",
    "trash_empty": "|",
    # Django's admin pages, apart from each model's (admin_reads below)
    "admin:login": "next | username password next",
    "admin:password_change": "| old_password new_password1 new_password2",
    "admin:autocomplete": "term app_label model_name field_name page |",
    "admin:auth_user_password_change": "| password1 password2 usable_password",
}
# fmt: on

SAMPLE_LOG = b"# Reading log\n\n## [1] Attention Is All You Need\n\n- Figure 1: the encoder.\n"


def valid_values(o):
    """Return values that pass each field's checks, so that invalid ones can be alone."""
    log, paper, note, question, comment = o.log, o.paper, o.note, o.question, o.comment
    pks = [str(x.pk) for x in (log, paper, note, question, comment, o.entry)]
    text = ["Figure 2: the decoder.", "A **short** note on [1]."]
    return {
        **dict.fromkeys("body text tldr description resolution curiosity_note".split(), text),
        "title": ["Attention, again"],
        "url": ["https://arxiv.org/abs/1706.03762", "2407.12687", "10.1145/3290605.3300233"],
        "authors": ["A. Vaswani"],
        "year": ["2017"],
        "arxiv_id": ["1706.03762"],
        "doi": ["10.1145/3290605.3300233"],
        "status": [*Paper.Status.values, *Question.Status.values],
        "curiosity": Paper.Curiosity.values,
        "anchor_kind": Anchor.values,
        "anchor_label": ["Figure 3"],
        "tag_names": ["nlp, attention"],
        "tag": ["nlp"],
        "q": ["attention", "figure decoder"],
        "sort": ["number", "-number", "title", "activity", "open"],
        "open": ["on"],
        "page": ["1", "2", "last"],
        "since": ["0", "1700000000000", "2024-02-01T00:00:00Z"],
        "show": ["1", "written"],
        "key": [o.users[Role.VIEWER].feed_key],
        "paper": [str(paper.number), *pks],
        "asker": ["carol"],
        "next": [f"/logs/{log.slug}/questions/?status=open", "/"],
        "from": ["questions"],
        "version": ["1", "2"],
        "direction": ["up", "down"],
        "hidden": ["0", "1"],
        "target": [f"paper:{paper.pk}", f"note:{note.pk}", f"question:{question.pk}"],
        "paper_number": [str(paper.number)],
        "answer": [str(comment.pk)],
        "date": ["2024-05-01"],
        "visibility": ReadingLog.Visibility.values,
        "confirm": [log.slug, "on"],
        "role": Role.values,  # also RoleForm's m<pk>-role
        "days": ["14"],
        "max_uses": ["1", "5"],
        "username": ["newcomer", "carol"],
        "email": ["new@example.org"],
        **dict.fromkeys(
            "password password1 password2 old_password new_password1 new_password2".split(),
            [PASSWORD, "a long new passphrase"],
        ),
        "token": [""],
        "file": [SAMPLE_LOG],
        "action": "merge_papers renumber_paper delete_selected hide unhide resolve reopen".split(),
        "_selected_action": pks,
        "index": ["0"],
        "select_across": ["0", "1"],
        "apply": ["1"],
        "number": ["2"],
        "post": ["yes"],
        "_save": ["Save"],
        "log": [str(log.pk)],
        "slug": ["group-2"],
        "author": pks,
        "added_by": pks,
        "user": pks,
        "position": ["1"],
        "kind": ChangeLogEntry.Kind.values,
        "o": ["1", "-2.1"],
        "p": ["1"],
        "_to_field": ["id"],
        "_popup": ["1"],
        "term": ["a"],
        "app_label": ["papers"],
        "model_name": ["paper"],
        "field_name": ["log"],
        **dict.fromkeys("TOTAL_FORMS INITIAL_FORMS".split(), ["0", "1"]),
        **dict.fromkeys("note question parent created_by updated_by resolved_by".split(), pks),
        **dict.fromkeys("expires_at_0 used_at_0 attempt_time_0".split(), ["2024-05-01"]),
        **dict.fromkeys("expires_at_1 used_at_1 attempt_time_1".split(), ["12:00"]),
    }


# -- The URLconf, every pattern ------------------------------------------------

# The admin's two regex patterns, written as routes: the app list only matches
# app labels, so there is nothing to fuzz in it; the catch-all takes any path.
REGEX_ROUTES = {"app_label": "papers/", "url": "<path:url>"}
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
ADMIN_MODEL_PAGE = re.compile(r"admin:(?P<app>[a-z]+)_(?P<model>[a-z]+)_(?P<view>[a-z]+)")


def routes():
    """Return (route, name with its namespace) for every pattern of the URLconf."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = str(pattern.pattern)
                if isinstance(pattern.pattern, RegexPattern):
                    (group,) = pattern.pattern.regex.groupindex
                    route = REGEX_ROUTES[group]
                found.append((prefix + route, f"{namespace}{pattern.name}" if pattern.name else ""))

    walk(get_resolver().url_patterns, "", "")
    return found


ROUTES = routes()


def test_every_url_of_the_app_says_what_it_reads():
    missing = sorted(PERMISSION_CASES.keys() - READS.keys())
    assert not missing, f"Add these URL names to READS: {missing}"
    stale = READS.keys() - PERMISSION_CASES.keys() - {name for _, name in ROUTES}
    assert not stale, f"These URL names no longer exist: {sorted(stale)}"


def test_every_parameter_of_every_route_has_a_converter():
    for route, name in ROUTES:
        for match in PARAMETER.finditer(route):
            assert (match["converter"] or "str") in get_converters(), f"{name}: {route}"


def converter_values(converter_name):
    """Return hostile strings that the converter accepts in a path."""
    regex = get_converters()[converter_name].regex
    accepted = [s for s in HOSTILE if s and re.fullmatch(regex, s)]
    if converter_name == "int":
        made = st.integers(min_value=0).map(str)
    elif converter_name == "slug":
        made = st.from_regex(r"\A[-a-zA-Z0-9_]+\Z")
    elif converter_name == "path":
        made = st.text(ANY_CHARACTER, min_size=1)
    else:
        made = st.text(st.characters(exclude_categories=(), exclude_characters="/"), min_size=1)
    return st.one_of(st.sampled_from(accepted), made) if accepted else made


# Valid path values besides the fixture's: each region of the paper page has its own form.
PATH_CHOICES = {"field": list(PAPER_FIELDS)}


def visitor(route, name, objects, site_admin):
    """Return who may use the URL (None: anonymous), its path kwargs and the methods it takes."""
    if name in PERMISSION_CASES:
        spec = PERMISSION_CASES[name]
        user = {ANYONE: None, SIGNED_IN: objects.mallory}.get(spec.need)
        if spec.need not in (ANYONE, SIGNED_IN):
            user = objects.users[spec.need]
        return user, spec.url_kwargs(objects), spec.methods
    kwargs = {"url": "nowhere/", "content_type_id": ContentType.objects.get_for_model(Paper).pk}
    kwargs["object_id"] = kwargs["id"] = objects.paper.pk
    if page := ADMIN_MODEL_PAGE.fullmatch(name) or re.match(
        r"admin/(?P<app>\w+)/(?P<model>\w+)/", route
    ):
        model = admin_models().get(f"{page['app']}.{page['model']}")
        first = model and model._base_manager.order_by("pk").first()
        kwargs["object_id"] = kwargs["id"] = first.pk if first else 1
    user = site_admin if route.startswith("admin/") else objects.mallory
    return user, kwargs, (GET, POST)


ADMIN_ACTION_FIELDS = (
    "action _selected_action index select_across apply confirm number post".split()
)


def admin_models():
    return {m._meta.label_lower: m for m in admin.site._registry}


def field_names(form):
    """Return the names a form reads from its data (a split date and time reads two)."""
    return [
        form.add_prefix(name) + suffix
        for name, field in form.fields.items()
        for suffix in getattr(field.widget, "widgets_names", [""])
    ]


def admin_reads(name, site_admin):
    """Return (query, form) names a model's admin page reads: its filters, forms and inlines."""
    page = ADMIN_MODEL_PAGE.fullmatch(name)
    model = page and admin_models().get(f"{page['app']}.{page['model']}")
    if not model:
        return [], []
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = site_admin
    popup = ["_to_field", "_popup", "_changelist_filters"]
    if page["view"] == "changelist":
        query = ["q", "o", "p", "e", "all", *popup]
        for spec in model_admin.list_filter:
            if isinstance(spec, type):
                query.append(spec.parameter_name)
            else:
                field = spec[0] if isinstance(spec, tuple) else spec
                lookups = ("exact", "id__exact", "in", "id__in", "isnull", "gte", "lt")
                query += [field, *(f"{field}__{lookup}" for lookup in lookups)]
        if model_admin.date_hierarchy:
            query += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
        return query, ADMIN_ACTION_FIELDS
    if page["view"] in ("add", "change"):
        form = field_names(model_admin.get_form(request)())
        for inline in model_admin.get_inline_instances(request):
            formset = inline.get_formset(request)
            prefix = formset.get_default_prefix()
            form += [f"{prefix}-TOTAL_FORMS", f"{prefix}-INITIAL_FORMS"]
            form += [f"{prefix}-0-{field}" for field in [*formset.form.base_fields, "id", "DELETE"]]
        query = popup + (form if page["view"] == "add" else [])  # ?field=value: initial values
        return query, [*form, "_save", "_continue", "_addanother", "_saveasnew", *popup]
    if page["view"] == "delete":
        return popup, ["post", *popup]
    return ["p", *popup], []


# -- Requests ------------------------------------------------------------------


def encode(text):
    """Percent-encode text as a client would send it; lone surrogates become invalid UTF-8."""
    return quote(raw(text), safe="")


def raw(text):
    return text.encode("utf-8", "surrogatepass")


def send(client, method, path, query, form, *, htmx, multipart):
    """Send one crafted request and return the response."""
    url = "/" + path
    if query:
        url += "?" + "&".join(f"{encode(k)}={encode(v)}" for k, v in query.items())
    headers = HTMX if htmx else {}
    if method == GET:
        return client.get(url, headers=headers)
    if multipart:
        data = {
            key: SimpleUploadedFile("log.md", raw(value) if isinstance(value, str) else value)
            if key == "file"
            else raw(value)
            for key, value in form.items()
        }
        return client.post(url, data, headers=headers)
    body = "&".join(f"{encode(k)}={encode(v)}" for k, v in form.items() if k != "file")
    return client.post(url, body, "application/x-www-form-urlencoded", headers=headers)


def fields(names, valid):
    """Draw some of the named fields, each valid or hostile."""

    def values(name):
        known = valid.get(name) or valid.get(name.rsplit("-", 1)[-1])  # notes-0-body: body
        if name == "file":
            return st.one_of(st.sampled_from(known), st.binary(max_size=200), HOSTILE_TEXT)
        return st.one_of(st.sampled_from(known), HOSTILE_TEXT) if known else HOSTILE_TEXT

    return st.fixed_dictionaries({}, optional={name: values(name) for name in names})


@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[route for route, _ in ROUTES])
def test_crafted_input_is_never_a_server_error(client, objects, admin_user, route, name):
    user, kwargs, methods = visitor(route, name, objects, admin_user)
    if user is not None:
        client.force_login(user)
    valid = valid_values(objects)
    if name in READS:
        query_names, form_names = (part.split() for part in READS[name].split("|"))
    else:
        query_names, form_names = admin_reads(name, admin_user)
    form_names = [f.format(membership=objects.dave_membership.pk) for f in form_names]
    parameters = [
        (match[0], match["name"], converter_values(match["converter"] or "str"))
        for match in PARAMETER.finditer(route)
    ]

    @(ADMIN_FUZZ if route.startswith("admin/") else FUZZ)
    @given(st.data())
    def fuzz(data):
        attack_path = data.draw(st.booleans(), label="attack the path")
        path = route
        for placeholder, parameter, hostile in parameters:
            choices = PATH_CHOICES.get(parameter, [kwargs[parameter]])
            value = str(data.draw(st.sampled_from(choices), label=parameter))
            if attack_path and data.draw(st.booleans(), label=f"attack {parameter}"):
                value = data.draw(hostile, label=parameter)
            safe = "/" if placeholder.startswith("<path:") else ""
            path = path.replace(placeholder, quote(raw(value), safe=safe), 1)
        method = data.draw(st.sampled_from(methods), label="method")
        query = data.draw(fields(query_names, valid), label="query")
        form = data.draw(fields(form_names, valid), label="form") if method == POST else {}
        htmx = data.draw(st.booleans(), label="htmx")
        multipart = data.draw(st.booleans(), label="multipart")
        with transaction.atomic():
            response = send(client, method, path, query, form, htmx=htmx, multipart=multipart)
            transaction.set_rollback(True)
        assert response.status_code < 500, f"{method} /{path}: {response.status_code}"

    fuzz()
