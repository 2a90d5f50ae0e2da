"""Atom feeds of a log: its change log and its activity (issue #10, item 5).

A public log's feeds are open to anyone. A private log's are read by its
members: signed in, or through their secret URL (`?key=<user.feed_key>`),
which a feed reader, having no session, uses. The key works while its user
is a member of the log and has not reset their feed token; any other key is
a 404 that says nothing more. A feed holds the latest 50 visible items
(nothing in the trash, no hidden change-log entry), with stable tag: ids,
absolute links from SITE_URL and the stored, sanitized HTML as content.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.views.decorators.http import require_GET

from papers.mail import absolute
from papers.models import ChangeLogEntry, Note, Paper, Question, ReadingLog, get_log_for_user

ITEMS = 50
# What User.feed_key makes: the user's pk, a dash and 40 hex digits.
FEED_KEY = re.compile(r"[0-9]{1,18}-[0-9a-f]{40}")


class AtomFeed(Atom1Feed):
    """Atom with each item's HTML as <content>, which feed readers show whole.

    The stored HTML links within the site by path (a mention, a [3]); xml:base
    makes those links absolute for a reader.
    """

    def root_attributes(self):
        return {**super().root_attributes(), "xml:base": settings.SITE_URL + "/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


def _feed_log(request, slug):
    """Return the log whose feed is asked for, by a member's key or as any page would."""
    key = request.GET.get("key")
    if key is None:
        log, _ = get_log_for_user(request.user, slug)
        return log
    log = ReadingLog.objects.filter(slug=slug).first()
    if log is None or not FEED_KEY.fullmatch(key):
        raise Http404("No such feed.")
    user_pk = int(key.partition("-")[0])
    membership = log.memberships.select_related("user").filter(user_id=user_pk).first()
    if membership is None or not constant_time_compare(membership.user.feed_key, key):
        raise Http404("No such feed.")
    return log


def _tag(kind, pk, when, event=""):
    """Return an entry id that stays the same whatever is renamed or renumbered (RFC 4151)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"tag:{host},{when:%Y-%m-%d}:{kind}/{pk}{event}"


def _paper_link(log, paper, anchor=""):
    return absolute(reverse("paper_detail", args=[log.slug, paper.number]) + anchor)


def _feed(request, log, *, title, subtitle, page_url):
    feed_url = absolute(request.get_full_path())
    return AtomFeed(
        title=f"{log.title}: {title}",
        link=absolute(page_url),
        description=subtitle,
        feed_url=feed_url,
        feed_guid=feed_url.split("?")[0],
        language="en",
    )


def _response(feed):
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


def _name(user):
    return user.username if user else "someone"


@require_GET
def changelog_feed(request, slug):
    """Serve the log's latest change-log entries; ?show=written keeps the curators' own."""
    log = _feed_log(request, slug)
    entries = log.changelog.visible().without_trashed_papers().select_related("author")
    if request.GET.get("show") == "written":
        entries = entries.filter(kind=ChangeLogEntry.Kind.WRITTEN)
    entries = entries.order_by("-date", "-created_at", "-pk")[:ITEMS]
    page_url = reverse("log_changelog", args=[log.slug])
    feed = _feed(
        request,
        log,
        title="change log",
        subtitle="What the group wrote down, and what happened in the log.",
        page_url=page_url,
    )
    for entry in entries:
        kind = "" if entry.is_written else f" ({entry.get_kind_display().lower()})"
        feed.add_item(
            title=f"{entry.date.day} {entry.date:%B %Y}: {Truncator(entry.text).chars(80)}{kind}",
            link=absolute(f"{page_url}#entry-{entry.pk}"),
            description=None,
            content=entry.text_html,
            unique_id=_tag("entry", entry.pk, entry.created_at),
            pubdate=entry.created_at,
            updateddate=entry.edited_at or entry.created_at,
            author_name=_name(entry.author),
        )
    return _response(feed)


def _activity(log):
    """Return the latest ITEMS (when, id, title, link, author, html): four queries."""
    papers = Paper.objects.filter(log=log).select_related("added_by")
    notes = Note.objects.filter(paper__log=log, paper__trashed__isnull=True)
    questions = Question.objects.filter(paper__log=log, paper__trashed__isnull=True)
    resolved = questions.filter(status=Question.Status.RESOLVED, resolved_at__isnull=False)
    items = []
    for paper in papers.order_by("-created_at", "-pk")[:ITEMS]:
        items.append(
            (
                paper.created_at,
                _tag("paper", paper.pk, paper.created_at),
                f"{_name(paper.added_by)} added [{paper.number}] {paper.title}",
                _paper_link(log, paper),
                paper.added_by,
                paper.tldr_html,
            )
        )
    for note in notes.select_related("author", "paper").order_by("-created_at", "-pk")[:ITEMS]:
        items.append(
            (
                note.created_at,
                _tag("note", note.pk, note.created_at),
                f"{_name(note.author)} wrote a note on [{note.paper.number}] {note.paper.title}",
                _paper_link(log, note.paper, f"#note-{note.pk}"),
                note.author,
                note.body_html,
            )
        )
    asked = questions.select_related("author", "paper").order_by("-created_at", "-pk")[:ITEMS]
    for question in asked:
        paper = question.paper
        items.append(
            (
                question.created_at,
                _tag("question", question.pk, question.created_at),
                f"{_name(question.author)} asked on [{paper.number}] {paper.title}",
                _paper_link(log, paper, f"#question-{question.pk}"),
                question.author,
                question.body_html,
            )
        )
    resolved = resolved.select_related("resolved_by", "paper").order_by("-resolved_at", "-pk")
    for question in resolved[:ITEMS]:
        paper, when = question.paper, question.resolved_at
        items.append(
            (
                when,
                # Resolved again after a reopening is news again: its own id.
                _tag("question", question.pk, when, f"/resolved/{when:%Y%m%dT%H%M%S%f}"),
                f"{_name(question.resolved_by)} resolved a question on [{paper.number}] "
                f"{paper.title}",
                _paper_link(log, paper, f"#question-{question.pk}"),
                question.resolved_by,
                question.resolution_html or question.body_html,
            )
        )
    items.sort(key=lambda item: item[0], reverse=True)
    return items[:ITEMS]


@require_GET
def activity_feed(request, slug):
    """Serve what the group did lately: papers added, notes, questions asked and resolved."""
    log = _feed_log(request, slug)
    feed = _feed(
        request,
        log,
        title="activity",
        subtitle="Papers added, notes, questions asked and resolved.",
        page_url=reverse("log_detail", args=[log.slug]),
    )
    for when, item_id, title, link, author, html in _activity(log):
        feed.add_item(
            title=title,
            link=link,
            description=None,
            content=html,
            unique_id=item_id,
            pubdate=when,
            updateddate=when,
            author_name=_name(author),
        )
    return _response(feed)
