"""The paper page: its fields edited in place, its notes, and previous / next."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import retarget, trigger_client_event

from papers import actions, crosslinks
from papers.conflicts import save_or_conflict
from papers.forms import PAPER_FIELDS, NoteForm, paper_field_form
from papers.models import (
    Comment,
    CrossLink,
    Note,
    Paper,
    Question,
    Role,
    Tag,
    get_log_for_user,
    membership_visited,
    role_allows,
)
from papers.views import wants_partial

TEMPLATE = "papers/paper_detail.html"
QUESTIONS = "papers/_questions.html"
# The paper's regions under its title, each edited in place (see forms.PAPER_FIELDS).
FIELD_NAMES = ["link", "authors", "status", "curiosity", "tags", "tldr"]
NOTE_DIRECTIONS = [("up", "↑"), ("down", "↓")]


def get_paper(log, number):
    """Return the log's paper with its neighbours' numbers (one query), or 404."""
    siblings = Paper.objects.filter(log=log).values("number")
    previous = siblings.filter(number__lt=OuterRef("number")).order_by("-number")[:1]
    following = siblings.filter(number__gt=OuterRef("number")).order_by("number")[:1]
    papers = Paper.objects.filter(log=log).annotate(
        previous_number=Subquery(previous),
        next_number=Subquery(following),
        cited=Exists(CrossLink.objects.filter(target=OuterRef("pk"))),
    )
    return get_object_or_404(
        papers.select_related("added_by", "edited_by").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name"))
        ),
        number=number,
    )


def _attach_comments(paper, notes, questions, role):
    """Read every comment of the page in one query and hand each target its list.

    Sets `visible_comments` on the paper, each note and each question (what
    `papers/_comments.html` threads). Curators also get hidden comments, which
    the template marks as hidden.
    """
    comments = Comment.objects.on_paper_page(paper)
    if not role_allows(role, Role.CURATOR):
        comments = comments.visible()
    by_target = {}
    for comment in comments:
        if comment.paper_id:
            key = ("paper", comment.paper_id)
        elif comment.note_id:
            key = ("note", comment.note_id)
        else:
            key = ("question", comment.question_id)
        by_target.setdefault(key, []).append(comment)
    paper.visible_comments = by_target.get(("paper", paper.pk), [])
    for note in notes:
        note.visible_comments = by_target.get(("note", note.pk), [])
    for question in questions:
        question.visible_comments = by_target.get(("question", question.pk), [])


def paper_page_context(request, log, role, paper, **extra):
    """Build everything the paper page shows.

    Queries (after the log and membership): tags (prefetched with the paper),
    notes with authors (1), questions with authors (1), and every comment of
    the page with authors (1).
    """
    user = request.user
    notes = list(paper.notes.select_related("author", "edited_by"))
    questions = list(
        paper.questions.open_first().select_related(
            "author", "edited_by", "resolved_by", "answer__author"
        )
    )
    _attach_comments(paper, notes, questions, role)
    can_write = role_allows(role, Role.MEMBER)
    for item in [*notes, *questions]:
        item.user_can_edit = item.can_edit(user, role)
    return {
        "log": log,
        "role": role,
        "paper": paper,
        "notes": notes,
        "anchored_notes": [note for note in notes if note.anchor_label],
        "questions": questions,
        "paper_comments": paper.visible_comments,
        "can_write": can_write,
        "can_comment": can_write,
        "is_curator": role_allows(role, Role.CURATOR),
        "can_edit_paper": paper.can_edit(user, role),
        "note_form": NoteForm() if can_write else None,
        "paper_field_names": FIELD_NAMES,
        "note_directions": NOTE_DIRECTIONS,
        "since": int(paper.last_activity_at.timestamp() * 1000),
        # Backlinks, read only when get_paper found some (its `cited`).
        "cited_in": crosslinks.cited_in(paper, log) if getattr(paper, "cited", False) else [],
        **extra,
    }


# Regions of the page that refresh themselves with an hx-get of the page URL
# (on `notes-changed` / `questions-changed`): HX-Target names the partial.
REFRESHABLE = {
    "note-list": TEMPLATE + "#note-list",
    "question-list": QUESTIONS + "#question-list",
}


@require_GET
def paper_detail(request, slug, number):
    """Show a paper: fields, TL;DR, notes, questions and comment threads.

    With htmx, answer the region that asked (#note-list by default, or
    #question-list) so a distant region refreshes itself from the page's URL.
    """
    log, role = get_log_for_user(request.user, slug)
    paper = get_paper(log, number)
    context = paper_page_context(request, log, role, paper)
    if wants_partial(request):
        template = REFRESHABLE.get(request.htmx.target, REFRESHABLE["note-list"])
        return render(request, template, context)
    if role is not None:
        membership_visited(log, request.user)  # for home's "since your last visit"
    # The log's open questions, for the badge on the log nav's Questions tab.
    context["log_open_question_count"] = Question.objects.in_log(log).open().count()
    return render(request, TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
def paper_field_edit(request, slug, number, field):
    """Edit one region of the paper in place (title, link, authors, status…)."""
    if field not in PAPER_FIELDS:
        raise Http404("No such field.")
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    paper = get_paper(log, number)
    if not paper.can_edit(request.user, role):
        raise PermissionDenied("Only who added the paper, or a curator, can edit it.")
    form = paper_field_form(field, request.POST or None, instance=paper)
    status = 200
    editing = field
    conflict = None
    if request.method == "GET" and request.GET.get("show"):
        editing = None
    elif request.method == "POST":
        if form.is_valid():
            _, conflict = save_or_conflict(
                lambda: actions.paper_edit(
                    paper,
                    by=request.user,
                    version=form.cleaned_data["version"],
                    **form.revised_values(),
                ),
                form,
                action_url=reverse("paper_field_edit", args=[log.slug, number, field]),
                target=f"#field-{field}",
            )
            if conflict is not None:
                status = 409
            elif not request.htmx:
                return redirect(paper)
            else:
                editing = None
            paper = get_paper(log, number)
        else:
            status = 422
    if wants_partial(request):
        context = {
            "log": log,
            "role": role,
            "paper": paper,
            "field": field,
            "editing": editing,
            "form": form,
            "conflict": conflict,
            "can_edit_paper": True,
        }
        return render(request, TEMPLATE + "#paper-field", context, status=status)
    context = paper_page_context(
        request, log, role, paper, editing=editing, form=form, conflict=conflict
    )
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_POST
def paper_delete(request, slug, number):
    """Move the paper, with its notes, questions and comments, to the log's trash."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    paper = get_object_or_404(Paper, log=log, number=number)
    if not paper.can_edit(request.user, role):
        raise PermissionDenied("Only who added the paper, or a curator, can delete it.")
    entry = actions.trash(paper, by=request.user)
    restore_url = reverse("log_trash", args=[log.slug]) + f"#trash-{entry.pk}"
    messages.success(
        request,
        format_html(
            '[{}] {} is in the trash. <a href="{}">Restore it</a>',
            paper.number,
            paper.title,
            restore_url,
        ),
    )
    return redirect(log)


def _note_for(request, slug, pk):
    """Return (log, role, note) for a member who may change the note, or 404 / 403."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    note = get_object_or_404(
        Note.objects.select_related("paper__log", "author", "edited_by"), pk=pk, paper__log=log
    )
    if not note.can_edit(request.user, role):
        raise PermissionDenied("Only the note's author, or a curator, can change it.")
    return log, role, note


def _note_list_response(request, log, role, paper, *, status=200, **extra):
    paper = get_paper(log, paper.number)
    context = paper_page_context(request, log, role, paper, **extra)
    response = render(request, TEMPLATE + "#note-list", context, status=status)
    return retarget(response, "#note-list")


@login_required
@require_POST
def note_add(request, slug, number):
    """Add a note at the end; its anchor comes from the select or a leading "Figure 3:"."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    paper = get_paper(log, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            context = {"log": log, "role": role, "paper": paper, "note_form": form}
            return render(request, TEMPLATE + "#note-form", context, status=422)
        context = paper_page_context(request, log, role, paper, note_form=form)
        return render(request, TEMPLATE, context, status=422)
    note = actions.note_add(paper, by=request.user, **form.cleaned_data)
    if not request.htmx:
        return redirect(note)
    paper = get_paper(log, number)
    context = paper_page_context(request, log, role, paper, announce="Note added")
    return render(request, TEMPLATE + "#note-added", context)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request, slug, pk):
    """Edit a note in place: its author or a curator."""
    log, role, note = _note_for(request, slug, pk)
    form = NoteForm(request.POST or None, instance=note)
    status = 200
    editing = True
    conflict = None
    if request.method == "GET" and request.GET.get("show"):
        editing = False
    elif request.method == "POST":
        if form.is_valid():
            note, conflict = save_or_conflict(
                lambda: actions.note_edit(note, by=request.user, **form.cleaned_data),
                form,
                action_url=reverse("note_edit", args=[log.slug, note.pk]),
                target=f"#note-content-{note.pk}",
            )
            if conflict is not None:
                status = 409
            elif not request.htmx:
                return redirect(note)
            else:
                editing = False
        else:
            status = 422
    extra = {"editing_note": note.pk if editing else None, "note_edit_form": form}
    extra["conflict"] = conflict
    if wants_partial(request):
        note.user_can_edit = True
        context = {"log": log, "role": role, "paper": note.paper, "note": note, **extra}
        context.update(can_write=True, note_directions=NOTE_DIRECTIONS)
        return render(request, TEMPLATE + "#note-content", context, status=status)
    paper = get_paper(log, note.paper.number)
    context = paper_page_context(request, log, role, paper, **extra)
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_POST
def note_delete(request, slug, pk):
    log, role, note = _note_for(request, slug, pk)
    paper = note.paper
    actions.note_delete(note, by=request.user)
    if not request.htmx:
        return redirect(paper)
    return _note_list_response(request, log, role, paper, announce="Note deleted")


@login_required
@require_POST
def note_move(request, slug, pk):
    """Move a note up or down one place."""
    log, role, note = _note_for(request, slug, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponse("Say up or down.", status=422)
    actions.note_move(note, direction, by=request.user)
    if not request.htmx:
        return redirect(note)
    return _note_list_response(
        request, log, role, note.paper, moved_note=note.pk, announce=f"Note moved {direction}"
    )


@login_required
@require_POST
def note_to_question(request, slug, pk):
    """Turn a note into an open question (its comments come along as replies)."""
    log, role, note = _note_for(request, slug, pk)
    paper = note.paper
    question = actions.note_to_question(note, by=request.user)
    if not request.htmx:
        return redirect(question)
    # The note list, and the questions panel out of band with focus on the new question.
    paper = get_paper(log, paper.number)
    context = paper_page_context(
        request,
        log,
        role,
        paper,
        announce="Note turned into a question",
        focus_question=question.pk,
    )
    html = render_to_string(TEMPLATE + "#note-list", context, request)
    oob = {**context, "question_list_oob": True}
    html += render_to_string(QUESTIONS + "#question-list", oob, request)
    response = retarget(HttpResponse(html), "#note-list")
    return trigger_client_event(response, "questions-changed")
