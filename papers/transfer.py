"""Move logs in and out of the database: markdown files and JSON backups.

The markdown format itself (parse text → LogDocument, LogDocument → text) is
pure and lives in papers/logformat; this module is the thin layer that saves a
parsed document into a ReadingLog in one transaction and reads one back.

Importing into a log that already has papers adds only what is missing: a
paper already in the log (same number and title, or same title) gets the
notes, questions and replies it lacks; everything else is left alone, so
importing the same file twice changes nothing.
"""

import json
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

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
from papers.markdown import render_markdown
from papers.models import (
    ChangeLogEntry,
    Comment,
    Membership,
    Note,
    Paper,
    Question,
    ReadingLog,
    Role,
    Tag,
    User,
    unique_slug,
)

BATCH = 500
# The keys of ImportResult.counts, in the order summaries list them.
KINDS = ["papers", "notes", "questions", "replies", "change-log entries"]


@dataclass
class ImportResult:
    log: ReadingLog
    created_log: bool = False
    counts: Counter = field(default_factory=Counter)
    warnings: list = field(default_factory=list)
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
            render = _no_html if dry_run else render_markdown
            result = _save(document, owner=owner, log=log, title=title, slug=slug, render=render)
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.dry_run = True
    return result


def _check_lengths(document):
    limits = {"title": 500, "url": 500, "arxiv_id": 40, "doi": 200}
    for paper in document.papers:
        for name, limit in limits.items():
            if len(getattr(paper, name)) > limit:
                raise LogFormatError(
                    f"The paper's {name} is longer than {limit} characters.", line=paper.line
                )
    if len(document.title) > 200:
        raise LogFormatError("The log's title is longer than 200 characters.", line=1)


def _no_html(text):
    return ""


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

    existing = {p.number: p for p in log.papers.all()}
    titles = Counter(title_key(p.title) for p in existing.values())
    by_title = {title_key(p.title): p for p in existing.values() if titles[title_key(p.title)] == 1}
    taken = set(existing)
    next_number = max(taken, default=0) + 1
    now = timezone.now()

    new_papers, matched = [], []
    for entry in document.papers:
        paper = _already_in_log(entry, existing, by_title, {p.pk for _, p in matched})
        if paper is not None:
            if paper.number != entry.number:
                result.warnings.append(
                    _warning(entry.line, f"“{entry.title}” is [{paper.number}] in this log; "
                             "what is new in the file was added to it.")
                )  # fmt: skip
            matched.append((entry, paper))
            continue
        number = entry.number
        if number in taken:
            number = max(next_number, number)
            while number in taken:
                number += 1
            result.warnings.append(
                _warning(entry.line, f"[{entry.number}] is taken in this log; added as [{number}].")
            )
        paper = Paper(
            log=log,
            number=number,
            title=entry.title,
            url=entry.url,
            arxiv_id=entry.arxiv_id,
            doi=entry.doi,
            curiosity=entry.curiosity,
            curiosity_note=entry.curiosity_note,
            tldr=entry.tldr,
            tldr_html=render(entry.tldr),
            status=Paper.Status.READ if entry.notes else Paper.Status.TO_READ,
            added_by=owner,
            updated_by=owner,
            created_at=now,
            last_activity_at=now,
        )
        taken.add(number)
        next_number = max(next_number, number + 1)
        new_papers.append((entry, paper))
    Paper.objects.bulk_create([p for _, p in new_papers], batch_size=BATCH)
    result.counts["papers"] = len(new_papers)

    pairs = [*new_papers, *matched]
    _save_notes_and_questions(log, pairs, owner=owner, now=now, result=result, render=render)
    _save_changelog(log, document.changelog, owner=owner, result=result, render=render)
    if any(result.counts.values()):
        touched = [p.pk for _, p in matched]
        Paper.objects.filter(pk__in=touched).update(last_activity_at=now)
        ChangeLogEntry.objects.create(
            log=log,
            kind=ChangeLogEntry.Kind.IMPORTED,
            author=owner,
            text="Imported " + ", ".join(result.summary()),
        )
    return result


def title_key(title):
    """Return what two titles of one paper share: case and runs of spaces aside."""
    return " ".join(title.lower().split())


def _already_in_log(entry, existing, by_title, matched):
    """Return the log's paper this entry describes: same number and title, or same title.

    Only papers that were in the log before the import count, each once, so
    two papers of one file with the same title stay two papers.
    """
    same_number = existing.get(entry.number)
    if same_number is not None and title_key(same_number.title) == title_key(entry.title):
        candidate = same_number
    else:
        candidate = by_title.get(title_key(entry.title))
    if candidate is None or candidate.pk in matched:
        return None
    return candidate


def _warning(line, message):
    return ParseWarning(line=line, message=message)


def _save_notes_and_questions(log, pairs, *, owner, now, result, render):
    have_notes, have_questions = set(), {}
    matched_ids = [paper.pk for _, paper in pairs if paper.pk and not paper._state.adding]
    for note in Note.objects.filter(paper_id__in=matched_ids).only(
        "paper_id", "body", "anchor_label"
    ):
        have_notes.add((note.paper_id, note.anchor_label, note.body))
    for question in Question.objects.filter(paper_id__in=matched_ids).prefetch_related("comments"):
        have_questions[(question.paper_id, question.body)] = question
    positions = Counter()
    for model in (Note, Question):
        for row in model.objects.filter(paper_id__in=matched_ids).values("paper_id", "position"):
            key = (model, row["paper_id"])
            positions[key] = max(positions[key], row["position"] + 1)

    notes, questions, replies = [], [], []
    for entry, paper in pairs:
        for note in entry.notes:
            if (paper.pk, note.anchor_label, note.body) in have_notes:
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
            question = have_questions.get((paper.pk, item.body))
            known = set()
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
            else:
                known = {c.body for c in question.comments.all()}
            for body in item.replies:
                if body in known:
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
    result.counts.update(
        {"notes": len(notes), "questions": len(questions), "replies": len(replies)}
    )


def _save_changelog(log, items, *, owner, result, render):
    have = set(log.changelog.values_list("date", "text"))
    entries = [
        ChangeLogEntry(
            log=log,
            date=item.date,
            text=item.text,
            text_html=render(item.text),
            kind=ChangeLogEntry.Kind.WRITTEN,
            author=owner,
        )
        for item in items
        if (item.date, item.text) not in have
    ]
    ChangeLogEntry.objects.bulk_create(entries, batch_size=BATCH)
    result.counts["change-log entries"] = len(entries)


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
    for paper in log.papers.order_by("number"):
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
                "year": paper.year, "curiosity": paper.curiosity,
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

    papers = {}
    for item in backup["papers"]:
        papers[item["id"]] = Paper(
            log=log, number=item["number"], title=item["title"], url=item["url"],
            arxiv_id=item["arxiv_id"], doi=item["doi"], authors=item["authors"],
            year=item["year"], curiosity=item["curiosity"],
            curiosity_note=item["curiosity_note"], tldr=item["tldr"],
            tldr_html=render_markdown(item["tldr"]), status=item["status"],
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
            body_html=render_markdown(item["body"]), anchor_kind=item["anchor_kind"],
            anchor_label=item["anchor_label"], **_authored_in(item, user, dt),
        )  # fmt: skip
    Note.objects.bulk_create(notes.values(), batch_size=BATCH)

    questions = {}
    for item in backup["questions"]:
        questions[item["id"]] = Question(
            paper=papers[item["paper"]], position=item["position"], section=item["section"],
            body=item["body"], body_html=render_markdown(item["body"]), status=item["status"],
            resolution=item["resolution"], resolution_html=render_markdown(item["resolution"]),
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
            body_html=render_markdown(item["body"]), hidden=item["hidden"],
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
            text_html=render_markdown(item["text"]), kind=item["kind"],
            paper=papers.get(item["paper"]), author=user(item["author"]),
            updated_by=user(item["updated_by"]),
            hidden=item["hidden"], created_at=dt(item["created_at"]),
        )
        for item in backup["changelog"]
    }  # fmt: skip
    ChangeLogEntry.objects.bulk_create(entries.values(), batch_size=BATCH)

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
