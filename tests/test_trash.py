"""The trash outside the web pages: the flows that keep the numbers, comments and places
of what is in the trash (the pages are in tests/web/test_trash*.py; purging in
test_purge_trash.py).
"""

import pytest
from django.core.exceptions import ValidationError

from papers import actions
from papers.models import Note, Paper, Question, TrashItem
from tests.conftest import make_comment, make_note, make_paper, make_question

# -- Numbers stay with the papers in the trash ------------------------------------------------


def test_a_new_paper_does_not_take_the_number_of_one_in_the_trash(log, carol):
    actions.trash(make_paper(log, by=carol), by=carol)
    assert make_paper(log, by=carol, title="Next").number == 2


def test_renumbering_to_the_number_of_a_paper_in_the_trash_is_refused(log, carol):
    actions.trash(make_paper(log, by=carol), by=carol)
    paper = make_paper(log, by=carol, title="Next")
    with pytest.raises(ValueError, match=r"\[1\] is already taken"):
        actions.paper_renumber(paper, 1, by=carol)


def test_renumbering_the_log_goes_around_the_numbers_of_papers_in_the_trash(log, carol, bob):
    papers = [make_paper(log, by=carol, title=f"P{n}", number=n) for n in (2, 5, 7, 9)]
    actions.trash(papers[1], by=bob)  # [5] keeps its number in the trash
    Paper.objects_with_deleted.filter(pk=papers[1].pk).update(number=1)  # it was [1]
    actions.papers_renumber_sequentially(log, by=bob)
    numbers = Paper.objects_with_deleted.filter(log=log).values_list("title", "number")
    assert sorted(numbers, key=lambda row: row[1]) == [("P5", 1), ("P2", 2), ("P7", 3), ("P9", 4)]
    assert log.changelog.last().text == "Renumbered papers 1 to 4"
    actions.trash_restore(TrashItem.objects.get(), by=bob)
    assert list(log.papers.values_list("title", flat=True)) == ["P5", "P2", "P7", "P9"]


def test_a_paper_form_refuses_the_number_of_a_paper_in_the_trash(log, carol):
    actions.trash(make_paper(log, by=carol), by=carol)
    paper = Paper(log=log, number=1, title="Same number")
    with pytest.raises(ValidationError, match="belongs to a paper in this log's trash"):
        paper.full_clean()


# -- Other flows keep what is in the trash -------------------------------------------------


def test_a_note_turned_into_a_question_takes_its_deleted_comments_along(paper, carol, bob):
    note = make_note(paper, by=carol)
    kept = make_comment(note, by=bob, body="Kept")
    item = actions.trash(make_comment(note, by=bob, body="Deleted"), by=bob)
    question = actions.note_to_question(note, by=carol)
    actions.trash_restore(item, by=bob)
    assert sorted(question.comments.values_list("body", flat=True)) == ["Deleted", "Kept"]
    assert kept.pk in question.comments.values_list("pk", flat=True)


def test_a_question_turned_into_a_note_takes_its_deleted_replies_along(paper, carol, bob):
    question = make_question(paper, by=carol)
    item = actions.trash(make_comment(question, by=bob, body="Deleted"), by=bob)
    note = actions.question_to_note(question, by=carol)
    actions.trash_restore(item, by=bob)
    assert list(note.comments.values_list("body", flat=True)) == ["Deleted"]
    assert not Question.objects_with_deleted.exists()


def test_deleting_what_is_already_in_the_trash_changes_nothing(paper, carol, bob):
    note = make_note(paper, by=carol)
    stale = Note.objects.get(pk=note.pk)
    item = actions.trash(note, by=carol)
    assert actions.trash(stale, by=bob) == item
    assert TrashItem.objects.count() == 1 and stale.in_trash
