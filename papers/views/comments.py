"""Comment threads on a paper, a note or a question: add, reply, edit, delete, hide, move."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import retarget, trigger_client_event

from papers import actions
from papers.conflicts import save_or_conflict
from papers.forms import CommentForm, CommentMoveForm
from papers.models import COMMENT_TARGETS, Comment, Paper, Role, get_log_for_user, paper_of
from papers.templatetags.threads import dom_key
from papers.views.paper import get_paper, paper_page_context

THREAD = "papers/_comments.html"


def _target(log, kind, pk):
    model = COMMENT_TARGETS.get(kind)
    if model is None:
        raise Http404("Cannot comment on that.")
    in_log = {"log": log} if model is Paper else {"paper__log": log}
    return get_object_or_404(model, pk=pk, **in_log)


def _comment(request, slug, pk, *, need=Role.MEMBER):
    log, role = get_log_for_user(request.user, slug, need=need)
    comment = get_object_or_404(
        Comment.objects.select_related("author", "paper", "note__paper", "question__paper"),
        pk=pk,
        log=log,
    )
    if comment.hidden and not role.allows(Role.CURATOR):
        raise Http404("No such comment.")
    return log, role, comment


def _thread_context(request, log, role, target, **extra):
    """Build the context of one thread's partials, reading the target's comments (1 query)."""
    is_curator = role.allows(Role.CURATOR)
    comments = target.comments.select_related("author", "edited_by")
    if not is_curator:
        comments = comments.visible()
    return {
        "log": log,
        "role": role,
        "target": target,
        "comments": list(comments),
        "can_comment": role.allows(Role.MEMBER),
        "is_curator": is_curator,
        **extra,
    }


def _render(request, names, context, *, status=200):
    """Render several partials of the thread template into one response."""
    html = "".join(render_to_string(f"{THREAD}#{name}", context, request) for name in names)
    return HttpResponse(html, status=status)


def _thread_list(request, context, target):
    """Answer a thread's comment list (replacing it) and its count out of band."""
    html = render_to_string(f"{THREAD}#comment-list", context, request)
    html += render_to_string(f"{THREAD}#comment-count", {**context, "oob": True}, request)
    return retarget(HttpResponse(html), f"#comment-list-{dom_key(target)}")


def _full_page(request, log, role, target, *, status=200, **extra):
    paper = get_paper(log, paper_of(target).number)
    context = paper_page_context(request, log, role, paper, **extra)
    return render(request, "papers/paper_detail.html", context, status=status)


@login_required
@require_POST
def comment_add(request, slug, kind, pk):
    """Comment on a paper, a note or a question."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    target = _target(log, kind, pk)
    form = CommentForm(request.POST)
    key = f"{kind}-{target.pk}"
    if not form.is_valid():
        extra = {"comment_form": form, "comment_form_key": key}
        if not request.htmx:
            return _full_page(request, log, role, target, status=422, **extra)
        context = _thread_context(request, log, role, target, **extra)
        return _render(request, ["comment-form"], context, status=422)
    comment = actions.comment_add(target, by=request.user, body=form.cleaned_data["body"])
    if not request.htmx:
        return redirect(comment)
    context = _thread_context(request, log, role, target, oob=True, new_comment=comment.pk)
    return _render(request, ["comment-form", "comment-list", "comment-count"], context)


@login_required
@require_http_methods(["GET", "POST"])
def comment_reply(request, slug, pk):
    """Show a reply form under a comment (GET) or post the reply."""
    log, role, parent = _comment(request, slug, pk)
    target = parent.target
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            reply = actions.comment_add(
                target, by=request.user, body=form.cleaned_data["body"], parent=parent
            )
            if not request.htmx:
                return redirect(reply)
            context = _thread_context(request, log, role, target, new_comment=reply.pk)
            return _thread_list(request, context, target)
        status = 422
    if not request.htmx:
        return _full_page(
            request, log, role, target, status=status, replying_to=parent.pk, comment_form=form
        )
    context = _thread_context(request, log, role, target, comment=parent, comment_form=form)
    return _render(request, ["reply-form"], context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, slug, pk):
    """Edit your own comment in place (curators edit any)."""
    log, role, comment = _comment(request, slug, pk)
    if not comment.can_edit(request.user, role):
        raise PermissionDenied("Only the comment's author, or a curator, can edit it.")
    target = comment.target
    form = CommentForm(request.POST or None, instance=comment)
    status, editing, conflict = 200, comment.pk, None
    if request.method == "GET" and request.GET.get("show"):
        editing = None
    elif request.method == "POST":
        if form.is_valid():
            comment, conflict = save_or_conflict(
                lambda: actions.comment_edit(comment, by=request.user, **form.cleaned_data),
                form,
                action_url=reverse("comment_edit", args=[log.slug, comment.pk]),
                target=f"#comment-{comment.pk}",
            )
            if conflict is not None:
                status = 409
            elif not request.htmx:
                return redirect(comment)
            else:
                editing = None
        else:
            status = 422
    extra = {"editing_comment": editing, "comment_form": form, "conflict": conflict}
    if not request.htmx:
        return _full_page(request, log, role, target, status=status, **extra)
    context = _thread_context(request, log, role, target, comment=comment, **extra)
    return _render(request, ["comment"], context, status=status)


@login_required
@require_POST
def comment_delete(request, slug, pk):
    """Delete your own comment (curators delete any); its replies stay in the thread."""
    log, role, comment = _comment(request, slug, pk)
    if not comment.can_edit(request.user, role):
        raise PermissionDenied("Only the comment's author, or a curator, can delete it.")
    target = comment.target
    actions.comment_delete(comment, by=request.user)
    if not request.htmx:
        return redirect(paper_of(target))
    # The comment is gone: focus its thread, so the keyboard stays where it was.
    context = _thread_context(request, log, role, target, focus_thread=True)
    response = _thread_list(request, context, target)
    return trigger_client_event(response, "announce", "Comment deleted")


@login_required
@require_POST
def comment_hide(request, slug, pk):
    """Hide a comment from everyone but curators, or show it again (curators only)."""
    log, role, comment = _comment(request, slug, pk, need=Role.CURATOR)
    hidden = request.POST.get("hidden", "1") == "1"
    actions.comment_set_hidden(comment, hidden, by=request.user)
    if not request.htmx:
        return redirect(comment)
    context = _thread_context(request, log, role, comment.target, comment=comment)
    response = _render(request, ["comment"], context)
    return trigger_client_event(
        response, "announce", "Comment hidden" if hidden else "Comment shown again"
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_move(request, slug, pk):
    """Move a comment (and its replies) to another note, question or paper (curators)."""
    log, role, comment = _comment(request, slug, pk, need=Role.CURATOR)
    paper = paper_of(comment.target)
    form = CommentMoveForm(request.POST or None, paper=paper)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            comment = actions.comment_move(
                comment, form.cleaned_data["target_object"], by=request.user
            )
            return redirect(comment)
        status = 422
    context = {"log": log, "role": role, "comment": comment, "paper": paper, "form": form}
    return render(request, "papers/comment_move.html", context, status=status)
