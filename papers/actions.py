"""Flows that touch several models, each in one transaction, with the acting user.

Views, the admin and management commands call these; `save()` never guesses
who did something. Each function that records an event writes the log's
automatic change-log entry and bumps the paper's `last_activity_at`, which
the log page sorts by and live updates poll.
"""

import itertools

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from papers import crosslinks, mentions
from papers.models import (
    COMMENT_TARGETS,
    ChangeLogEntry,
    Comment,
    Membership,
    Note,
    Notification,
    Paper,
    Question,
    ReadingLog,
    Revision,
    Role,
    TrashItem,
    json_value,
    paper_of,
)

Kind = ChangeLogEntry.Kind


@transaction.atomic
def log_create(*, by, **fields):
    """Create a log; whoever creates it becomes its owner."""
    log = ReadingLog.objects.create(created_by=by, **fields)
    Membership.objects.create(log=log, user=by, role=Role.OWNER, last_visited_at=timezone.now())
    return log


def _record(log, kind, text, *, by, paper=None, undo=None):
    return ChangeLogEntry.objects.create(
        log=log,
        kind=kind,
        text=text,
        author=by,
        paper=paper,
        date=timezone.localdate(),
        undo=undo,
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
    mentions.record(paper, by=by)
    crosslinks.record(paper)
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
    mentions.record(note, by=by)
    crosslinks.record(note)
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
    mentions.record(question, by=by)
    crosslinks.record(question)
    paper.touch()
    _record(
        paper.log, Kind.QUESTION_ASKED, f"Question asked on [{paper.number}]", by=by, paper=paper
    )
    return question


@transaction.atomic
def question_resolve(question, *, by, resolution="", answer=None):
    """Resolve the question and record it in the log's change log.

    A resolution that mentions the asker for the first time tells them once,
    as a mention (of the two, the notification that says more).
    """
    question.resolve(by=by, resolution=resolution, answer=answer)
    paper = question.paper
    paper.touch()
    crosslinks.record(question)
    if question.author not in mentions.record(question, by=by):
        Notification.send(
            question.author,
            actor=by,
            kind=Notification.Kind.RESOLVED,
            item=question,
            text=resolution or question.body,
        )
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
    Notification.send(
        question.author,
        actor=by,
        kind=Notification.Kind.REOPENED,
        item=question,
        text=question.body,
    )
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
    mentioned = mentions.record(comment, by=by)
    crosslinks.record(comment)
    _notify_comment(comment, target, parent, by, told={user.pk for user in mentioned})
    return comment


def _notify_comment(comment, target, parent, by, told):
    """Tell whom a comment concerns: the comment it replies to, the note's or question's author.

    One notification per person: a reply to bob's comment under bob's note
    tells bob once, as a reply; one who was told the comment mentions them
    (`told`, user pks) is not told again. The mention is kept rather than the
    reply because it is addressed to them, and follows their choice for
    mentions; with mentions turned off they are told of the reply.
    """
    recipients = []
    if parent is not None:
        recipients.append((parent.author, Notification.Kind.REPLY))
    if isinstance(target, Note):
        recipients.append((target.author, Notification.Kind.NOTE_COMMENT))
    elif isinstance(target, Question):
        recipients.append((target.author, Notification.Kind.ANSWER))
    for recipient, kind in recipients:
        if recipient is not None and recipient.pk not in told:
            told.add(recipient.pk)
            Notification.send(recipient, actor=by, kind=kind, item=comment, text=comment.body)


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
    mentions.record(question, by=by, notify=False)  # the same text: told as a note
    crosslinks.record(question)
    # Comments in the trash move too, so a restore puts them on the question.
    Comment.objects_with_deleted.filter(note=note).update(note=None, question=question)
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
    mentions.record(note, by=by, notify=False)  # the same text: told as a question
    crosslinks.record(note)
    Question.objects.filter(pk=question.pk).update(answer=None)
    Comment.objects_with_deleted.filter(question=question).update(question=None, note=note)
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
    if comment.question_id is not None and not (
        field == "question" and target.pk == comment.question_id
    ):
        # A re-import of the file leaves the replies where the curator put them.
        moved = Comment.objects.filter(pk__in=[c.pk for c in thread], moved_from__isnull=True)
        moved.update(moved_from=comment.question_id)
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
    # Papers in the trash keep their numbers, to come back where they were.
    taken = Paper.objects_with_deleted.filter(log=paper.log, number=number)
    if taken.exclude(pk=paper.pk).exists():
        raise ValueError(f"[{number}] is already taken in this log.")
    old = paper.number
    paper.number = number
    paper.updated_by = by
    paper.save(update_fields=["number", "updated_by", "updated_at"])
    crosslinks.renumbered(paper.log_id, {paper.pk: (old, number)})
    _record(
        paper.log,
        Kind.WRITTEN,
        f"Renumbered [{old}] to [{number}]",
        by=by,
        paper=paper,
        undo={"renumber": [[paper.pk, old, number]]},
    )
    return paper


@transaction.atomic
def papers_renumber_sequentially(log, *, by):
    """Number the log's papers 1, 2, 3… in their current order, closing gaps.

    Papers in the trash keep their numbers (a restore puts them back where
    they were): the others go around them.
    """
    papers = list(log.papers.order_by("number"))
    trashed = Paper.objects_with_deleted.filter(log=log, trashed__isnull=False)
    kept = set(trashed.values_list("number", flat=True))
    # Two passes so no intermediate state breaks the unique (log, number) constraint.
    offset = max((p.number for p in papers), default=0) + max(kept, default=0) + 1
    Paper.objects.filter(log=log).update(number=F("number") + offset)
    free = (n for n in itertools.count(1) if n not in kept)
    numbers = list(itertools.islice(free, len(papers)))
    for paper, number in zip(papers, numbers, strict=True):
        Paper.objects.filter(pk=paper.pk).update(number=number)
    moved = [[p.pk, p.number, n] for p, n in zip(papers, numbers, strict=True) if p.number != n]
    crosslinks.renumbered(log.pk, {pk: (old, new) for pk, old, new in moved})
    if papers:
        undo = {"renumber": moved} if moved else None
        _record(log, Kind.WRITTEN, f"Renumbered papers 1 to {numbers[-1]}", by=by, undo=undo)
    return len(papers)


@transaction.atomic
def papers_merge(papers, *, by):
    """Merge duplicate papers of one log into the one with the lowest number.

    Notes, questions, comments and tags move to the kept paper in order; empty
    fields of the kept paper are filled from the others (a text edit, so its
    history keeps them as they were); the others go to the trash. The
    change-log entry keeps where everything was, so the merge can be undone
    (papers/undo.py).
    """
    papers = sorted(papers, key=lambda p: p.number)
    if len(papers) < 2:
        raise ValueError("Pick at least two papers to merge.")
    if len({p.log_id for p in papers}) != 1:
        raise ValueError("Only papers of the same log can be merged.")
    kept, others = _locked(papers[0]), papers[1:]
    before = kept.revision_data()
    tags = set(before["tags"])
    note_position = _next_position(kept.notes.all())
    question_position = _next_position(kept.questions.all())
    moved = []
    for other in others:
        for field in ("url", "arxiv_id", "doi", "authors", "year", "curiosity", "tldr"):
            if not getattr(kept, field) and getattr(other, field):
                setattr(kept, field, getattr(other, field))
        if other.curiosity_note and other.curiosity_note not in kept.curiosity_note:
            kept.curiosity_note = "\n\n".join(
                filter(None, [kept.curiosity_note, other.curiosity_note])
            )
        notes = list(other.notes.order_by("position", "pk").values_list("pk", "position"))
        for pk, _ in notes:
            Note.objects.filter(pk=pk).update(paper=kept, position=note_position)
            note_position += 1
        questions = list(other.questions.order_by("position", "pk").values_list("pk", "position"))
        for pk, _ in questions:
            Question.objects.filter(pk=pk).update(paper=kept, position=question_position)
            question_position += 1
        comments = list(other.comments.values_list("pk", flat=True))
        Comment.objects.filter(pk__in=comments).update(paper=kept)
        entries = list(ChangeLogEntry.objects.filter(paper=other).values_list("pk", flat=True))
        ChangeLogEntry.objects.filter(pk__in=entries).update(paper=kept)
        tags.update(tag.name for tag in other.tags.all())
        moved.append(
            {"paper": other.pk, "number": other.number, "notes": notes,
             "questions": questions, "comments": comments, "entries": entries}
        )  # fmt: skip
    values = {name: getattr(kept, name) for name in kept.REVISED_FIELDS if name != "tags"}
    kept = text_edit(
        kept, by=by, version=kept.version, tell_mentioned=False, **values, tags=sorted(tags)
    )
    after = kept.revision_data()
    changed = [name for name in after if after[name] != before[name]]
    titles = ", ".join(f"[{p.number}]" for p in others)
    for other, place in zip(others, moved, strict=True):
        place["trash"] = trash(other, by=by, reason=f"merged into [{kept.number}]").pk
    # Links to the merged papers now link to the kept one.
    crosslinks.renumbered(kept.log_id, {other.pk: (other.number, kept.number) for other in others})
    kept.touch()
    undo = {
        "merge": {
            "kept": kept.pk,
            "papers": moved,
            "before": {name: before[name] for name in changed},
            "after": {name: after[name] for name in changed},
        }
    }
    _record(
        kept.log,
        Kind.WRITTEN,
        f"Merged {titles} into [{kept.number}]",
        by=by,
        paper=kept,
        undo=undo,
    )
    return kept


# -- Paper page: edits that other members' open pages pick up by polling ------


@transaction.atomic
def paper_edit(paper, *, by, version, **values):
    """Save one region of the paper (only its columns) and mark the paper active.

    Raises EditConflict when someone changed the same fields since `version`;
    a change to other fields of the paper is kept, not a conflict.
    """
    paper = text_edit(paper, by=by, version=version, **values)
    paper.touch()
    return paper


@transaction.atomic
def note_edit(note, *, by, version, body, anchor_kind="", anchor_label=""):
    note = text_edit(
        note, by=by, version=version, body=body, anchor_kind=anchor_kind, anchor_label=anchor_label
    )
    Paper.objects.get(pk=note.paper_id).touch()
    return note


@transaction.atomic
def note_delete(note, *, by):
    """Move the note, with every comment on it, to the log's trash."""
    paper = note.paper
    trash(note, by=by)
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
def comment_edit(comment, *, by, version, body):
    paper = paper_of(comment.target)
    comment = text_edit(comment, by=by, version=version, body=body)
    paper.touch()
    return comment


@transaction.atomic
def comment_delete(comment, *, by):
    """Move the comment, with the replies under it, to the log's trash."""
    paper = paper_of(comment.target)
    trash(comment, by=by)
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
def question_edit(question, *, by, version, body):
    question = text_edit(question, by=by, version=version, body=body)
    Paper.objects.get(pk=question.paper_id).touch()
    return question


@transaction.atomic
def question_delete(question, *, by):
    """Move the question, with its replies, to the log's trash."""
    paper = question.paper
    trash(question, by=by)
    paper.touch()


# -- Change log ---------------------------------------------------------------


@transaction.atomic
def changelog_write(log, *, by, date, text):
    """Add a curator's written entry to the log's change log."""
    entry = ChangeLogEntry.objects.create(
        log=log, kind=Kind.WRITTEN, date=date, text=text, author=by
    )
    mentions.record(entry, by=by)
    crosslinks.record(entry)
    return entry


@transaction.atomic
def changelog_edit(entry, *, by, version, date, text):
    return text_edit(entry, by=by, version=version, date=date, text=text)


# -- Versions and revisions: every text edit --------------------------------


class EditConflict(Exception):
    """Someone saved the item after the form was loaded; `current` is the item as saved now."""

    def __init__(self, current):
        super().__init__(f"{current.revision_kind} {current.pk} changed since it was loaded")
        self.current = current


def _locked(item):
    """Read the item again, its row locked until the transaction ends (PostgreSQL)."""
    model = type(item)
    rows = model._base_manager.select_for_update(of=("self",))
    if model in (Note, Question):
        rows = rows.select_related("paper")
    return rows.get(pk=item.pk)


def _log_id(item):
    if isinstance(item, (Note, Question)):
        return item.paper.log_id
    return item.log_id


@transaction.atomic
def text_edit(item, *, by, version, restored_from=None, tell_mentioned=True, **values):
    """Save new values of an item's revised fields if nobody saved them since `version`.

    The row is locked while the version is checked, and only the columns that
    changed are written, so a concurrent hide, resolve or move is never undone.
    The text before the first edit and after each one is kept as a Revision.
    Raises EditConflict, changing nothing, when one of the fields being saved
    differs from what it was at `version`. Returns the item as saved. Members
    the text newly mentions are told, unless `tell_mentioned` is false (a
    merge copies a text someone else wrote, who told them already).
    """
    current = _locked(item)
    before = current.revision_data()
    if version != current.version and _changed_since(current, version, values, before):
        raise EditConflict(current)
    names = current.apply_revision_data(values)
    after = current.revision_data()
    changed = [name for name in names if before[name] != after[name]]
    if not changed:
        return current
    now = timezone.now()
    revisions = Revision.objects.of(current)
    if not revisions.exists():  # keep the original, whoever wrote it
        Revision.objects.create(
            log_id=_log_id(current),
            kind=current.revision_kind,
            object_id=current.pk,
            version=current.version,
            data=before,
            created_by_id=current.edited_by_id or _original_author_id(current),
            created_at=current.edited_at or current.created_at,
        )
    current.version += 1
    current.edited_at, current.edited_by, current.updated_by = now, by, by
    current.render()
    Revision.objects.create(
        log_id=_log_id(current),
        kind=current.revision_kind,
        object_id=current.pk,
        version=current.version,
        data=after,
        created_by=by,
        created_at=now,
        restored_from=restored_from,
    )
    columns = [name for name in changed if name != "tags"]
    columns += [current.RENDERED[name] for name in columns if name in current.RENDERED]
    columns += ["version", "edited_at", "edited_by", "updated_by", "updated_at"]
    current.save(update_fields=columns)
    mentions.record(current, by=by, notify=tell_mentioned)
    crosslinks.record(current)
    if "title" in changed and isinstance(current, Paper):
        crosslinks.rerender_links_to(current)
    return current


def _original_author_id(item):
    return getattr(item, "author_id", None) or getattr(item, "added_by_id", None)


def _changed_since(current, version, values, now):
    """Say whether a field in `values` changed since `version` to other than its new value.

    Someone else's change that the editor's values already hold (both fixed
    the same typo) is no conflict: saving them undoes nothing.
    """
    then = Revision.objects.of(current).filter(version=version).values_list("data", flat=True)
    then = then.first()
    if then is None:  # a version that never was
        return True
    return any(
        then.get(name) != now.get(name) and json_value(value) != now.get(name)
        for name, value in values.items()
    )


@transaction.atomic
def revision_restore(item, revision, *, by):
    """Bring back the revised fields of an earlier revision, as a new revision."""
    current = _locked(item)
    return text_edit(
        current,
        by=by,
        version=current.version,
        restored_from=revision.version,
        **_data_for(current, revision.data),
    )


def _data_for(item, data):
    return {name: data[name] for name in item.REVISED_FIELDS if name in data}


# -- Trash: deleting keeps everything until someone purges it -----------------


def _under(item):
    """Return querysets of what goes to the trash with item (item included)."""
    comments = Comment.objects
    if isinstance(item, Paper):
        return [
            Paper.objects.filter(pk=item.pk),
            Note.objects.filter(paper=item),
            Question.objects.filter(paper=item),
            comments.filter(Q(paper=item) | Q(note__paper=item) | Q(question__paper=item)),
        ]
    if isinstance(item, Note):
        return [Note.objects.filter(pk=item.pk), comments.filter(note=item)]
    if isinstance(item, Question):
        return [Question.objects.filter(pk=item.pk), comments.filter(question=item)]
    thread = [item.pk, *(c.pk for c in _descendants(item))]
    return [comments.filter(pk__in=thread)]


def _summary(item):
    """Return what the trash page says of an item: (what it is, where it was)."""
    if isinstance(item, Paper):
        return f"[{item.number}] {item.title}", ""
    paper = paper_of(item.target) if isinstance(item, Comment) else item.paper
    where = f"[{paper.number}] {paper.title}"
    text = " ".join(item.body.split())
    if isinstance(item, Note) and item.anchor_label:
        text = f"{item.anchor_label}: {text}"
    return text[:280], where[:300]


@transaction.atomic
def trash(item, *, by, reason=""):
    """Move item and everything under it to its log's trash; return the TrashItem.

    What was already in the trash on its own (a comment deleted before its
    note) stays a separate item there. An item already in the trash (deleted
    twice at once, or with what holds it in one admin action) stays where it is.
    """
    rows = type(item)._base_manager.select_for_update().filter(pk=item.pk)
    already = rows.values_list("trashed", flat=True).first()
    if already is not None:
        item.trashed_id = already
        return TrashItem.objects.get(pk=already)
    summary, where = _summary(item)
    entry = TrashItem.objects.create(
        log_id=_log_id(item),
        kind=item.revision_kind,
        object_id=item.pk,
        summary=summary[:300],
        where=where,
        deleted_by=by,
        reason=reason,
    )
    for rows in _under(item):
        rows.update(trashed=entry)
    item.trashed = entry
    if isinstance(item, Paper):
        crosslinks.rerender_links_to(item)
    return entry


class HolderInTrash(Exception):
    """What a trash item was on (`holder`: its paper, note, question or comment) is in the trash."""

    def __init__(self, holder):
        super().__init__(f"{holder.revision_kind} {holder.pk} is in the trash")
        self.holder = holder


def _holders(item):
    """Return what item sits on, outermost first: its paper, its note or question, its parent."""
    if isinstance(item, Paper):
        return []
    if not isinstance(item, Comment):
        return [item.paper]
    target = item.target
    holders = [] if isinstance(target, Paper) else [target.paper]
    return [*holders, target, *([item.parent] if item.parent_id else [])]


@transaction.atomic
def trash_restore(entry, *, by):
    """Put everything of a trash item back where it was; return the restored item.

    Raises HolderInTrash, changing nothing, when what the item was on is in
    the trash too (a note deleted before its paper): restore that first.
    """
    item = entry.model.objects_with_deleted.filter(pk=entry.object_id).first()
    holder = next((h for h in _holders(item) if h.in_trash), None) if item else None
    if holder is not None:
        raise HolderInTrash(holder)
    for model in (Paper, Note, Question, Comment):
        model.objects_with_deleted.filter(trashed=entry).update(trashed=None)
    entry.delete()
    if item is not None:
        item.trashed = None
        paper = item if isinstance(item, Paper) else paper_of(_target_of(item))
        paper.touch()
        if isinstance(item, Paper):
            crosslinks.rerender_links_to(item)
    return item


def _target_of(item):
    return item.target if isinstance(item, Comment) else item


@transaction.atomic
def trash_purge(entries):
    """Delete trash items for good, with what they hold and its revisions."""
    entries = list(entries)
    for entry in entries:
        held = {
            kind: list(
                model.objects_with_deleted.filter(trashed=entry).values_list("pk", flat=True)
            )
            for kind, model in (
                ("paper", Paper),
                ("note", Note),
                ("question", Question),
                ("comment", Comment),
            )
        }
        for kind, pks in held.items():
            Revision.objects.filter(kind=kind, object_id__in=pks).delete()
        entry.delete()  # cascades to the rows it holds
    _drop_empty_trash()
    return len(entries)


def _drop_empty_trash():
    """Forget trash items whose item went with another purge (a note of a purged paper)."""
    for kind, model in (
        ("paper", Paper),
        ("note", Note),
        ("question", Question),
        ("comment", Comment),
    ):
        gone = TrashItem.objects.filter(kind=kind).exclude(
            object_id__in=model.objects_with_deleted.values("pk")
        )
        gone.delete()
