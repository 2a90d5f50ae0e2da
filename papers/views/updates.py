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

import functools
import re
from datetime import UTC, datetime

from django.db import connection
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
PAPER_NUMBER_MAX = 2**31 - 1  # Paper.number is a PositiveIntegerField


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


def _ms(value):
    """Epoch milliseconds of a date-time read by raw SQL (SQLite gives text, in UTC)."""
    if value is None:
        return 0
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


@functools.cache
def _poll_sql(with_paper):
    """The one query of a poll: the log's id and visibility, the user's role there
    (None: not a member), the latest activity of its papers and of its trash, and,
    `with_paper`, that paper's last activity (None: no such paper, or in the trash).

    Written in SQL because a poll comes every 3 s from every open page, and the ORM
    takes 2.4 ms to build what the database answers in 0.1 ms (three subqueries,
    each the first row of an index: membership (user, log), paper (log, -activity),
    trash (log, -deleted_at)). Parameters: user id, [paper number,] log slug.
    """
    q = connection.ops.quote_name

    def table(model):
        return q(model._meta.db_table)

    def col(model, name):
        return q(model._meta.get_field(name).column)

    log, member, paper, trash = ReadingLog, Membership, Paper, TrashItem
    log_id = f"{table(log)}.{col(log, 'id')}"
    latest_paper = col(paper, "last_activity_at")
    selected = [
        log_id,
        f"{table(log)}.{col(log, 'visibility')}",
        f"(SELECT {col(member, 'role')} FROM {table(member)} WHERE {col(member, 'log')} = "
        f"{log_id} AND {col(member, 'user')} = %s LIMIT 1)",
        f"(SELECT {latest_paper} FROM {table(paper)} WHERE {col(paper, 'log')} = {log_id} "
        f"ORDER BY {latest_paper} DESC LIMIT 1)",
        f"(SELECT {col(trash, 'deleted_at')} FROM {table(trash)} WHERE {col(trash, 'log')} = "
        f"{log_id} ORDER BY {col(trash, 'deleted_at')} DESC LIMIT 1)",
    ]
    if with_paper:
        selected.append(
            f"(SELECT {latest_paper} FROM {table(paper)} WHERE {col(paper, 'log')} = {log_id} "
            f"AND {col(paper, 'number')} = %s AND {col(paper, 'trashed')} IS NULL)"
        )
    return f"SELECT {', '.join(selected)} FROM {table(log)} WHERE {col(log, 'slug')} = %s"


def _poll_row(request, slug, number=None):
    """Run the poll's query; 404 when the log (or paper) is not there for this user.

    Returns (log id, the log's latest activity, the paper's last activity), in ms.
    """
    user_id = request.user.pk if request.user.is_authenticated else None
    params = [user_id, slug] if number is None else [user_id, number, slug]
    with connection.cursor() as cursor:
        cursor.execute(_poll_sql(number is not None), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such log.")
    log_id, visibility, role, papers_active, trash_active, *paper_active = row
    if role is None and visibility != ReadingLog.Visibility.PUBLIC:
        raise Http404("No such log.")
    if number is not None and paper_active[0] is None:
        raise Http404("No such paper.")
    paper_ms = _ms(paper_active[0]) if paper_active else None
    return log_id, max(_ms(papers_active), _ms(trash_active)), paper_ms


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

    Nothing new costs one query with a log (_poll_sql), none without one: the
    unread count is on the user row auth already read.
    """
    slug = request.GET.get("log")
    log = activity = None
    if slug is not None:
        if not SLUG.fullmatch(slug):  # no log has it (and PostgreSQL refuses a NUL)
            raise Http404("No such log.")
        log_id, activity, _ = _poll_row(request, slug)
    questions_changed = slug is not None and _questions_may_have_changed(request, activity)
    if not questions_changed and not _unread_changed(request):
        return HttpResponse(status=204)
    context = {}
    if slug is not None:
        log = ReadingLog(pk=log_id, slug=slug)  # all the badge needs: no query
        context = {"log": log, **_badge(log, activity)}
    return render(request, COUNTS_TEMPLATE, context)


@require_GET
def paper_updates(request, slug, number):
    """Answer 204 when the paper has not changed since ?since= and the counts the page
    shows are still right; else the paper's fresh regions, or only the fresh counts
    (header link, log nav badge) when the paper did not change.

    Nothing changed costs one query (_poll_sql), auth's session and user aside.
    """
    if number > PAPER_NUMBER_MAX:  # no paper has it (and SQLite cannot compare it)
        raise Http404("No such paper.")
    _, activity, paper_active = _poll_row(request, slug, number)
    paper_changed = paper_active > _since(request.GET.get("since"))
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
