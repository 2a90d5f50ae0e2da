"""Each paper's, note's, question's, comment's and change-log entry's history, and restores.

Every text edit keeps a Revision (papers.actions.text_edit). The history page
lists them newest first, each with a word diff against the one before it;
whoever may edit the item (its author or a curator; for papers, whoever added
it; for change-log entries, curators) can bring an earlier text back, which is
itself a new revision. Revisions are shown to whoever can read the item, and
to nobody else.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from papers import actions
from papers.conflicts import word_diff
from papers.models import (
    ChangeLogEntry,
    Comment,
    Note,
    Paper,
    Question,
    Revision,
    Role,
    get_log_for_user,
    paper_of,
    role_allows,
)

TEMPLATE = "papers/history.html"
LABELS = {
    "title": "Title",
    "authors": "Authors",
    "year": "Year",
    "url": "Link",
    "arxiv_id": "arXiv id",
    "doi": "DOI",
    "status": "Status",
    "curiosity": "Curiosity",
    "curiosity_note": "Curiosity note",
    "tldr": "TL;DR",
    "tags": "Tags",
    "body": "Text",
    "anchor_kind": "About",
    "anchor_label": "Label",
    "date": "Date",
    "text": "Text",
}
# The log tab each kind's history sits under.
TABS = {
    "paper": "papers",
    "note": "papers",
    "question": "questions",
    "comment": "papers",
    "entry": "changelog",
}


def get_item_for_user(user, slug, kind, key, *, need=Role.VIEWER):
    """Return (log, role, item) for a user who may read the item's history, or 404 / 403.

    `key` is the paper's number for papers, else the item's pk. Hidden
    comments and change-log entries exist for curators only; items in the
    trash have their history in the trash. The item comes with what its
    title and link need (its author, its paper), and its log set.
    """
    log, role = get_log_for_user(user, slug, need=need)
    is_curator = role_allows(role, Role.CURATOR)
    if kind == "paper":
        item = get_object_or_404(Paper, log=log, number=key)
        item.log = log
    elif kind in ("note", "question"):
        model = Note if kind == "note" else Question
        item = get_object_or_404(
            model.objects.select_related("paper", "author"), pk=key, paper__log=log
        )
        item.paper.log = log
    elif kind == "comment":
        comments = Comment.objects.select_related(
            "author", "paper", "note__paper", "question__paper"
        )
        item = get_object_or_404(comments, pk=key, log=log)
        if item.hidden and not is_curator:
            raise Http404("No such comment.")
        paper_of(item.target).log = log
    elif kind == "entry":
        item = get_object_or_404(ChangeLogEntry, pk=key, log=log)
        if item.hidden and not is_curator:
            raise Http404("No such entry.")
        item.log = log
    else:
        raise Http404("No such thing.")
    return log, role, item


def can_restore(item, user, role):
    """Say whether user may bring back an earlier text of item."""
    if isinstance(item, ChangeLogEntry):
        return role_allows(role, Role.CURATOR)
    return item.can_edit(user, role)


def _rows(item, revisions):
    """Pair each revision (newest first) with its fields: diffed against the one before it.

    The oldest revision has nothing before it: its non-empty fields are shown
    as they were, without marks.
    """
    rows = []
    for index, revision in enumerate(revisions):
        before = revisions[index + 1].data if index + 1 < len(revisions) else None
        changes = []
        for name in item.REVISED_FIELDS:
            new = _text(item, name, revision.data.get(name))
            if before is None:
                if new:
                    changes.append({"label": LABELS[name], "text": new})
                continue
            old = _text(item, name, before.get(name))
            if old != new:
                changes.append({"label": LABELS[name], "diff": word_diff(old, new)})
        rows.append({"revision": revision, "changes": changes, "is_original": before is None})
    return rows


def _text(item, name, value):
    """Return a revised value as the page shows it: a choice's label, a date, tags joined."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    field = item._meta.get_field(name)
    if isinstance(field, models.DateField):
        return date_format(date.fromisoformat(value), "j M Y")
    return str(dict(field.flatchoices).get(value, value))


def _title(item):
    if isinstance(item, Paper):
        return f"[{item.number}] {item.title}"
    if isinstance(item, ChangeLogEntry):
        return f"Change-log entry of {item.date:%-d %b %Y}"
    kind = {"note": "Note", "question": "Question", "comment": "Comment"}[item.revision_kind]
    paper = paper_of(item.target) if isinstance(item, Comment) else item.paper
    author = item.author.username if item.author else "someone"
    return f"{kind} by {author} on [{paper.number}] {paper.title}"


@require_GET
def item_history(request, slug, kind, pk):
    """List an item's revisions, newest first, each with its diff.

    Queries after the log and membership: the item (with its author and
    paper), its revisions with their authors, and the log nav's count.
    """
    log, role, item = get_item_for_user(request.user, slug, kind, pk)
    revisions = list(Revision.objects.of(item).select_related("created_by").order_by("-version"))
    context = {
        "log": log,
        "role": role,
        "item": item,
        "kind": kind,
        "tab": TABS[kind],
        "title": _title(item),
        "rows": _rows(item, revisions),
        "can_restore": request.user.is_authenticated and can_restore(item, request.user, role),
        "restore_url_name": f"{kind}_revision_restore",
        "key": pk,
    }
    return render(request, TEMPLATE, context)


@login_required
@require_POST
def revision_restore(request, slug, kind, pk, version):
    """Bring back the text of an earlier revision (its author or a curator), as a new revision."""
    log, role, item = get_item_for_user(request.user, slug, kind, pk, need=Role.MEMBER)
    if not can_restore(item, request.user, role):
        raise PermissionDenied("Only its author, or a curator, can restore an earlier text.")
    revision = get_object_or_404(Revision.objects.of(item), version=version)
    restored = actions.revision_restore(item, revision, by=request.user)
    if restored.version == item.version:
        messages.info(request, f"Version {version} is the current text already.")
    else:
        messages.success(
            request,
            f"Version {version} restored: it is the current text, as version {restored.version}.",
        )
    return redirect(f"{kind}_history", log.slug, pk)
