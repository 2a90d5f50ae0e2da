"""Importing and exporting logs through the database layer and the commands."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.logformat import LogFormatError
from papers.models import ChangeLogEntry, Comment, Note, Paper, Question, ReadingLog
from papers.transfer import export_json, export_markdown, import_json, import_markdown
from tests.conftest import make_comment, make_note, make_question

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "paper-reading-log-2024.md"


def row_counts():
    models = (ReadingLog, Paper, Note, Question, Comment, ChangeLogEntry)
    return {model.__name__: model.objects.count() for model in models}


def records(log):
    """Everything a markdown round trip must keep, in a comparable form."""
    papers = []
    for paper in log.papers.order_by("number"):
        papers.append(
            (
                paper.number, paper.title, paper.url, paper.arxiv_id, paper.doi,
                paper.curiosity, paper.curiosity_note, paper.tldr,
                [(n.anchor_kind, n.anchor_label, n.body) for n in paper.notes.order_by("position")],
                [
                    (q.body, q.status, q.resolution, q.section,
                     [c.body for c in q.comments.order_by("created_at", "pk")])
                    for q in paper.questions.order_by("position")
                ],
            )
        )  # fmt: skip
    changelog = list(log.changelog.filter(kind="written").values_list("date", "text"))
    return log.title, log.description, papers, changelog


@pytest.fixture
def sample_log(alice):
    return import_markdown(SAMPLE.read_bytes(), owner=alice).log


def test_the_sample_imports_with_every_part_recognised(sample_log):
    assert sample_log.title == "2024 Paper Reading Logs"
    assert "Brain-vommiting" in sample_log.description
    assert list(sample_log.papers.values_list("number", flat=True)) == list(range(1, 10))
    attention = sample_log.papers.get(number=3)
    assert attention.arxiv_id == "1706.03762"
    assert attention.curiosity == "high"
    assert attention.questions.count() >= 3
    assert sample_log.papers.get(number=6).tldr.startswith("The authors introduced")
    assert sample_log.papers.get(number=9).title == "Bayesian Optimization in AlphaGo"
    written = sample_log.changelog.filter(kind="written")
    assert written.count() == 6
    assert str(written.first().date) == "2024-08-11"
    assert Note.objects.filter(paper__log=sample_log, anchor_kind="figure").exists()
    assert sample_log.changelog.filter(kind="imported").count() == 1


def test_reimporting_the_same_file_changes_nothing(sample_log, alice):
    before = row_counts()
    result = import_markdown(SAMPLE.read_bytes(), owner=alice, log=sample_log)
    assert sum(result.counts.values()) == 0
    assert row_counts() == before


def test_a_file_with_a_paper_added_adds_only_that_paper(sample_log, alice):
    text = (
        SAMPLE.read_text()
        + "\n### [10] A New Paper\n\nhttps://arxiv.org/abs/2501.00001\n\n- A note.\n"
    )
    before = row_counts()
    result = import_markdown(text, owner=alice, log=sample_log)
    assert result.counts["papers"] == 1 and result.counts["notes"] == 1
    assert result.counts["questions"] == result.counts["replies"] == 0
    assert Paper.objects.count() == before["Paper"] + 1
    assert sample_log.papers.get(number=10).arxiv_id == "2501.00001"


def test_dry_run_writes_nothing(alice):
    result = import_markdown(SAMPLE.read_bytes(), owner=alice, dry_run=True)
    assert result.dry_run and result.counts["papers"] == 9
    assert row_counts() == dict.fromkeys(row_counts(), 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"", "empty"),
        (b"# T\n\n### [1] A\n\n- x\n\n### [1] B\n\n- y\n", "[1]"),
    ],
)
def test_bad_input_raises_a_clear_error_and_writes_nothing(alice, data, message):
    with pytest.raises(LogFormatError) as error:
        import_markdown(data, owner=alice)
    assert message.lower() in str(error.value).lower()
    assert ReadingLog.objects.count() == 0


def test_a_file_without_paper_headings_is_imported_as_one_paper(alice):
    result = import_markdown(b"# Title\n\nJust text, no papers.\n", owner=alice)
    assert result.counts["papers"] == 1
    paper = Paper.objects.get()
    assert (paper.title, paper.notes.get().body) == ("Title", "Just text, no papers.")


def test_too_large_a_file_is_refused(alice, settings):
    settings.READINGLOG_MAX_IMPORT_BYTES = 1000
    with pytest.raises(LogFormatError):
        import_markdown(SAMPLE.read_bytes(), owner=alice)
    assert ReadingLog.objects.count() == 0


def test_import_export_import_keeps_the_records(sample_log, alice):
    exported = export_markdown(sample_log)
    again = import_markdown(exported, owner=alice, slug="again").log
    assert records(again) == records(sample_log)
    assert export_markdown(again) == exported


def test_json_export_restores_into_an_empty_database(log, paper, carol, bob):
    note = make_note(paper, by=carol)
    question = make_question(paper, by=carol)
    reply = make_comment(question, by=bob, body="Because of the variance.")
    make_comment(note, by=bob, parent=None)
    hidden = make_comment(paper, by=carol)
    hidden.hide(by=bob)
    make_comment(paper, by=bob, parent=hidden, body="a reply")
    from papers import actions

    actions.question_resolve(question, by=carol, answer=reply)
    actions.note_edit(note, by=bob, version=note.version, body="Figure 1 shows the encoder stack.")
    ChangeLogEntry.objects.create(log=log, text="By hand", author=bob, updated_by=carol)
    backup = json.loads(json.dumps(export_json(log)))
    counts = row_counts()

    log.delete()
    restored = import_json(backup)
    assert row_counts() == counts
    assert canonical(export_json(restored)) == canonical(backup)
    assert Note.objects.get().edited_by == bob


def canonical(backup):
    """Replace database ids, which a restore renumbers, by positions in the file."""
    ids = {key: {item["id"]: n for n, item in enumerate(backup[key])} for key in
           ("papers", "notes", "questions", "comments", "changelog")}  # fmt: skip
    refs = {"paper": "papers", "note": "notes", "question": "questions", "parent": "comments",
            "answer": "comments"}  # fmt: skip
    result = dict(backup)
    for key in ("papers", "notes", "questions", "comments", "changelog"):
        rows = []
        for item in backup[key]:
            row = {k: v for k, v in item.items() if k != "id"}
            for field, target in refs.items():
                if row.get(field) is not None:
                    row[field] = ids[target][row[field]]
            rows.append(row)
        result[key] = rows
    return result


def test_json_restore_refuses_a_taken_slug_and_damaged_files(log):
    backup = export_json(log)
    with pytest.raises(LogFormatError, match="exists already"):
        import_json(backup)
    with pytest.raises(LogFormatError, match="not a JSON file"):
        import_json(b"{nope")
    with pytest.raises(LogFormatError, match="not a Readinglog log export"):
        import_json(b"[]")


def test_import_log_command_prints_what_it_created(alice):
    out = StringIO()
    call_command("import_log", str(SAMPLE), "--owner", "alice", "--log", "demo", stdout=out)
    assert "9 papers" in out.getvalue() and "6 change-log entries" in out.getvalue()
    assert ReadingLog.objects.get().slug == "demo"


def test_import_log_dry_run(alice):
    out = StringIO()
    call_command("import_log", str(SAMPLE), "--owner", "alice", "--dry-run", stdout=out)
    assert "Would create" in out.getvalue() and "nothing was written" in out.getvalue()
    assert ReadingLog.objects.count() == 0


def test_import_log_errors_are_messages_not_tracebacks(alice, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(CommandError, match="bad.md"):
        call_command("import_log", str(bad), "--owner", "alice")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_log", str(tmp_path / "missing.md"), "--owner", "alice")
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("import_log", str(SAMPLE), "--owner", "nobody")
    assert ReadingLog.objects.count() == 0


def test_export_log_command(sample_log, tmp_path):
    out = StringIO()
    call_command("export_log", sample_log.slug, stdout=out)
    assert out.getvalue() == export_markdown(sample_log)
    target = tmp_path / "log.json"
    call_command("export_log", sample_log.slug, "--format", "json", "--output", str(target))
    assert json.loads(target.read_text())["log"]["title"] == "2024 Paper Reading Logs"
    with pytest.raises(CommandError, match="no log 'nope'"):
        call_command("export_log", "nope")


def test_json_round_trip_through_the_commands(log, paper, carol, tmp_path):
    make_note(paper, by=carol)
    target = tmp_path / "backup.json"
    call_command("export_log", "group", "--format", "json", "--output", str(target))
    before = export_json(log)
    log.delete()
    call_command("import_log", str(target), "--format", "json", stdout=StringIO())
    after = export_json(ReadingLog.objects.get(slug="group"))
    assert after["log"] == before["log"] and after["members"] == before["members"]
    assert [n["body"] for n in after["notes"]] == [n["body"] for n in before["notes"]]


def test_load_demo_is_safe_to_run_twice(db):
    call_command("load_demo", stdout=StringIO())
    counts = row_counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert row_counts() == counts
    assert "alice" in out.getvalue() and "readinglog" in out.getvalue()
    log = ReadingLog.objects.get()
    roles = dict(log.memberships.values_list("user__username", "role"))
    assert roles == {"alice": "owner", "bob": "curator", "carol": "member", "dave": "viewer"}


def test_load_demo_password_option(db, client):
    call_command("load_demo", "--password", "s3cret-demo", stdout=StringIO())
    assert client.login(username="carol", password="s3cret-demo")


def test_load_demo_leaves_existing_accounts_alone(carol, client):
    from tests.conftest import PASSWORD

    call_command("load_demo", stdout=StringIO())
    carol.refresh_from_db()
    assert client.login(username="carol", password=PASSWORD)
    assert not carol.is_staff
    assert client.login(username="alice", password="readinglog")


def test_two_papers_of_one_file_with_the_same_title_stay_two(alice):
    text = (
        "# T\n\n### [1] Same\n- a\n\n### [2] Same\n"
        "https://arxiv.org/abs/2401.00009\n- curiosity: high\n- b\n"
    )
    log = import_markdown(text, owner=alice).log
    first, second = log.papers.order_by("number")
    assert [n.body for n in first.notes.all()] == ["a"]
    assert (second.number, second.arxiv_id, second.curiosity) == (2, "2401.00009", "high")
    assert [n.body for n in second.notes.all()] == ["b"]


def test_a_paper_already_in_the_log_under_another_number_gets_what_is_new(sample_log, alice):
    text = "# T\n\n### [42] Attention Is All You Need\n\n- A new note on an old paper.\n"
    result = import_markdown(text, owner=alice, log=sample_log)
    assert result.counts["papers"] == 0 and result.counts["notes"] == 1
    attention = sample_log.papers.get(number=3)
    assert attention.notes.filter(body="A new note on an old paper.").exists()
    assert [w.message for w in result.warnings] == [
        "“Attention Is All You Need” is [3] in this log; what is new in the file was added to it."
    ]


def test_import_log_refuses_a_slug_no_url_can_reach(alice):
    for slug in ("Bad Slug!", "new"):
        with pytest.raises(CommandError, match="--log"):
            call_command("import_log", str(SAMPLE), "--owner", "alice", "--log", slug)
    assert ReadingLog.objects.count() == 0


def test_authors_read_on_tags_and_front_matter_survive_import_export_and_reimport(tmp_path, alice):
    source = tmp_path / "log.md"
    source.write_text(
        "# Group log\n\n### [1] A paper\n\n- Authors: Ada Lovelace, Alan Turing\n- Year: 1843\n"
        "- Read on: 2024-03-05\n- Tags: optimisation, theory\n"
        '- Front matter: {"layout": "post", "permalink": "/a-paper/"}\n- Figure 1: the plot\n'
    )
    call_command("import_log", str(source), "--log", "group", "--owner", "alice", stdout=StringIO())
    paper = Paper.objects.get(log__slug="group", number=1)
    assert (paper.authors, paper.year) == ("Ada Lovelace, Alan Turing", 1843)
    assert str(paper.read_on) == "2024-03-05"
    assert sorted(paper.tags.values_list("name", flat=True)) == ["optimisation", "theory"]
    assert paper.source_meta == {"layout": "post", "permalink": "/a-paper/"}
    assert paper.notes.get().body == "the plot"

    exported = export_markdown(paper.log)
    assert "- Authors: Ada Lovelace, Alan Turing\n- Year: 1843\n- Read on: 2024-03-05\n" in exported
    assert '- Front matter: {"layout": "post", "permalink": "/a-paper/"}' in exported
    before = row_counts()
    import_markdown(exported, owner=alice, log=paper.log)
    assert row_counts() == before

    restored = import_json(export_json(paper.log), slug="copy")
    copy = restored.papers.get()
    assert (copy.read_on, copy.source_meta) == (paper.read_on, paper.source_meta)
