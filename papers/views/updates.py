"""Live updates: every open page polls every few seconds, cheaply when nothing changed.

The paper page polls its own view (paper_updates) for its fresh regions; every
other page polls `updates` for the two counts the header and the log nav show:
the member's unread notifications and the log's open questions. The polling
itself (every 3 s, every 60 s in a hidden tab) is scheduled by static/js/app.js,
which sends what the page shows: ?unread=, and from the log nav's badge ?log=,
?questions= and ?log_since= (the log's latest activity the badge was counted at).

Counting a large log's open questions takes milliseconds (15,000 of them: 2 to
10 ms on SQLite), so a poll does not count: it compares the log's latest
activity, read from indexes, with ?log_since=, and counts only when the log
moved. Every action on a paper bumps Paper.last_activity_at; what goes to the
trash (a whole paper) is dated by its TrashItem.
"""

import re

from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from papers.models import (
    Membership,
    Paper,
    Question,
    ReadingLog,
    TrashItem,
    get_log_for_user,
)
from papers.views.paper import TEMPLATE, get_paper, paper_page_context

COUNTS_TEMPLATE = "papers/_live_counts.html"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")  # what ReadingLog.slug (a SlugField) holds


def _since(value):
    """Read a moment as epoch milliseconds (or an ISO date-time); 0 when unreadable."""
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    try:
        moment = parse_datetime(value or "")
    except ValueError:  # well formed but impossible: 30 February
        return 0
    return int(moment.timestamp() * 1000) if moment and moment.tzinfo else 0


def _ms(moment):
    return int(moment.timestamp() * 1000) if moment else 0


def _log_row(request, log_ref):
    """Annotations for the one query of a poll: the user's role in the log `log_ref`
    points to (None: not a member) and the log's two latest activities."""
    user_id = request.user.pk if request.user.is_authenticated else None
    # No ordering (Membership's default joins the log and the user to sort one row),
    # and the latest by its index (log, -moment) rather than a MAX over the log.
    role = Membership.objects.filter(log=log_ref, user_id=user_id).order_by().values("role")

    def latest(queryset, field):
        return Subquery(queryset.filter(log=log_ref).order_by(f"-{field}").values(field)[:1])

    return {
        "member_role": Subquery(role[:1]),
        "papers_active": latest(Paper.objects_with_deleted, "last_activity_at"),
        "trash_active": latest(TrashItem.objects, "deleted_at"),
    }


def _log_activity(papers_active, trash_active):
    """The log's latest activity (epoch ms) from _log_row's two annotations."""
    return max(_ms(papers_active), _ms(trash_active))


def _unread_changed(request):
    """Say whether ?unread= is not the member's unread count (on the user row: no query)."""
    unread = request.GET.get("unread")
    return (
        request.user.is_authenticated
        and unread is not None
        and unread != str(request.user.unread_notifications)
    )


def _questions_may_have_changed(request, activity):
    """Say whether the log moved since the badge the page shows was counted."""
    return "questions" in request.GET and activity > _since(request.GET.get("log_since"))


def _badge(log, activity):
    """The log nav badge's context: the count now, and the activity it was counted at."""
    return {
        "log_open_question_count": Question.objects.in_log(log).open().count(),
        "log_activity_ms": activity,
    }


@require_GET
def updates(request):
    """Answer 204 when the counts a page shows are still right, else the fresh header
    link and log-nav badge (the page swaps them out of band).

    Nothing new costs one query with a log (its visibility, the user's role and
    its latest activity together), none without one: the unread count is on the
    user row auth already read.
    """
    slug = request.GET.get("log")
    log = activity = None
    if slug is not None:
        if not SLUG.fullmatch(slug):  # no log has it (and PostgreSQL refuses a NUL)
            raise Http404("No such log.")
        log = (
            ReadingLog.objects.filter(slug=slug)
            .annotate(**_log_row(request, OuterRef("pk")))
            .only("slug", "visibility")
            .first()
        )
        if log is None or (log.member_role is None and not log.is_public):
            raise Http404("No such log.")
        activity = _log_activity(log.papers_active, log.trash_active)
    questions_changed = log is not None and _questions_may_have_changed(request, activity)
    if not questions_changed and not _unread_changed(request):
        return HttpResponse(status=204)
    context = {"log": log, **(_badge(log, activity) if log else {})}
    return render(request, COUNTS_TEMPLATE, context)


@require_GET
def paper_updates(request, slug, number):
    """Answer 204 when the paper has not changed since ?since= and the counts the page
    shows are still right; else the paper's fresh regions, or only the fresh counts
    (header link, log nav badge) when the paper did not change.

    Nothing changed costs one query: the paper's last activity joined with its
    log's visibility, the user's role and the log's latest activity (auth's
    session and user aside).
    """
    row = (
        Paper.objects.filter(log__slug=slug, number=number)
        .annotate(visibility=F("log__visibility"), **_log_row(request, OuterRef("log")))
        .values("last_activity_at", "visibility", "member_role", "papers_active", "trash_active")
        .first()
    )
    if row is None:
        raise Http404("No such paper.")
    if row["member_role"] is None and row["visibility"] != ReadingLog.Visibility.PUBLIC:
        raise Http404("No such paper.")
    activity = _log_activity(row["papers_active"], row["trash_active"])
    paper_changed = _ms(row["last_activity_at"]) > _since(request.GET.get("since"))
    counts_changed = _unread_changed(request) or _questions_may_have_changed(request, activity)
    if not paper_changed and not counts_changed:
        return HttpResponse(status=204)
    log, role = get_log_for_user(request.user, slug)
    if not paper_changed:
        return render(request, COUNTS_TEMPLATE, {"log": log, **_badge(log, activity)})
    paper = get_paper(log, number)
    context = paper_page_context(request, log, role, paper)
    context.update(_badge(log, activity))
    return render(request, TEMPLATE + "#live-updates", context)
