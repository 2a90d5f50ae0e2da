"""A member's notifications: the list, opening one (it is then read), marking all read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from papers.models import Notification

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
