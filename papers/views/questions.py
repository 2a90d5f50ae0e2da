"""The questions panel of the paper page and the log's questions page.

Every action answers HTMX with the changed question (its partial replaces
#question-<pk>) plus the open-question badges out of band; without HTMX it
redirects to the question on the paper page (or back to the questions page
it came from).
"""

from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import retarget, trigger_client_event

from papers import actions
from papers.conflicts import make_conflict
from papers.forms import QuestionFilterForm, QuestionForm, ResolveForm
from papers.models import Comment, Paper, Question, Role, User, get_log_for_user, role_allows
from papers.views import query_without_page, wants_partial

PANEL = "papers/_questions.html"
PAGE = "papers/log_questions.html"
FORM_PAGE = "papers/question_form.html"
QUESTIONS_PER_PAGE = 50
PAPER_CHOICES_LIMIT = 200


def _with_replies(questions, role):
    """Prefetch each question's replies as `visible_comments` (curators also see hidden ones)."""
    if not role_allows(role, Role.CURATOR):
        return questions.with_visible_comments()
    replies = Comment.objects.select_related("author", "edited_by")
    return questions.prefetch_related(
        Prefetch("comments", queryset=replies, to_attr="visible_comments")
    )


def _get_question(log, role, pk):
    """Return the log's question pk, with what its partial shows, or 404."""
    questions = Question.objects.select_related("paper", "author", "edited_by", "resolved_by")
    question = get_object_or_404(_with_replies(questions, role), pk=pk, paper__log=log)
    question.paper.log = log  # get_absolute_url reads it
    return question


def _context(request, log, role, question, **extra):
    """Build what a question's partials and its comment thread need."""
    return {
        "log": log,
        "role": role,
        "paper": question.paper,
        "question": question,
        "can_comment": role_allows(role, Role.MEMBER),
        "is_curator": role_allows(role, Role.CURATOR),
        "next_url": request.POST.get("next", ""),
        **extra,
    }


def _from_list(request):
    """Say whether the action was posted from the questions page rather than the panel."""
    return request.POST.get("from") == "questions"


def _done(request, log, role, question, message, *, removed_html=None, moved=False):
    """Answer a successful action: the question's partial and badges, or a redirect.

    When the question `moved` (resolved or reopened), the paper page's panel gets
    its whole list back, so the question lands in its new place at once; the
    questions page keeps the row where it is and says when it left the filter.
    """
    if not wants_partial(request):
        next_url = request.POST.get("next", "")
        if _is_local(request, next_url):
            return HttpResponseRedirect(next_url)
        if question.in_trash:
            return redirect(question.paper.get_absolute_url() + "#question-list")
        return redirect(question.get_absolute_url())
    context = _context(request, log, role, question)
    if removed_html is not None:
        html = removed_html
    elif _from_list(request):
        count_html = _list_count_oob(request, log, question, context)
        html = render_to_string(f"{PAGE}#question-row", {**context, "focus": True}, request)
        html += count_html
    elif moved:
        questions = question.paper.questions.open_first().select_related(
            "author", "edited_by", "resolved_by", "answer__author"
        )
        context.update(questions=list(_with_replies(questions, role)), focus_question=question.pk)
        html = render_to_string(f"{PANEL}#question-list", context, request)
        response = _with_badges(request, log, question.paper, html, message)
        return retarget(response, "#question-list")
    else:
        html = render_to_string(f"{PANEL}#question", {**context, "focus": True}, request)
    return _with_badges(request, log, question.paper, html, message)


def _is_local(request, url):
    """Say whether url is a path on this site (a `next` we may go back to)."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, {request.get_host()})


def _list_count_oob(request, log, question, context):
    """Return the questions page's count for the filters it came from, out of band.

    Also marks the question (context["left_filter"]) when it no longer matches
    the status filter: it stays in place until the next load, visibly marked.
    """
    next_url = context["next_url"]
    if not _is_local(request, next_url):
        return ""
    filters, questions = _filtered(log, QueryDict(urlsplit(next_url).query))
    status = filters.cleaned_data.get("status")
    if status and status != question.status:
        context["left_filter"] = Question.Status(status).label.lower()
    count = questions.count()
    html = render_to_string(f"{PAGE}#question-count", {"count": count, "oob": True}, request)
    return html


def _with_badges(request, log, paper, html, message):
    """Respond with html plus the page's open-question badge out of band, and announce.

    The questions page shows the log's count, the paper page the paper's; the
    `questions-changed` event lets any other region refresh itself.
    """
    if _from_list(request):
        count = Question.objects.in_log(log).open().count()
        badge = f"{PANEL}#log-open-question-badge"
        context = {"log": log, "oob": True, "log_open_question_count": count}
    else:
        count = paper.questions.open().count()
        badge = f"{PANEL}#open-question-badge"
        context = {"log": log, "paper": paper, "oob": True, "open_question_count": count}
    response = HttpResponse(html + render_to_string(badge, context, request))
    trigger_client_event(response, "questions-changed", {"paper": paper.number})
    return trigger_client_event(response, "announce", message)


def _invalid(request, log, role, question, *, what):
    """Re-render the question with the form that failed, status 422."""
    context = _context(request, log, role, question)
    if wants_partial(request):
        partial = f"{PAGE}#question-row" if _from_list(request) else f"{PANEL}#{what}"
        return render(request, partial, context, status=422)
    return render(request, FORM_PAGE, {**context, "what": what}, status=422)


@login_required
@require_POST
def question_ask(request, slug, number):
    """Ask a question about a paper (members and up)."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    paper = get_object_or_404(Paper, log=log, number=number)
    paper.log = log
    form = QuestionForm(request.POST)
    context = {"log": log, "role": role, "paper": paper, "question_form": form}
    if not form.is_valid():
        if wants_partial(request):
            return render(request, f"{PANEL}#question-form", context, status=422)
        return render(request, FORM_PAGE, {**context, "what": "question-form"}, status=422)
    question = actions.question_ask(paper, by=request.user, body=form.cleaned_data["body"])
    if not wants_partial(request):
        return redirect(question.get_absolute_url())
    question = _get_question(log, role, question.pk)
    context = _context(request, log, role, question, question_form=QuestionForm())
    html = render_to_string(f"{PANEL}#question-asked", context, request)
    return _with_badges(request, log, paper, html, "Question asked")


@require_GET
def question_detail(request, slug, pk):
    """Show one question: its partial for HTMX (cancel an edit), else the paper page."""
    log, role = get_log_for_user(request.user, slug)
    question = _get_question(log, role, pk)
    if not wants_partial(request):
        return redirect(question.get_absolute_url())
    return render(request, f"{PANEL}#question", _context(request, log, role, question))


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, slug, pk):
    """Edit a question's text (its author, or a curator)."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    question = _get_question(log, role, pk)
    if not question.can_edit(request.user, role):
        raise PermissionDenied("Only its author or a curator can edit this question.")
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            actions.question_edit(question, by=request.user, **form.cleaned_data)
        except actions.EditConflict as error:
            return _conflict(request, log, role, question, form, error.current)
        question = _get_question(log, role, pk)
        return _done(request, log, role, question, "Question saved")
    question.edit_form = form
    if request.method == "GET":
        context = _context(request, log, role, question)
        if wants_partial(request):
            return render(request, f"{PANEL}#question-edit-form", {**context, "focus": True})
        return render(request, FORM_PAGE, {**context, "what": "question-edit-form"})
    return _invalid(request, log, role, question, what="question-edit-form")


def _conflict(request, log, role, question, form, current):
    """Answer a stale edit (409): the conflict view in place of the edit form."""
    url = reverse("question_edit", args=[log.slug, question.pk])
    conflict = make_conflict(
        current,
        form,
        action_url=url,
        cancel_url=reverse("question_detail", args=[log.slug, question.pk]),
        target=f"#question-{question.pk}",
        extra={"from": request.POST.get("from", ""), "next": request.POST.get("next", "")},
    )
    context = {**_context(request, log, role, question), "conflict": conflict}
    if wants_partial(request):
        return render(request, f"{PANEL}#question-edit-form", context, status=409)
    return render(request, FORM_PAGE, {**context, "what": "question-edit-form"}, status=409)


@login_required
@require_POST
def question_delete(request, slug, pk):
    """Delete a question and its replies (its author, or a curator)."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    question = _get_question(log, role, pk)
    if not question.can_edit(request.user, role):
        raise PermissionDenied("Only its author or a curator can delete this question.")
    actions.question_delete(question, by=request.user)
    return _done(request, log, role, question, "Question deleted", removed_html="")


@login_required
@require_POST
def question_resolve(request, slug, pk):
    """Resolve a question with a text or the reply that answered it (asker or curator)."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    question = _get_question(log, role, pk)
    if not question.can_resolve(request.user, role):
        raise PermissionDenied("Only whoever asked it or a curator can resolve this question.")
    form = ResolveForm(request.POST, question=question)
    if not form.is_valid():
        question.resolve_form = form
        return _invalid(request, log, role, question, what="question")
    actions.question_resolve(
        question,
        by=request.user,
        resolution=form.cleaned_data["resolution"],
        answer=form.cleaned_data["answer"],
    )
    return _done(request, log, role, question, "Question resolved", moved=True)


@login_required
@require_POST
def question_reopen(request, slug, pk):
    """Open a resolved question again (asker or curator)."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    question = _get_question(log, role, pk)
    if not question.can_resolve(request.user, role):
        raise PermissionDenied("Only whoever asked it or a curator can reopen this question.")
    actions.question_reopen(question, by=request.user)
    return _done(request, log, role, question, "Question reopened", moved=True)


@login_required
@require_POST
def question_to_note(request, slug, pk):
    """Turn a question into a note on the same paper (its author, or a curator).

    With HTMX the question leaves a link to the new note in its place and the
    page hears `notes-changed`, so the notes list can refresh itself.
    """
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    question = _get_question(log, role, pk)
    if not question.can_edit(request.user, role):
        raise PermissionDenied("Only its author or a curator can turn this into a note.")
    note = actions.question_to_note(question, by=request.user)
    note.paper.log = log
    if not wants_partial(request):
        return redirect(note.get_absolute_url())
    context = {"log": log, "paper": note.paper, "note": note, "old_pk": pk}
    html = render_to_string(f"{PANEL}#question-moved", context, request)
    response = _done(request, log, role, question, "Question turned into a note", removed_html=html)
    return trigger_client_event(response, "notes-changed", {"note": note.pk})


@require_GET
def log_questions(request, slug):
    """List every question of the log, open first, filtered by status, paper and asker."""
    log, role = get_log_for_user(request.user, slug)
    filters, questions = _filtered(log, request.GET)
    questions = _with_replies(
        questions.select_related("paper", "author", "edited_by", "resolved_by"), role
    ).order_by("status", "-created_at", "-pk")  # open first, newest first
    page_obj = Paginator(questions, QUESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "log": log,
        "role": role,
        "page_obj": page_obj,
        "filters": filters,
        "query": query_without_page(request),
        "next_url": request.get_full_path(),
    }
    if wants_partial(request):
        return render(request, f"{PAGE}#question-results", context)
    asked = Question.objects.in_log(log)
    context.update(
        papers=_paper_choices(Paper.objects.filter(pk__in=asked.values("paper"))),
        askers=User.objects.filter(pk__in=asked.values("author")).order_by("username"),
        log_open_question_count=asked.open().count(),
    )
    return render(request, PAGE, context)


def _paper_choices(papers):
    """Return the papers to pick from in the filter, or None when there are too many for a list.

    A select of thousands of titles is slow to render and useless to scroll;
    then the filter asks for the paper's number instead.
    """
    papers = list(papers.only("number", "title")[: PAPER_CHOICES_LIMIT + 1])
    return papers if len(papers) <= PAPER_CHOICES_LIMIT else None


def _filtered(log, params):
    """Return the filter form and the log's questions it selects (a bad value filters nothing)."""
    filters = QuestionFilterForm(params)
    return filters, filters.filter(Question.objects.in_log(log))


@require_GET
def log_question_badge(request, slug):
    """Answer the log nav's open-question badge (it refreshes on `questions-changed`).

    One query after the access check. Without htmx, go to the questions page.
    """
    log, role = get_log_for_user(request.user, slug)
    if not wants_partial(request):
        return redirect("log_questions", log.slug)
    count = Question.objects.in_log(log).open().count()
    context = {"log": log, "log_open_question_count": count}
    return render(request, "papers/_lognav.html#lognav-question-badge", context)
