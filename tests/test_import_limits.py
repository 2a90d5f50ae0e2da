"""An import refuses a text over the size limit, naming its line (issue #8)."""

import pytest

from papers.logformat import LogFormatError, parse_log
from papers.markdown import MAX_TEXT
from papers.models import Note, ReadingLog
from papers.transfer import import_markdown

LONG = "x" * (MAX_TEXT + 1)
SAID = "can be at most 50,000 characters; this one has 50,001."


def log_file(note="a note", question="Why?", reply="Because.", entry="added it", title="P"):
    return (
        "# Log\n\n"  # lines 1-2
        f"### [1] {title}\n\n"  # lines 3-4
        "- first note\n"  # line 5
        f"- {note}\n\n"  # line 6
        "#### I haven't understood\n\n"  # line 8
        f"- {question}\n"  # line 10
        f"  - {reply}\n\n"  # line 11
        "#### change logs\n\n"  # line 13
        f"- 2024-08-11: {entry}\n"  # line 15
    )


def test_the_parser_gives_notes_questions_and_entries_their_lines():
    document = parse_log(log_file())
    paper = document.papers[0]
    assert [note.line for note in paper.notes] == [5, 6]
    assert paper.questions[0].line == 10
    assert document.changelog[0].line == 15


def import_error(alice, **texts):
    with pytest.raises(LogFormatError) as caught:
        import_markdown(log_file(**texts), owner=alice)
    assert not ReadingLog.objects.exists()
    return str(caught.value)


@pytest.mark.parametrize(
    ("texts", "said"),
    [
        ({"note": LONG}, f"Line 6: A note {SAID}"),
        ({"question": LONG + "?"}, "Line 10: A question can be at most 50,000 characters; "),
        ({"reply": LONG}, f"Line 10: A reply to the question {SAID}"),
        ({"entry": LONG}, f"Line 15: A change-log entry {SAID}"),
        ({"title": "t" * 501}, "Line 3: The paper's title is longer than 500 characters."),
    ],
    ids=["note", "question", "reply", "change-log entry", "title"],
)
def test_an_import_refuses_a_text_over_the_limit_naming_its_line(alice, texts, said):
    assert import_error(alice, **texts).startswith(said)


def test_an_import_keeps_a_note_at_the_limit(alice):
    import_markdown(log_file(note="x" * MAX_TEXT), owner=alice)
    assert max(len(body) for body in Note.objects.values_list("body", flat=True)) == MAX_TEXT
