"""Move logs in and out of the database: markdown files and JSON backups.

The markdown format itself (parse text → LogDocument, LogDocument → text) is
pure and lives in papers/logformat; this module is the thin layer that saves a
parsed document into a ReadingLog in one transaction and reads one back.

Importing into a log that already has papers adds only what is missing: a
paper already in the log (same number and title, or same title) gets the
notes, questions and replies it lacks; everything else is left alone, so
importing the same file twice changes nothing.

An `@name` of a member of the log is linked as when it is typed, and recorded
(papers/mentions.py), but an import notifies nobody: the texts were written
before, elsewhere, and a log of 60,000 notes must not mail its members.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import Truncator

from papers import crosslinks, mentions
from papers.logformat import (
    ChangeLogItem,
    LogDocument,
    LogFormatError,
    NoteEntry,
    PaperEntry,
    ParseWarning,
    QuestionEntry,
    parse_log,
    write_log,
)
from papers.markdown import MAX_TEXT, MAX_TITLE, render_markdown, too_long
from papers.models import (
    ChangeLogEntry,
    Comment,
    Membership,
    Note,
    Paper,
    Question,
    ReadingLog,
    Revision,
    Role,
    Tag,
    TrashItem,
    User,
    all_member_links,
    normalize_title,
    unique_slug,
)
from papers.undo import id_runs

BATCH = 500
# The keys of ImportResult.counts, in the order summaries list them.
KINDS = ["papers", "notes", "questions", "replies", "change-log entries"]


@dataclass
class ImportResult:
    log: ReadingLog
    created_log: bool = False
    counts: Counter = field(default_factory=Counter)
    warnings: list = field(default_factory=list)
    # What the file has that the log had too, until a curator changed it: left alone.
    skipped: list = field(default_factory=list)
    dry_run: bool = False

    def summary(self):
        """Say what the import created, in one line per kind."""
        return [f"{self.counts[kind]} {kind}" for kind in KINDS]


class _DryRun(Exception):
    pass


def import_markdown(data, *, owner, log=None, title=None, slug=None, dry_run=False):
    """Parse a markdown log and save it; raise LogFormatError and write nothing on bad input."""
    document = parse_log(data, max_bytes=settings.READINGLOG_MAX_IMPORT_BYTES)
    return save_document(document, owner=owner, log=log, title=title, slug=slug, dry_run=dry_run)


def save_document(document, *, owner, log=None, title=None, slug=None, dry_run=False):
    """Save a parsed LogDocument into `log` (a new log when None), all or nothing."""
    _check_lengths(document)
    result = None
    try:
        with transaction.atomic():
            # A dry run is rolled back: rendering its markdown would be wasted time.
            render = _no_html if dry_run else None
            result = _save(document, owner=owner, log=log, title=title, slug=slug, render=render)
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.dry_run = True
    return result


def _check_lengths(document):
    for paper in document.papers:
        try:
            _check_paper(paper)
        except LogFormatError as error:
            if not paper.file:
                raise
            # Several files read as one log: the line is the file's.
            where = f"{paper.file}, line {error.line}" if error.line else paper.file
            raise LogFormatError(f"{where}: {error.message}") from None
    for item in document.changelog:
        _check_text(item.text, "A change-log entry", item.line)
    if len(document.title) > 200:
        raise LogFormatError("The log's title is longer than 200 characters.", line=1)


def _check_paper(paper):
    """Refuse a paper whose fields or texts are longer than the database or the app takes."""
    limits = {"title": MAX_TITLE, "url": 500, "arxiv_id": 40, "doi": 200, "authors": 1000}
    for name, limit in limits.items():
        if len(getattr(paper, name)) > limit:
            raise LogFormatError(
                f"The paper's {name} is longer than {limit} characters.", line=paper.line
            )
    for tag in paper.tags:
        if len(tag) > 50:
            raise LogFormatError(
                f"The tag “{_short(tag)}” is longer than 50 characters.", line=paper.line
            )
    if len(json.dumps(paper.meta)) > MAX_TEXT:
        raise LogFormatError("The paper's front matter is too long.", line=paper.line)
    _check_text(paper.tldr, "A TL;DR", paper.line)
    for note in paper.notes:
        _check_text(note.body, "A note", note.line or paper.line)
    for question in paper.questions:
        line = question.line or paper.line
        _check_text(question.body, "A question", line)
        _check_text(question.resolution, "A resolution", line)
        for reply in question.replies:
            _check_text(reply, "A reply to the question", line)


def _check_text(text, what, line):
    if message := too_long(text, what):
        raise LogFormatError(message, line=line or None)


def _no_html(text):
    return ""


def _renderer(log):
    """Render markdown with @mentions of the log's members linked, the members read once."""
    return partial(render_markdown, mentions=all_member_links(log.pk))


def _save(document, *, owner, log, title, slug, render):
    result = ImportResult(log=log)
    if log is None:
        log_title = title or document.title or "Imported reading log"
        log = ReadingLog.objects.create(
            title=log_title,
            slug=slug or unique_slug(ReadingLog, log_title),
            description=document.description,
            created_by=owner,
        )
        Membership.objects.create(user=owner, log=log, role=Role.OWNER)
        result.log, result.created_log = log, True
    elif not log.description and document.description:
        log.description = document.description
        log.save()
    result.warnings = list(document.warnings)
    in_log = _InLog(log, created=result.created_log)
    render = render or _renderer(log)

    # Papers in the trash count: their numbers are theirs, and a paper of the
    # file that is one of them stays out (a curator deleted or merged it).
    papers = in_log.papers
    existing = {p.number: p for p in papers}
    titles = Counter(title_key(p.title) for p in papers)
    by_title = {title_key(p.title): p for p in papers if titles[title_key(p.title)] == 1}
    # Then the paper the entry is by its arXiv id (any version), DOI or normalised
    # title, as the add form finds duplicates (issue #11); a key two papers share is no one's.
    keys = Counter(key for p in papers for key in same_paper_keys(p))
    by_key = {key: p for p in papers for key in same_paper_keys(p) if keys[key] == 1}
    taken = set(existing)
    next_number = max(taken, default=0) + 1
    now = timezone.now()

    new_papers, matched, used = [], [], set()
    for entry in document.papers:
        paper = _already_in_log(entry, existing, by_title, used, by_key)
        if paper is not None:
            used.add(paper.pk)
            if paper.in_trash:
                result.skipped.append(
                    _warning(entry.line, f"“{entry.title}” is [{paper.number}] in the trash "
                             f"({in_log.why_trashed(paper)}): left out, with its notes and "
                             "questions.", entry.file)
                )  # fmt: skip
                continue
            if paper.number != entry.number:
                result.warnings.append(
                    _warning(entry.line, f"“{entry.title}” is [{paper.number}] in this log; "
                             "what is new in the file was added to it.", entry.file)
                )  # fmt: skip
            matched.append((entry, paper))
            continue
        number = entry.number
        if number in taken:
            number = max(next_number, number)
            while number in taken:
                number += 1
            # A number the file did not write (the parser counted it) is no one's to keep.
            if entry.numbered:
                result.warnings.append(
                    _warning(
                        entry.line,
                        f"[{entry.number}] is taken in this log; added as [{number}].",
                        entry.file,
                    )
                )
        paper = Paper(
            log=log,
            number=number,
            title=entry.title,
            title_key=normalize_title(entry.title),  # bulk_create skips Paper.save()
            url=entry.url,
            arxiv_id=entry.arxiv_id,
            doi=entry.doi,
            curiosity=entry.curiosity,
            curiosity_note=entry.curiosity_note,
            tldr=entry.tldr,
            tldr_html=render(entry.tldr),
            authors=entry.authors,
            abstract=entry.abstract,
            year=entry.year,
            read_on=entry.read_on,
            source_meta=entry.meta,
            status=Paper.Status.READ if entry.notes else Paper.Status.TO_READ,
            added_by=owner,
            updated_by=owner,
            created_at=now,
            last_activity_at=now,
        )
        taken.add(number)
        next_number = max(next_number, number + 1)
        new_papers.append((entry, paper))
    # bulk_create sets the new rows' ids (PostgreSQL, SQLite 3.35+): the undo needs them.
    Paper.objects.bulk_create([p for _, p in new_papers], batch_size=BATCH)
    mentions.record_imported(log.pk, [p for _, p in new_papers])
    crosslinks.link_imported(log.pk, [p for _, p in new_papers])
    result.counts["papers"] = len(new_papers)
    _save_tags(log, new_papers)

    in_log.load([p.pk for _, p in matched])
    created = _save_notes_and_questions(
        log, new_papers, matched, in_log, owner=owner, now=now, result=result, render=render
    )
    entries = _save_changelog(
        log, document.changelog, in_log, owner=owner, result=result, render=render
    )
    if any(result.counts.values()):
        touched = [p.pk for _, p in matched]
        Paper.objects.filter(pk__in=touched).update(last_activity_at=now)
        created["papers"] = [p.pk for _, p in new_papers]
        created["entries"] = [e.pk for e in entries]
        ChangeLogEntry.objects.create(
            log=log,
            kind=ChangeLogEntry.Kind.IMPORTED,
            author=owner,
            text="Imported " + ", ".join(result.summary()),
            undo={"import": {kind: id_runs(ids) for kind, ids in created.items()}},
        )
    result.skipped.sort(key=lambda item: (item.line == 0, item.line))  # the change log last
    return result


def _save_tags(log, new_papers):
    """Tag the new papers with their entries' tags, creating the log's missing tags."""
    names = {name for entry, _ in new_papers for name in entry.tags}
    if not names:
        return
    tags = {tag.name: tag for tag in Tag.objects.filter(log=log, name__in=names)}
    missing = [Tag(log=log, name=name) for name in sorted(names - set(tags))]
    for tag in Tag.objects.bulk_create(missing):
        tags[tag.name] = tag
    Through = Paper.tags.through
    Through.objects.bulk_create(
        [
            Through(paper_id=paper.pk, tag_id=tags[name].pk)
            for entry, paper in new_papers
            for name in dict.fromkeys(entry.tags)
        ],
        batch_size=BATCH,
    )


def title_key(title):
    """Return what two titles of one paper share: case and runs of spaces aside."""
    return " ".join(title.lower().split())


def same_paper_keys(paper):
    """Return the keys two entries of one paper share: its arXiv id without version,
    its DOI in lower case and its normalised title (PaperQuerySet.same_as's rules)."""
    keys = []
    if paper.arxiv_id:
        keys.append("arxiv:" + re.sub(r"v\d+$", "", paper.arxiv_id))
    if paper.doi:
        keys.append("doi:" + paper.doi.lower())
    if title := normalize_title(paper.title):
        keys.append("title:" + title)
    return keys


def _already_in_log(entry, existing, by_title, used, by_key):
    """Return the log's paper this entry describes: same number and title, or same title,
    or else the same arXiv id, DOI or normalised title.

    Only papers that were in the log before the import count, each once, so
    two papers of one file with the same title stay two papers.
    """
    same_number = existing.get(entry.number)
    if same_number is not None and title_key(same_number.title) == title_key(entry.title):
        candidate = same_number
    else:
        candidate = by_title.get(title_key(entry.title))
    if candidate is None:
        candidate = next((by_key[key] for key in same_paper_keys(entry) if key in by_key), None)
    if candidate is None or candidate.pk in used:
        return None
    return candidate


def _warning(line, message, file=""):
    return ParseWarning(line=line, message=message, file=file)


def _short(text):
    return Truncator(" ".join(text.split())).chars(60)


# Why something of the file is not imported although the log had it once.
EDITED = "was edited since it was imported"
MOVED = "was moved elsewhere by a curator"


class _InLog:
    """What the log holds that an import matches against, the hand changes included.

    Besides what is in the log as the file has it, a curator's changes are
    remembered so that a re-import leaves them alone: what is in the trash,
    the earlier texts of an edited note, question, reply or change-log entry
    (their revisions), replies moved away from a question, and notes and
    questions turned into one another. Each lookup returns None for what the
    log never had, "" for what it has as it is, or why the file's item is left
    out ("is in the trash (deleted by bob)").
    """

    def __init__(self, log, *, created):
        self.log = log
        self.trash = {}
        self.papers = []
        self.notes, self.questions, self.replies = {}, {}, {}
        # (paper id, text) of the notes without an anchor, for questions turned into notes.
        self.note_texts = set()
        self.positions = Counter()
        self.entries = {}
        self.created = created
        if created:  # a new log: nothing to match
            return
        self.trash = {
            t.pk: t for t in TrashItem.objects.filter(log=log).select_related("deleted_by")
        }
        self.papers = list(Paper.objects_with_deleted.filter(log=log))

    def why_trashed(self, item):
        trash = self.trash.get(item.trashed_id)
        if trash is None:
            return "deleted"
        if trash.reason:
            return trash.reason
        return f"deleted by {trash.deleted_by.username}" if trash.deleted_by else "deleted"

    def _state(self, item):
        return f"is in the trash ({self.why_trashed(item)})" if item.in_trash else ""

    def load(self, paper_ids):
        """Read what the matched papers hold, their trash and revisions included.

        Queries: notes, questions, replies, revisions (none without papers).
        In each kind what is there as it is counts first, then the trash,
        then earlier texts.
        """
        if not paper_ids:
            return
        revisions = Revision.objects.filter(log=self.log, kind__in=["note", "question", "comment"])
        earlier = {}
        for kind, pk, data in revisions.values_list("kind", "object_id", "data"):
            earlier.setdefault((kind, pk), []).append(data)
        self._load_notes(paper_ids, earlier)
        questions = self._load_questions(paper_ids, earlier)
        self._load_replies(paper_ids, questions, earlier)

    def _load_notes(self, paper_ids, earlier):
        notes = Note.objects_with_deleted.filter(paper_id__in=paper_ids).only(
            "paper", "position", "anchor_label", "body", "trashed"
        )
        notes = sorted(notes, key=lambda n: n.in_trash)
        for note in notes:
            self.notes.setdefault((note.paper_id, note.anchor_label, note.body), self._state(note))
            if not note.anchor_label:
                self.note_texts.add((note.paper_id, note.body))
            key = (Note, note.paper_id)
            self.positions[key] = max(self.positions[key], note.position + 1)
        for note in notes:
            for data in earlier.get(("note", note.pk), []):
                key = (note.paper_id, data.get("anchor_label", ""), data["body"])
                self.notes.setdefault(key, self._state(note) or EDITED)

    def _load_questions(self, paper_ids, earlier):
        questions = Question.objects_with_deleted.filter(paper_id__in=paper_ids)
        questions = sorted(questions, key=lambda q: q.in_trash)
        for question in questions:
            found = None if question.in_trash else question
            key = (question.paper_id, question.body)
            self.questions.setdefault(key, (found, self._state(question)))
            key = (Question, question.paper_id)
            self.positions[key] = max(self.positions[key], question.position + 1)
        for question in questions:
            # An edited question is still the same one: the file's replies go under it.
            found = None if question.in_trash else question
            for data in earlier.get(("question", question.pk), []):
                key = (question.paper_id, data["body"])
                self.questions.setdefault(key, (found, self._state(question) or EDITED))
        return {question.pk for question in questions}

    def _load_replies(self, paper_ids, questions, earlier):
        replies = Comment.objects_with_deleted.filter(log=self.log).filter(
            Q(question__paper_id__in=paper_ids) | Q(moved_from__paper_id__in=paper_ids)
        ).only("question", "moved_from", "body", "trashed")  # fmt: skip
        replies = sorted(replies, key=lambda c: c.in_trash)

        def remember(question_id, body, why):
            self.replies.setdefault(question_id, {}).setdefault(body, why)

        for reply in replies:
            if reply.question_id in questions:
                remember(reply.question_id, reply.body, self._state(reply))
        for reply in replies:
            moved = reply.moved_from_id in questions and reply.moved_from_id != reply.question_id
            if moved:
                remember(reply.moved_from_id, reply.body, MOVED)
            for data in earlier.get(("comment", reply.pk), []):
                if reply.question_id in questions:
                    remember(reply.question_id, data["body"], self._state(reply) or EDITED)
                if moved:
                    remember(reply.moved_from_id, data["body"], MOVED)

    def note(self, paper_id, note):
        why = self.notes.get((paper_id, note.anchor_label, note.body))
        if why is None:
            text = f"{note.anchor_label}: {note.body}" if note.anchor_label else note.body
            if (paper_id, text) in self.questions:
                return "was turned into a question"
        return why

    def question(self, paper_id, question):
        """Return (the log's question or None, why)."""
        found = self.questions.get((paper_id, question.body))
        if found is None and (paper_id, question.body) in self.note_texts:
            return None, "was turned into a note"
        return found or (None, None)

    def reply(self, question_id, body):
        return self.replies.get(question_id, {}).get(body)

    def load_entries(self):
        """Read the change log's dates and texts, and the earlier ones of edited entries."""
        log = self.log
        self.entries = dict.fromkeys(log.changelog.values_list("date", "text"), "")
        if not self.created:
            revisions = Revision.objects.filter(log=log, kind="entry").values_list(
                "data", flat=True
            )
            for data in revisions:
                self.entries.setdefault((date.fromisoformat(data["date"]), data["text"]), EDITED)


def _left_out(result, entry, what, why, *, with_replies=False):
    if why == EDITED:
        message = f"{what} {why}: the edited text stays."
    else:
        tail = ", with its replies" if with_replies else ""
        message = f"{what} {why}: left out{tail}."
    result.skipped.append(_warning(entry.line, message, entry.file))


def _save_notes_and_questions(log, new_papers, matched, in_log, *, owner, now, result, render):
    """Add the notes, questions and replies the log lacks; return their ids per kind."""
    notes, questions, replies = [], [], []
    positions = in_log.positions
    for entry, paper in [*new_papers, *matched]:
        for note in entry.notes:
            why = in_log.note(paper.pk, note)
            if why:
                text = f"{note.anchor_label}: {note.body}" if note.anchor_label else note.body
                what = f"The note “{_short(text)}” on [{paper.number}]"
                _left_out(result, entry, what, why)
            if why is not None:
                continue
            notes.append(
                Note(
                    paper=paper, body=note.body, body_html=render(note.body),
                    anchor_kind=note.anchor_kind, anchor_label=note.anchor_label,
                    author=owner, updated_by=owner, created_at=now,
                    position=positions[(Note, paper.pk)],
                )
            )  # fmt: skip
            positions[(Note, paper.pk)] += 1
        for item in entry.questions:
            question, why = in_log.question(paper.pk, item)
            if why:
                what = f"The question “{_short(item.body)}” on [{paper.number}]"
                _left_out(result, entry, what, why, with_replies=question is None)
            if why is not None and question is None:
                continue
            if question is None:
                question = Question(
                    paper=paper, body=item.body, body_html=render(item.body),
                    section=item.section, status=item.status, resolution=item.resolution,
                    resolution_html=render(item.resolution),
                    resolved_by=owner if item.status == "resolved" else None,
                    resolved_at=now if item.status == "resolved" else None,
                    author=owner, updated_by=owner, created_at=now,
                    position=positions[(Question, paper.pk)],
                )  # fmt: skip
                positions[(Question, paper.pk)] += 1
                questions.append(question)
            for body in item.replies:
                why = in_log.reply(question.pk, body) if question.pk else None
                if why:
                    what = f"A reply “{_short(body)}” to “{_short(item.body)}” on [{paper.number}]"
                    _left_out(result, entry, what, why)
                if why is not None:
                    continue
                replies.append(
                    Comment(
                        log=log, question=question, body=body, body_html=render(body),
                        author=owner, updated_by=owner, created_at=now,
                    )
                )  # fmt: skip
    Note.objects.bulk_create(notes, batch_size=BATCH)
    Question.objects.bulk_create(questions, batch_size=BATCH)
    Comment.objects.bulk_create(replies, batch_size=BATCH)
    mentions.record_imported(log.pk, [*notes, *questions, *replies])
    crosslinks.link_imported(log.pk, [*notes, *questions, *replies])
    result.counts.update(
        {"notes": len(notes), "questions": len(questions), "replies": len(replies)}
    )
    return {
        "notes": [n.pk for n in notes],
        "questions": [q.pk for q in questions],
        "comments": [c.pk for c in replies],
    }


def _save_changelog(log, items, in_log, *, owner, result, render):
    in_log.load_entries()
    entries = []
    for item in items:
        why = in_log.entries.get((item.date, item.text))
        if why:
            result.skipped.append(
                _warning(0, f"The change-log entry of {item.date} “{_short(item.text)}” {why}: "
                         "the edited text stays.")
            )  # fmt: skip
        if why is None:
            entries.append(
                ChangeLogEntry(
                    log=log, date=item.date, text=item.text, text_html=render(item.text),
                    kind=ChangeLogEntry.Kind.WRITTEN, author=owner,
                )
            )  # fmt: skip
    ChangeLogEntry.objects.bulk_create(entries, batch_size=BATCH)
    mentions.record_imported(log.pk, entries)
    crosslinks.link_imported(log.pk, entries)
    result.counts["change-log entries"] = len(entries)
    return entries


def log_document(log):
    """Read a log back into a LogDocument, as the markdown export writes it."""
    papers = []
    questions_by_paper, notes_by_paper, replies_by_question = {}, {}, {}
    for note in Note.objects.filter(paper__log=log).order_by("position", "pk"):
        notes_by_paper.setdefault(note.paper_id, []).append(
            NoteEntry(body=note.body, anchor_kind=note.anchor_kind, anchor_label=note.anchor_label)
        )
    for comment in Comment.objects.filter(question__paper__log=log, hidden=False).order_by(
        "created_at", "pk"
    ):
        replies_by_question.setdefault(comment.question_id, []).append(comment.body)
    for question in Question.objects.filter(paper__log=log).order_by("position", "pk"):
        questions_by_paper.setdefault(question.paper_id, []).append(
            QuestionEntry(
                body=question.body,
                status=question.status,
                resolution=question.resolution,
                replies=replies_by_question.get(question.pk, []),
                section=question.section,
            )
        )
    for paper in log.papers.order_by("number").prefetch_related("tags"):
        papers.append(
            PaperEntry(
                number=paper.number,
                title=paper.title,
                url=paper.url,
                arxiv_id=paper.arxiv_id,
                doi=paper.doi,
                curiosity=paper.curiosity,
                curiosity_note=paper.curiosity_note,
                tldr=paper.tldr,
                authors=paper.authors,
                year=paper.year,
                read_on=paper.read_on,
                tags=sorted(tag.name for tag in paper.tags.all()),
                meta=paper.source_meta,
                notes=notes_by_paper.get(paper.pk, []),
                questions=questions_by_paper.get(paper.pk, []),
                line=0,
            )
        )
    changelog = [
        ChangeLogItem(date=entry.date, text=entry.text)
        for entry in log.changelog.without_trashed_papers()
        .filter(kind=ChangeLogEntry.Kind.WRITTEN, hidden=False)
        .order_by("date", "created_at", "pk")
    ]
    return LogDocument(
        title=log.title, description=log.description, papers=papers, changelog=changelog,
        warnings=[],
    )  # fmt: skip


def export_markdown(log):
    """Write the log as a markdown file in the format import_markdown reads."""
    return write_log(log_document(log))


# JSON: every record of a log, authors by username, so a backup restores into
# an empty database. Records refer to each other by their ids in the file.

JSON_FORMAT = "readinglog-log"
JSON_VERSION = 1


def _dt(value):
    return value.isoformat() if value else None


def _date(value):
    return value.isoformat() if value else None


def _authored_out(obj, who):
    """Return who wrote, changed and edited a note, question or comment, and when."""
    return {
        "author": who(obj.author_id), "updated_by": who(obj.updated_by_id),
        "edited_by": who(obj.edited_by_id), "edited_at": _dt(obj.edited_at),
        "created_at": _dt(obj.created_at), "updated_at": _dt(obj.updated_at),
    }  # fmt: skip


def _authored_in(item, user, dt):
    """Return _authored_out's fields as model arguments (updated_at is restored later)."""
    return {
        "author": user(item["author"]), "updated_by": user(item["updated_by"]),
        "edited_by": user(item["edited_by"]), "edited_at": dt(item["edited_at"]),
        "created_at": dt(item["created_at"]),
    }  # fmt: skip


def export_json(log):
    """Return a dict with every record of the log, ready for json.dumps."""
    # A log has few distinct people: look each one up once, when first met.
    usernames = {None: None}

    def who(user_id):
        if user_id not in usernames:
            usernames[user_id] = (
                User.objects.filter(pk=user_id).values_list("username", flat=True).first()
            )
        return usernames[user_id]

    papers = []
    for paper in log.papers.order_by("number").prefetch_related("tags"):
        papers.append(
            {
                "id": paper.pk, "number": paper.number, "title": paper.title, "url": paper.url,
                "arxiv_id": paper.arxiv_id, "doi": paper.doi, "authors": paper.authors,
                "year": paper.year, "read_on": _date(paper.read_on),
                "source_meta": paper.source_meta, "curiosity": paper.curiosity,
                "curiosity_note": paper.curiosity_note, "tldr": paper.tldr, "status": paper.status,
                "tags": sorted(t.name for t in paper.tags.all()),
                "added_by": who(paper.added_by_id), "updated_by": who(paper.updated_by_id),
                "created_at": _dt(paper.created_at), "updated_at": _dt(paper.updated_at),
                "last_activity_at": _dt(paper.last_activity_at),
            }
        )  # fmt: skip
    notes = [
        {
            "id": n.pk, "paper": n.paper_id, "position": n.position, "body": n.body,
            "anchor_kind": n.anchor_kind, "anchor_label": n.anchor_label,
            **_authored_out(n, who),
        }
        for n in Note.objects.filter(paper__log=log).order_by("pk")
    ]  # fmt: skip
    # An answer in the trash is not in the file: the question keeps its resolution.
    answers = set(log.comments.exclude(answered_questions=None).values_list("pk", flat=True))
    questions = [
        {
            "id": q.pk, "paper": q.paper_id, "position": q.position, "section": q.section,
            "body": q.body, "status": q.status, "resolution": q.resolution,
            "resolved_by": who(q.resolved_by_id), "resolved_at": _dt(q.resolved_at),
            "answer": q.answer_id if q.answer_id in answers else None,
            **_authored_out(q, who),
        }
        for q in Question.objects.filter(paper__log=log).order_by("pk")
    ]  # fmt: skip
    comments = [
        {
            "id": c.pk, "paper": c.paper_id, "note": c.note_id, "question": c.question_id,
            "parent": c.parent_id, "body": c.body, "hidden": c.hidden,
            "hidden_by": who(c.hidden_by_id), "hidden_at": _dt(c.hidden_at),
            **_authored_out(c, who),
        }
        for c in log.comments.order_by("pk")
    ]  # fmt: skip
    changelog = [
        {
            "id": e.pk, "date": e.date.isoformat(), "text": e.text, "kind": e.kind,
            "paper": e.paper_id,
            "author": who(e.author_id), "updated_by": who(e.updated_by_id), "hidden": e.hidden,
            "created_at": _dt(e.created_at), "updated_at": _dt(e.updated_at),
        }
        for e in log.changelog.without_trashed_papers().order_by("pk")
    ]  # fmt: skip
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "log": {
            "slug": log.slug, "title": log.title, "description": log.description,
            "visibility": log.visibility, "created_by": who(log.created_by_id),
            "updated_by": who(log.updated_by_id),
            "created_at": _dt(log.created_at), "updated_at": _dt(log.updated_at),
        },
        "members": [
            {"user": who(m.user_id), "role": m.role, "created_at": _dt(m.created_at)}
            for m in log.memberships.order_by("pk")
        ],
        "tags": sorted(log.tags.values_list("name", flat=True)),
        "papers": papers,
        "notes": notes,
        "questions": questions,
        "comments": comments,
        "changelog": changelog,
    }  # fmt: skip


def import_json(data, *, slug=None):
    """Restore a log from export_json's output; the log's slug must be free."""
    try:
        backup = json.loads(data) if isinstance(data, (str, bytes)) else data
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LogFormatError(f"This is not a JSON file: {error}") from None
    if not isinstance(backup, dict) or backup.get("format") != JSON_FORMAT:
        raise LogFormatError("This JSON file is not a Readinglog log export.")
    if backup.get("version") != JSON_VERSION:
        raise LogFormatError(f"This export has version {backup.get('version')}; expected 1.")
    try:
        with transaction.atomic():
            return _restore(backup, slug=slug)
    except (KeyError, TypeError, ValueError) as error:
        raise LogFormatError(f"This export is incomplete or damaged ({error!r}).") from None


def _restore(backup, *, slug):
    data = backup["log"]
    slug = slug or data["slug"]
    if ReadingLog.objects.filter(slug=slug).exists():
        raise LogFormatError(f"A log with the slug {slug!r} exists already.")
    users = {}

    def user(name):
        if not name:
            return None
        if name not in users:
            users[name], created = User.objects.get_or_create(username=name)
            if created:
                users[name].set_unusable_password()
                users[name].save(update_fields=["password"])
        return users[name]

    def dt(value):
        return parse_datetime(value) if value else None

    log = ReadingLog.objects.create(
        slug=slug, title=data["title"], description=data["description"],
        visibility=data["visibility"], created_by=user(data["created_by"]),
        updated_by=user(data["updated_by"]), created_at=dt(data["created_at"]),
    )  # fmt: skip
    for member in backup["members"]:
        Membership.objects.create(
            log=log, user=user(member["user"]), role=member["role"],
            created_at=dt(member["created_at"]),
        )  # fmt: skip
    tags = {name: Tag.objects.create(log=log, name=name) for name in backup["tags"]}
    render = _renderer(log)

    papers = {}
    for item in backup["papers"]:
        papers[item["id"]] = Paper(
            log=log, number=item["number"], title=item["title"], url=item["url"],
            arxiv_id=item["arxiv_id"], doi=item["doi"], authors=item["authors"],
            year=item["year"], read_on=item.get("read_on"),
            source_meta=item.get("source_meta") or {}, curiosity=item["curiosity"],
            curiosity_note=item["curiosity_note"], tldr=item["tldr"],
            tldr_html=render(item["tldr"]), status=item["status"],
            added_by=user(item["added_by"]), updated_by=user(item["updated_by"]),
            created_at=dt(item["created_at"]), last_activity_at=dt(item["last_activity_at"]),
        )  # fmt: skip
    Paper.objects.bulk_create(papers.values(), batch_size=BATCH)
    for item in backup["papers"]:
        papers[item["id"]].tags.set([tags[name] for name in item["tags"]])

    notes = {}
    for item in backup["notes"]:
        notes[item["id"]] = Note(
            paper=papers[item["paper"]], position=item["position"], body=item["body"],
            body_html=render(item["body"]), anchor_kind=item["anchor_kind"],
            anchor_label=item["anchor_label"], **_authored_in(item, user, dt),
        )  # fmt: skip
    Note.objects.bulk_create(notes.values(), batch_size=BATCH)

    questions = {}
    for item in backup["questions"]:
        questions[item["id"]] = Question(
            paper=papers[item["paper"]], position=item["position"], section=item["section"],
            body=item["body"], body_html=render(item["body"]), status=item["status"],
            resolution=item["resolution"], resolution_html=render(item["resolution"]),
            resolved_by=user(item["resolved_by"]), resolved_at=dt(item["resolved_at"]),
            **_authored_in(item, user, dt),
        )  # fmt: skip
    Question.objects.bulk_create(questions.values(), batch_size=BATCH)

    comments = {}
    for item in backup["comments"]:
        comments[item["id"]] = Comment(
            log=log,
            paper=papers.get(item["paper"]), note=notes.get(item["note"]),
            question=questions.get(item["question"]), body=item["body"],
            body_html=render(item["body"]), hidden=item["hidden"],
            hidden_by=user(item["hidden_by"]), hidden_at=dt(item["hidden_at"]),
            **_authored_in(item, user, dt),
        )  # fmt: skip
    Comment.objects.bulk_create(comments.values(), batch_size=BATCH)
    for item in backup["comments"]:
        if item["parent"]:
            comments[item["id"]].parent = comments[item["parent"]]
    Comment.objects.bulk_update(comments.values(), ["parent"], batch_size=BATCH)
    for item in backup["questions"]:
        if item["answer"]:
            questions[item["id"]].answer = comments[item["answer"]]
    Question.objects.bulk_update(questions.values(), ["answer"], batch_size=BATCH)

    entries = {
        item["id"]: ChangeLogEntry(
            log=log, date=parse_date(item["date"]), text=item["text"],
            text_html=render(item["text"]), kind=item["kind"],
            paper=papers.get(item["paper"]), author=user(item["author"]),
            updated_by=user(item["updated_by"]),
            hidden=item["hidden"], created_at=dt(item["created_at"]),
        )
        for item in backup["changelog"]
    }  # fmt: skip
    ChangeLogEntry.objects.bulk_create(entries.values(), batch_size=BATCH)
    for rows in (papers, notes, questions, comments, entries):
        mentions.record_imported(log.pk, rows.values())
        crosslinks.link_imported(log.pk, rows.values())

    # auto_now wrote "now" on insert; put back the times the backup recorded.
    for model, items, rows in (
        (Paper, backup["papers"], papers),
        (Note, backup["notes"], notes),
        (Question, backup["questions"], questions),
        (Comment, backup["comments"], comments),
        (ChangeLogEntry, backup["changelog"], entries),
    ):
        for item in items:
            rows[item["id"]].updated_at = dt(item["updated_at"])
        model.objects.bulk_update(rows.values(), ["updated_at"], batch_size=BATCH)
    ReadingLog.objects.filter(pk=log.pk).update(updated_at=dt(data["updated_at"]))
    log.refresh_from_db()
    return log
