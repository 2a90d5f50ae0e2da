"""Importing a file again leaves alone what curators changed by hand since.

The hand changes go through the app over HTTP (move a reply, delete, edit,
turn a note into a question, merge in the admin); the re-import through the
browser's preview and the import_log command.
"""

import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from papers import actions
from papers.models import ChangeLogEntry, Comment, Note, Paper, Question

FILE = """\
# Small log

### [1] Attention Is All You Need

- Figure 1: shows the encoder.
- Plain note.
- A note to delete.

#### I haven't understood

- Why divide by sqrt(d_k)?
  - To keep the softmax soft.
  - Another reply.
- What is a head?
  - One attention function.

### [2] Scaling Laws for Neural Language Models

- Loss falls as a power law.

### [3] A paper nobody wanted

- Off topic.

## Change log

- 2024-08-11: Created this log
"""


def upload(text):
    return SimpleUploadedFile("log.md", text.encode(), content_type="text/markdown")


def preview(client, log, text):
    response = client.post(reverse("log_import", args=[log.slug]), {"file": upload(text)})
    assert response.status_code == 200, response.content[:300]
    return response


def confirm(client, log, response):
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]
    return client.post(reverse("log_import_confirm", args=[log.slug]), {"token": token})


def rows(log):
    return (
        Paper.objects_with_deleted.filter(log=log).count(),
        Note.objects_with_deleted.filter(paper__log=log).count(),
        Question.objects_with_deleted.filter(paper__log=log).count(),
        Comment.objects_with_deleted.filter(log=log).count(),
        log.changelog.count(),
    )


@pytest.fixture
def imported(client, bob, log):
    """The file imported by bob, then changed by hand in the app."""
    client.force_login(bob)
    confirm(client, log, preview(client, log, FILE))
    first = log.papers.get(number=1)
    notes = {n.body: n for n in first.notes.all()}
    questions = {q.body: q for q in first.questions.all()}
    replies = {c.body: c for c in Comment.objects.filter(log=log)}
    slug = log.slug

    def post(name, pk, data=None):
        response = client.post(reverse(name, args=[slug, pk]), data or {})
        assert response.status_code == 302, (name, response.content[:300])

    post("comment_move", replies["Another reply."].pk, {"target": f"paper:{first.pk}"})
    post("comment_edit", replies["Another reply."].pk, {"version": 1, "body": "Moved, edited."})
    post("comment_delete", replies["To keep the softmax soft."].pk)
    post("note_delete", notes["A note to delete."].pk)
    post("note_edit", notes["Plain note."].pk, {"version": 1, "body": "Plain note, edited."})
    post("note_to_question", notes["shows the encoder."].pk)
    post("question_edit", questions["What is a head?"].pk, {"version": 1, "body": "What's a head?"})
    actions.trash(log.papers.get(number=3), by=bob)
    entry = log.changelog.get(text="Created this log")
    post("changelog_edit", entry.pk, {"version": 1, "date": "2024-08-11", "text": "Started"})
    return log


LEFT_ALONE = [
    "The note “Figure 1: shows the encoder.” on [1] was turned into a question: left out.",
    "The note “Plain note.” on [1] was edited since it was imported: the edited text stays.",
    "The note “A note to delete.” on [1] is in the trash (deleted by bob): left out.",
    "A reply “To keep the softmax soft.” to “Why divide by sqrt(d_k)?” on [1] is in the trash "
    "(deleted by bob): left out.",
    "A reply “Another reply.” to “Why divide by sqrt(d_k)?” on [1] was moved elsewhere by a "
    "curator: left out.",
    "The question “What is a head?” on [1] was edited since it was imported: the edited text "
    "stays.",
    "“A paper nobody wanted” is [3] in the trash (deleted by bob): left out, with its notes and "
    "questions.",
    "The change-log entry of 2024-08-11 “Created this log” was edited since it was imported: "
    "the edited text stays.",
]


def test_the_preview_says_what_a_reimport_leaves_alone_and_why(client, imported):
    before = rows(imported)

    response = preview(client, imported, FILE)

    result = response.context["preview"]
    assert not result["has_new"]
    assert sorted(item.message for item in result["skipped"]) == sorted(LEFT_ALONE)
    html = response.content.decode()
    assert "8 things in the file are left alone: they were changed in the log since" in html
    assert "Line 3</span> <span>The note “Plain note.” on [1] was edited since" in html
    assert "“Another reply.” to “Why divide by sqrt(d_k)?” on [1] was moved elsewhere" in html
    assert "Confirm the import" not in html
    assert rows(imported) == before


def test_a_reimport_brings_nothing_back(client, imported):
    before = rows(imported)
    first = imported.papers.get(number=1)

    confirm(client, imported, preview(client, imported, FILE))

    assert rows(imported) == before
    assert not first.notes.filter(body__in=["Plain note.", "A note to delete."]).exists()
    why = first.questions.get(body="Why divide by sqrt(d_k)?")
    assert not why.comments.exists()
    assert first.comments.get().body == "Moved, edited."
    assert not imported.papers.filter(number=3).exists()


def test_the_command_dry_run_lists_what_it_leaves_alone(imported, tmp_path):
    path = tmp_path / "log.md"
    path.write_text(FILE)
    before = rows(imported)
    out = StringIO()

    call_command("import_log", str(path), log=imported.slug, owner="bob", dry_run=True, stdout=out)

    text = out.getvalue()
    assert "  0 papers\n  0 notes\n  0 questions\n  0 replies\n  0 change-log entries\n" in text
    assert "  left alone, line 3: The note “A note to delete.” on [1] is in the trash" in text
    assert "  left alone, line 3: A reply “Another reply.” to “Why divide by sqrt(d_k)?”" in text
    assert "  left alone, line 21: “A paper nobody wanted” is [3] in the trash" in text
    assert "  left alone, change log: The change-log entry of 2024-08-11" in text
    assert text.count("left alone") == len(LEFT_ALONE)
    assert rows(imported) == before


def test_the_command_adds_what_is_new_and_nothing_changed_by_hand(imported, tmp_path):
    path = tmp_path / "log.md"
    new = FILE.replace(
        "  - One attention function.\n", "  - One attention function.\n  - A new reply.\n"
    )
    new = new.replace("[3] A paper nobody wanted\n\n- Off topic.", "[3] Another paper\n\n- New.")
    path.write_text(new)
    out = StringIO()

    call_command("import_log", str(path), log=imported.slug, owner="bob", stdout=out)

    assert "Created in the log" in out.getvalue()
    first = imported.papers.get(number=1)
    # The edited question is the same question: the new reply goes under it.
    head = first.questions.get(body="What's a head?")
    assert [c.body for c in head.comments.order_by("pk")] == [
        "One attention function.",
        "A new reply.",
    ]
    # [3] is in the trash, so the file's other [3] takes the next free number.
    assert imported.papers.get(title="Another paper").number == 4
    assert "warning, line 22: [3] is taken in this log; added as [4]." in out.getvalue()


def test_a_reimport_leaves_a_merged_away_paper_out(client, bob, log, admin_user):
    client.force_login(bob)
    text = FILE.replace(
        "### [2] Scaling Laws", "### [2] Attention Is All You Need (dup)\n\n### [4] Scaling Laws"
    )
    confirm(client, log, preview(client, log, text))
    admin = Client()
    admin.force_login(admin_user)
    papers = list(log.papers.filter(number__in=[1, 2]))
    admin.post(
        reverse("admin:papers_paper_changelist"),
        {
            "action": "merge_papers",
            "_selected_action": [p.pk for p in papers],
            "apply": "1",
            "confirm": "on",
        },
    )
    assert log.papers.count() == 3

    response = preview(client, log, text)

    messages = [item.message for item in response.context["preview"]["skipped"]]
    assert messages == [
        "“Attention Is All You Need (dup)” is [2] in the trash (merged into [1]): left out, with "
        "its notes and questions."
    ]
    assert not response.context["preview"]["has_new"]


def test_reimporting_an_undone_import_says_where_its_papers_are(client, bob, log):
    client.force_login(bob)
    confirm(client, log, preview(client, log, FILE))
    entry = log.changelog.get(kind=ChangeLogEntry.Kind.IMPORTED)
    client.post(reverse("changelog_undo", args=[log.slug, entry.pk]))

    response = preview(client, log, FILE)

    messages = [item.message for item in response.context["preview"]["skipped"]]
    assert messages[0].startswith("“Attention Is All You Need” is [1] in the trash (import of ")
    assert messages[0].endswith(" undone): left out, with its notes and questions.")
    assert len(messages) == 3
    # Emptying the trash lets the file in again, under the same numbers.
    client.post(reverse("trash_empty", args=[log.slug]))
    confirm(client, log, preview(client, log, FILE))
    assert list(log.papers.values_list("number", flat=True)) == [1, 2, 3]
