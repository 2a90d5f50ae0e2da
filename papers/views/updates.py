"""Live updates of an open paper page: a poll every few seconds, cheap when nothing changed."""

from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from papers.models import Membership, Paper, ReadingLog, get_log_for_user
from papers.views.paper import TEMPLATE, get_paper, paper_page_context


def _since(value):
    """Read ?since= as epoch milliseconds (or an ISO date-time); 0 when unreadable."""
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    try:
        moment = parse_datetime(value or "")
    except ValueError:  # well formed but impossible: 30 February
        return 0
    return int(moment.timestamp() * 1000) if moment and moment.tzinfo else 0


@require_GET
def paper_updates(request, slug, number):
    """Answer 204 when the paper has not changed since `since`, else its fresh regions.

    The regions include the header's notifications link: a member whose
    unread count is not `unread` any more gets it too.

    Nothing changed costs one query: the paper's last activity joined with its
    log's visibility and the user's role (auth's session and user aside). Every
    action bumps Paper.last_activity_at, so that one timestamp says it all.
    """
    user_id = request.user.pk if request.user.is_authenticated else None
    role = Membership.objects.filter(log=OuterRef("log"), user_id=user_id).values("role")[:1]
    row = (
        Paper.objects.filter(log__slug=slug, number=number)
        .annotate(visibility=F("log__visibility"), member_role=Subquery(role))
        .values_list("last_activity_at", "visibility", "member_role")
        .first()
    )
    if row is None:
        raise Http404("No such paper.")
    last_activity_at, visibility, member_role = row
    if member_role is None and visibility != ReadingLog.Visibility.PUBLIC:
        raise Http404("No such paper.")
    # The member's unread count is on the user row auth already read: no query.
    unread = request.GET.get("unread")
    count_changed = (
        user_id is not None
        and unread is not None
        and unread != str(request.user.unread_notifications)
    )
    unchanged = int(last_activity_at.timestamp() * 1000) <= _since(request.GET.get("since"))
    if unchanged and not count_changed:
        return HttpResponse(status=204)
    log, role = get_log_for_user(request.user, slug)
    paper = get_paper(log, number)
    context = paper_page_context(request, log, role, paper)
    return render(request, TEMPLATE + "#live-updates", context)
