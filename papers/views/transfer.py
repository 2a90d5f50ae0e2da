"""Import a markdown log in three steps (upload, preview, confirm); export a log.

The upload is one markdown file, several (one per paper, say) or a .zip of
them. Their texts are kept between the preview and the confirmation in the
session (server side, so the browser cannot swap them), and the confirm form
carries a signed token naming the SHA-256 of those texts and the reading the
preview showed, bound to the user and the target log by its salt: a
confirmation only imports the exact files that were previewed, read the way
the preview read them, by the person who previewed them, within an hour. A
hidden field holding the files themselves would hit
DATA_UPLOAD_MAX_MEMORY_SIZE long before READINGLOG_MAX_IMPORT_BYTES.

The preview's "Read this file as" select posts the reading to the upload URL
without a file: the kept files are read again that way (HTMX swaps the
preview; without JavaScript the page reloads with it).
"""

import hashlib
import json
from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from papers.bibtex import export_bibtex, log_cite_keys, parse_bibtex
from papers.forms import ImportForm, ReadingForm
from papers.logformat import READINGS, LogFormatError
from papers.logformat.blocks import human_size
from papers.logformat.files import parse_files
from papers.models import Paper, Role, get_log_for_user
from papers.transfer import KINDS, export_json, export_markdown, save_document, title_key
from papers.views import wants_partial

TEMPLATE = "papers/log_import.html"
PREVIEW_PAPERS = 10
CONFIRM_MAX_AGE = 60 * 60  # seconds a preview stays confirmable
NEW = "new"  # the import target that creates a new log
# The parser's words for what the preview shows apart: a heading that groups
# papers ("Read '## March 2024' as a heading that groups the papers below it",
# "Read as a tag of the papers below it, not as a paper."), and a file with no
# paper headings read as one paper.
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
    """Check the files, dry-run the import, keep the texts, show the preview (step 1 → 2).

    A post with a `reading` and no file is the preview's "Read this file as"
    select: it reads the files kept from the upload again that way.
    """
    if "reading" in request.POST and not request.FILES:
        return _switch(request, log, role)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _step(request, log, role, form=form, status=422)
    names = [upload.name for upload in request.FILES.getlist("file")]
    # A single zip gives the new log its name when its first file has no title.
    name = names[0][:-4] if len(names) == 1 and names[0].lower().endswith(".zip") else ""
    # The preview names a single upload; of several it gives the count.
    label = names[0] if len(names) == 1 else ""
    try:
        return _preview(request, log, role, form.cleaned_data["file"], name=name, label=label)
    except LogFormatError as error:
        form.add_error("file", str(error))
        return _step(request, log, role, form=form, status=422)


def _switch(request, log, role):
    """Read the files of the pending import in the reading the user chose; show the preview."""
    stored = request.session.get(SESSION_KEY) or {}
    form = ReadingForm(request.POST, readings=list(READINGS))
    if stored.get("target") != _target(log) or "files" not in stored:
        error = "This preview is out of date: upload the files again."
        return _step(request, log, role, error=error, status=422)
    if not form.is_valid():
        error = "There is no such way to read the files: upload them again and choose one."
        return _step(request, log, role, error=error, status=422)
    try:
        return _preview(
            request,
            log,
            role,
            stored["files"],
            name=stored["name"],
            label=stored["label"],
            reading=form.cleaned_data["reading"] or None,
            switched=True,
        )
    except LogFormatError as error:
        return _step(request, log, role, error=str(error), status=422)


def _digest(files):
    """Return the SHA-256 of the files' names and texts, what the confirmation must match."""
    return hashlib.sha256(json.dumps(files, ensure_ascii=False).encode("utf-8")).hexdigest()


def _is_bibtex(files):
    return len(files) == 1 and files[0][0].lower().endswith(".bib")


def _read(files, log, *, reading, name):
    """Return the LogDocument of the files and the BibTeX entries left out (cite key, why).

    A single .bib file is read as BibTeX (papers/bibtex.py): only the papers
    the log lacks, named after the file when it starts a new log.
    """
    if not _is_bibtex(files):
        document = parse_files(
            files, max_bytes=settings.READINGLOG_MAX_IMPORT_BYTES, reading=reading, name=name
        )
        return document, []
    file_name, data = files[0]
    parsed = parse_bibtex(data, log=log)
    parsed.document.title = file_name[:-4][:200]
    return parsed.document, parsed.skipped


def _preview(request, log, role, files, *, name, label, reading=None, switched=False):
    """Dry-run the import of `files` read in `reading`, keep them in the session, show the preview.

    `switched` says the user chose the reading: focus stays on the select.
    Raise LogFormatError for files that cannot be imported; the session keeps
    the last pending import then.
    """
    document, left_out = _read(files, log, reading=reading, name=name)
    # import_markdown(..., dry_run=True) in two steps, to keep the parsed
    # document for the preview's list of papers without parsing twice.
    result = save_document(document, owner=request.user, log=log, dry_run=True)
    # parse_files accepted the bytes, so they are UTF-8.
    texts = [
        [file_name, data if isinstance(data, str) else data.decode("utf-8")]
        for file_name, data in files
    ]
    digest = _digest(texts)
    request.session[SESSION_KEY] = {
        "target": _target(log),
        "sha": digest,
        "files": texts,
        "name": name,
        "label": label,
        "reading": reading or "",
    }
    token = signing.dumps(
        {"sha": digest, "reading": reading or ""}, salt=_salt(request, log), compress=True
    )
    reading_form = ReadingForm(
        initial={"reading": document.reading},
        readings=document.readings,
        mixed=not document.reading,
    )
    if switched:
        reading_form.fields["reading"].widget.attrs["data-focus"] = ""
    warnings = _with_excerpts(result.warnings, texts)
    grouping = [w for w in warnings if w["kind"] == "grouping"]
    size = sum(len(text.encode("utf-8")) for _, text in texts)
    preview = {
        "name": label,
        "size": human_size(size),
        "file_total": len(texts),
        "several": len(texts) > 1,
        "result": result,
        "title": document.title,
        "counts": [(kind, result.counts[kind]) for kind in KINDS],
        "has_new": any(result.counts.values()),
        "entries": _entries(log, document),
        "more": max(0, len(document.papers) - PREVIEW_PAPERS),
        "paper_total": len(document.papers),
        "warnings": _shared_once([w for w in warnings if w["kind"] != "grouping"]),
        "grouping": grouping,
        "one_paper": [w["file"] for w in warnings if w["kind"] == "one paper"],
        "skipped": result.skipped,
        "token": token,
        "reading": document.reading,
        "reading_label": READINGS.get(document.reading, ReadingForm.GUESSED),
        "reading_form": reading_form,
        "switched": switched,
        "bibtex": _is_bibtex(files),
        "left_out": left_out,
    }
    return _step(request, log, role, preview=preview)


def _shared_once(rows):
    """Show a warning that more than three files share on their first line once, with a count.

    Reading a folder of per-paper files, every file says "Read as one paper";
    one line saying it of 200 files is easier to check than 200.
    """
    shared = Counter(row["message"] for row in rows if row["file"] and row["line"] == 1)
    shown = set()
    kept = []
    for row in rows:
        message = row["message"]
        if row["file"] and row["line"] == 1 and shared[message] > 3:
            if message in shown:
                continue
            shown.add(message)
            row = {**row, "file": f"{shared[message]} files", "line": 0, "excerpt": ""}
        kept.append(row)
    return kept


def _with_excerpts(warnings, files):
    """Return the warnings in file and line order, each with the start of the line it is about.

    A warning without a file when several files were read (one the save
    adds about the change log) has no excerpt.
    """
    texts = dict(files)
    only = files[0][0] if len(files) == 1 else None
    lines_of = {}
    rows = []
    order = {file_name: index for index, (file_name, _) in enumerate(files)}
    for warning in sorted(warnings, key=lambda w: (order.get(w.file, -1), w.line)):
        file_name = warning.file or only
        excerpt = ""
        if file_name in texts and warning.line > 0:
            if file_name not in lines_of:
                lines_of[file_name] = texts[file_name].lstrip("\ufeff").splitlines()
            lines = lines_of[file_name]
            if warning.line <= len(lines):
                excerpt = Truncator(lines[warning.line - 1].strip()).chars(90)
        rows.append(
            {
                "line": warning.line,
                "file": warning.file if len(files) > 1 else "",
                "message": warning.message,
                "kind": warning.kind,
                "excerpt": excerpt,
            }
        )
    return rows


def _confirm(request, log, role):
    """Import the previewed files in the previewed reading, then go to the log (step 3)."""
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
    if (
        not token
        or stored.get("target") != _target(log)
        or token.get("sha") != stored.get("sha")
        or token.get("reading") != stored.get("reading")
    ):
        return _step(request, log, role, error=refused, status=422)
    try:
        document, _ = _read(
            stored["files"], log, reading=stored["reading"] or None, name=stored["name"]
        )
        result = save_document(document, owner=request.user, log=log)
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


BIBTEX = "application/x-bibtex; charset=utf-8"


@require_GET
def log_export_bibtex(request, slug):
    """Download the log's papers as BibTeX (anyone who can read the log).

    Queries: the log and the role (2), the keys (1), the papers (1).
    """
    log, role = get_log_for_user(request.user, slug)
    papers = list(log.papers.order_by("number"))
    for paper in papers:
        paper.log = log  # its URL needs the log's slug
    return _attachment(export_bibtex(papers, log_cite_keys(log)), BIBTEX, f"{log.slug}.bib")


@require_GET
def paper_export_bibtex(request, slug, number):
    """Download one paper as BibTeX, with the key it has in the log's file.

    Queries: the log and the role (2), the paper (1), the keys (1).
    """
    log, role = get_log_for_user(request.user, slug)
    paper = get_object_or_404(Paper, log=log, number=number)
    paper.log = log
    return _attachment(
        export_bibtex([paper], log_cite_keys(log)), BIBTEX, f"{log.slug}-{number}.bib"
    )
