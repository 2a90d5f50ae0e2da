"""Every shape of log file people keep, imported as a user would: nothing lost, stable.

The files are tests/logformat/shapes/*.md (every helper's fixtures, globbed,
so a new shape is checked the moment it is added) and the demo log. Each is
imported with `manage.py import_log`, exported with `manage.py export_log`,
and checked for what issue #9 promises of any file:

- it is imported (a file with text is never refused);
- every word of it is in the export;
- the export is a fixpoint: imported into a new log, it exports byte for byte;
- importing the same file again changes no row.

The real-*.md fixtures copy the shapes of public paper-note logs (in our own
words; /work/notes/shapes.md says where each shape was seen), and for those
a second test checks what a person reads in them: how many papers, and a few
titles, links, dates and authors. A shape the parser does not read yet is an
expected failure that names what is missing, so it turns into an error (a
strict xfail that passes) the day the parser learns it.
"""

import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

from papers.logformat import parse_log
from papers.logformat.blocks import HEADING_RE
from papers.logformat.syntax import is_changelog_heading, question_section
from papers.models import ChangeLogEntry, Comment, Note, Paper, Question, ReadingLog
from tests.logformat.helpers import missing_words, words

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "tests" / "logformat" / "shapes"
SAMPLE = ROOT / "docs" / "examples" / "paper-reading-log-2024.md"
FILES = [*sorted(SHAPES.glob("*.md")), SAMPLE]

# Words the export may write in its own spelling instead of the file's: the
# labels the format reads and writes canonically ("TLDR;" and "tl;dr:" are
# written "TL;DR:", "Fig. 3:" "Figure 3:", "Intro:" "Introduction:",
# "curiousity:" "curiosity:", "ABS:" "Abstract:"). Each is a label word, not
# one people write in a note's text, so ignoring it hides no lost sentence.
CANONICAL_LABELS = {"tldr", "fig", "figs", "intro", "curiousity", "abs"}

# The keys of a front matter the app has a field for: `title:` is the paper's
# title, `date:` its "Read on:", `category:` / `tags:` its "Tags:", `author:`
# its "Authors:", `link:` its link. The key is a label, written in the
# format's own spelling; every other key is kept, with its value, as written,
# and is checked.
FRONT_MATTER_KEYS = {
    *("title", "date", "tags", "categories", "category", "keywords"),
    *("link", "url", "arxiv", "doi", "paper", "authors", "author"),
}

# Words mended across a blank line, as log-format.md describes: the sample
# breaks "transfo" / "rmer" over two paragraphs, and the export has "transformer".
MENDED = {"paper-reading-log-2024.md": {"transfo", "rmer"}}

# Words that only label a field, written as the field's own label in the
# export: "by" in `*Title* by Ada Lovelace` becomes "Authors: Ada Lovelace".
LABEL_WORDS = {"real-emoji-topics.md": {"by"}}

# Files the importer still refuses, while a shape's reader is being written:
# their nothing-lost checks are expected to fail, strictly, so each one turns
# into an error the day the file imports and its entry must go.
NOT_IMPORTED_YET = {}

# Files whose words the export does not all keep yet, and why: their "every
# word" check is expected to fail, strictly, until the parser keeps them.
WORDS_LOST_YET = {}


def run(*args):
    """Run a management command and return what it printed."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def import_file(path, slug):
    return run("import_log", str(path), "--log", slug, "--owner", "alice")


def export(slug):
    return run("export_log", slug)


def row_counts(slug):
    """Count what an import can add to a log, the trash included."""
    log = ReadingLog.objects.get(slug=slug)
    return {
        "papers": Paper.objects_with_deleted.filter(log=log).count(),
        "notes": Note.objects_with_deleted.filter(paper__log=log).count(),
        "questions": Question.objects_with_deleted.filter(paper__log=log).count(),
        "comments": Comment.objects_with_deleted.filter(log=log).count(),
        "change log": ChangeLogEntry.objects.filter(log=log).count(),
    }


def as_the_export_may_write_it(text):
    """Drop from a source file what the export writes in the format's own way.

    What is dropped is markup or a label, never a word of a note:

    - the question and change-log headings ("I have not understood:" comes
      back as "I haven't understood", "Change logs" as "Change log"; a
      heading of the author's own, "Open points", is kept and checked);
    - the front matter's keys that are fields (`title:`, `date:`, …);
    - the numbers of a numbered list ("1.", "2)"): list markup;
    - the leading zeros of a number written into a paper's title
      (`**01.Title**` is paper [1]);
    - a label before a question, an answer or a link at the start of a line
      (`Q:`, `A:`, `Question:`, `Link:`, `Paper:`, `PDF:`);
    - the text of a link that only names its target (`[arXiv](https://arxiv.org/…)`,
      `[2205.14135](…/2205.14135)`, `[pdf](…)`): the link is written bare;
    - the header row of a table (its column names become the papers' fields)
      and `<br>` line breaks in its cells.
    """
    lines = text.splitlines()
    front_matter_end = _front_matter_end(lines)
    kept = []
    for number, line in enumerate(lines):
        heading = HEADING_RE.match(line)
        words = heading[2] or "" if heading else ""
        if words and (question_section(words) or is_changelog_heading(words)):
            continue
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if line.lstrip().startswith("|") and _TABLE_DELIMITER_RE.match(following):
            continue
        if number < front_matter_end:
            line = _FRONT_MATTER_KEY_RE.sub(_drop_field_key, line)
        line = _ORDERED_MARKER_RE.sub(r"\1", line)
        line = _TITLE_NUMBER_RE.sub(r"\1\2", line)
        line = _LINE_LABEL_RE.sub(r"\1", line)
        line = _LINK_RE.sub(_bare_link, line)
        kept.append(_BR_RE.sub(" ", line))
    return "\n".join(kept)


_TABLE_DELIMITER_RE = re.compile(r"\s*\|?\s*:?-{3,}")
_FRONT_MATTER_KEY_RE = re.compile(r"^(\s*)([A-Za-z_]+)(\s*[:=])")
_ORDERED_MARKER_RE = re.compile(r"^(\s*)\d{1,9}[.)](?=\s)")
_TITLE_NUMBER_RE = re.compile(r"(\*\*|__)0+(\d)")
# The label may be bold: `**Link:** url`, `**Q**: …`.
_LINE_LABEL_RE = re.compile(
    r"^(\s*(?:[-*+]\s+)?)(?:\*\*|__)?(?:q|a|question|answer|link|paper|pdf)(?:\*\*|__)?\s*:"
    r"(?:\*\*|__)?",
    re.IGNORECASE,
)
_LINK_RE = re.compile(r"\[([^\[\]\n]*)\]\((\S+?)\)")
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
LINK_NAMES = {"link", "paper", "pdf"}


def _front_matter_end(lines):
    """Return the index of the line that closes the front matter, 0 when there is none."""
    if not lines or lines[0] not in ("---", "+++"):
        return 0
    for number, line in enumerate(lines[1:], start=1):
        if line == lines[0]:
            return number
    return 0


def _drop_field_key(match):
    key = match[2].lower()
    return match[1] + match[3] if key in FRONT_MATTER_KEYS else match[0]


def _bare_link(match):
    text, url = match[1], match[2]
    names_target = all(word in LINK_NAMES or word in words(url) for word in words(text))
    return url if names_target else match[0]


def file_params():
    for path in FILES:
        marks = []
        if path.name in NOT_IMPORTED_YET:
            reason = f"not imported yet: {NOT_IMPORTED_YET[path.name]}"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        yield pytest.param(path, marks=marks, id=path.name)


FILE_PARAMS = list(file_params())


def words_params():
    for param in FILE_PARAMS:
        (path,) = param.values
        marks = list(param.marks)
        if path.name in WORDS_LOST_YET:
            reason = f"words lost yet: {WORDS_LOST_YET[path.name]}"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        yield pytest.param(path, marks=marks, id=param.id)


@pytest.mark.parametrize("path", list(words_params()))
def test_every_word_of_the_file_reaches_the_export(path, alice):
    printed = import_file(path, "x")

    assert "No paper sections found" not in printed
    assert Paper.objects.filter(log__slug="x").exists()
    source = as_the_export_may_write_it(path.read_text(encoding="utf-8"))
    ignore = CANONICAL_LABELS | MENDED.get(path.name, set()) | LABEL_WORDS.get(path.name, set())
    assert missing_words(source, export("x"), ignore=ignore) == {}


@pytest.mark.parametrize("path", FILE_PARAMS)
def test_the_export_imports_to_the_same_export(path, alice, tmp_path):
    import_file(path, "x")
    first = export("x")
    exported = tmp_path / "export.md"
    exported.write_text(first, encoding="utf-8")

    import_file(exported, "y")

    assert export("y") == first


@pytest.mark.parametrize("path", FILE_PARAMS)
def test_importing_the_same_file_again_changes_nothing(path, alice):
    import_file(path, "x")
    before = row_counts("x")
    first = export("x")

    import_file(path, "x")

    assert row_counts("x") == before
    assert export("x") == first


@dataclass
class Reading:
    """What a person reads in a file: the papers, and some of their fields.

    Papers are found by the start of their title, so a title that keeps a
    trailing "(2017-06)" of the file still counts as read.
    """

    papers: int
    urls: dict = field(default_factory=dict)  # title start → url
    read_on: dict = field(default_factory=dict)  # title start → date
    authors: dict = field(default_factory=dict)  # title start → authors
    tags: dict = field(default_factory=dict)  # title start → tags
    not_read_yet: str = ""  # what the parser misses, while it does


READINGS = {
    "real-link-heading-file.md": Reading(
        1,
        urls={
            "FCOS: Fully Convolutional One-Stage Object Detection": "https://arxiv.org/abs/1904.01355"
        },
    ),
    "real-monthly-index.md": Reading(
        6,
        urls={
            "DETR3D: 3D Object Detection from Multi-view Images": "https://arxiv.org/abs/2110.06922",
            "NeRF: Representing Scenes": "https://arxiv.org/abs/2003.08934",
            "What Makes for End-to-End Object Detection?": "https://proceedings.mlr.press/v139/sun21b.html",
        },
    ),
    "real-yearly-arxiv-brackets.md": Reading(
        8,
        urls={
            "Attention Is All You Need": "https://arxiv.org/abs/1706.03762",
            "Proximal Policy Optimization Algorithms": "http://arxiv.org/abs/1707.06347",
        },
    ),
    "real-tldr-semicolon.md": Reading(
        1,
        urls={"Distilling the Knowledge in a Neural Network": "https://arxiv.org/abs/1503.02531"},
    ),
    "real-jekyll-post.md": Reading(
        1,
        urls={
            "Dueling Network Architectures for Deep Reinforcement Learning": (
                "http://arxiv.org/abs/1511.06581"
            )
        },
        read_on={"Dueling Network": datetime.date(2016, 1, 28)},
    ),
    "real-no-heading.md": Reading(
        1,
        urls={"": "https://arxiv.org/abs/1410.5401"},
    ),
    "real-quoted-sections.md": Reading(
        1,
        urls={"Generative Adversarial Nets": ""},
    ),
    "real-status-table.md": Reading(
        5,
        urls={
            "FlashAttention: Fast and Memory-Efficient": "https://arxiv.org/abs/2205.14135",
            "Efficient Memory Management": "http://arxiv.org/abs/2309.06180v1",
        },
    ),
    "real-date-table.md": Reading(
        3,
        urls={"Rethinking Attention with Performers": "https://openreview.net/forum?id=Ua6zuk0WRH"},
        read_on={"Rethinking Attention": datetime.date(2020, 12, 22)},
    ),
    "real-emoji-topics.md": Reading(
        8,
        urls={
            "Computing Machinery and Intelligence": "",
            "Deep Residual Learning for Image Recognition": "https://arxiv.org/abs/1512.03385",
        },
        authors={"Computing Machinery": "Alan Turing", "Attention Is All": "Vaswani et al"},
    ),
    "real-authors-section.md": Reading(
        1,
        urls={"IPFS - Content Addressed": "https://arxiv.org/abs/1407.3561"},
        authors={"IPFS": "Juan Benet"},
    ),
    "real-org-outline.md": Reading(
        4,
        urls={"Paxos Made Simple": ""},
        not_read_yet="read as one file; the org ** entries are not papers",
    ),
    "real-heading-in-list.md": Reading(
        4,
        urls={
            "Generative Adversarial Nets": "https://arxiv.org/abs/1406.2661",
            "U-Net: Convolutional Networks": "https://arxiv.org/abs/1505.04597",
        },
    ),
    "real-metadata-bullets.md": Reading(
        1,
        urls={"Learning Transferable Visual Models": "https://arxiv.org/abs/2103.00020"},
        read_on={"Learning Transferable": datetime.date(2021, 2, 26)},
        tags={"Learning Transferable": ["contrastive", "cs.CV", "cs.LG", "multimodal"]},
    ),
    "real-hugo-summary.md": Reading(
        1,
        urls={"": "https://doi.org/10.1145/359545.359563"},
        read_on={"": datetime.date(2023, 10, 2)},
    ),
    "real-zh-sections.md": Reading(
        1, urls={"Deep Residual Learning for Image Recognition": "https://arxiv.org/abs/1512.03385"}
    ),
    "real-daily-numbered.md": Reading(
        5,
        urls={
            "LoRA": "https://arxiv.org/abs/2106.09685",
            "Direct Preference Optimization": "https://arxiv.org/abs/2305.18290",
        },
        read_on={"LoRA": datetime.date(2024, 3, 4), "Mamba": datetime.date(2024, 3, 5)},
    ),
}


def reading_params():
    for name, reading in READINGS.items():
        marks = []
        if reading.not_read_yet:
            reason = f"shape not read yet: {reading.not_read_yet}"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        yield pytest.param(name, reading, marks=marks, id=name)


def paper_titled(papers, start):
    found = [paper for paper in papers if paper.title.startswith(start)]
    assert found, f"no paper titled {start!r}…: {[paper.title for paper in papers]}"
    return found[0]


@pytest.mark.parametrize(("name", "reading"), list(reading_params()))
def test_a_real_shape_is_read_as_a_person_reads_it(name, reading, alice):
    import_file(SHAPES / name, "x")

    papers = list(Paper.objects.filter(log__slug="x").order_by("number"))
    assert len(papers) == reading.papers, [paper.title for paper in papers]
    for start, url in reading.urls.items():
        assert paper_titled(papers, start).url == url
    for start, day in reading.read_on.items():
        assert paper_titled(papers, start).read_on == day
    for start, authors in reading.authors.items():
        assert paper_titled(papers, start).authors == authors
    for start, tags in reading.tags.items():
        assert [tag.name for tag in paper_titled(papers, start).tags.order_by("name")] == tags


def test_every_real_fixture_has_its_reading():
    real = {path.name for path in SHAPES.glob("real-*.md")}

    assert real == set(READINGS)


# Each example of docs/log-format.md's "Bring your file" section, by the
# heading above it, and how its papers are recognised.
DOC_EXAMPLES = {
    "The sample's shape": "heading",
    "Headings that are links": "heading with a link",
    "One paper per file": "one file",
    "Jekyll and Hugo front matter": "one file",
    "Grouping headings": "heading",
    "Setext headings": "heading",
    "Papers as list items": "list item",
    "A table of papers": "table row",
}


def doc_examples():
    """Yield (heading, example) for the first ```md block under each ### of the section."""
    text = (ROOT / "docs" / "log-format.md").read_text(encoding="utf-8")
    section = text[text.index("## Bring your file") : text.index("## The canonical format")]
    heading, example, fenced = None, None, False
    for line in section.splitlines(keepends=True):
        if line.startswith("```"):
            if fenced and example is not None and heading is not None:
                yield heading, "".join(example)
                heading = None
            fenced = not fenced
            example = [] if line.strip() == "```md" else None
        elif fenced:
            if example is not None:
                example.append(line)
        elif line.startswith("### "):
            heading = line[4:].strip()


def test_every_shape_example_in_the_docs_is_checked():
    assert [heading for heading, _ in doc_examples()] == list(DOC_EXAMPLES)


@pytest.mark.parametrize(("heading", "example"), list(doc_examples()))
def test_the_shape_examples_in_the_docs_read_as_the_docs_say(heading, example):
    doc = parse_log(example, name="notes.md")

    assert doc.papers
    assert {paper.found_as for paper in doc.papers} == {DOC_EXAMPLES[heading]}
