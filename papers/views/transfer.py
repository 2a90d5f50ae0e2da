"""Import a markdown log in three steps (upload, preview, confirm); export a log.

The uploaded text is kept between the preview and the confirmation in the
session (server side, so the browser cannot swap it), and the confirm form
carries a signed token naming the SHA-256 of that text, bound to the user and
the target log by its salt: a confirmation only imports the exact file that
was previewed, by the person who previewed it, within an hour. A hidden field
holding the file itself would hit DATA_UPLOAD_MAX_MEMORY_SIZE long before
READINGLOG_MAX_IMPORT_BYTES.
"""

import hashlib
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from papers.forms import ImportForm
from papers.logformat import LogFormatError, parse_log
from papers.logformat.blocks import human_size
from papers.models import Role, get_log_for_user
from papers.transfer import (
    KINDS,
    export_json,
    export_markdown,
    import_markdown,
    save_document,
    title_key,
)
from papers.views import wants_partial

TEMPLATE = "papers/log_import.html"
PREVIEW_PAPERS = 10
CONFIRM_MAX_AGE = 60 * 60  # seconds a preview stays confirmable
NEW = "new"  # the import target that creates a new log
# One pending import per session: a new upload replaces the last one, so an
# abandoned preview never leaves more than one file in the session.
SESSION_KEY = "readinglog.import"


def _target(log):
    return NEW if log is None else str(log.pk)


def _salt(request, log):
    return f"readinglog.import:{request.user.pk}:{_target(log)}"


def _urls(log):
    if log is None:
        return reverse("log_import_new"), reverse("log_import_new_confirm")
    return reverse("log_import", args=[log.slug]), reverse("log_import_confirm", args=[log.slug])


_SINGULAR = {"replies": "reply", "change-log entries": "change-log entry"}


def _summary(counts):
    """Say what an import created: "9 papers, 1 note and 12 replies" (kinds with none left out)."""
    parts = [
        f"{counts[kind]} {kind if counts[kind] != 1 else _SINGULAR.get(kind, kind[:-1])}"
        for kind in KINDS
        if counts[kind]
    ]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def _entries(log, document):
    """Return the first papers of the file, each marked when it matches one in the log.

    Matching follows papers/transfer.py (same title, case and spaces aside).
    Queries: the log's paper titles (1), none for a new log.
    """
    titles = [] if log is None else log.papers.values_list("title", flat=True)
    known = {title_key(t) for t in titles}
    rows = []
    for entry in document.papers:
        key = title_key(entry.title)
        rows.append((entry, key in known))
        known.add(key)
        if len(rows) == PREVIEW_PAPERS:
            break
    return rows


def _step(request, log, role, *, form=None, preview=None, error=None, status=200):
    upload_url, confirm_url = _urls(log)
    context = {
        "log": log,
        "role": role,
        "form": form or ImportForm(),
        "upload_url": upload_url,
        "confirm_url": confirm_url,
        "preview": preview,
        "error": error,
        "max_size": human_size(settings.READINGLOG_MAX_IMPORT_BYTES),
    }
    template = TEMPLATE + ("#import-step" if wants_partial(request) else "")
    return render(request, template, context, status=status)


def _upload(request, log, role):
    """Check the file, dry-run the import, keep the text, show the preview (step 1 → 2)."""
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _step(request, log, role, form=form, status=422)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        # import_markdown(..., dry_run=True) in two calls, to keep the parsed
        # document for the preview's list of papers without parsing twice.
        document = parse_log(data, max_bytes=settings.READINGLOG_MAX_IMPORT_BYTES)
        result = save_document(document, owner=request.user, log=log, dry_run=True)
    except LogFormatError as error:
        form.add_error("file", str(error))
        return _step(request, log, role, form=form, status=422)
    # parse_log accepted the bytes, so they are UTF-8.
    text = data.decode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    request.session[SESSION_KEY] = {
        "target": _target(log),
        "sha": digest,
        "text": text,
        "name": upload.name,
    }
    token = signing.dumps({"sha": digest}, salt=_salt(request, log), compress=True)
    preview = {
        "name": upload.name,
        "size": human_size(len(data)),
        "result": result,
        "title": document.title,
        "counts": [(kind, result.counts[kind]) for kind in KINDS],
        "has_new": any(result.counts.values()),
        "entries": _entries(log, document),
        "more": max(0, len(document.papers) - PREVIEW_PAPERS),
        "paper_total": len(document.papers),
        "warnings": _with_excerpts(result.warnings, text),
        "skipped": result.skipped,
        "token": token,
    }
    return _step(request, log, role, preview=preview)


def _with_excerpts(warnings, text):
    """Return the warnings in line order, each with the start of the line it is about."""
    lines = text.lstrip("\ufeff").splitlines()
    return [
        {
            "line": warning.line,
            "message": warning.message,
            "excerpt": Truncator(lines[warning.line - 1].strip()).chars(90)
            if 0 < warning.line <= len(lines)
            else "",
        }
        for warning in sorted(warnings, key=lambda w: w.line)
    ]


def _confirm(request, log, role):
    """Import the previewed text for real, then go to the log (step 3)."""
    refused = (
        "This import could not be confirmed: the preview is out of date or was changed. "
        "Upload the file again."
    )
    stored = request.session.get(SESSION_KEY) or {}
    try:
        token = signing.loads(
            request.POST.get("token", ""), salt=_salt(request, log), max_age=CONFIRM_MAX_AGE
        )
    except signing.BadSignature:
        token = None
    if not token or stored.get("target") != _target(log) or token.get("sha") != stored.get("sha"):
        return _step(request, log, role, error=refused, status=422)
    try:
        result = import_markdown(stored["text"], owner=request.user, log=log)
    except LogFormatError as error:
        return _step(request, log, role, error=str(error), status=422)
    del request.session[SESSION_KEY]
    created = result.log
    if any(result.counts.values()):
        text = f"Imported {_summary(result.counts)}. The change log can undo it."
        if result.created_log:
            text = f"Created “{created.title}”. {text}"
        messages.success(request, text)
    else:
        messages.info(request, "Nothing new to import: everything in this file is in the log.")
    if request.htmx:
        return HttpResponseClientRedirect(created.get_absolute_url())
    return redirect(created)


# -- Import into an existing log (curators) ------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def log_import(request, slug):
    """Upload a markdown log into this log: the form, then the preview of what it adds."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    if request.method == "POST":
        return _upload(request, log, role)
    request.session.pop(SESSION_KEY, None)
    return _step(request, log, role)


@login_required
@require_POST
def log_import_confirm(request, slug):
    """Import the previewed file into this log."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    return _confirm(request, log, role)


# -- Import as a new log (anyone signed in; they become its owner) -------------


@login_required
@require_http_methods(["GET", "POST"])
def log_import_new(request):
    """Upload a markdown log to start a new log from it."""
    if request.method == "POST":
        return _upload(request, None, None)
    request.session.pop(SESSION_KEY, None)
    return _step(request, None, None)


@login_required
@require_POST
def log_import_new_confirm(request):
    """Create the new log from the previewed file; the user becomes its owner."""
    return _confirm(request, None, None)


# -- Export --------------------------------------------------------------------


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def markdown_download(log):
    """Return the log as a .md attachment (also used by the admin action)."""
    return _attachment(export_markdown(log), "text/markdown; charset=utf-8", f"{log.slug}.md")


@require_GET
def log_export_markdown(request, slug):
    """Download the log as markdown, in the format the import reads (anyone who can read it).

    Queries: the log and the role (2), then its notes, visible replies,
    questions, papers and written change-log entries (5).
    """
    log, role = get_log_for_user(request.user, slug)
    return markdown_download(log)


@login_required
@require_GET
def log_export_json(request, slug):
    """Download every record of the log as JSON (curators: it holds hidden comments)."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    content = json.dumps(export_json(log), ensure_ascii=False, indent=2)
    return _attachment(content, "application/json", f"{log.slug}.json")
