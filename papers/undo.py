"""Take back an import, a merge of papers or a renumbering: the change log's undoable steps.

Each of these steps records one change-log entry whose `undo` holds what
taking it back needs; `changelog_undo` does it, once:

- an import, `{"import": {"papers": runs, "notes": …, "questions": …,
  "comments": …, "entries": …}}`: the ids of the rows it created, as runs of
  consecutive ids (`[[first, last], …]`; bulk inserts number rows one after
  another, so 95,000 rows are a few pairs). Undoing puts each paper it added
  in the trash, one trash item per paper with everything on it, and each
  note, question and reply it added to a paper that was there before as an
  item of its own. Change-log entries copied from the file are deleted, or
  hidden when a curator edited them since.
- a merge, `{"merge": {"kept", "papers", "before", "after"}}`: per merged-away
  paper its trash item and where its notes and questions (id, position),
  comments and change-log entries were; the kept paper's fields the merge
  changed, before and after. Undoing brings the papers back from the trash,
  moves everything back and gives the kept paper its fields back (a text
  edit, so the merged text stays in its history), except a field someone
  edited since the merge.
- a renumbering, `{"renumber": [[paper id, old number, new number], …]}`:
  undone while each paper still has its new number and each old number is
  free.

Undoing never deletes what people wrote: what goes, goes to the trash. The
three undos are a flow of their own, so they live beside papers/actions.py
(whose trash, restore and text-edit flows they use) rather than in it.
"""

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from papers import actions, crosslinks
from papers.models import ChangeLogEntry, Comment, Note, Paper, Question, ReadingLog

# How many runs of ids one query looks up (two parameters each).
RUNS_PER_QUERY = 400


class UndoRefused(Exception):
    """The step cannot be undone (any more); the message says why, for the curator."""


def id_runs(ids):
    """Return ids as runs of consecutive numbers: [3, 4, 5, 9] → [[3, 5], [9, 9]]."""
    runs = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return runs


def _in_runs(runs):
    """Yield conditions matching the ids in runs, a bounded number of runs each."""
    for start in range(0, len(runs), RUNS_PER_QUERY):
        condition = Q()
        for first, last in runs[start : start + RUNS_PER_QUERY]:
            condition |= Q(pk__range=(first, last))
        yield condition


@transaction.atomic
def changelog_undo(entry, *, by):
    """Undo the step the entry records; return a sentence saying what was done.

    Raises UndoRefused, changing nothing, when the entry records no undoable
    step, was undone already, or the log changed so that it cannot be undone.
    """
    # One undo at a time per log (PostgreSQL; SQLite runs one writer at a time).
    ReadingLog.objects.select_for_update().filter(pk=entry.log_id).exists()
    entry = ChangeLogEntry.objects.select_related("log", "undone_by").get(pk=entry.pk)
    if entry.undone_at is not None:
        who = entry.undone_by.username if entry.undone_by else "someone"
        raise UndoRefused(f"This was undone already, by {who} on {_day(entry.undone_at)}.")
    if entry.undo is None:
        raise UndoRefused("This entry records nothing that can be undone.")
    ((step, data),) = entry.undo.items()
    undo = {"import": _undo_import, "merge": _undo_merge, "renumber": _undo_renumber}[step]
    done = undo(entry, data, by=by)
    now = timezone.now()
    ChangeLogEntry.objects.filter(pk=entry.pk).update(
        undone_at=now, undone_by=by, updated_by=by, updated_at=now
    )
    return done


def _day(moment):
    moment = timezone.localtime(moment)
    return f"{moment.day} {moment:%B %Y}"


def _counted(counts):
    """Say counts in words: "9 papers, 1 note and 2 replies" (kinds with none left out)."""
    plural = {"reply": "replies", "change-log entry": "change-log entries"}
    parts = [f"{n} {kind if n == 1 else plural.get(kind, kind + 's')}" for kind, n in counts if n]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


# -- An import ---------------------------------------------------------------------


def _undo_import(entry, data, *, by):
    log = entry.log
    reason = f"import of {_day(entry.created_at)} undone"
    papers = Paper.objects.filter(log=log)
    questions = Question.objects.filter(paper__log=log).select_related("paper")
    notes = Note.objects.filter(paper__log=log).select_related("paper")
    replies = Comment.objects.filter(log=log).select_related(
        "paper", "note__paper", "question__paper"
    )
    # Its papers first, each with everything on it; then what it added to papers
    # that were there before, each on its own (the rest went with its paper).
    kinds = [
        ("paper", papers, data["papers"]),
        ("question", questions, data["questions"]),
        ("note", notes, data["notes"]),
        ("reply", replies, data["comments"]),
    ]
    counts = []
    for kind, rows, runs in kinds:
        trashed = 0
        for condition in _in_runs(runs):
            for item in rows.filter(condition):
                actions.trash(item, by=by, reason=reason)
                trashed += 1
        counts.append((kind, trashed))
    if not any(n for _, n in counts):
        raise UndoRefused(
            "Nothing this import added is still in the log: it is all in the trash already, "
            "or deleted for good."
        )
    hidden = 0
    for condition in _in_runs(data["entries"]):
        copied = ChangeLogEntry.objects.filter(condition, log=log)
        copied.filter(version=1).delete()
        hidden += copied.filter(hidden=False).update(hidden=True, updated_by=by)
    done = f"Import undone: {_counted(counts)} moved to the trash."
    if hidden:
        done += f" {_counted([('change-log entry', hidden)])} edited since the import hidden."
    return done


# -- A merge -----------------------------------------------------------------------


def _undo_merge(entry, data, *, by):
    kept = Paper.objects_with_deleted.filter(pk=data["kept"]).first()
    if kept is None:
        raise UndoRefused("The paper they were merged into was deleted for good.")
    if kept.in_trash:
        raise UndoRefused(f"[{kept.number}] {kept.title} is in the trash: restore it first.")
    ids = [place["paper"] for place in data["papers"]]
    papers = Paper.objects_with_deleted.select_related("trashed").in_bulk(ids)
    for place in data["papers"]:
        paper = papers.get(place["paper"])
        if paper is None:
            raise UndoRefused(
                f"[{place['number']}] was deleted for good since the merge: it cannot come back."
            )
        if paper.trashed_id not in (None, place["trash"]):
            raise UndoRefused(
                f"[{paper.number}] {paper.title} was deleted again since the merge: "
                "restore it from the trash first."
            )
    for place in data["papers"]:
        paper = papers[place["paper"]]
        if paper.trashed_id is not None:
            actions.trash_restore(paper.trashed, by=by)
        # What was moved and is still on the kept paper goes back, in its old place.
        for model, key in ((Note, "notes"), (Question, "questions")):
            for pk, position in place[key]:
                rows = model.objects_with_deleted.filter(pk=pk, paper=kept)
                rows.update(paper=paper, position=position)
        comments = Comment.objects_with_deleted.filter(pk__in=place["comments"], paper=kept)
        comments.update(paper=paper)
        entries = ChangeLogEntry.objects.filter(pk__in=place["entries"], paper=kept)
        entries.update(paper=paper)
    kept_as = _kept_fields(kept, data, by=by)
    numbers = ", ".join(f"[{papers[place['paper']].number}]" for place in data["papers"])
    done = f"Merge undone: {numbers} {'is' if len(ids) == 1 else 'are'} back"
    return done + (f"; {kept_as}." if kept_as else ".")


def _kept_fields(kept, data, *, by):
    """Give the kept paper back the fields the merge filled; say which were left as edited since."""
    current = kept.revision_data()
    before, after = data["before"], data["after"]
    values, left = {}, []
    for name in before:
        if name == "tags":
            added = set(after["tags"]) - set(before["tags"])
            tags = sorted(set(current["tags"]) - added)
            if tags != current["tags"]:
                values["tags"] = tags
        elif current[name] == after[name]:
            values[name] = before[name]
        else:
            left.append(Paper._meta.get_field(name).verbose_name)
    if values:
        actions.text_edit(kept, by=by, version=kept.version, **values)
    if not left:
        return ""
    return f"[{kept.number}] keeps its {', '.join(left)} as edited since the merge"


# -- A renumbering -----------------------------------------------------------------


def _undo_renumber(entry, data, *, by):
    log = entry.log
    moves = {pk: (old, new) for pk, old, new in data}
    papers = Paper.objects_with_deleted.filter(log=log).in_bulk(list(moves))
    for pk, (_, new) in moves.items():
        paper = papers.get(pk)
        if paper is not None and paper.number != new:
            raise UndoRefused(
                f"“{paper.title}” was renumbered again since (it is [{paper.number}] now): "
                "undo that first."
            )
    if not papers:
        raise UndoRefused("The renumbered papers were deleted for good.")
    olds = [old for pk, (old, _) in moves.items() if pk in papers]
    holder = (
        Paper.objects_with_deleted.filter(log=log, number__in=olds)
        .exclude(pk__in=list(papers))
        .first()
    )
    if holder is not None:
        where = " (in the trash)" if holder.in_trash else ""
        raise UndoRefused(
            f"[{holder.number}] is taken by “{holder.title}”{where} now, so the old numbers "
            "cannot come back."
        )
    # Out of the way first, so no step breaks the unique (log, number) constraint.
    highest = Paper.objects_with_deleted.filter(log=log).aggregate(n=Max("number"))["n"]
    Paper.objects_with_deleted.filter(pk__in=list(papers)).update(number=F("number") + highest)
    for pk in papers:
        Paper.objects_with_deleted.filter(pk=pk).update(number=moves[pk][0], updated_by=by)
    crosslinks.renumbered(log.pk, {pk: (moves[pk][1], moves[pk][0]) for pk in papers})
    if len(papers) == 1:
        ((pk, paper),) = papers.items()
        return f"Renumbering undone: “{paper.title}” is [{moves[pk][0]}] again."
    return f"Renumbering undone: {len(papers)} papers have their old numbers again."
