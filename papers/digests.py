"""Email digests: what happened in a log during a day or a week, for each member (issue #10).

A member's digest of a log covers a period that ends at local midnight
(TIME_ZONE): daily, the previous day; weekly, the previous Monday-to-Monday
week. It is due once that period has ended and nothing was sent for it.

`send_due(now)` (run by `manage.py send_digests`) claims each due period by
inserting its DigestSent row, unique per user, log and period end, and only
then sends the email, outside the claiming transaction. Whoever inserts the
row first sends; a second run, or a second server at the same moment, hits
the unique constraint (on PostgreSQL it waits for the first to commit) and
skips. A digest is never sent twice; one whose email fails is released again
so the next run retries it.

An empty period is claimed too (items = 0), but not mailed: the next run
then finds nothing due instead of reading the same empty week again every
quarter of an hour.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from papers import mail
from papers.models import ChangeLogEntry, Comment, DigestSent, Membership, Note, Paper, Question

logger = logging.getLogger(__name__)

# How many rows each section lists; the rest is "and N more" with a link.
SECTION_LIMIT = 20
# How far back a digest reaches for a member whose last digest is older than
# the period (runs missed, or daily after weekly): never more than this.
CATCH_UP = {
    Membership.Digest.DAILY: timedelta(days=7),
    Membership.Digest.WEEKLY: timedelta(days=28),
}


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def period_end(frequency, now):
    """Return when the latest ended period of frequency ended: a local midnight (a Monday's)."""
    today = timezone.localdate(now)
    if frequency == Membership.Digest.WEEKLY:
        today -= timedelta(days=today.weekday())
    return _midnight(today)


def period_for(membership, now):
    """Return (start, end) of the period membership's digest is due for, or None.

    The end is the latest ended period's. The start is where the last digest
    sent stopped (so nothing falls between two digests, even after a switch
    from weekly to daily), else the period's own start; never before the
    member joined, nor more than CATCH_UP before the end.
    """
    if membership.digest == Membership.Digest.OFF:
        return None
    end = period_end(membership.digest, now)
    days = 7 if membership.digest == Membership.Digest.WEEKLY else 1
    natural_start = _midnight(timezone.localdate(end) - timedelta(days=days))
    start = max(
        membership.digest_sent_until or natural_start,
        membership.created_at,
        end - CATCH_UP[membership.digest],
    )
    return (start, end) if start < end else None


def due_memberships(now):
    """Memberships whose digest may be due: on, with an email address, not sent up to now.

    One query; period_for() says exactly.
    """
    not_sent = Q(digest_sent_until__isnull=True)
    for frequency in (Membership.Digest.DAILY, Membership.Digest.WEEKLY):
        not_sent |= Q(digest=frequency, digest_sent_until__lt=period_end(frequency, now))
    return (
        Membership.objects.exclude(digest=Membership.Digest.OFF)
        .filter(not_sent, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "log")
        .order_by("pk")
    )


@dataclass
class Section:
    """Up to SECTION_LIMIT rows of one kind, and how many there are in all."""

    rows: list
    total: int

    @property
    def more(self):
        return self.total - len(self.rows)


def _section(queryset):
    rows = list(queryset[: SECTION_LIMIT + 1])
    if len(rows) <= SECTION_LIMIT:
        return Section(rows, len(rows))
    return Section(rows[:SECTION_LIMIT], queryset.count())


@dataclass
class Digest:
    """What a member gets in one digest of one log."""

    membership: Membership
    start: datetime
    end: datetime
    papers: Section = None
    questions: Section = None
    answered: Section = None
    notes: Section = None
    entries: Section = None
    waiting: Section = None
    links: dict = field(default_factory=dict)

    @property
    def items(self):
        """How much happened in the period; "waiting for you" is a standing list, not counted."""
        sections = (self.papers, self.questions, self.answered, self.notes, self.entries)
        return sum(section.total for section in sections)

    @property
    def frequency(self):
        return self.membership.get_digest_display().lower()


def build(membership, start, end):
    """Collect what others did in membership's log between start and end.

    Only what the member can see now: nothing in the trash, no hidden
    comment or change-log entry. About ten queries, whatever the size.
    """
    log, user = membership.log, membership.user
    during = {"created_at__gte": start, "created_at__lt": end}
    papers = Paper.objects.filter(log=log, **during).exclude(added_by=user)
    questions = (
        Question.objects.in_log(log)
        .filter(**during)
        .exclude(author=user)
        .select_related("paper__log")
    )
    replies = (
        Comment.objects.visible().filter(question=OuterRef("pk"), **during).exclude(author=user)
    )
    reply_counts = replies.order_by().values("question").annotate(n=Count("pk")).values("n")
    answered = (
        Question.objects.in_log(log)
        .filter(
            Q(status=Question.Status.RESOLVED, resolved_at__gte=start, resolved_at__lt=end)
            & ~Q(resolved_by=user)
            | Exists(replies)
        )
        .annotate(new_replies=Coalesce(Subquery(reply_counts), 0))
        .select_related("paper__log", "resolved_by")
        .order_by("paper__number", "position", "pk")
    )
    notes = (
        Note.objects.filter(paper__log=log, **during)
        .exclude(author=user)
        .values("paper__number", "paper__title")
        .annotate(count=Count("pk"))
        .order_by("paper__number")
    )
    entries = (
        ChangeLogEntry.objects.filter(log=log, kind=ChangeLogEntry.Kind.WRITTEN, **during)
        .visible()
        .without_trashed_papers()
        .exclude(author=user)
        .select_related("log")
        .order_by("date", "created_at", "pk")
    )
    waiting = (
        Question.objects.waiting_for(user)
        .in_log(log)
        .select_related("paper__log")
        .order_by("-created_at")
    )
    digest = Digest(
        membership,
        start,
        end,
        papers=_section(papers.select_related("log").order_by("number")),
        questions=_section(questions.order_by("paper__number", "position", "pk")),
        answered=_section(answered),
        notes=_section(notes),
        entries=_section(entries),
        waiting=_section(waiting),
    )
    digest.links = {
        "log": mail.absolute(log.get_absolute_url()),
        "questions": mail.absolute(reverse("log_questions", args=[log.slug])),
        "changelog": mail.absolute(reverse("log_changelog", args=[log.slug])),
    }
    for note_group in digest.notes.rows:
        note_group["url"] = mail.absolute(
            reverse("paper_detail", args=[log.slug, note_group["paper__number"]])
        )
    return digest


def _claim(digest):
    """Record the digest's period as sent; False if someone already has it."""
    membership = digest.membership
    try:
        with transaction.atomic():
            sent = DigestSent.objects.create(
                user=membership.user,
                log=membership.log,
                period_start=digest.start,
                period_end=digest.end,
                items=digest.items,
            )
            Membership.objects.filter(pk=membership.pk).update(digest_sent_until=digest.end)
    except IntegrityError:
        return None
    return sent


def _release(sent, membership):
    """Give a claimed period back after its email failed, so the next run sends it."""
    with transaction.atomic():
        sent.delete()
        Membership.objects.filter(pk=membership.pk).update(
            digest_sent_until=membership.digest_sent_until
        )


def message(digest):
    """Build the digest's email (plain text and HTML, absolute links, unsubscribe)."""
    log = digest.membership.log
    subject = f"{log.title}: your {digest.frequency} digest"
    return mail.message(
        digest.membership.user,
        subject=subject,
        template="digest",
        context={"digest": digest, "log": log},
        scope=f"digest:{log.pk}",
    )


def send_due(now=None):
    """Send every digest that is due at now; return (sent, empty) counts.

    Each claim is its own transaction, and each email goes out after its
    claim is committed.
    """
    now = now or timezone.now()
    sent = empty = 0
    for membership in due_memberships(now):
        period = period_for(membership, now)
        if period is None:
            continue
        digest = build(membership, *period)
        claim = _claim(digest)
        if claim is None:
            continue  # another run has this period
        if not digest.items:
            empty += 1
            continue
        try:
            message(digest).send()
        except Exception:
            logger.exception("The digest of %s could not be sent; the next run retries", claim)
            _release(claim, membership)
            continue
        sent += 1
    return sent, empty
