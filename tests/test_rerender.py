"""manage.py rerender: a changed renderer setting applies to text saved before it."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from papers import actions
from papers.models import ChangeLogEntry, Comment, Note, Paper, Question, ReadingLog
from tests.conftest import make_comment, make_note, make_paper, make_question

IMAGE = "![fig](https://example.org/fig.png)"
SHOWN = '<img alt="fig" src="https://example.org/fig.png">'


def rerender(*args):
    out = StringIO()
    call_command("rerender", *args, stdout=out)
    return out.getvalue()


def renderings():
    """Return every stored rendering of IMAGE, trash included."""
    columns = [
        (ReadingLog.objects, "description_html"),
        (Paper.objects_with_deleted, "tldr_html"),
        (Note.objects_with_deleted, "body_html"),
        (Question.objects_with_deleted, "body_html"),
        (Question.objects_with_deleted, "resolution_html"),
        (Comment.objects_with_deleted, "body_html"),
        (ChangeLogEntry.objects.filter(text=IMAGE), "text_html"),
    ]
    return [html for manager, column in columns for html in manager.values_list(column, flat=True)]


@pytest.fixture
def images_everywhere(log, alice, carol):
    log.description = IMAGE
    log.save()
    paper = make_paper(log, by=carol, tldr=IMAGE)
    notes = [make_note(paper, by=carol, body=IMAGE) for _ in range(3)]
    actions.trash(notes[0], by=carol)
    question = make_question(paper, by=carol, body=IMAGE)
    actions.question_resolve(question, by=carol, resolution=IMAGE)
    make_comment(question, by=alice, body=IMAGE)
    actions.changelog_write(log, by=alice, date=date(2024, 5, 1), text=IMAGE)


def test_it_renders_every_markdown_field_again_with_the_current_settings(images_everywhere):
    assert len(renderings()) == 9 and not any(SHOWN in html for html in renderings())
    edits = list(Note.objects_with_deleted.values_list("pk", "version", "updated_at"))
    with override_settings(READINGLOG_REMOTE_IMAGES=True):
        out = rerender("--batch-size", "2")
    assert all(SHOWN in html for html in renderings())
    assert "notes: 3 of 3 rendered differently now." in out.splitlines()
    assert "reading logs: 1 of 1 rendered differently now." in out.splitlines()
    # Not an edit: versions and times stay.
    assert list(Note.objects_with_deleted.values_list("pk", "version", "updated_at")) == edits


def test_it_writes_nothing_when_nothing_renders_differently(images_everywhere):
    before = renderings()
    assert "notes: 0 of 3 rendered differently now." in rerender().splitlines()
    assert renderings() == before


def test_the_batch_size_must_be_positive(db):
    with pytest.raises(CommandError, match="--batch-size must be at least 1."):
        rerender("--batch-size", "0")


def test_text_saved_by_an_older_renderer_renders_as_written_now(paper, carol):
    # Before issue #9 a list right under a line of text rendered as more lines of it.
    note = make_note(paper, by=carol, body="The paper:\n- is about tutors\n- has a benchmark")
    stale = "<p>The paper:<br>\n- is about tutors<br>\n- has a benchmark</p>"
    Note.objects.filter(pk=note.pk).update(body_html=stale)
    assert rerender("--verbosity", "0") == ""
    note.refresh_from_db()
    assert note.body_html == (
        "<p>The paper:</p>\n<ul>\n<li>is about tutors</li>\n<li>has a benchmark</li>\n</ul>"
    )
