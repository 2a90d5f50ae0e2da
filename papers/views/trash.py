"""A log's trash: what was deleted, by whom and when, to restore or purge.

Deleting a paper, note, question or comment moves it here with everything
under it (papers.actions.trash). Curators see and restore everything;
members see and restore what they deleted themselves. Curators can also
purge at once; `manage.py purge_trash` purges what is older than 30 days.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from papers import actions
from papers.models import Paper, Role, TrashItem, get_log_for_user, role_allows
from papers.views import wants_partial

TEMPLATE = "papers/log_trash.html"
ITEMS_PER_PAGE = 50


def _trash_for(log, user, role):
    """Return the trash items the user may see: all for curators, else their own."""
    items = TrashItem.objects.filter(log=log).select_related("deleted_by")
    if not role_allows(role, Role.CURATOR):
        items = items.filter(deleted_by=user)
    return items


def get_trash_item_for_user(user, slug, pk):
    """Return (log, role, item) for a user who may restore the trash item, or 404 / 403."""
    log, role = get_log_for_user(user, slug, need=Role.MEMBER)
    item = get_object_or_404(TrashItem, pk=pk, log=log)
    if not item.can_restore(user, role):
        raise PermissionDenied("Only a curator, or whoever deleted it, can restore this.")
    return log, role, item


@login_required
@require_GET
def log_trash(request, slug):
    """List what was deleted from the log, newest first (2 queries after access)."""
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    items = _trash_for(log, request.user, role)
    page_obj = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "log": log,
        "role": role,
        "page_obj": page_obj,
        "is_curator": role_allows(role, Role.CURATOR),
        "keep_days": TrashItem.KEEP_DAYS,
    }
    if wants_partial(request):
        return render(request, f"{TEMPLATE}#trash-list", context)
    return render(request, TEMPLATE, context)


@login_required
@require_POST
def trash_restore(request, slug, pk):
    """Put a deleted item back where it was, with everything that went with it."""
    log, role, item = get_trash_item_for_user(request.user, slug, pk)
    try:
        restored = actions.trash_restore(item, by=request.user)
    except actions.HolderInTrash as error:
        messages.error(request, _held_message(request.user, role, error.holder))
        return redirect("log_trash", log.slug)
    if restored is None:
        messages.error(request, "That is gone for good: nothing was restored.")
        return redirect("log_trash", log.slug)
    messages.success(request, f"Restored: {item.summary[:80]}")
    return redirect(restored.get_absolute_url())


def _held_message(user, role, holder):
    """Say why an item was not restored: what it was on is in the trash too."""
    if isinstance(holder, Paper):
        what = str(holder)
    else:
        what = f"a {holder.revision_kind} “{holder.body[:60]}”"
    if holder.trashed.can_restore(user, role):
        then = "Restore that first."
    else:
        then = "Ask a curator to restore that first."
    return f"Not restored: it was on {what}, which is in the trash too. {then}"


@login_required
@require_POST
def trash_purge(request, slug, pk):
    """Delete one trash item for good (curators)."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    item = get_object_or_404(TrashItem, pk=pk, log=log)
    actions.trash_purge([item])
    messages.success(request, f"Deleted for good: {item.summary[:80]}")
    return redirect("log_trash", log.slug)


@login_required
@require_POST
def trash_empty(request, slug):
    """Delete everything in the log's trash for good (curators)."""
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    count = actions.trash_purge(TrashItem.objects.filter(log=log))
    messages.success(
        request, f"The trash is empty: {count} item{'s' if count != 1 else ''} deleted for good."
    )
    return redirect("log_trash", log.slug)
