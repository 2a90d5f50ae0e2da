"""Flows that touch several models, each in one transaction, with the acting user.

Views, the admin and management commands call these; `save()` never guesses
who did something. Each function that records an event writes the log's
automatic change-log entry and bumps the paper's `last_activity_at`, which
the log page sorts by and live updates poll.
"""

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from papers.models import (
    COMMENT_TARGETS,
    ChangeLogEntry,
    Comment,
    Membership,
    Note,
    Paper,
    Question,
    ReadingLog,
    Role,
    paper_of,
)

Kind = ChangeLogEntry.Kind


@transaction.atomic
def log_create(*, by, **fields):
    """Create a log; whoever creates it becomes its owner."""
    log = ReadingLog.objects.create(created_by=by, **fields)
    Membership.objects.create(log=log, user=by, role=Role.OWNER, last_visited_at=timezone.now())
    return log


def _record(log, kind, text, *, by, paper=None):
    return ChangeLogEntry.objects.create(
        log=log, kind=kind, text=text, author=by, paper=paper, date=timezone.localdate()
    )


def _next_position(queryset):
    highest = queryset.aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


@transaction.atomic
def paper_add(log, *, by, **fields):
    """Add a paper to the log with the next free number unless one is given."""
    # Lock the log row so two people adding at once cannot take the same number
    # (PostgreSQL; SQLite's IMMEDIATE transactions already run one writer at a time).
    ReadingLog.objects.select_for_update().filter(pk=log.pk).exists()
    paper = Paper(log=log, added_by=by, updated_by=by, **fields)
    paper.full_clean(exclude=["log", "number"] if paper.number is None else ["log"])
    paper.save()
    _record(log, Kind.PAPER_ADDED, f"Added [{paper.number}] {paper.title}", by=by, paper=paper)
    return paper


@transaction.atomic
def note_add(paper, *, by, body, anchor_kind="", anchor_label=""):
    """Add a note at the end of the paper's notes."""
    note = Note.objects.create(
        paper=paper,
        author=by,
        updated_by=by,
        body=body,
        anchor_kind=anchor_kind,
        anchor_label=anchor_label,
        position=_next_position(paper.notes.all()),
    )
    paper.touch()
    _record(paper.log, Kind.NOTE_ADDED, f"Note added to [{paper.number}]", by=by, paper=paper)
    return note


@transaction.atomic
def question_ask(paper, *, by, body, section=""):
    """Ask a question about the paper."""
    question = Question.objects.create(
        paper=paper,
        author=by,
        updated_by=by,
        body=body,
        section=section,
        position=_next_position(paper.questions.all()),
    )
    paper.touch()
    _record(
        paper.log, Kind.QUESTION_ASKED, f"Question asked on [{paper.number}]", by=by, paper=paper
    )
    return question


@transaction.atomic
def question_resolve(question, *, by, resolution="", answer=None):
    """Resolve the question and record it in the log's change log."""
    question.resolve(by=by, resolution=resolution, answer=answer)
    paper = question.paper
    paper.touch()
    _record(
        paper.log,
        Kind.QUESTION_RESOLVED,
        f"Question resolved on [{paper.number}]: {question.body[:80]}",
        by=by,
        paper=paper,
    )
    return question


@transaction.atomic
def question_reopen(question, *, by):
    question.reopen(by=by)
    question.paper.touch()
    return question


@transaction.atomic
def comment_add(target, *, by, body, parent=None):
    """Comment on a paper, a note or a question (a reply when parent is given)."""
    if parent is not None:
        target = parent.target
    paper = paper_of(target)
    comment = Comment.objects.create(
        log_id=paper.log_id,
        author=by,
        updated_by=by,
        body=body,
        parent=parent,
        **{_target_field(target): target},
    )
    paper.touch()
    return comment


def _target_field(target):
    for field, model in COMMENT_TARGETS.items():
        if isinstance(target, model):
            return field
    raise TypeError(f"Cannot comment on {type(target).__name__}.")


@transaction.atomic
def note_to_question(note, *, by):
    """Turn a note into an open question; its comments become the question's replies."""
    paper = note.paper
    question = Question.objects.create(
        paper=paper,
        author=note.author,
        updated_by=by,
        body=_with_anchor(note),
        created_at=note.created_at,
        position=_next_position(paper.questions.all()),
    )
    note.comments.update(note=None, question=question)
    note.delete()
    paper.touch()
    return question


@transaction.atomic
def question_to_note(question, *, by):
    """Turn a question back into a note; its replies become the note's comments."""
    paper = question.paper
    note = Note.objects.create(
        paper=paper,
        author=question.author,
        updated_by=by,
        body=question.body,
        created_at=question.created_at,
        position=_next_position(paper.notes.all()),
    )
    Question.objects.filter(pk=question.pk).update(answer=None)
    question.comments.update(question=None, note=note)
    question.delete()
    paper.touch()
    return note


def _with_anchor(note):
    return f"{note.anchor_label}: {note.body}" if note.anchor_label else note.body


@transaction.atomic
def comment_move(comment, target, *, by):
    """Move a comment and its replies under another paper, note or question.

    Curators use this to fix a reply that an import attached to the wrong
    question. A question it answered is no longer answered by it.
    """
    thread = [comment, *_descendants(comment)]
    field = _target_field(target)
    paper = paper_of(target)
    if paper.log_id != comment.log_id:
        raise ValueError("A comment can only move within its log.")
    answered = Question.objects.filter(answer__in=thread)
    if field == "question":
        answered = answered.exclude(pk=target.pk)
    answered.update(answer=None)
    values = {"paper": None, "note": None, "question": None, field: target, "updated_by": by}
    Comment.objects.filter(pk__in=[c.pk for c in thread]).update(**values)
    Comment.objects.filter(pk=comment.pk).update(parent=None)
    paper.touch()
    comment.refresh_from_db()
    return comment


def _descendants(comment):
    found, frontier = [], [comment.pk]
    while frontier:
        children = list(Comment.objects.filter(parent_id__in=frontier))
        found += children
        frontier = [c.pk for c in children]
    return found


@transaction.atomic
def paper_renumber(paper, number, *, by):
    """Give the paper another number; the number must be free in its log."""
    if Paper.objects.filter(log=paper.log, number=number).exclude(pk=paper.pk).exists():
        raise ValueError(f"[{number}] is already taken in this log.")
    old = paper.number
    paper.number = number
    paper.updated_by = by
    paper.save(update_fields=["number", "updated_by", "updated_at"])
    _record(paper.log, Kind.WRITTEN, f"Renumbered [{old}] to [{number}]", by=by, paper=paper)
    return paper


@transaction.atomic
def papers_renumber_sequentially(log, *, by):
    """Number the log's papers 1, 2, 3… in their current order, closing gaps."""
    papers = list(log.papers.order_by("number"))
    # Two passes so no intermediate state breaks the unique (log, number) constraint.
    offset = max((p.number for p in papers), default=0) + 1
    Paper.objects.filter(log=log).update(number=F("number") + offset)
    for new_number, paper in enumerate(papers, start=1):
        Paper.objects.filter(pk=paper.pk).update(number=new_number)
    if papers:
        _record(log, Kind.WRITTEN, f"Renumbered papers 1 to {len(papers)}", by=by)
    return len(papers)


@transaction.atomic
def papers_merge(papers, *, by):
    """Merge duplicate papers of one log into the one with the lowest number.

    Notes, questions, comments and tags move to the kept paper in order; empty
    fields of the kept paper are filled from the others; the others are deleted.
    """
    papers = sorted(papers, key=lambda p: p.number)
    if len(papers) < 2:
        raise ValueError("Pick at least two papers to merge.")
    if len({p.log_id for p in papers}) != 1:
        raise ValueError("Only papers of the same log can be merged.")
    kept, others = papers[0], papers[1:]
    note_position = _next_position(kept.notes.all())
    question_position = _next_position(kept.questions.all())
    for other in others:
        for field in ("url", "arxiv_id", "doi", "authors", "year", "curiosity", "tldr"):
            if not getattr(kept, field) and getattr(other, field):
                setattr(kept, field, getattr(other, field))
        if other.curiosity_note and other.curiosity_note not in kept.curiosity_note:
            kept.curiosity_note = "\n\n".join(
                filter(None, [kept.curiosity_note, other.curiosity_note])
            )
        for note in other.notes.order_by("position", "pk"):
            Note.objects.filter(pk=note.pk).update(paper=kept, position=note_position)
            note_position += 1
        for question in other.questions.order_by("position", "pk"):
            Question.objects.filter(pk=question.pk).update(paper=kept, position=question_position)
            question_position += 1
        other.comments.update(paper=kept)
        kept.tags.add(*other.tags.all())
        ChangeLogEntry.objects.filter(paper=other).update(paper=kept)
    kept.updated_by = by
    kept.save()
    titles = ", ".join(f"[{p.number}]" for p in others)
    Paper.objects.filter(pk__in=[p.pk for p in others]).delete()
    kept.touch()
    _record(kept.log, Kind.WRITTEN, f"Merged {titles} into [{kept.number}]", by=by, paper=kept)
    return kept


# -- Paper page: edits that other members' open pages pick up by polling ------


@transaction.atomic
def paper_edit(paper, *, by, form):
    """Save a paper form (one field or a few) and mark the paper active."""
    paper = form.save(commit=False)
    paper.updated_by = by
    paper.last_activity_at = timezone.now()
    paper.save()
    form.save_m2m()
    return paper


def _edit(item, paper, *, by, **fields):
    """Save new text fields on a note, question or comment; mark it edited if one changed."""
    if any(getattr(item, name) != value for name, value in fields.items()):
        item.mark_edited(by=by)
    for name, value in fields.items():
        setattr(item, name, value)
    item.updated_by = by
    item.save()
    paper.touch()
    return item


@transaction.atomic
def note_edit(note, *, by, body, anchor_kind="", anchor_label=""):
    return _edit(
        note, note.paper, by=by, body=body, anchor_kind=anchor_kind, anchor_label=anchor_label
    )


@transaction.atomic
def note_delete(note, *, by):
    paper = note.paper
    note.delete()
    paper.touch()


@transaction.atomic
def note_move(note, direction, *, by):
    """Swap the note with its neighbour above ("up") or below ("down")."""
    notes = list(note.paper.notes.order_by("position", "pk"))
    index = next(i for i, n in enumerate(notes) if n.pk == note.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(notes):
        return note
    notes[index], notes[other] = notes[other], notes[index]
    # Renumber all so that equal positions (imports) end up distinct.
    for position, each in enumerate(notes):
        if each.position != position:
            Note.objects.filter(pk=each.pk).update(position=position)
    note.paper.touch()
    return note


@transaction.atomic
def comment_edit(comment, *, by, body):
    return _edit(comment, paper_of(comment.target), by=by, body=body)


@transaction.atomic
def comment_delete(comment, *, by):
    """Delete a comment; its replies stay, moved up to its parent."""
    Comment.objects.filter(parent=comment).update(parent=comment.parent_id)
    paper = paper_of(comment.target)
    comment.delete()
    paper.touch()


@transaction.atomic
def comment_set_hidden(comment, hidden, *, by):
    if hidden:
        comment.hide(by=by)
    else:
        comment.unhide()
    paper_of(comment.target).touch()
    return comment


# -- Questions panel and questions page ---------------------------------------


@transaction.atomic
def question_edit(question, *, by, body):
    return _edit(question, question.paper, by=by, body=body)


@transaction.atomic
def question_delete(question, *, by):
    """Delete a question and its replies."""
    paper = question.paper
    question.delete()
    paper.touch()


# -- Change log ---------------------------------------------------------------


def changelog_write(log, *, by, date, text):
    """Add a curator's written entry to the log's change log."""
    return ChangeLogEntry.objects.create(
        log=log, kind=Kind.WRITTEN, date=date, text=text, author=by
    )
