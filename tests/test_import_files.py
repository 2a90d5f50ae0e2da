"""Import several files as one log: parse_files, read_archive, read_folder and `import_log PATH`."""

import datetime
import io
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.actions import trash
from papers.logformat import LogFormatError
from papers.logformat.files import parse_files, read_archive, read_folder
from papers.models import Note, Paper, ReadingLog
from tests.conftest import make_log

# Two logs kept by hand, in the sample's shape; the second reuses number [1].
OPTICS = (
    b"# Optics reading group\n\n"
    b"Papers on lenses we read in the spring.\n\n"
    b"### [1] Thin Lenses Revisited\n\n"
    b"- Figure 2: the focal length drifts with temperature.\n\n"
    b"### [2] Chromatic Aberration at Scale\n\n"
    b"- The correction table is in the appendix.\n"
)
ACOUSTICS = (
    b"# Acoustics notes\n\n"
    b"### [1] Room Modes in Small Studios\n\n"
    b"- Bass traps help below 120 Hz.\n\n"
    b"### [5] Measuring Reverberation Time\n\n"
    b"- They use an impulse from a balloon.\n"
)


def one_paper(title, note):
    """A small per-paper file with a paper heading, as some people keep one file per paper."""
    return f"## {title}\n\nhttps://arxiv.org/abs/2101.00001\n\n- {note}\n".encode()


def zip_of(members, *, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


# -- parse_files ---------------------------------------------------------------------


def test_files_are_read_in_name_order_and_clashing_numbers_renumbered():
    document = parse_files([("b-acoustics.md", ACOUSTICS), ("a-optics.md", OPTICS)])

    assert [(paper.number, paper.title) for paper in document.papers] == [
        (1, "Thin Lenses Revisited"),
        (2, "Chromatic Aberration at Scale"),
        (6, "Room Modes in Small Studios"),
        (5, "Measuring Reverberation Time"),
    ]
    renumbered = [w for w in document.warnings if "taken by an earlier file" in w.message]
    assert [(w.file, w.line, w.message) for w in renumbered] == [
        ("b-acoustics.md", 3, "[1] is taken by an earlier file: numbered [6]."),
    ]


def test_the_first_title_is_the_logs_and_later_titles_stay_in_the_description():
    document = parse_files([("a.md", OPTICS), ("b.md", ACOUSTICS)], name="physics")

    assert document.title == "Optics reading group"
    assert "Papers on lenses we read in the spring." in document.description
    assert "Acoustics notes" in document.description


def test_the_folder_name_is_the_title_when_the_first_file_has_none():
    files = [("x.md", one_paper("Sparse Codes", "Short and clear."))]

    assert parse_files(files, name="paper_notes").title == "paper_notes"


def test_a_date_in_the_file_name_is_the_read_on_of_its_papers():
    document = parse_files(
        [
            ("2024-03-05-sparse.md", one_paper("Sparse Codes", "Short.")),
            ("notes/20231130_dense.md", one_paper("Dense Codes", "Long.")),
            ("undated.md", one_paper("Plain Codes", "Plain.")),
        ]
    )

    assert [(paper.title, paper.read_on) for paper in document.papers] == [
        ("Sparse Codes", datetime.date(2024, 3, 5)),
        ("Dense Codes", datetime.date(2023, 11, 30)),
        ("Plain Codes", None),
    ]
    assert [paper.number for paper in document.papers] == [1, 2, 3]


def test_warnings_name_their_file():
    unnumbered = b"# Log\n\n### [3] Numbered\n\n- A.\n\n### A Paper Without A Number\n\n- B.\n"

    document = parse_files([("a.md", OPTICS), ("b.md", unnumbered)])

    assert any(w.file == "b.md" and "no [N] number" in w.message for w in document.warnings)


def test_an_error_names_the_file_and_the_line():
    twice = b"# Log\n\n### [1] One\n\n### [1] Two\n"

    with pytest.raises(LogFormatError) as caught:
        parse_files([("a.md", OPTICS), ("2024-03-05-x.md", twice)])

    assert str(caught.value).startswith("2024-03-05-x.md, line 5: The paper number [1] is used")


def test_one_file_keeps_the_messages_of_a_single_import():
    with pytest.raises(LogFormatError) as caught:
        parse_files([("log.md", b"# Log\n\n### [1] One\n\n### [1] Two\n")])

    assert str(caught.value).startswith("Line 5: The paper number [1] is used twice")


def test_the_total_size_is_limited():
    with pytest.raises(LogFormatError, match="in all; the limit is"):
        parse_files([("a.md", OPTICS), ("b.md", ACOUSTICS)], max_bytes=len(OPTICS) + 10)


def test_readings_are_listed_and_the_asked_one_is_kept():
    document = parse_files([("a.md", OPTICS), ("b.md", ACOUSTICS)], reading="headings")

    assert document.reading == "headings"
    assert "headings" in document.readings


def test_no_files_is_an_error():
    with pytest.raises(LogFormatError, match="no markdown files"):
        parse_files([])


# -- read_archive ------------------------------------------------------------------------


def test_an_archive_gives_its_markdown_files_by_name():
    data = zip_of(
        [
            ("notes/b.md", ACOUSTICS),
            ("notes/a.markdown", OPTICS),
            ("notes/", b""),
            ("notes/figure.png", b"\x89PNG"),
            ("__MACOSX/notes/._a.markdown", b"\x00\x05"),
            ("notes/.draft.md", b"# draft"),
            (".git/HEAD.txt", b"ref"),
            ("README.TXT", b"## Read Me Paper\n\n- A note.\n"),
        ]
    )

    files = read_archive(data, max_bytes=10_000, max_files=10)

    assert [name for name, _ in files] == ["README.TXT", "notes/a.markdown", "notes/b.md"]
    assert files[2][1] == ACOUSTICS


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip at all", b"PK\x03\x04" + b"\x00" * 40, zip_of([("a.md", OPTICS)])[:-30]],
)
def test_a_damaged_archive_is_a_clear_error(data):
    with pytest.raises(LogFormatError, match="damaged"):
        read_archive(data, max_bytes=10_000, max_files=10)


def test_an_archive_bomb_is_refused_by_its_declared_sizes():
    data = zip_of([("bomb.md", b"a" * 5_000_000)])
    assert len(data) < 10_000

    with pytest.raises(LogFormatError, match="larger than 1.0 MB in all"):
        read_archive(data, max_bytes=1024 * 1024, max_files=10)


def test_an_archive_that_lies_about_its_sizes_is_read_no_further_than_the_limit():
    data = bytearray(zip_of([("bomb.md", b"a" * 5_000_000)]))
    # Declare 10 bytes in the central directory and the local header.
    small = (10).to_bytes(4, "little")
    local = data.index(b"PK\x03\x04")
    data[local + 22 : local + 26] = small
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = small

    with pytest.raises(LogFormatError):
        read_archive(bytes(data), max_bytes=1024 * 1024, max_files=10)


def test_the_read_budget_holds_even_when_the_declared_sizes_pass():
    data = zip_of([("a.md", b"a" * 600), ("b.md", b"b" * 600)])

    with pytest.raises(LogFormatError, match="larger than"):
        read_archive(data, max_bytes=1000, max_files=10)


def test_an_archive_with_too_many_files_is_refused():
    data = zip_of([(f"{i:03}.md", b"## P\n") for i in range(6)])

    with pytest.raises(LogFormatError, match="6 markdown files; the limit is 5"):
        read_archive(data, max_bytes=10_000, max_files=5)


def test_an_archive_listing_too_many_entries_is_refused_before_zipfile_reads_them():
    data = zip_of([(f"img/{i}.png", b"") for i in range(51)], compression=zipfile.ZIP_STORED)

    with pytest.raises(LogFormatError, match="lists more than 50 entries"):
        read_archive(data, max_bytes=10_000, max_files=5)
    # Ten entries per markdown file allowed: images and folders beside the notes pass.
    assert read_archive(
        zip_of([*((f"img/{i}.png", b"") for i in range(40)), ("a.md", OPTICS)]),
        max_bytes=10_000,
        max_files=5,
    ) == [("a.md", OPTICS)]


def test_an_archive_whose_directory_is_larger_than_its_count_says_is_refused():
    data = bytearray(zip_of([(f"{'n' * 200}{i}.md", b"") for i in range(30)]))
    end = data.rindex(b"PK\x05\x06")
    data[end + 10 : end + 12] = (1).to_bytes(2, "little")  # claims one entry

    with pytest.raises(LogFormatError, match="lists more than"):
        read_archive(bytes(data), max_bytes=10_000, max_files=2)


def test_an_encrypted_member_is_refused():
    data = bytearray(zip_of([("secret.md", OPTICS)], compression=zipfile.ZIP_STORED))
    # Set the "encrypted" flag in both headers, as a zip made with a password has.
    local = data.index(b"PK\x03\x04")
    data[local + 6] |= 0x1
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1

    with pytest.raises(LogFormatError, match="secret.md is encrypted"):
        read_archive(bytes(data), max_bytes=10_000, max_files=10)


def test_an_archive_without_markdown_is_a_clear_error():
    with pytest.raises(LogFormatError, match="no markdown files"):
        read_archive(zip_of([("a.png", b"x")]), max_bytes=10_000, max_files=10)


# -- read_folder -------------------------------------------------------------------------


def test_a_folder_gives_its_markdown_files_leaving_hidden_ones_out(tmp_path):
    (tmp_path / "b.md").write_bytes(ACOUSTICS)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(OPTICS)
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "workspace.md").write_bytes(b"# not notes")
    (tmp_path / ".draft.md").write_bytes(b"# draft")
    (tmp_path / "cover.jpg").write_bytes(b"\xff\xd8")

    files = read_folder(tmp_path, max_bytes=10_000, max_files=10)

    assert [name for name, _ in files] == ["b.md", "sub/a.txt"]


def test_a_folder_with_too_many_files_is_refused(tmp_path):
    for i in range(4):
        (tmp_path / f"{i}.md").write_bytes(b"## P\n")

    with pytest.raises(LogFormatError, match="the limit is 3"):
        read_folder(tmp_path, max_bytes=10_000, max_files=3)


# -- import_log PATH -----------------------------------------------------------------


def test_import_log_reads_a_folder_in_name_order(alice, tmp_path):
    folder = tmp_path / "paper_notes"
    folder.mkdir()
    (folder / "2024-03-05-sparse.md").write_bytes(one_paper("Sparse Codes", "Short."))
    (folder / "2024-02-01-dense.md").write_bytes(one_paper("Dense Codes", "Long."))
    (folder / "2024-04-10-plain.markdown").write_bytes(one_paper("Plain Codes", "Plain."))
    (folder / "figure.png").write_bytes(b"\x89PNG")
    out = StringIO()

    call_command("import_log", str(folder), "--owner", "alice", "--log", "notes", stdout=out)

    output = out.getvalue()
    assert f"Read 3 files from {folder}." in output
    assert "Created in a new log 'paper_notes' (notes):" in output
    log = ReadingLog.objects.get(slug="notes")
    papers = list(log.papers.order_by("number").values_list("number", "title", "read_on"))
    assert papers == [
        (1, "Dense Codes", datetime.date(2024, 2, 1)),
        (2, "Sparse Codes", datetime.date(2024, 3, 5)),
        (3, "Plain Codes", datetime.date(2024, 4, 10)),
    ]
    assert Note.objects.filter(paper__log=log).count() == 3


def test_import_log_reads_a_zip(alice, tmp_path):
    archive = tmp_path / "group-logs.zip"
    archive.write_bytes(zip_of([("b.md", ACOUSTICS), ("a.md", OPTICS), ("x.png", b"")]))
    out = StringIO()

    call_command("import_log", str(archive), "--owner", "alice", stdout=out)

    output = out.getvalue()
    assert "Read 2 files from" in output
    assert "warning, b.md, line 3: [1] is taken by an earlier file: numbered [6]." in output
    log = ReadingLog.objects.get()
    assert log.title == "Optics reading group"
    assert sorted(log.papers.values_list("number", flat=True)) == [1, 2, 5, 6]


def test_import_log_dry_run_of_a_folder_writes_nothing(alice, tmp_path):
    (tmp_path / "a.md").write_bytes(OPTICS)
    (tmp_path / "b.md").write_bytes(ACOUSTICS)
    out = StringIO()

    call_command("import_log", str(tmp_path), "--owner", "alice", "--dry-run", stdout=out)

    assert "Would create" in out.getvalue()
    assert not Paper.objects.exists()


def test_import_log_refuses_a_bad_file_in_a_folder_naming_it(alice, tmp_path):
    (tmp_path / "a.md").write_bytes(OPTICS)
    (tmp_path / "b.md").write_bytes(b"\x00\x01binary")

    with pytest.raises(CommandError, match=r"b\.md, line 1: This is a binary file"):
        call_command("import_log", str(tmp_path), "--owner", "alice")
    assert not ReadingLog.objects.exists()


def test_import_log_refuses_a_damaged_zip(alice, tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 this is not a zip")

    with pytest.raises(CommandError, match="damaged"):
        call_command("import_log", str(archive), "--owner", "alice")


def test_import_log_refuses_a_zip_over_the_file_limit(alice, tmp_path, settings):
    settings.READINGLOG_MAX_IMPORT_FILES = 2
    archive = tmp_path / "many.zip"
    archive.write_bytes(zip_of([(f"{i}.md", one_paper(f"P{i}", "n")) for i in range(3)]))

    with pytest.raises(CommandError, match="the limit is 2"):
        call_command("import_log", str(archive), "--owner", "alice")


def test_import_log_takes_a_reading(alice, tmp_path):
    path = tmp_path / "log.md"
    path.write_bytes(OPTICS)
    out = StringIO()

    call_command("import_log", str(path), "--owner", "alice", "--reading", "headings", stdout=out)

    assert ReadingLog.objects.get().papers.count() == 2
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_log", str(path), "--owner", "alice", "--reading", "sideways")


def test_each_paper_names_its_file_when_there_are_several():
    document = parse_files([("b.md", ACOUSTICS), ("a.md", OPTICS)])

    assert [paper.file for paper in document.papers] == ["a.md", "a.md", "b.md", "b.md"]
    assert parse_files([("a.md", OPTICS)]).papers[0].file == ""


def test_a_text_too_long_for_the_database_names_its_file(alice, tmp_path):
    long_title = "T" * 600
    (tmp_path / "a.md").write_bytes(OPTICS)
    (tmp_path / "b.md").write_text(f"# Log\n\n### [7] {long_title}\n\n- note\n")

    with pytest.raises(CommandError, match=r"b\.md, line 3: The paper's title is longer"):
        call_command("import_log", str(tmp_path), "--owner", "alice")


def test_reimporting_a_folder_into_its_log_names_the_files_of_what_was_left_alone(alice, tmp_path):
    (tmp_path / "a.md").write_bytes(OPTICS)
    (tmp_path / "b.md").write_bytes(ACOUSTICS)
    call_command(
        "import_log", str(tmp_path), "--owner", "alice", "--log", "phys", stdout=StringIO()
    )
    note = Note.objects.get(body="Bass traps help below 120 Hz.")
    trash(note, by=alice)  # a re-import leaves a trashed note out
    out = StringIO()

    call_command("import_log", str(tmp_path), "--owner", "alice", "--log", "phys", stdout=out)

    assert "left alone, b.md, line 3: The note “Bass traps help below 120 Hz.”" in out.getvalue()
    assert not Note.objects.filter(body="Bass traps help below 120 Hz.").exists()


def test_import_log_reads_a_folder_of_per_paper_files_one_paper_each(alice, tmp_path):
    for day, topic in [("2024-01-09", "Tides"), ("2024-01-03", "Currents")]:
        (tmp_path / f"{day}-{topic.lower()}.md").write_text(
            f"# Ocean {topic} in Models\n\nhttps://arxiv.org/abs/2312.00042\n\n"
            "## Summary\n\nA short read.\n\n## Questions\n\n- Why this grid?\n"
        )
    out = StringIO()

    call_command("import_log", str(tmp_path), "--owner", "alice", "--log", "sea", stdout=out)

    assert "Read 2 files from" in out.getvalue()
    assert "taken by an earlier file" not in out.getvalue()
    log = ReadingLog.objects.get(slug="sea")
    assert log.title == tmp_path.name  # not the first paper's title
    assert log.description == ""
    papers = log.papers.order_by("number")
    assert [(p.number, p.title, str(p.read_on)) for p in papers] == [
        (1, "Ocean Currents in Models", "2024-01-03"),
        (2, "Ocean Tides in Models", "2024-01-09"),
    ]
    assert all(p.questions.count() == 1 for p in papers)


def test_a_folders_index_that_only_lists_the_notes_is_its_description(alice, tmp_path):
    folder = tmp_path / "gan"
    (folder / "wgan").mkdir(parents=True)
    (folder / "wgan" / "summary.md").write_text(
        "[Wasserstein GAN](https://arxiv.org/abs/1701.07875)\n"
        "2017 - Martin Arjovsky, Soumith Chintala, Léon Bottou\n\n"
        "**Problem:**\n\nNo gradient when the supports do not overlap.\n"
    )
    (folder / "index.md").write_text("[Wasserstein gan, 2017](wgan/summary.md)\n\n[BACK](../)\n")
    out = StringIO()

    call_command("import_log", str(folder), "--owner", "alice", "--log", "gan", stdout=out)

    assert "Read index.md as the folder's contents" in out.getvalue()
    log = ReadingLog.objects.get(slug="gan")
    (paper,) = log.papers.all()
    assert (paper.title, paper.arxiv_id, paper.year) == ("Wasserstein GAN", "1701.07875", 2017)
    assert paper.authors == "Martin Arjovsky, Soumith Chintala, Léon Bottou"
    assert log.description == "[Wasserstein gan, 2017](wgan/summary.md)\n\n[BACK](../)"


def test_per_paper_files_imported_into_a_log_take_its_next_numbers_without_a_warning(
    alice, tmp_path
):
    log = make_log(alice, slug="group")
    Paper.objects.create(log=log, number=1, title="Already here")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "2024-03-05-sparse.md").write_bytes(one_paper("Sparse Codes", "Short."))
    (folder / "2024-03-06-dense.md").write_bytes(one_paper("Dense Codes", "Long."))
    out = StringIO()

    call_command("import_log", str(folder), "--owner", "alice", "--log", "group", stdout=out)

    assert "is taken" not in out.getvalue()
    titles = list(log.papers.order_by("number").values_list("number", "title"))
    assert titles == [(1, "Already here"), (2, "Sparse Codes"), (3, "Dense Codes")]
