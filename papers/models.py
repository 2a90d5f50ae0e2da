"""Readinglog's domain: logs, who is in them, and the papers, notes, questions,
comments and change-log entries they hold.

Markdown fields keep the source as written (`body`) and a sanitized rendering
(`body_html`) made in `save()`; pages never render markdown. State changes are
model methods; flows that touch several models live in `papers/actions.py`.
"""

import re
import secrets
import unicodedata
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode
from django.utils.text import Truncator, slugify

from papers import mail
from papers.markdown import render_markdown

# Paths under /logs/ that are pages, not logs (papers/urls.py: /logs/new/).
RESERVED_SLUGS = {"new"}
validate_arxiv_id = RegexValidator(
    r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$",
    "Enter an arXiv id like 2407.12687 or 2407.12687v2.",
)
validate_doi = RegexValidator(r"^10\.\d{4,9}/\S+$", "Enter a DOI like 10.1145/3290605.3300233.")


def validate_not_reserved(slug):
    if slug in RESERVED_SLUGS:
        raise ValidationError(f"“{slug}” is the address of a page; pick another slug.")


class HttpsURLField(models.URLField):
    """A URLField whose form field assumes https:// when the scheme is left out."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


FEED_KEY_SALT = "readinglog.feeds.key"


class User(AbstractUser):
    """A person who signs in with a username."""

    # Kept right by Notification.send / mark_read in the same transaction, so
    # the header shows it from the row the request already loaded: no query.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)
    # How each kind of notification reaches the user: {kind: Delivery value};
    # a kind not in it gets Notification.DEFAULT_DELIVERY (issue #10).
    notification_delivery = models.JSONField(default=dict, blank=True)
    # When the last notification email went out: at most one per EMAIL_BATCH.
    last_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The secret in the user's feed URLs of private logs; made on first use,
    # replaced when the user resets it (papers/views/feeds.py).
    feed_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        db_table = "papers_user"

    def get_feed_token(self):
        """Return the secret of the user's private feed URLs, making it on first use."""
        if not self.feed_token:
            self.reset_feed_token()
        return self.feed_token

    def reset_feed_token(self):
        """Replace the feed secret: every feed URL the user had stops working."""
        self.feed_token = secrets.token_urlsafe(32)
        User.objects.filter(pk=self.pk).update(feed_token=self.feed_token)

    @property
    def feed_key(self):
        """Return the key of the user's private feed URLs (?key=…), signed over feed_token.

        Derived, not stored, so that showing it on the log page writes nothing
        (get_feed_token would on a first visit); resetting feed_token changes
        it, and papers/views/feeds.py checks it against the membership it names.
        """
        digest = salted_hmac(FEED_KEY_SALT, f"{self.pk}:{self.feed_token or ''}").hexdigest()
        return f"{self.pk}-{digest[:40]}"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Versioned(models.Model):
    """Text that people edit at once: a version every text edit bumps, and who edited it last.

    Edits go through `actions.text_edit`, which saves only when the form's
    version is still the current one (otherwise the editor gets the conflict
    view) and keeps the text before and after as `Revision`s. Changes that are
    not text edits (hiding, resolving, moving) leave the version alone.
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    # The fields a revision keeps, in the order the history page shows them.
    REVISED_FIELDS = ()
    # Markdown fields and the column their rendering is stored in.
    RENDERED = {}

    class Meta:
        abstract = True

    @property
    def was_edited(self):
        """Say whether the text changed after it was written (for an "edited" mark)."""
        return self.edited_at is not None

    def revision_data(self):
        """Return the revised fields as plain JSON values."""
        return {name: json_value(getattr(self, name)) for name in self.REVISED_FIELDS}

    def apply_revision_data(self, data):
        """Set the revised fields from `data` (a revision's or a form's); return the names set."""
        names = [name for name in self.REVISED_FIELDS if name in data]
        for name in names:
            setattr(self, name, data[name])
        return names

    def render(self, mentions=None, papers=None):
        """Render the markdown fields into their `_html` columns, @mentions and [[N]] linked.

        `mentions` and `papers` (`links` functions for render_markdown)
        default to look-ups among the members and the papers of the item's
        log: one query per text that has an "@name" or a "[[N]]" in it, none
        otherwise.
        """
        mentions = mentions or mention_links(lambda: self.mention_log_id)
        papers = papers or paper_links(lambda: self.mention_log_id)
        for source, target in self.RENDERED.items():
            markup = render_markdown(getattr(self, source), mentions=mentions, papers=papers)
            setattr(self, target, markup)

    @property
    def mention_log_id(self):
        """The log whose members the text can mention."""
        return self.log_id


# At most this many different names of one text are looked up: a text cannot
# make the look-up query as long as itself.
MAX_MENTIONS = 100


def mention_links(log_id):
    """Return a `links` function for render_markdown: names of the log's members → their URLs.

    `log_id` is a function, called only when a text names someone, so a note
    without an "@" never reads its paper. A member's URL is their row on the
    log's members page; anyone else gets no link, whether or not they exist.
    """

    def links(names):
        names = sorted(names)[:MAX_MENTIONS]
        return _member_urls(Membership.objects.filter(log_id=log_id(), user__username__in=names))

    return links


def all_member_links(log_id):
    """Return a `links` function over all the log's members, read now in one query.

    For many texts at once (an import, a member leaving): no query per text.
    """
    urls = _member_urls(Membership.objects.filter(log_id=log_id))
    return lambda names: {name: urls[name] for name in names if name in urls}


def paper_links(log_id):
    """Return a `links` function for render_markdown: numbers → (URL, title) of the log's papers.

    `log_id` is a function, called only when a text has a "[[N]]". Papers in
    the trash are left out: a link to one shows as missing until it is back.
    """

    def links(numbers):
        return _paper_urls(Paper.objects.filter(log_id=log_id(), number__in=numbers))

    return links


def all_paper_links(log_id):
    """Return a `links` function over all the log's papers, read now in one query (imports)."""
    urls = _paper_urls(Paper.objects.filter(log_id=log_id))
    return lambda numbers: {number: urls[number] for number in numbers if number in urls}


def _paper_urls(papers):
    """Return {number: (URL, title)} for the papers (one query)."""
    rows = papers.values_list("number", "title", "log__slug")
    return {n: (reverse("paper_detail", args=[slug, n]), title) for n, title, slug in rows}


def _member_urls(memberships):
    """Return {username: their row on the log's members page} for the memberships (one query)."""
    rows = memberships.values_list("user__username", "pk", "log__slug")
    return {name: reverse("log_members", args=[slug]) + f"#member-{pk}" for name, pk, slug in rows}


def json_value(value):
    """Return a field's value as a revision keeps it in JSON (dates as ISO text)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class LiveManager(models.Manager):
    """The default manager of what can be deleted: rows in the trash are left out.

    `objects_with_deleted` (a plain manager) reaches them, for the trash page,
    restores, backups and the importer's memory of what was deleted.
    """

    def get_queryset(self):
        return super().get_queryset().filter(trashed__isnull=True)


class Trashable(models.Model):
    """Something that goes to its log's trash when deleted, with everything under it."""

    trashed = models.ForeignKey(
        "TrashItem",
        models.CASCADE,  # purging a trash item deletes what it holds
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def in_trash(self):
        return self.trashed_id is not None


class Role(models.TextChoices):
    """What a member may do in a log; each role can do all the ones before it."""

    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    CURATOR = "curator", "Curator"
    OWNER = "owner", "Owner"

    @property
    def rank(self):
        return list(Role).index(self)

    def allows(self, needed):
        """Say whether this role may do what `needed` may do."""
        return self.rank >= Role(needed).rank


def role_allows(role, needed):
    """Say whether `role` (None for someone who is not a member) may do what `needed` may do."""
    return role is not None and Role(role).allows(needed)


class ReadingLogQuerySet(models.QuerySet):
    def public(self):
        """Keep the logs anyone may read, signed in or not."""
        return self.filter(visibility=ReadingLog.Visibility.PUBLIC)

    def member_of(self, user):
        """Keep the logs the user is a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class ReadingLog(TimeStamped):
    """A group's shared log of papers ("2024 Paper Reading Logs")."""

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private: members only"
        PUBLIC = "public", "Public: anyone can read"

    slug = models.SlugField(max_length=80, unique=True, validators=[validate_not_reserved])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True, editable=False)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReadingLogQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=["private", "public"]), name="log_visibility_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(ReadingLog, self.title)
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("log_detail", args=[self.slug])

    @property
    def is_public(self):
        return self.visibility == self.Visibility.PUBLIC

    def role_of(self, user):
        """Return the user's Role here, or None when they are not a member."""
        if not user.is_authenticated:
            return None
        role = self.memberships.filter(user=user).values_list("role", flat=True).first()
        return Role(role) if role else None

    def next_paper_number(self):
        """Return the number a new paper gets: one past the highest."""
        # Papers in the trash keep their numbers: a restore puts them back where they were.
        papers = Paper.objects_with_deleted.filter(log=self)
        highest = papers.aggregate(highest=models.Max("number"))["highest"]
        return (highest or 0) + 1


def unique_slug(model, text, *, field="slug", max_length=80):
    """Make a slug from text that no row of model uses yet (nor a reserved path)."""
    base = slugify(text)[: max_length - 6].strip("-") or "log"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or model.objects.filter(**{field: slug}).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def get_log_for_user(user, slug, *, need=Role.VIEWER):
    """Return (log, role) for a user who may act with `need` on the log.

    A private log is a 404 for anyone who is not a member, so its title never
    shows; a member whose role is too low gets 403. A public log is readable by
    anyone, signed in or not (role None).
    """
    log = ReadingLog.objects.filter(slug=slug).first()
    if log is None:
        raise Http404("No such log.")
    role = log.role_of(user)
    if role is None:
        if log.is_public and need == Role.VIEWER:
            return log, None
        if not log.is_public:
            raise Http404("No such log.")
        raise PermissionDenied("Only members of this log can do that.")
    if not role.allows(need):
        raise PermissionDenied(f"You need to be a {Role(need).label.lower()} to do that.")
    return log, role


class MembershipQuerySet(models.QuerySet):
    def with_changes_since_last_visit(self):
        """Annotate what others did in each log since the member last visited it.

        Adds `since` (last visit, or joining when never visited) and the counts
        `new_papers`, `new_notes`, `new_questions`, `new_comments` and
        `new_resolved`: correlated subqueries, so a list of memberships stays
        one query however many logs. The member's own doings are not counted.
        """

        def count(qs, log_path, when="created_at", who="author"):
            qs = qs.filter(**{log_path: OuterRef("log_id"), f"{when}__gt": OuterRef("since")})
            qs = qs.exclude(**{who: OuterRef("user_id")})
            qs = qs.order_by().values(log_path).annotate(n=Count("pk")).values("n")
            return Coalesce(Subquery(qs[:1], output_field=models.IntegerField()), 0)

        return self.annotate(since=Coalesce("last_visited_at", "created_at")).annotate(
            new_papers=count(Paper.objects.all(), "log", who="added_by"),
            new_notes=count(Note.objects.all(), "paper__log"),
            new_questions=count(Question.objects.all(), "paper__log"),
            new_comments=count(Comment.objects.visible(), "log"),
            new_resolved=count(
                Question.objects.filter(status=Question.Status.RESOLVED),
                "paper__log",
                when="resolved_at",
                who="resolved_by",
            ),
        )


class Membership(TimeStamped):
    """A user in a log with a role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    last_visited_at = models.DateTimeField(null=True, blank=True)

    class Digest(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        OFF = "off", "Off"

    # How often the member gets a digest of the log by email, and the end of
    # the last period one was sent for (`manage.py send_digests`).
    digest = models.CharField(max_length=10, choices=Digest.choices, default=Digest.WEEKLY)
    digest_sent_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["log", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "log"], name="membership_one_per_user_log"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} in {self.log} ({self.role})"

    def get_absolute_url(self):
        return reverse("log_members", args=[self.log.slug])

    @transaction.atomic
    def set_role(self, role):
        """Give the member another role; raise ValidationError if that leaves the log no owner."""
        if role != Role.OWNER:
            self._keep_an_owner("A log needs at least one owner: make someone else owner first.")
        self.role = role
        self.save(update_fields=["role", "updated_at"])

    @transaction.atomic
    def remove(self):
        """Take the member out of the log and revoke every invitation they used here.

        Return how many invitations that revoked, so a removed member cannot
        rejoin with a link they kept. Raise ValidationError if it is the log's
        last owner.
        """
        self._keep_an_owner("The last owner cannot be removed: make someone else owner first.")
        self.delete()
        Mention.unlink(log_id=self.log_id, user_id=self.user_id)
        used = Invitation.objects.filter(log_id=self.log_id, uses__user_id=self.user_id)
        now = timezone.now()
        return used.filter(revoked_at__isnull=True).update(revoked_at=now, updated_at=now)

    def _keep_an_owner(self, message):
        """Raise ValidationError(message) if this membership is the log's only owner.

        The log's owner memberships stay locked until the transaction ends
        (PostgreSQL), so the check and the write agree: of two owners demoting
        each other at once, the second waits for the first, then finds itself
        the only owner left.
        """
        owners = Membership.objects.select_for_update().filter(log_id=self.log_id, role=Role.OWNER)
        if list(owners.order_by("pk").values_list("pk", flat=True)) == [self.pk]:
            raise ValidationError(message, code="last_owner")


def membership_visited(log, user):
    """Record that the user is looking at the log now (home's "since your last visit").

    One UPDATE; a log page calls it after the access check. Does nothing for
    anonymous visitors and non-members of a public log.
    """
    if user.is_authenticated:
        Membership.objects.filter(log=log, user=user).update(last_visited_at=timezone.now())


def _invitation_token():
    return secrets.token_urlsafe(24)


def _in_two_weeks():
    return timezone.now() + timedelta(days=14)


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        """Keep the invitations that can still be accepted."""
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now(), times_used__lt=F("max_uses")
        )


class InvitationUnusable(Exception):
    """The invitation was revoked, has expired or is used up."""


class Invitation(TimeStamped):
    """A link that lets whoever has it join a log with a role, until it expires or is used up."""

    MAX_USES = 50

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    expires_at = models.DateTimeField(default=_in_two_weeks)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    times_used = models.PositiveIntegerField(default=0)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(condition=Q(max_uses__gte=1), name="invitation_max_uses_min"),
        ]

    def __str__(self):
        return f"Invitation to {self.log} as {self.role}"

    def get_absolute_url(self):
        return reverse("invitation_accept", args=[self.token])

    @property
    def is_used_up(self):
        return self.times_used >= self.max_uses

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now() and not self.is_used_up

    @transaction.atomic
    def accept(self, user):
        """Use the invitation once: make the user a member with its role; return the membership.

        Someone who already has that role or a higher one uses nothing; a
        member with a lower role is raised to it. Raise InvitationUnusable if
        the invitation was revoked, expired or used up. The invitation's row
        stays locked until the transaction ends, so of two people taking its
        last use at once the second waits, then finds it used up.
        """
        self.refresh_from_db(
            fields=["revoked_at", "expires_at", "max_uses", "times_used"],
            from_queryset=Invitation.objects.select_for_update(),
        )
        membership = Membership.objects.filter(user=user, log_id=self.log_id).first()
        if membership is not None and Role(membership.role).allows(self.role):
            return membership
        if not self.is_usable:
            raise InvitationUnusable(self)
        if membership is None:
            membership = Membership.objects.create(user=user, log_id=self.log_id, role=self.role)
        else:
            membership.set_role(self.role)
        InvitationUse.objects.create(invitation=self, user=user)
        self.times_used += 1
        self.save(update_fields=["times_used", "updated_at"])
        Notification.send(
            self.created_by,
            actor=user,
            kind=Notification.Kind.JOINED,
            item=membership,
            text=f"{user.get_username()} is a {Role(self.role).label.lower()} now.",
        )
        return membership

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at", "updated_at"])


class InvitationUse(models.Model):
    """One person joining a log with an invitation, or taking its higher role there."""

    invitation = models.ForeignKey(Invitation, models.CASCADE, related_name="uses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="invitation_uses"
    )
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-used_at", "-pk"]

    def __str__(self):
        return f"{self.user} used an invitation to {self.invitation.log}"


class Tag(TimeStamped):
    """A label for papers, per log."""

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["log", "name"], name="tag_unique_per_log"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("log_detail", args=[self.log.slug]) + "?" + urlencode({"tag": self.name})


def normalize_title(title):
    """Return the title as two ways of writing it compare: "Attention is all you need!" and
    "Attention Is All You Need" alike (case, accents, punctuation and spacing ignored)."""
    text = unicodedata.normalize("NFKD", title).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())[:500]


class PaperQuerySet(models.QuerySet):
    def same_as(self, *, arxiv_id="", doi="", title=""):
        """Keep the papers that are the one described: same arXiv id (any version), DOI
        (any case) or normalised title. Callers narrow to a log first: `log.papers.same_as(…)`.
        """
        match = Q(pk__in=[])
        if arxiv_id:
            base = re.sub(r"v\d+$", "", arxiv_id)
            match |= Q(arxiv_id=base) | Q(arxiv_id__regex=rf"^{re.escape(base)}v[0-9]+$")
        if doi:
            match |= Q(doi__iexact=doi)
        if key := normalize_title(title):
            match |= Q(title_key=key)
        return self.filter(match)

    def with_open_question_count(self):
        return self.annotate(
            # A join does not go through Question's manager: leave the trash out by hand.
            open_question_count=Count(
                "questions",
                filter=Q(questions__status=Question.Status.OPEN, questions__trashed__isnull=True),
                distinct=True,
            )
        )

    def changed_since_last_visit(self, user, *, per_log):
        """Keep the papers where others did something since user last visited their log.

        Something: added the paper, or a note, question, visible comment or
        resolution on it, as with_changes_since_last_visit() counts them. Only
        the user's logs; the per_log most recently active of each, ordered by
        log title then activity. One query: the last visit is a subquery, each
        kind of doing an EXISTS (each on one index: an OR of joins in one
        EXISTS read every comment per paper), the per-log limit a window. Every
        doing bumps the paper's last_activity_at, so only papers active since
        the visit are looked into.
        """
        since = (
            Membership.objects.filter(log=OuterRef("log"), user=user)
            .annotate(since=Coalesce("last_visited_at", "created_at"))
            .values("since")[:1]
        )

        def by_others(qs, when="created_at", who="author"):
            return Exists(qs.filter(**{f"{when}__gt": OuterRef("since")}).exclude(**{who: user}))

        comments = Comment.objects.visible()

        def on_it(target):
            """A new comment by another on the note or question: looked up by its target's index."""
            new = comments.filter(
                **{target: OuterRef("pk"), "created_at__gt": OuterRef(OuterRef("since"))}
            )
            return Exists(new.exclude(author=user))

        resolved = Question.objects.filter(paper=OuterRef("pk"), status=Question.Status.RESOLVED)
        return (
            self.filter(log__memberships__user=user)
            .annotate(since=Subquery(since))
            .filter(last_activity_at__gt=F("since"))
            .filter(
                (Q(created_at__gt=F("since")) & ~Q(added_by=user))
                | by_others(Note.objects.filter(paper=OuterRef("pk")))
                | by_others(Question.objects.filter(paper=OuterRef("pk")))
                | by_others(resolved, when="resolved_at", who="resolved_by")
                | by_others(comments.filter(paper=OuterRef("pk")))
                | Exists(Note.objects.filter(on_it("note"), paper=OuterRef("pk")))
                | Exists(Question.objects.filter(on_it("question"), paper=OuterRef("pk")))
            )
            .annotate(
                recency=Window(
                    RowNumber(), partition_by=F("log"), order_by=F("last_activity_at").desc()
                )
            )
            .filter(recency__lte=per_log)
            .order_by("log__title", "log", "recency")
        )

    def search(self, text):
        """Keep the papers that contain every word of text: in their fields, notes or questions."""
        qs = self
        for word in text.split():
            in_notes = Note.objects.filter(paper=OuterRef("pk"), body__icontains=word)
            in_questions = Question.objects.filter(paper=OuterRef("pk"), body__icontains=word)
            qs = qs.filter(
                Q(title__icontains=word)
                | Q(authors__icontains=word)
                | Q(arxiv_id__icontains=word)
                | Q(doi__icontains=word)
                | Q(tldr__icontains=word)
                | Q(curiosity_note__icontains=word)
                | Exists(in_notes)
                | Exists(in_questions)
            )
        return qs


class Paper(Versioned, Trashable, TimeStamped):
    """An entry in a log: the `[N]` section of the markdown file."""

    class Curiosity(models.TextChoices):
        LOW = "low", "Low"
        NEUTRAL = "neutral", "Neutral"
        INTERESTING = "interesting", "Interesting"
        HIGH = "high", "High"

    class Status(models.TextChoices):
        TO_READ = "to_read", "To read"
        READING = "reading", "Reading"
        PAUSED = "paused", "Paused"
        READ = "read", "Read"

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="papers")
    number = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=500)
    url = HttpsURLField(max_length=500, blank=True)
    arxiv_id = models.CharField(
        "arXiv id",
        max_length=40,
        blank=True,
        validators=[validate_arxiv_id],
    )
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[validate_doi],
    )
    authors = models.CharField(max_length=1000, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1000), MaxValueValidator(2999)]
    )
    curiosity = models.CharField(max_length=12, choices=Curiosity.choices, blank=True)
    curiosity_note = models.TextField(blank=True)
    tldr = models.TextField("TL;DR", blank=True)
    tldr_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TO_READ)
    read_on = models.DateField("read on", null=True, blank=True)
    # What an imported file said about the paper that the app has no field for
    # (a Jekyll post's `layout:`, `permalink:` ...): not shown, kept in exports.
    source_meta = models.JSONField(default=dict, blank=True, editable=False)
    # What the paper says it is about, as arXiv or Crossref gave it (issue #11).
    abstract = models.TextField(blank=True)
    # The title as duplicates are found by it (normalize_title), kept by save().
    title_key = models.CharField(max_length=500, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="papers")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When anything on the paper last changed (its notes, questions and comments
    # included): the log page sorts by it and live updates poll it, one row read.
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = LiveManager.from_queryset(PaperQuerySet)()
    objects_with_deleted = PaperQuerySet.as_manager()

    revision_kind = "paper"
    REVISED_FIELDS = (
        "title",
        "authors",
        "year",
        "url",
        "arxiv_id",
        "doi",
        "status",
        "read_on",
        "curiosity",
        "curiosity_note",
        "tldr",
        "abstract",
        "tags",
    )
    RENDERED = {"tldr": "tldr_html"}

    class Meta:
        ordering = ["log", "number"]
        constraints = [
            models.UniqueConstraint(fields=["log", "number"], name="paper_number_unique_per_log"),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="paper_number_positive",
                violation_error_message="A paper's number is 1 or more.",
            ),
            models.CheckConstraint(
                condition=Q(curiosity__in=["", "low", "neutral", "interesting", "high"]),
                name="paper_curiosity_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["to_read", "reading", "paused", "read"]),
                name="paper_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["log", "status"], name="paper_log_status"),
            models.Index(fields=["log", "-last_activity_at"], name="paper_log_activity"),
            models.Index(fields=["log", "title_key"], name="paper_log_title_key"),
        ]

    def __str__(self):
        return f"[{self.number}] {self.title}"

    def save(self, *args, **kwargs):
        if self.number is None:
            self.number = self.log.next_paper_number()
        self.render()
        self.title_key = normalize_title(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "title_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("paper_detail", args=[self.log.slug, self.number])

    def validate_constraints(self, exclude=None):
        """Also refuse the number of a paper in the trash: it gets it back when restored.

        (Django checks unique constraints through the default manager, which
        leaves the trash out.)
        """
        super().validate_constraints(exclude=exclude)
        if "number" in (exclude or ()) or self.number is None:
            return
        others = Paper.objects_with_deleted.filter(log_id=self.log_id, number=self.number)
        if others.exclude(pk=self.pk).filter(trashed__isnull=False).exists():
            raise ValidationError(
                {"number": f"[{self.number}] belongs to a paper in this log's trash."}
            )

    def revision_data(self):
        data = {name: json_value(getattr(self, name)) for name in self.REVISED_FIELDS[:-1]}
        return {**data, "tags": sorted(tag.name for tag in self.tags.all())}

    def apply_revision_data(self, data):
        """Set the revised fields from `data`; tags (a list of names) are set at once."""
        names = [name for name in self.REVISED_FIELDS if name in data]
        for name in names:
            if name == "tags":
                tags = [
                    Tag.objects.get_or_create(log_id=self.log_id, name=n)[0] for n in data[name]
                ]
                self.tags.set(tags)
            else:
                setattr(self, name, data[name])
        return names

    def touch(self):
        """Record that something on the paper changed just now."""
        now = timezone.now()
        Paper.objects.filter(pk=self.pk).update(last_activity_at=now)
        self.last_activity_at = now

    def can_edit(self, user, role):
        """Say whether user (with role in the log) may edit the paper's fields."""
        if role_allows(role, Role.CURATOR):
            return True
        return role_allows(role, Role.MEMBER) and self.added_by_id == user.pk


class Anchor(models.TextChoices):
    """The part of a paper a note is about."""

    FIGURE = "figure", "Figure"
    TABLE = "table", "Table"
    EQUATION = "equation", "Equation"
    SECTION = "section", "Section"
    PAGE = "page", "Page"
    ABSTRACT = "abstract", "Abstract"
    INTRO = "intro", "Intro"
    CONCLUSION = "conclusion", "Conclusion"
    METHODS = "methods", "Methods"


class Authored(Versioned, Trashable, TimeStamped):
    """Markdown written by someone, rendered on save, with who changed it last."""

    body = models.TextField()
    body_html = models.TextField(blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    REVISED_FIELDS = ("body",)
    RENDERED = {"body": "body_html"}

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.render()
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)

    def can_edit(self, user, role):
        """Say whether user (with role in the log) may edit or delete this."""
        if role_allows(role, Role.CURATOR):
            return True
        return role_allows(role, Role.MEMBER) and self.author_id == user.pk


class Note(Authored):
    """A markdown note on a paper, in order, optionally about a figure, table…"""

    paper = models.ForeignKey(Paper, models.CASCADE, related_name="notes")
    position = models.PositiveIntegerField(default=0)
    anchor_kind = models.CharField(max_length=12, choices=Anchor.choices, blank=True)
    anchor_label = models.CharField(max_length=80, blank=True)

    objects = LiveManager()
    objects_with_deleted = models.Manager()  # noqa: DJ012 (ruff takes it for a field)

    revision_kind = "note"
    REVISED_FIELDS = ("body", "anchor_kind", "anchor_label")

    class Meta:
        ordering = ["paper", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anchor_kind__in=["", *Anchor.values]), name="note_anchor_valid"
            ),
        ]
        indexes = [models.Index(fields=["paper", "position"], name="note_paper_position")]

    def __str__(self):
        prefix = f"{self.anchor_label}: " if self.anchor_label else ""
        return f"{prefix}{self.body[:60]}"

    def get_absolute_url(self):
        return self.paper.get_absolute_url() + f"#note-{self.pk}"

    @property
    def mention_log_id(self):
        return self.paper.log_id


class QuestionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Question.Status.OPEN)

    def open_first(self):
        """Order open questions before resolved ones, each in the order they were asked."""
        return self.order_by("status", "position", "pk")  # "open" sorts before "resolved"

    def in_log(self, log):
        return self.filter(paper__log=log)

    def waiting_for(self, user):
        """Open questions of others, on papers user wrote notes on, that nobody has replied to."""
        wrote_notes = Note.objects.filter(paper=OuterRef("paper"), author=user)
        replies = Comment.objects.visible().filter(question=OuterRef("pk"))
        return (
            self.open()
            .filter(Exists(wrote_notes), paper__trashed__isnull=True)
            .exclude(author=user)
            .exclude(Exists(replies))
        )

    def with_visible_comments(self):
        """Prefetch each question's visible replies, with their people, as `visible_comments`."""
        replies = Comment.objects.visible().select_related("author", "edited_by")
        return self.prefetch_related(
            models.Prefetch("comments", queryset=replies, to_attr="visible_comments")
        )


class Question(Authored):
    """Something not understood yet, on a paper; open until someone resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    paper = models.ForeignKey(Paper, models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    # The heading the question was filed under in an imported file, so an
    # export writes the same sections back ("I haven't understood").
    section = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    resolution_html = models.TextField(blank=True, editable=False)
    answer = models.ForeignKey(
        "Comment", models.SET_NULL, null=True, blank=True, related_name="answered_questions"
    )

    objects = LiveManager.from_queryset(QuestionQuerySet)()
    objects_with_deleted = QuestionQuerySet.as_manager()

    revision_kind = "question"
    # The resolution is rendered with the body; resolving writes it (RESOLUTION_FIELDS).
    RENDERED = {"body": "body_html", "resolution": "resolution_html"}

    class Meta:
        ordering = ["paper", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "resolved"]), name="question_status_valid"
            ),
        ]
        indexes = [
            # Covers the open-question counts: trashed questions are left out
            # without reading each row.
            models.Index(fields=["paper", "status", "trashed"], name="question_paper_status"),
        ]

    def __str__(self):
        return self.body[:80]

    def get_absolute_url(self):
        return self.paper.get_absolute_url() + f"#question-{self.pk}"

    @property
    def mention_log_id(self):
        return self.paper.log_id

    def clean(self):
        if self.answer is not None and self.answer.question_id != self.pk:
            raise ValidationError({"answer": "The answer must be a reply to this question."})

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    # What resolving and reopening write: never the text, which may be being edited.
    RESOLUTION_FIELDS = [
        "status",
        "resolved_by",
        "resolved_at",
        "resolution",
        "resolution_html",
        "answer",
        "updated_by",
        "updated_at",
    ]

    def resolve(self, *, by, resolution="", answer=None):
        """Mark the question resolved, by a text, a reply that answered it, or both."""
        if answer is not None and answer.question_id != self.pk:
            raise ValueError("The answer must be a reply to this question.")
        self.status = self.Status.RESOLVED
        self.resolved_by = by
        self.resolved_at = timezone.now()
        self.resolution = resolution
        self.answer = answer
        self.updated_by = by
        self.save(update_fields=self.RESOLUTION_FIELDS)

    def can_resolve(self, user, role):
        """Say whether user may resolve or reopen this: whoever asked it, or a curator."""
        if role_allows(role, Role.CURATOR):
            return True
        return role_allows(role, Role.MEMBER) and self.author_id == user.pk

    def reopen(self, *, by):
        """Open the question again; the old resolution is cleared."""
        self.status = self.Status.OPEN
        self.resolved_by = None
        self.resolved_at = None
        self.resolution = ""
        self.answer = None
        self.updated_by = by
        self.save(update_fields=self.RESOLUTION_FIELDS)


# What a comment can be on, by the name of its field on Comment (also the
# `kind` in comment URLs).
COMMENT_TARGETS = {"paper": Paper, "note": Note, "question": Question}


def paper_of(target):
    """Return the paper a comment target is on: the paper itself, or the note's or question's."""
    return target if isinstance(target, Paper) else target.paper


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def on_paper_page(self, paper):
        """Select every comment on the paper, its notes and its questions, with their people."""
        return self.filter(
            Q(paper=paper) | Q(note__paper=paper) | Q(question__paper=paper)
        ).select_related("author", "edited_by")


class Comment(Authored):
    """A markdown comment on exactly one of a paper, a note or a question.

    Replies thread under their parent comment and share its target. Replies
    to a question are its answers: one of them can resolve it.
    """

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="comments")
    paper = models.ForeignKey(Paper, models.CASCADE, null=True, blank=True, related_name="comments")
    note = models.ForeignKey(Note, models.CASCADE, null=True, blank=True, related_name="comments")
    question = models.ForeignKey(
        Question, models.CASCADE, null=True, blank=True, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="replies"
    )
    hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    # The question a curator moved this reply away from (the first one), so a
    # re-import of the file leaves it where they put it.
    moved_from = models.ForeignKey(
        Question, models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    objects = LiveManager.from_queryset(CommentQuerySet)()
    objects_with_deleted = CommentQuerySet.as_manager()

    revision_kind = "comment"

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(paper__isnull=False, note__isnull=True, question__isnull=True)
                    | Q(paper__isnull=True, note__isnull=False, question__isnull=True)
                    | Q(paper__isnull=True, note__isnull=True, question__isnull=False)
                ),
                name="comment_exactly_one_target",
                violation_error_message="A comment is on exactly one paper, note or question.",
            ),
        ]
        indexes = [
            models.Index(fields=["log", "-updated_at"], name="comment_log_updated"),
        ]

    def __str__(self):
        return f"{self.author}: {self.body[:60]}"

    def get_absolute_url(self):
        return self.target.get_absolute_url().split("#")[0] + f"#comment-{self.pk}"

    def clean(self):
        """Keep a comment inside its log: its target and parent are the log's."""
        target = self.target
        if target is None or self.log_id is None:
            return
        if paper_of(target).log_id != self.log_id:
            raise ValidationError("The comment's paper, note or question is in another log.")
        if self.parent is not None and self.parent.target != target:
            raise ValidationError({"parent": "A reply is on the same thing as its parent."})

    @property
    def target(self):
        return self.paper or self.note or self.question

    def hide(self, *, by):
        self.hidden, self.hidden_by, self.hidden_at = True, by, timezone.now()
        self.save(update_fields=["hidden", "hidden_by", "hidden_at", "updated_at"])

    def unhide(self):
        self.hidden, self.hidden_by, self.hidden_at = False, None, None
        self.save(update_fields=["hidden", "hidden_by", "hidden_at", "updated_at"])


class ChangeLogEntryQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def without_trashed_papers(self):
        """Leave out entries about a paper in the trash; they come back when it does."""
        return self.filter(Q(paper__isnull=True) | Q(paper__trashed__isnull=True))


class ChangeLogEntry(Versioned, TimeStamped):
    """A dated line in a log's change log: written by a curator or recorded by the app."""

    class Kind(models.TextChoices):
        WRITTEN = "written", "Written by a curator"
        PAPER_ADDED = "paper_added", "Paper added"
        NOTE_ADDED = "note_added", "Note added"
        QUESTION_ASKED = "question_asked", "Question asked"
        QUESTION_RESOLVED = "question_resolved", "Question resolved"
        IMPORTED = "imported", "Imported"

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="changelog")
    date = models.DateField(default=timezone.localdate)
    text = models.TextField()
    text_html = models.TextField(blank=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WRITTEN)
    paper = models.ForeignKey(
        Paper, models.SET_NULL, null=True, blank=True, related_name="changelog_entries"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden = models.BooleanField(default=False)
    # What undoing the step takes, for an import, a merge or a renumbering
    # (papers/undo.py says what each holds); None for every other entry.
    undo = models.JSONField(null=True, blank=True, editable=False)
    undone_at = models.DateTimeField(null=True, blank=True, editable=False)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ChangeLogEntryQuerySet.as_manager()

    revision_kind = "entry"
    REVISED_FIELDS = ("date", "text")
    RENDERED = {"text": "text_html"}

    class Meta:
        ordering = ["log", "date", "created_at", "pk"]
        verbose_name_plural = "change-log entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "written",
                        "paper_added",
                        "note_added",
                        "question_asked",
                        "question_resolved",
                        "imported",
                    ]
                ),
                name="changelog_kind_valid",
            ),  # fmt: skip
        ]
        indexes = [models.Index(fields=["log", "date"], name="changelog_log_date")]

    def __str__(self):
        return f"{self.date}: {self.text[:60]}"

    def save(self, *args, **kwargs):
        self.render()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("log_changelog", args=[self.log.slug]) + f"#entry-{self.pk}"

    def apply_revision_data(self, data):
        if isinstance(data.get("date"), str):
            data = {**data, "date": date.fromisoformat(data["date"])}
        return super().apply_revision_data(data)

    @property
    def is_written(self):
        return self.kind == self.Kind.WRITTEN

    @property
    def can_undo(self):
        """Say whether the entry is an import, merge or renumbering that can still be undone."""
        return self.undo is not None and self.undone_at is None

    def set_hidden(self, hidden, *, by):
        """Hide the entry from everyone but curators, or show it again."""
        self.hidden, self.updated_by = hidden, by
        self.save(update_fields=["hidden", "updated_by", "updated_at"])


# What the history and trash pages can show, by the name their URLs and rows use.
REVISED_MODELS = {
    "paper": Paper,
    "note": Note,
    "question": Question,
    "comment": Comment,
    "entry": ChangeLogEntry,
}
TRASHABLE_MODELS = {"paper": Paper, "note": Note, "question": Question, "comment": Comment}


class RevisionQuerySet(models.QuerySet):
    def of(self, item):
        """Keep the revisions of one paper, note, question, comment or change-log entry."""
        return self.filter(kind=item.revision_kind, object_id=item.pk)


class Revision(models.Model):
    """The revised fields of an item as they were at one version, who wrote them and when.

    A text edit keeps the text before it (the first time, so the original is
    never lost) and after it, so the history page diffs each revision against
    the one before without reading the item.
    """

    class Kind(models.TextChoices):
        PAPER = "paper", "Paper"
        NOTE = "note", "Note"
        QUESTION = "question", "Question"
        COMMENT = "comment", "Comment"
        ENTRY = "entry", "Change-log entry"

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    version = models.PositiveIntegerField()
    data = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The version this one brought back, when it was a restore.
    restored_from = models.PositiveIntegerField(null=True, blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "object_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "version"], name="revision_one_per_version"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["paper", "note", "question", "comment", "entry"]),
                name="revision_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id} v{self.version}"


class TrashItem(models.Model):
    """Something deleted from a log, with everything that went with it.

    The paper, note, question or comment and what was under it (a note's
    comments, a paper's notes, questions and comments) point here through
    their `trashed` key: restoring clears it, purging deletes this row and,
    by cascade, them.
    """

    KEEP_DAYS = 30

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="trash")
    kind = models.CharField(max_length=10, choices=Revision.Kind.choices[:4])
    object_id = models.PositiveBigIntegerField()
    # What the trash page shows, written when it was deleted: "[3] Attention Is All You Need".
    summary = models.CharField(max_length=300)
    where = models.CharField(max_length=300, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set when an import or a merge put it here, so its undo can say so.
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-deleted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["paper", "note", "question", "comment"]),
                name="trashitem_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["log", "-deleted_at"], name="trash_log_deleted")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"

    @property
    def model(self):
        return TRASHABLE_MODELS[self.kind]

    def can_restore(self, user, role):
        """Say whether user may restore or purge this: a curator, or whoever deleted it."""
        if role_allows(role, Role.CURATOR):
            return True
        return role_allows(role, Role.MEMBER) and self.deleted_by_id == user.pk

    @property
    def expires_at(self):
        return self.deleted_at + timedelta(days=self.KEEP_DAYS)


class NotificationQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Only notifications about logs the user can still read (a member, or a public log)."""
        return self.filter(
            Q(log__memberships__user=user) | Q(log__visibility=ReadingLog.Visibility.PUBLIC)
        ).distinct()

    def mark_read(self, user):
        """Mark these notifications of user read and lower their unread count; return how many."""
        with transaction.atomic():
            count = self.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
            if count:
                User.objects.filter(pk=user.pk).update(
                    unread_notifications=Greatest(F("unread_notifications") - count, 0)
                )
        return count


class Notification(models.Model):
    """Someone did something that concerns a member: replied to them, answered their question…

    Made by papers/actions.py (`notify`) in the transaction of what it is
    about; each links to the exact item and is unread until opened.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", "replied to your comment"
        NOTE_COMMENT = "note_comment", "commented on your note"
        ANSWER = "answer", "answered your question"
        RESOLVED = "resolved", "resolved your question"
        REOPENED = "reopened", "reopened your question"
        JOINED = "joined", "joined through your invitation"
        MENTION = "mention", "mentioned you"

    class Delivery(models.TextChoices):
        SITE = "site", "On the site only"
        EMAIL = "email", "Email at once"
        OFF = "off", "Off"

    class Email(models.TextChoices):
        NONE = "", "Not emailed"  # on the site only
        PENDING = "pending", "To be emailed"
        SENT = "sent", "Emailed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="+")
    # The paper it is about; none for a member who joined.
    paper = models.ForeignKey(Paper, models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    url = models.CharField(max_length=300)  # the item, with its #anchor
    excerpt = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Whether this goes out by email (the recipient's delivery for its kind),
    # and whether it has; a batch holds every pending one of a person.
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.NONE, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"],
                condition=Q(email="pending"),
                name="notification_email_pending",
            ),
        ]

    # What a user who never changed their settings gets: what is addressed to
    # them by email, the rest on the site.
    DEFAULT_DELIVERY = {
        Kind.REPLY: Delivery.EMAIL,
        Kind.NOTE_COMMENT: Delivery.EMAIL,
        Kind.ANSWER: Delivery.EMAIL,
        Kind.MENTION: Delivery.EMAIL,
        Kind.RESOLVED: Delivery.SITE,
        Kind.REOPENED: Delivery.SITE,
        Kind.JOINED: Delivery.SITE,
    }

    def __str__(self):
        return f"{self.actor} {self.get_kind_display()} ({self.recipient})"

    @classmethod
    def delivery_for(cls, user, kind):
        """How notifications of kind reach user: a Delivery value."""
        chosen = user.notification_delivery.get(kind)
        return chosen if chosen in cls.Delivery.values else cls.DEFAULT_DELIVERY[kind]

    @classmethod
    def send(cls, recipient, *, actor, kind, item, text):
        """Notify recipient of what actor did to item, unless it is their own doing.

        Nothing is made when the recipient turned this kind off; one they get
        by email is marked pending for the next batch (papers/mail.py).
        """
        if recipient is None or recipient.pk == getattr(actor, "pk", None):
            return None
        delivery = cls.delivery_for(recipient, kind)
        if delivery == cls.Delivery.OFF:
            return None
        if isinstance(item, (Membership, ChangeLogEntry)):
            paper, log_id = getattr(item, "paper", None), item.log_id
        else:
            paper = paper_of(item.target if isinstance(item, Comment) else item)
            log_id = paper.log_id
        notification = cls.objects.create(
            recipient=recipient,
            actor=actor,
            log_id=log_id,
            paper=paper,
            kind=kind,
            url=item.get_absolute_url(),
            excerpt=Truncator(" ".join(text.split())).chars(190),
            email=cls.Email.PENDING if delivery == cls.Delivery.EMAIL else cls.Email.NONE,
        )
        User.objects.filter(pk=recipient.pk).update(
            unread_notifications=F("unread_notifications") + 1
        )
        if notification.email == cls.Email.PENDING:
            mail.email_after_response(recipient.pk)
        return notification


class WrittenKind(models.TextChoices):
    """The kinds of text people write in a log, by their revision_kind (Mention, CrossLink)."""

    PAPER = "paper", "TL;DR"
    NOTE = "note", "Note"
    QUESTION = "question", "Question"
    COMMENT = "comment", "Comment"
    ENTRY = "entry", "Change-log entry"


class Mention(models.Model):
    """A member @mentioned in a note, question, comment, change-log entry or TL;DR.

    One row per item and person, kept when the text changes: an edit that
    keeps the mention does not notify again, one that adds a mention does
    (papers/mentions.py).
    """

    Kind = WrittenKind

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="mentions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "user"], name="mention_once_per_item_user"
            ),
        ]
        indexes = [models.Index(fields=["log", "user"])]

    def __str__(self):
        return f"@{self.user} in {self.kind} {self.object_id}"

    # Texts re-rendered per query when a member leaves.
    UNLINK_BATCH = 500

    @classmethod
    def unlink(cls, *, log_id, user_id):
        """Render again the texts of the log that mention the user, who is no member now.

        Their @name becomes plain text. Only the `_html` columns are written
        (no new version). One query for the log's members, then two per
        UNLINK_BATCH texts (trash included), however often they were mentioned.
        """
        mentions = cls.objects.filter(log_id=log_id, user_id=user_id).order_by("kind", "object_id")
        by_kind = {}
        for kind, object_id in mentions.values_list("kind", "object_id"):
            by_kind.setdefault(kind, []).append(object_id)
        if not by_kind:
            return
        links = all_member_links(log_id)
        for kind, ids in by_kind.items():
            model = REVISED_MODELS[kind]
            for start in range(0, len(ids), cls.UNLINK_BATCH):
                batch = ids[start : start + cls.UNLINK_BATCH]
                items = list(model._base_manager.filter(pk__in=batch))
                for item in items:
                    item.render(mentions=links)
                model._base_manager.bulk_update(items, list(model.RENDERED.values()))


class DigestSent(models.Model):
    """A digest of one log for one member, for one period: recorded as it is sent.

    The unique period makes `send_digests` safe to run twice, or from two
    servers at once: the second finds the period taken and sends nothing.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="+")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    items = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "log", "period_end"], name="digest_once_per_period"
            ),
        ]

    def __str__(self):
        return f"{self.log} for {self.user} until {self.period_end:%Y-%m-%d %H:%M}"


class MetadataLookup(models.Model):
    """What arXiv or Crossref answered for an id: asked once, kept (issue #11).

    `key` is "arxiv:<id without version>" or "doi:<lower-case DOI>"; `data` holds
    title, authors, year, abstract, arxiv_id, doi and url when found.
    """

    key = models.CharField(max_length=250, unique=True)
    found = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)  # why nothing was found
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key


class CrossLink(models.Model):
    """A `[[N]]` in a text of a log, pointing at paper N of the same log (issue #11).

    The paper page lists the links to it as "Cited in" (backlinks). One row
    per source text and target paper, rewritten when the text changes.
    """

    Kind = WrittenKind

    log = models.ForeignKey(ReadingLog, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    # The paper the linking text is on (none for a change-log entry).
    source_paper = models.ForeignKey(
        Paper, models.CASCADE, null=True, blank=True, related_name="links_out"
    )
    target = models.ForeignKey(Paper, models.CASCADE, related_name="links_in")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "target"], name="crosslink_once_per_text_target"
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self):
        return f"{self.kind} {self.object_id} → {self.target}"
