"""The log page: its papers with filters, sort, search and pages; add a paper inline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from papers import actions, metadata
from papers.forms import NoteForm, PaperAddForm, PaperFilterForm, WatchForm
from papers.markdown import render_markdown, too_long
from papers.models import (
    Membership,
    ReadingLog,
    Role,
    get_log_for_user,
    membership_visited,
    mention_links,
    paper_links,
    role_allows,
)
from papers.views import query_without_page, wants_partial

PAPERS_PER_PAGE = 50
TEMPLATE = "papers/log_detail.html"
FILTER_FIELDS = ("status", "curiosity", "tag", "open")

# Sortable column -> the sort it asks for, and the one it asks for when already sorted by it
# (the "#" column flips between oldest and newest first).
SORT_COLUMNS = {
    "number": ("number", "-number"),
    "title": ("title", "title"),
    "open": ("open", "open"),
    "activity": ("activity", "activity"),
}


def _sort_links(request, current):
    """Return the query string of each sortable column header, keeping the filters."""
    return {
        column: query_without_page(request, sort=again if current == first else first)
        for column, (first, again) in SORT_COLUMNS.items()
    }


def _page_context(request, log, role, *, add_form=None):
    """Build the log page's context.

    Queries: the page of papers counted (1) and read with their open-question
    counts (1) and tags (1), and the log's tags for the filter (1).
    """
    filters = PaperFilterForm(request.GET)
    papers = filters.filter(log.papers.with_open_question_count()).prefetch_related("tags")
    page = Paginator(papers, PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    can_add = role_allows(role, Role.MEMBER)
    sort = (filters.cleaned_data.get("sort") if filters.is_valid() else None) or "number"
    return {
        "log": log,
        "role": role,
        "filters": filters,
        "page": page,
        "papers": page.object_list,
        "query": query_without_page(request),
        "log_tags": list(log.tags.values_list("name", flat=True)),
        "can_add": can_add,
        "can_import": role_allows(role, Role.CURATOR),
        "add_form": add_form or (PaperAddForm() if can_add else None),
        "is_filtered": any(request.GET.get(k) for k in ("q", *FILTER_FIELDS)),
        # Phones fold the filters away; keep them open when one is in use.
        "filters_open": any(request.GET.get(k) for k in (*FILTER_FIELDS, "sort")),
        "sort": sort,
        "sort_links": _sort_links(request, sort),
    }


def _watch_form(user, log, role):
    """Return the "Watching" form of a member (any role), None for anyone else: one query."""
    if role is None:
        return None
    return WatchForm(instance=Membership.objects.only("digest").get(log=log, user=user))


@require_GET
def log_detail(request, slug):
    """Show the log: description, and its papers filtered, sorted and paged."""
    log, role = get_log_for_user(request.user, slug)
    if role is not None:
        membership_visited(log, request.user)  # for home's "since your last visit"
    context = _page_context(request, log, role)
    if wants_partial(request):
        return render(request, TEMPLATE + "#paper-list", context)
    return render(
        request, TEMPLATE, {**context, "watch_form": _watch_form(request.user, log, role)}
    )


def _add_values(form):
    """Return (fields for actions.paper_add, the lookup) of the add form.

    Empty title, authors, year and abstract are filled from arXiv or Crossref; with
    neither a title typed nor one found, the id stands in as a provisional title.
    Queries: the lookup's cache (1, +1 when it asks the site).
    """
    fields = form.paper_fields()
    found = metadata.lookup(arxiv_id=fields["arxiv_id"], doi=fields["doi"])
    fields.update(metadata.fill(fields, found))
    fields["title"] = fields["title"] or fields["arxiv_id"] or fields["doi"]
    return fields, found


@transaction.atomic
def _add_unless_there(log, form, fields, *, by):
    """Add the paper unless the log has it (same arXiv id, DOI or title) and "Add it
    anyway" is not ticked; return the paper added, or None with the form told why.

    The log row is locked first, as actions.paper_add does, so two people adding the
    same paper at once (a double click) find each other: one is added, one is told.
    """
    ReadingLog.objects.select_for_update().filter(pk=log.pk).exists()
    if not form.cleaned_data["add_anyway"]:
        same = log.papers.same_as(
            arxiv_id=fields["arxiv_id"], doi=fields["doi"], title=fields["title"]
        )
        if duplicate := same.order_by("number").first():
            form.duplicate = duplicate
            form.add_error(None, f"Already in this log as {duplicate}.")
            return None
    return actions.paper_add(log, by=by, **fields)


@login_required
@require_POST
def paper_add(request, slug):
    """Add a paper with the next number, filled from its arXiv id or DOI when it has one.

    A paper the log already has (same arXiv id, DOI or title) is not added unless
    "Add it anyway" is ticked; the form names the one it already has.
    """
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    form = PaperAddForm(request.POST)
    paper = found = None
    if form.is_valid():
        fields, found = _add_values(form)
        try:
            paper = _add_unless_there(log, form, fields, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
    if paper is None:
        context = _page_context(request, log, role, add_form=form)
        if request.htmx:
            return render(request, TEMPLATE + "#paper-add", context, status=422)
        context["watch_form"] = _watch_form(request.user, log, role)
        return render(request, TEMPLATE, context, status=422)
    missed = found is not None and not found.found
    if not request.htmx:
        if missed:
            messages.warning(request, f"Nothing was filled in from its id: {found.error}")
        return redirect(paper)
    paper.open_question_count = 0
    add_form = PaperAddForm()
    add_form.fields["title"].widget.attrs["data-focus"] = True  # type the next paper at once
    context = {"log": log, "role": role, "add_form": add_form, "can_add": True}
    context |= {"paper": paper, "added": paper, "missed": found if missed else None}
    return render(request, TEMPLATE + "#paper-added", context)


@login_required
@require_POST
def markdown_preview(request, slug):
    """Render what is being typed as it will look (sanitized) for a preview box.

    @mentions of members are links, as they will be once saved (a query only
    when the text names someone).
    """
    log, _ = get_log_for_user(request.user, slug, need=Role.MEMBER)
    text = next((request.POST[k] for k in ("body", "text", "tldr") if k in request.POST), "")
    if message := too_long(text, "A text"):
        return HttpResponse(f'<p class="alert">{message}</p>', status=422)
    chip = ""
    if "anchor_kind" in request.POST:
        # The note composer: show the anchor the note will get, as NoteForm decides it
        # (the select and label, or a leading "Figure 3:" taken off the text).
        note = NoteForm(request.POST)
        if note.is_valid() and note.cleaned_data["anchor_label"]:
            text = note.cleaned_data["body"]
            label = note.cleaned_data["anchor_label"]
            chip = format_html('<span class="chip chip-anchor">{}</span> ', label)
    html = render_markdown(
        text, mentions=mention_links(lambda: log.pk), papers=paper_links(lambda: log.pk)
    )
    return HttpResponse(chip + html if html else '<p class="muted">Nothing to preview yet.</p>')


@login_required
@require_POST
def log_watch(request, slug):
    """Set how often the member gets the log's digest by email: daily, weekly or off."""
    log, role = get_log_for_user(request.user, slug)
    if role is None:
        raise PermissionDenied("Only members of this log get its digest.")
    membership = Membership.objects.get(log=log, user=request.user)
    form = WatchForm(request.POST, instance=membership)
    if not form.is_valid():
        if request.htmx:
            return render(
                request, TEMPLATE + "#log-watch", {"log": log, "watch_form": form}, status=422
            )
        context = {**_page_context(request, log, role), "watch_form": form}
        return render(request, TEMPLATE, context, status=422)
    membership.save(update_fields=["digest", "updated_at"])
    if request.htmx:
        context = {"log": log, "watch_form": WatchForm(instance=membership), "watch_saved": True}
        return render(request, TEMPLATE + "#log-watch", context)
    digest = membership.get_digest_display().lower()
    messages.success(
        request,
        f"You get no digest of {log.title}."
        if membership.digest == Membership.Digest.OFF
        else f"You get a {digest} digest of {log.title} by email.",
    )
    return redirect(log)
