"""A member's notifications: the list, opening one (it is then read), marking all read;
and the unsubscribe link of every email."""

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from papers import mail
from papers.models import Notification, User

PER_PAGE = 50


@login_required
@require_safe
def notification_list(request):
    """The member's notifications, newest first, unread ones marked.

    Only notifications about logs the member can still read are shown.
    Queries: session, user, the page of notifications with who and which
    paper (one), their count for the paginator (one).
    """
    notifications = (
        Notification.objects.filter(recipient=request.user)
        .readable_by(request.user)
        .select_related("actor", "paper", "log")
    )
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "papers/notifications.html", {"page": page})


@login_required
@require_safe
def notification_open(request, pk):
    """Mark one notification read and go to what it is about."""
    notification = get_object_or_404(
        Notification.objects.filter(recipient=request.user).readable_by(request.user), pk=pk
    )
    Notification.objects.filter(pk=notification.pk).mark_read(request.user)
    return redirect(notification.url)


@login_required
@require_POST
def notifications_read(request):
    """Mark all of the member's notifications read."""
    Notification.objects.filter(recipient=request.user).mark_read(request.user)
    return redirect("notification_list")


@csrf_exempt  # mail clients post the one-click unsubscribe (RFC 8058) without a token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Turn off the email a signed link names, without logging in.

    GET asks (link checkers in mail systems follow links); POST, from the
    page or a mail client's one-click button, does it.
    """
    try:
        user_pk, scope = mail.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "papers/unsubscribe.html", {"invalid": True}, status=404)
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    what = mail.describe_scope(scope)
    if user is None or what is None:
        return render(request, "papers/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        mail.unsubscribe(user, scope)
    return render(
        request,
        "papers/unsubscribe.html",
        {"what": what, "done": request.method == "POST", "email": user.email},
    )
