"""Home, creating a log, its settings, its members and invitations."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Window
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from papers import actions
from papers.forms import DeleteLogForm, InvitationForm, LogForm, RoleForm, SignupForm
from papers.models import (
    Invitation,
    InvitationUnusable,
    InvitationUse,
    Membership,
    Notification,
    Paper,
    Question,
    ReadingLog,
    Role,
    get_log_for_user,
)
from papers.views import wants_partial

OPEN_QUESTIONS_PER_PAGE = 10
PUBLIC_LOGS_ON_HOME = 20
UNREAD_ON_HOME = 5
WAITING_ON_HOME = 5
CHANGED_PAPERS_PER_LOG = 3


# -- Home ---------------------------------------------------------------------


@require_safe
def home(request):
    """Show the user's logs with what changed since their last visit, and their questions.

    Anonymous visitors get a welcome and the public logs. Queries (signed in),
    whatever the number of logs and papers: session, user, memberships with
    their change counts (one query, correlated subqueries), the papers that
    changed in each (one query, a few a log), the questions waiting for the
    user with their count (one query, a window), count of the user's open
    questions, one page of them, public logs they are not in; and the latest
    unread notifications when the user has any.
    """
    public = ReadingLog.objects.public()
    if not request.user.is_authenticated:
        return render(request, "papers/home.html", {"public_logs": public[:PUBLIC_LOGS_ON_HOME]})
    user = request.user
    my_logs = ReadingLog.objects.member_of(user)
    open_questions = (
        Question.objects.open()
        .filter(author=user, paper__log__in=my_logs)
        .select_related("paper__log")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(open_questions, OPEN_QUESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    if wants_partial(request):
        return render(request, "papers/home.html#my-questions", {"questions_page": page})
    waiting = list(
        Question.objects.waiting_for(user)
        .filter(paper__log__in=my_logs)
        .annotate(total=Window(Count("pk")))
        .select_related("paper__log", "author")
        .order_by("-created_at", "-pk")[:WAITING_ON_HOME]
    )
    # One query, only when the count on the user row says there is something unread.
    unread = []
    if user.unread_notifications:
        unread = list(
            Notification.objects.filter(recipient=user, read_at__isnull=True)
            .readable_by(user)
            .select_related("actor", "paper", "log")[:UNREAD_ON_HOME]
        )
    return render(
        request,
        "papers/home.html",
        {
            "memberships": _with_changed_papers(user),
            "questions_page": page,
            "unread_notifications": unread,
            "waiting": waiting,
            "waiting_count": waiting[0].total if waiting else 0,
            "public_logs": public.exclude(pk__in=my_logs.values("pk"))[:PUBLIC_LOGS_ON_HOME],
        },
    )


def _with_changed_papers(user):
    """Return user's memberships with their change counts and `changed_papers`: two queries."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("log")
        .with_changes_since_last_visit()
        .order_by("log__title")
    )
    changed = Paper.objects.changed_since_last_visit(user, per_log=CHANGED_PAPERS_PER_LOG)
    by_log = {}
    for paper in changed.select_related("log"):
        by_log.setdefault(paper.log_id, []).append(paper)
    for membership in memberships:
        membership.changed_papers = by_log.get(membership.log_id, [])
    return memberships


# -- Logs: create, settings, delete -------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def log_create(request):
    """Create a log; the creator becomes its owner."""
    form = LogForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            log = actions.log_create(by=request.user, **form.cleaned_data)
            messages.success(request, f"Created “{log.title}”. Invite people from Members.")
            return redirect("log_members", log.slug)
        return render(request, "papers/log_form.html", {"form": form}, status=422)
    return render(request, "papers/log_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def log_settings(request, slug):
    """Change the log's title, description and visibility (owners)."""
    log, role = get_log_for_user(request.user, slug, need=Role.OWNER)
    form = LogForm(request.POST or None, instance=log)
    template = "papers/log_settings.html"
    context = {"log": log, "role": role, "form": form, "delete_form": DeleteLogForm(slug=slug)}
    if request.method == "POST":
        if form.is_valid():
            log = form.save(commit=False)
            log.updated_by = request.user
            log.save()
            if wants_partial(request):
                context["saved"] = True
                return render(request, template + "#settings-form", context)
            messages.success(request, "Settings saved.")
            return redirect("log_settings", log.slug)
        if wants_partial(request):
            template += "#settings-form"
        return render(request, template, context, status=422)
    return render(request, template, context)


@login_required
@require_POST
def log_delete(request, slug):
    """Delete the log and everything in it, once the owner typed its slug."""
    log, role = get_log_for_user(request.user, slug, need=Role.OWNER)
    delete_form = DeleteLogForm(request.POST, slug=slug)
    if not delete_form.is_valid():
        context = {"log": log, "role": role, "form": LogForm(instance=log)}
        context["delete_form"] = delete_form
        template = "papers/log_settings.html"
        if wants_partial(request):
            template += "#delete-form"
        return render(request, template, context, status=422)
    title = log.title
    log.delete()
    messages.success(request, f"Deleted “{title}”.")
    if request.htmx:
        # A full page load: the page the user is on no longer exists.
        return HttpResponseClientRedirect(reverse("home"))
    return redirect("home")


# -- Members and invitations --------------------------------------------------


def _members_context(request, log, role, *, role_forms=None, invitation_form=None, new=None):
    """Build the members page context; every member of the log may see it.

    Queries: the memberships with their users; for owners, the usable
    invitations and every use of the log's invitations with who used it.
    """
    memberships = list(log.memberships.select_related("user").order_by("user__username"))
    role_forms = role_forms or {}
    rows = [(m, role_forms.get(m.pk) or RoleForm(membership=m)) for m in memberships]
    is_owner = role == Role.OWNER
    invitations, uses = [], []
    if is_owner:
        invitations = [
            (inv, request.build_absolute_uri(inv.get_absolute_url()))
            for inv in log.invitations.usable().order_by("-created_at")
        ]
        uses = (
            InvitationUse.objects.filter(invitation__log=log)
            .select_related("user", "invitation")
            .order_by("-used_at", "-pk")
        )
    return {
        "log": log,
        "role": role,
        "is_owner": is_owner,
        "rows": rows,
        "invitations": invitations,
        "uses": uses,
        "invitation_form": invitation_form or InvitationForm(),
        "new_invitation": new,
    }


def _member_of(request, slug, need):
    """Return (log, role) for a member with at least `need`; public readers are not members."""
    log, role = get_log_for_user(request.user, slug, need=need)
    if role is None:
        raise PermissionDenied("Only members of this log can see who is in it.")
    return log, role


@login_required
@require_GET
def log_members(request, slug):
    """List the log's members; owners also manage roles and invitations here."""
    log, role = _member_of(request, slug, Role.VIEWER)
    template = "papers/log_members.html"
    if wants_partial(request):
        template += "#members"
    return render(request, template, _members_context(request, log, role))


MAX_MENTION_NAMES = 1000  # a reading group is far smaller; a bound all the same


@login_required
@require_GET
def member_names(request, slug):
    """List the members' usernames, for the @mention suggestions of a text box (static/js/app.js).

    Fetched once, when someone first types "@" on a page, so no page pays
    for it. Only for those who write: members, curators and owners.
    """
    log, _ = _member_of(request, slug, Role.MEMBER)
    names = log.memberships.order_by("user__username").values_list("user__username", flat=True)
    response = JsonResponse({"names": list(names[:MAX_MENTION_NAMES])})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def member_role(request, slug, pk):
    """Change a member's role; the log keeps at least one owner."""
    log, role = _member_of(request, slug, Role.OWNER)
    membership = get_object_or_404(log.memberships.select_related("user"), pk=pk)
    form = RoleForm(request.POST, membership=membership)
    template = "papers/log_members.html"
    if form.is_valid():
        try:
            membership.set_role(form.cleaned_data["role"])
        except ValidationError as error:  # the log's last owner
            form.add_error("role", error)
    if not form.is_valid():
        context = _members_context(request, log, role, role_forms={membership.pk: form})
        if wants_partial(request):
            template += "#members"
        return render(request, template, context, status=422)
    text = f"{membership.user.get_username()} is now {Role(membership.role).label.lower()}."
    if membership.user_id == request.user.pk and membership.role != Role.OWNER:
        # They can no longer manage members: show them the page as they now see it.
        messages.success(request, text)
        return redirect("log_members", log.slug)
    if wants_partial(request):
        context = _members_context(request, log, role)
        context["focus_member"] = membership.pk  # focus stays on the changed row
        response = render(request, template + "#members", context)
        return trigger_client_event(response, "announce", text)
    messages.success(request, text)
    return redirect("log_members", log.slug)


@login_required
@require_POST
def member_remove(request, slug, pk):
    """Remove a member from the log (not its last owner)."""
    log, role = _member_of(request, slug, Role.OWNER)
    membership = get_object_or_404(log.memberships.select_related("user"), pk=pk)
    template = "papers/log_members.html"
    try:
        revoked = membership.remove()
    except ValidationError as error:  # the log's last owner
        form = RoleForm({f"m{membership.pk}-role": membership.role}, membership=membership)
        form.is_valid()
        form.add_error("role", error)
        context = _members_context(request, log, role, role_forms={membership.pk: form})
        if wants_partial(request):
            template += "#members"
        return render(request, template, context, status=422)
    text = f"Removed {membership.user.get_username()} from the log."
    if revoked:
        used = "the invitation" if revoked == 1 else f"the {revoked} invitations"
        text += f" Revoked {used} they used."
    if membership.user_id == request.user.pk:
        messages.success(request, text)
        return redirect("home")
    if wants_partial(request):
        context = _members_context(request, log, role)
        context["focus_heading"] = True  # the row is gone: focus the list's heading
        response = render(request, template + "#members", context)
        if revoked:  # their invitations leave the list beside it
            context["oob"] = True
            response.write(render_to_string(template + "#invitations", context, request))
        return trigger_client_event(response, "announce", text)
    messages.success(request, text)
    return redirect("log_members", log.slug)


@login_required
@require_POST
def invitation_create(request, slug):
    """Make an invitation link with a role and an expiry."""
    log, role = _member_of(request, slug, Role.OWNER)
    form = InvitationForm(request.POST)
    template = "papers/log_members.html"
    if not form.is_valid():
        context = _members_context(request, log, role, invitation_form=form)
        if wants_partial(request):
            template += "#invitations"
        return render(request, template, context, status=422)
    invitation = Invitation.objects.create(
        log=log,
        role=form.cleaned_data["role"],
        expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
        max_uses=form.cleaned_data["max_uses"],
        created_by=request.user,
    )
    if wants_partial(request):
        context = _members_context(request, log, role, new=invitation)
        return render(request, template + "#invitations", context)
    messages.success(request, "Invitation made: copy its link below and send it.")
    return redirect(reverse("log_members", args=[log.slug]) + f"#invitation-{invitation.pk}")


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    """Revoke an invitation so its link stops working."""
    log, role = _member_of(request, slug, Role.OWNER)
    invitation = get_object_or_404(log.invitations, pk=pk)
    invitation.revoke()
    if wants_partial(request):
        response = render(
            request, "papers/log_members.html#invitations", _members_context(request, log, role)
        )
        return trigger_client_event(response, "announce", "Invitation revoked.")
    messages.success(request, "Invitation revoked: its link no longer works.")
    return redirect("log_members", log.slug)


def _invitation_gone(request, invitation):
    """Answer an expired, revoked or used-up invitation: 410 with a page that says so."""
    return render(request, "papers/invitation_accept.html", {"invitation": invitation}, status=410)


def _welcome(request, log, membership):
    """Greet a new member of the log with their role and send them to it."""
    role = Role(membership.role).label.lower()
    messages.success(request, f"Welcome to “{log.title}”: you are a {role} here.")
    return redirect(log.get_absolute_url())


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """Show an invitation to anyone with its link, and join the log with it.

    GET only shows it (mail scanners and link previews open links): to a
    logged-out visitor the log and the role, with the ways to log in or sign
    up; to a member who has the role already, the log. POST joins, once
    logged in. Expired, revoked or used up: 410 with a clear page.
    """
    invitation = get_object_or_404(Invitation.objects.select_related("log"), token=token)
    log = invitation.log
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.path)
    if not invitation.is_usable:
        return _invitation_gone(request, invitation)
    if request.method == "POST":
        try:
            membership = invitation.accept(request.user)
        except InvitationUnusable:  # the last use went to someone else meanwhile
            return _invitation_gone(request, invitation)
        return _welcome(request, log, membership)
    current = log.role_of(request.user)
    if current is not None and current.allows(invitation.role):
        messages.info(request, f"You are already a {current.label.lower()} of this log.")
        return redirect(log.get_absolute_url())
    context = {"invitation": invitation, "current": current}
    return render(request, "papers/invitation_accept.html", context)


@require_http_methods(["GET", "POST"])
def invitation_signup(request, token):
    """Create an account with an invitation and join its log in one step.

    People without an account cannot log in to accept an invitation, so the
    link itself lets them make one. Signed-in visitors go to the usual page.
    """
    invitation = get_object_or_404(Invitation.objects.select_related("log"), token=token)
    if not invitation.is_usable:
        return _invitation_gone(request, invitation)
    if request.user.is_authenticated:
        return redirect("invitation_accept", token)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                membership = invitation.accept(user)
        except InvitationUnusable:  # the last use went to someone else meanwhile
            return _invitation_gone(request, invitation)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _welcome(request, invitation.log, membership)
    status = 422 if request.method == "POST" else 200
    context = {"invitation": invitation, "form": form}
    return render(request, "papers/invitation_signup.html", context, status=status)
