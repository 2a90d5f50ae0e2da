"""The log's change log: entries curators write and the ones the app records.

Entries are shown per day (newest day first), 30 days a page. In a day the
curators' written entries come first; what the app recorded follows, folded
into one line per person and kind ("bob added 12 notes to [3] and [5]") that
unfolds to its entries (issue #10, item 7). ?show=written leaves the recorded
ones out. Curators add and edit entries in place and hide the ones nobody
else should see.
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from papers import actions
from papers.conflicts import save_or_conflict
from papers.forms import ChangeLogEntryForm
from papers.models import ChangeLogEntry, Role, get_log_for_user, role_allows
from papers.undo import UndoRefused, changelog_undo
from papers.views import wants_partial

TEMPLATE = "papers/log_changelog.html"
FORM_PAGE = "papers/changelog_entry_form.html"
DAYS_PER_PAGE = 30
Kind = ChangeLogEntry.Kind
# How a group of recorded entries reads: (verb, one, many, preposition before the papers).
GROUP_PHRASES = {
    Kind.PAPER_ADDED: ("added", "a paper", "papers", ":"),
    Kind.NOTE_ADDED: ("added", "a note", "notes", " to"),
    Kind.QUESTION_ASKED: ("asked", "a question", "questions", " on"),
    Kind.QUESTION_RESOLVED: ("resolved", "a question", "questions", " on"),
    Kind.IMPORTED: ("ran", "an import", "imports", ""),
}
# A group names at most this many papers, then says how many more.
GROUP_PAPERS_NAMED = 8


def _new_entry_form(data=None):
    return ChangeLogEntryForm(data, initial={"date": timezone.localdate()})


@dataclass
class Group:
    """What one person's recorded entries of one kind on one day add up to."""

    author: object
    kind: str
    entries: list = field(default_factory=list)

    @property
    def summary(self):
        """Say it in one line: "bob added 12 notes to [3] and [5]"."""
        verb, one, many, before_papers = GROUP_PHRASES.get(self.kind, ("recorded", "", "", ""))
        count = len(self.entries)
        what = one if count == 1 else f"{count} {many}"
        who = self.author.username if self.author else "Someone"
        numbers = sorted({e.paper.number for e in self.entries if e.paper is not None})
        if not numbers or not before_papers:
            return f"{who} {verb} {what}"
        named = [f"[{n}]" for n in numbers[:GROUP_PAPERS_NAMED]]
        if len(numbers) > GROUP_PAPERS_NAMED:
            rest = len(numbers) - GROUP_PAPERS_NAMED
            named.append(f"{rest} more paper{'s' if rest > 1 else ''}")
        papers = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        return f"{who} {verb} {what}{before_papers} {papers}"


@dataclass
class Day:
    """One day of the change log: its written entries, then its groups of recorded ones."""

    date: date
    written: list = field(default_factory=list)
    groups: list = field(default_factory=list)


def group_days(entries):
    """Fold entries (newest day first, oldest entry first in a day) into Days, in order."""
    days, groups = [], {}
    for entry in entries:
        if not days or days[-1].date != entry.date:
            days.append(Day(entry.date))
            groups = {}
        day = days[-1]
        if entry.is_written:
            day.written.append(entry)
            continue
        key = (entry.author_id, entry.kind)
        if key not in groups:
            groups[key] = Group(entry.author, entry.kind)
            day.groups.append(groups[key])
        groups[key].entries.append(entry)
    return days


def _page_context(request, log, role, *, page=None, written_only=None):
    """Build the entries part of the page: the count of days, and the entries of a page of them."""
    if written_only is None:
        written_only = request.GET.get("show") == "written"
    entries = log.changelog.select_related("author", "edited_by", "paper", "undone_by")
    if not role_allows(role, Role.CURATOR):
        entries = entries.visible()
    if written_only:
        entries = entries.filter(kind=Kind.WRITTEN)
    # Entries about a paper in the trash go (and come back) with it.
    entries = entries.without_trashed_papers()
    dates = entries.order_by("-date").values_list("date", flat=True).distinct()
    page_obj = Paginator(dates, DAYS_PER_PAGE).get_page(page or request.GET.get("page"))
    # The page's dates go in as a subquery: with the count, two queries.
    entries = entries.filter(date__in=page_obj.object_list)
    days = group_days(entries.order_by("-date", "created_at", "pk"))
    return {
        "log": log,
        "role": role,
        "is_curator": role_allows(role, Role.CURATOR),
        "written_only": written_only,
        "page_obj": page_obj,
        "days": days,
    }


def _get_entry(log, role, pk):
    """Return the log's entry pk; a hidden one exists for curators only."""
    entries = log.changelog.select_related("author", "edited_by", "paper", "undone_by")
    if not role_allows(role, Role.CURATOR):
        entries = entries.visible()
    entry = get_object_or_404(entries, pk=pk)
    entry.log = log  # get_absolute_url reads it
    return entry


def _entry_response(request, log, role, entry, message):
    """Answer a change to one entry: its partial for HTMX, else back to it on the page."""
    if not wants_partial(request):
        return redirect(entry.get_absolute_url())
    context = {"log": log, "role": role, "is_curator": True, "entry": entry, "focus": True}
    response = render(request, f"{TEMPLATE}#entry", context)
    return trigger_client_event(response, "announce", message)


@require_GET
def log_changelog(request, slug):
    """Show the change log grouped per day, newest day first."""
    log, role = get_log_for_user(request.user, slug)
    context = _page_context(request, log, role)
    if wants_partial(request):
        return render(request, f"{TEMPLATE}#changelog-entries", context)
    if context["is_curator"]:
        context["entry_form"] = _new_entry_form()
    return render(request, TEMPLATE, context)


@login_required
@require_POST
def entry_add(request, slug):
    """Write a dated entry (curators)."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    form = _new_entry_form(request.POST)
    written_only = request.POST.get("show") == "written"
    if not form.is_valid():
        if wants_partial(request):
            context = {"log": log, "role": role, "entry_form": form}
            return render(request, f"{TEMPLATE}#entry-add-form", context, status=422)
        context = _page_context(request, log, role, page=1, written_only=written_only)
        return render(request, TEMPLATE, {**context, "entry_form": form}, status=422)
    entry = actions.changelog_write(log, by=request.user, **form.cleaned_data)
    if not wants_partial(request):
        return redirect(reverse("log_changelog", args=[log.slug]) + f"#entry-{entry.pk}")
    context = _page_context(request, log, role, page=1, written_only=written_only)
    context.update(entry_form=_new_entry_form(), oob=True, focus_pk=entry.pk)
    html = render_to_string(f"{TEMPLATE}#entry-add-form", context, request)
    html += render_to_string(f"{TEMPLATE}#changelog-entries", context, request)
    return trigger_client_event(HttpResponse(html), "announce", "Entry added")


@require_GET
def entry_detail(request, slug, pk):
    """Show one entry: its partial for HTMX (cancel an edit), else its place on the page."""
    log, role = get_log_for_user(request.user, slug)
    entry = _get_entry(log, role, pk)
    if not wants_partial(request):
        return redirect(entry.get_absolute_url())
    context = {
        "log": log,
        "role": role,
        "is_curator": role_allows(role, Role.CURATOR),
        "entry": entry,
    }
    return render(request, f"{TEMPLATE}#entry", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, slug, pk):
    """Edit an entry's date and text in place (curators)."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    entry = _get_entry(log, role, pk)
    form = ChangeLogEntryForm(request.POST or None, instance=entry)
    conflict = None
    if request.method == "POST" and form.is_valid():
        entry, conflict = save_or_conflict(
            lambda: actions.changelog_edit(entry, by=request.user, **form.cleaned_data),
            form,
            action_url=reverse("changelog_edit", args=[log.slug, entry.pk]),
            cancel_url=reverse("changelog_entry", args=[log.slug, entry.pk]),
            target=f"#entry-{entry.pk}",
        )
        if conflict is None:
            entry.log = log
            return _entry_response(request, log, role, entry, "Entry saved")
    status = 409 if conflict else 422 if request.method == "POST" else 200
    context = {"log": log, "role": role, "is_curator": True, "entry": entry, "form": form}
    context["conflict"] = conflict
    if wants_partial(request):
        return render(request, f"{TEMPLATE}#entry-form", {**context, "focus": True}, status=status)
    return render(request, FORM_PAGE, context, status=status)


def _set_hidden(request, slug, pk, hidden):
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    entry = _get_entry(log, role, pk)
    entry.set_hidden(hidden, by=request.user)
    return _entry_response(request, log, role, entry, "Entry hidden" if hidden else "Entry shown")


@login_required
@require_POST
def entry_hide(request, slug, pk):
    """Hide an entry from everyone but curators."""
    return _set_hidden(request, slug, pk, True)


@login_required
@require_POST
def entry_unhide(request, slug, pk):
    """Show a hidden entry to everyone again."""
    return _set_hidden(request, slug, pk, False)


@login_required
@require_POST
def entry_undo(request, slug, pk):
    """Undo the import, merge or renumbering an entry records (curators), or say why not."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    entry = _get_entry(log, role, pk)
    try:
        done = changelog_undo(entry, by=request.user)
    except UndoRefused as refused:
        if not wants_partial(request):
            messages.error(request, str(refused))
            return redirect(entry.get_absolute_url())
        context = {"log": log, "role": role, "is_curator": True, "entry": entry}
        context.update(undo_error=str(refused), focus=True)
        return render(request, f"{TEMPLATE}#entry", context, status=409)
    if not wants_partial(request):
        messages.success(request, done)
        return redirect(entry.get_absolute_url())
    entry = _get_entry(log, role, pk)
    context = {"log": log, "role": role, "is_curator": True, "entry": entry}
    context.update(undo_done=done, focus=True)
    response = render(request, f"{TEMPLATE}#entry", context)
    return trigger_client_event(response, "announce", done)
