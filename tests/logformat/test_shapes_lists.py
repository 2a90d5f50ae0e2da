"""Papers written as list items or table rows: the "items" and "rows" readings."""

import datetime
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from papers.logformat import parse_log, write_log
from papers.models import Paper, ReadingLog
from tests.logformat.helpers import missing_words, words

SHAPES = Path(__file__).resolve().parent / "shapes"
# List markers (`1.`) are numbering, not words; the labels a link or a column
# header only names (`[arXiv](…)`, `| Link |`) are not kept twice.
_MARKER_RE = re.compile(r"^( *)\d{1,9}[.)] ", re.MULTILINE)
_LINK_RE = re.compile(r"\[([^\[\]]*)\]\((https?://[^()\s]+)\)")


def without_markup(source):
    """Drop list numbers, `<br>` and the text of links that only repeats their URL."""
    source = _MARKER_RE.sub(r"\1", source).replace("<br>", "\n")
    return _LINK_RE.sub(
        lambda m: m[2] if set(words(m[1])) <= set(words(m[2])) | set(LABELS) else m[0], source
    )


LABELS = ("arxiv", "pdf", "paper", "title", "link", "notes", "comments")
LABELS += ("authors", "date", "tags")

FIXTURES = [
    ("items-daily.md", "items", "list item"),
    ("items-bullets.md", "items", "list item"),
    ("items-index.md", "items", "list item"),
    ("items-paragraphs.md", "items", "list item"),
    ("rows-table.md", "rows", "table row"),
    ("rows-monthly.md", "rows", "table row"),
]


def read(name, reading):
    return parse_log((SHAPES / name).read_text(), reading=reading)


def notes(paper):
    return [note.body for note in paper.notes]


@pytest.mark.parametrize(("name", "reading", "found_as"), FIXTURES)
def test_every_word_reaches_the_export_and_the_export_is_a_fixpoint(name, reading, found_as):
    source = (SHAPES / name).read_text()
    doc = parse_log(source, reading=reading)
    assert doc.reading == reading
    assert {paper.found_as for paper in doc.papers} == {found_as}
    export = write_log(doc)
    assert not missing_words(without_markup(source), export, ignore=LABELS)
    again = parse_log(export)
    assert again == doc
    assert write_log(again) == export


@pytest.mark.parametrize(("name", "reading", "found_as"), FIXTURES)
def test_the_parser_offers_the_reading_and_chooses_it_for_the_shape(name, reading, found_as):
    doc = parse_log((SHAPES / name).read_text())
    assert doc.reading == reading
    assert reading in doc.readings


# -- list items ------------------------------------------------------------------


def test_a_daily_numbered_list_reads_short_names_links_dates_and_nested_notes():
    doc = read("items-daily.md", "items")
    assert doc.title == "Daily paper queue"
    assert doc.description.startswith("What I skimmed each morning")
    titles = [paper.title for paper in doc.papers]
    assert titles[:2] == [
        "An Image is Worth 16x16 Words",
        "Learning Transferable Visual Models From Natural Language Supervision",
    ]
    vit, clip, mae, dino, swin = doc.papers
    assert (vit.url, vit.arxiv_id) == ("https://arxiv.org/abs/2010.11929", "2010.11929")
    assert swin.arxiv_id == "2103.14030"
    # The short name is kept as a note; nested bullets follow the note rules.
    assert notes(vit)[0] == "**ViT**"
    assert vit.curiosity == "high"
    assert [(n.anchor_label, n.body) for n in vit.notes if n.anchor_kind] == [
        ("Figure 1", "the whole pipeline fits in one picture.")
    ]
    assert clip.tldr.startswith("contrastive pairs")
    # Date headings are the day read; a heading in words keeps its words as a tag.
    assert [paper.read_on for paper in doc.papers] == [
        datetime.date(2024, 3, 4),
        datetime.date(2024, 3, 4),
        datetime.date(2024, 3, 5),
        datetime.date(2024, 3, 5),
        datetime.date(2024, 3, 6),
    ]
    assert mae.tags == ["March 5 2024"] and vit.tags == []
    # A paragraph between two lists goes to the paper above it.
    assert notes(dino)[-1].startswith("Slow day")
    # The lists restart at 1 every day: the papers are numbered in order.
    assert [paper.number for paper in doc.papers] == [1, 2, 3, 4, 5]
    assert any("numbered in order" in w.message for w in doc.warnings)


def test_bulleted_items_read_venues_authors_arxiv_ids_and_comments():
    doc = read("items-bullets.md", "items")
    attention, gpt3, scaling, chinchilla, dpr, realm = doc.papers
    assert attention.title == "Attention Is All You Need"
    assert attention.url == "https://arxiv.org/pdf/1706.03762.pdf"
    assert attention.arxiv_id == "1706.03762"
    assert notes(attention)[0] == (
        "(NeurIPS 2017) [code](https://github.com/tensorflow/tensor2tensor)"
    )
    assert (gpt3.title, gpt3.authors) == ("Language Models are Few-Shot Learners", "Brown et al")
    assert gpt3.url == "https://arxiv.org/abs/2005.14165"
    assert scaling.arxiv_id == "2001.08361"
    # No link, but its list is a list of papers.
    assert (chinchilla.title, chinchilla.url) == (
        "Chinchilla follow-up, still looking for the link",
        "",
    )
    assert any("has no link" in w.message and w.line == 12 for w in doc.warnings)
    assert (dpr.title, notes(dpr)) == (
        "Dense Passage Retrieval for Open-Domain Question Answering",
        ["dual encoder, nice baseline"],
    )
    assert notes(realm)[0] == "pretraining with a retriever in the loop"
    # Topic headings are tags; the section with no paper under it stays text.
    assert attention.tags == ["Language models"] and realm.tags == ["Retrieval"]
    # Text after the last paper is read as the lines of its section: a bullet is a note.
    assert notes(realm)[-3:] == [
        "## Admin",
        "Book the room for Thursday.",
        "Ask Dana about the projector.",
    ]
    assert {paper.line for paper in doc.papers} == {7, 9, 11, 12, 17, 18}


def test_an_index_of_note_files_reads_titles_from_links_and_keeps_the_file_links():
    doc = read("items-index.md", "items")
    # The list of tools links to no paper: it stays in the description.
    assert "- [Zotero](https://www.zotero.org/) for the PDFs" in doc.description
    assert "#### Tools I use" in doc.description
    flamingo, pali, perceiver, coca, blip = doc.papers
    assert flamingo.title == "Flamingo: a Visual Language Model for Few-Shot Learning"
    assert flamingo.arxiv_id == "2204.14198"
    # The write-up's path, the month and the venue stay as a note.
    assert notes(flamingo) == [
        "(2022-04) [notes/flamingo.md](notes/flamingo.md) <kbd>NeurIPS 2022</kbd>"
    ]
    assert notes(pali) == ["[notes/pali.md](notes/pali.md)"]
    assert (perceiver.title, perceiver.url) == (
        "Perceiver: General Perception with Iterative Attention",
        "http://arxiv.org/abs/2103.03206",
    )
    # A bracketed list closing the line holds tags.
    assert notes(perceiver) == ["(2021-03)"]
    assert perceiver.tags == ["2022-06", "cross-attention", "latents"]
    assert notes(coca) == ["[[Notes](notes/coca.md)] [captioning]"]
    assert [p.tags for p in (flamingo, pali, coca, blip)] == [["2022-06"]] * 2 + [["2022-05"]] * 2
    assert notes(blip) == ["### To do", "Read the appendix of BLIP again."]


@pytest.mark.parametrize(
    ("line", "title", "authors"),
    [
        ("Mamba. Albert Gu and Tri Dao.", "Mamba", "Albert Gu and Tri Dao"),
        ("Deep Sets, M. Zaheer, S. Kottur et al.", "Deep Sets", "M. Zaheer, S. Kottur et al"),
        (
            "Sparse, Dense, and Attentional Representations",
            "Sparse, Dense, and Attentional Representations",
            "",
        ),
        (
            "Show, Attend and Tell: Neural Image Caption Generation",
            "Show, Attend and Tell: Neural Image Caption Generation",
            "",
        ),
    ],
)
def test_an_author_list_after_the_title_fills_authors(line, title, authors):
    doc = parse_log(
        f"- {line} https://arxiv.org/abs/2401.00001\n- [Other](https://arxiv.org/abs/2401.00002)\n",
        reading="items",
    )
    assert (doc.papers[0].title, doc.papers[0].authors) == (title, authors)


def test_paragraphs_written_as_paper_entries_are_papers():
    doc = read("items-paragraphs.md", "items")
    nerf, mip, ngp, fields, advances = doc.papers
    assert nerf.title == "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis"
    assert (nerf.arxiv_id, nerf.tags) == ("2003.08934", ["Scenes"])
    # The italic line under the title is the authors; the venue and other links a note.
    assert nerf.authors == "Ben Mildenhall, Pratul P. Srinivasan, Matthew Tancik"
    assert notes(nerf) == ["ECCV 2020. [[Project](https://www.example.org/nerf)]"]
    assert notes(ngp) == ["SIGGRAPH 2022. [[Code](https://github.com/example/instant-ngp)]"]
    # A title that is a link; text under the entries goes to the paper above.
    assert (fields.title, fields.arxiv_id) == (
        "Neural Fields in Visual Computing and Beyond",
        "2111.11426",
    )
    assert notes(advances)[-1].startswith("More surveys to come")
    assert mip.line == 11


def test_prose_that_cites_papers_is_no_list_of_papers():
    text = (
        "# Notes on scaling\n\n"
        "The first result comes from [Kaplan](https://arxiv.org/abs/2001.08361), who fit\n"
        "power laws.\n\n"
        "Then [Hoffmann](https://arxiv.org/abs/2203.15556) changed the budget split.\n\n"
        "**Both** are worth a reread. See https://arxiv.org/abs/2005.14165 too.\n"
    )
    assert "items" not in parse_log(text).readings


def test_unique_list_numbers_become_the_paper_numbers():
    doc = parse_log(
        "# Picks\n\n"
        "7. [Paper Seven](https://arxiv.org/abs/2401.00007)\n"
        "9. [Paper Nine](https://arxiv.org/abs/2401.00009)\n"
        "12. [Paper Twelve](https://arxiv.org/abs/2401.00012)\n",
        reading="items",
    )
    assert [(p.number, p.title) for p in doc.papers] == [
        (7, "Paper Seven"),
        (9, "Paper Nine"),
        (12, "Paper Twelve"),
    ]


def test_headings_inside_list_items_group_the_papers_nested_under_them():
    doc = parse_log(
        "# Reimplementations\n\n"
        "- ### 2016\n"
        "  - **07.Wide Residual Networks** : [**Paper**](https://arxiv.org/abs/1605.07146)"
        " || [**Code**](https://github.com/example/wrn)\n"
        "  - **08.Layer Normalization** : [**Paper**](https://arxiv.org/abs/1607.06450)\n"
        "    - easy to port, took an evening\n\n"
        "- ### 2017\n"
        "  - **09.Mixup: Beyond Empirical Risk Minimization** : "
        "[**Paper**](https://arxiv.org/abs/1710.09412)\n",
        reading="items",
    )
    assert [(p.number, p.title, p.tags) for p in doc.papers] == [
        (7, "Wide Residual Networks", ["2016"]),
        (8, "Layer Normalization", ["2016"]),
        (9, "Mixup: Beyond Empirical Risk Minimization", ["2017"]),
    ]
    assert notes(doc.papers[0]) == ["[**Code**](https://github.com/example/wrn)"]
    assert notes(doc.papers[1]) == ["easy to port, took an evening"]
    assert doc.papers[1].arxiv_id == "1607.06450"


def test_a_wrapped_first_line_is_one_title_and_check_boxes_are_tags():
    doc = parse_log(
        "# To read\n\n"
        "- [x] **BERT**: Pre-training of Deep Bidirectional Transformers for\n"
        "  Language Understanding. [arXiv](https://arxiv.org/abs/1810.04805)\n"
        "  - masked tokens and next-sentence pairs\n"
        "- [ ] RoBERTa: A Robustly Optimized BERT Pretraining Approach\n"
        "  https://arxiv.org/abs/1907.11692\n",
        reading="items",
    )
    bert, roberta = doc.papers
    assert bert.title == (
        "Pre-training of Deep Bidirectional Transformers for Language Understanding"
    )
    assert (bert.arxiv_id, bert.tags) == ("1810.04805", ["read"])
    assert notes(bert) == ["**BERT**", "masked tokens and next-sentence pairs"]
    assert [n.line for n in bert.notes] == [3, 5]
    assert roberta.title == "RoBERTa: A Robustly Optimized BERT Pretraining Approach"
    assert (roberta.arxiv_id, roberta.tags) == ("1907.11692", ["to read"])


def test_a_change_log_under_a_list_of_papers_is_the_logs_change_log():
    text = (
        "# Queue\n\n"
        "- [Paper A](https://arxiv.org/abs/2401.00001)\n"
        "- [Paper B](https://arxiv.org/abs/2401.00002)\n\n"
        "## Changelog\n\n"
        "- 2024-03-01: started the queue\n"
        "- 2024-03-08: moved the old papers out\n"
        "  to the archive\n"
        "- sometime in April: cleaned up\n"
    )
    doc = parse_log(text, reading="items")
    assert [p.title for p in doc.papers] == ["Paper A", "Paper B"]
    assert [(item.date.isoformat(), item.text) for item in doc.changelog] == [
        ("2024-03-01", "started the queue"),
        (
            "2024-03-08",
            "moved the old papers out\nto the archive\n\n- sometime in April: cleaned up",
        ),
    ]
    export = write_log(doc)
    assert write_log(parse_log(export)) == export


def test_a_list_that_is_mostly_not_papers_stays_text():
    text = (
        "# Notes\n\n"
        "- [Paper A](https://arxiv.org/abs/2401.00001)\n"
        "- a plain thought\n"
        "- another plain thought\n\n"
        "Now the papers:\n\n"
        "- [Paper B](https://arxiv.org/abs/2401.00002)\n"
        "- [Paper C](https://arxiv.org/abs/2401.00003)\n"
    )
    doc = parse_log(text, reading="items")
    assert [p.title for p in doc.papers] == ["Paper B", "Paper C"]
    assert "- a plain thought" in doc.description


def test_a_file_with_one_linked_item_or_paper_headings_is_no_list_of_papers(sample_bytes):
    one = "# Notes\n\n- [Only One](https://arxiv.org/abs/2401.00001)\n\nSome text.\n"
    assert "items" not in parse_log(one).readings
    sample = parse_log(sample_bytes)
    assert sample.reading == "headings"
    assert "items" not in sample.readings and "rows" not in sample.readings


# -- table rows ------------------------------------------------------------------------


def test_a_table_of_papers_reads_each_row_with_its_columns():
    doc = read("rows-table.md", "rows")
    assert doc.description == "Each row is one session of the reading group."
    resnet, batchnorm, adam, dropout = doc.papers
    # The `#` column's numbers are unique: they are the papers' numbers.
    assert [p.number for p in doc.papers] == [1, 2, 3, 5]
    assert resnet.title == "Deep Residual Learning for Image Recognition"
    assert (resnet.url, resnet.arxiv_id) == ("https://arxiv.org/abs/1512.03385", "1512.03385")
    assert resnet.authors == "He, Zhang, Ren, Sun"
    assert resnet.read_on == datetime.date(2024, 1, 10)
    assert resnet.tags == ["vision", "classics"]
    # Other columns are notes named by their header; `<br>` breaks the line.
    assert notes(resnet) == [
        "Venue: CVPR 2016",
        "Skip connections make depth trainable.\nFigure 2: the residual block.",
    ]
    # An escaped pipe is a pipe inside the cell; a date in words is kept as written too.
    assert batchnorm.read_on == datetime.date(2024, 1, 17)
    assert notes(batchnorm) == [
        "Venue: ICML 2015",
        "Date: Jan 17, 2024",
        "Internal covariate shift | or not?",
    ]
    # A link in the paper cell; an empty link cell; a TL;DR column text.
    assert (adam.title, adam.arxiv_id) == (
        "Adam: A Method for Stochastic Optimization",
        "1412.6980",
    )
    assert adam.tldr == "momentum plus per-weight step sizes."
    assert dropout.url.endswith("srivastava14a.pdf")
    # The paragraph after the table goes to the last paper.
    assert notes(dropout)[-1] == "We skipped number 4: the speaker was ill."
    assert [p.line for p in doc.papers] == [7, 8, 9, 10]


def test_a_date_column_reads_compact_dates_and_keeps_them_as_written():
    doc = parse_log(
        "| Date | Paper | Notes |\n|:---:|:---:|:---:|\n"
        "| 20231222 | First Paper https://arxiv.org/abs/2312.00001 | good |\n"
        "| someday | Second Paper https://arxiv.org/abs/2312.00002 | |\n",
        reading="rows",
    )
    first, second = doc.papers
    assert first.read_on == datetime.date(2023, 12, 22)
    assert notes(first) == ["Date: 20231222", "good"]
    assert (second.read_on, notes(second)) == (None, ["Date: someday"])


def test_tables_under_month_headings_tag_their_rows_and_keep_extra_columns():
    doc = read("rows-monthly.md", "rows")
    assert doc.title == "Group papers 2023"
    assert [p.tags for p in doc.papers] == [["October 2023"]] * 2 + [["November 2023"]] * 2
    assert [p.number for p in doc.papers] == [1, 2, 3, 4]
    ldm = doc.papers[2]
    assert ldm.arxiv_id == "2112.10752"
    assert notes(ldm) == ["Diffuse in the autoencoder's latent space.", "Presenter: Priya"]


def test_a_paper_column_next_to_a_title_column_holds_the_links():
    doc = parse_log(
        "| Title | Venue | Paper | Code |\n|---|---|---|---|\n"
        "| Segment Anything | ICCV 2023 | [link](https://arxiv.org/abs/2304.02643) |"
        " [code](https://github.com/example/sam) |\n"
        "| Visual Instruction Tuning | NeurIPS 2023 |"
        " [link](https://arxiv.org/abs/2304.08485) | |\n",
        reading="rows",
    )
    sam, llava = doc.papers
    assert (sam.title, sam.arxiv_id) == ("Segment Anything", "2304.02643")
    assert notes(sam) == ["Venue: ICCV 2023", "Code: [code](https://github.com/example/sam)"]
    assert llava.arxiv_id == "2304.08485"


def test_a_table_of_names_without_paper_links_is_no_table_of_papers():
    text = "| Name | Params |\n|---|---|\n| small | 60M |\n| large | 770M |\n"
    assert "rows" not in parse_log(text).readings
    linked = text.replace("| small |", "| small https://arxiv.org/abs/1910.10683 |")
    assert [p.title for p in parse_log(linked, reading="rows").papers] == ["small", "large"]


def test_a_table_without_a_paper_column_is_no_table_of_papers():
    text = (
        "# Results\n\n"
        "| Model | Score |\n|---|---|\n| A | 1 |\n| B | 2 |\n\n"
        "- [Paper A](https://arxiv.org/abs/2401.00001)\n"
        "- [Paper B](https://arxiv.org/abs/2401.00002)\n"
    )
    doc = parse_log(text)
    assert "rows" not in doc.readings
    assert doc.reading == "items"
    assert "| A | 1 |" in doc.description


def test_a_huge_row_and_a_long_table_are_read_in_linear_time():
    # Unclosed links, bold markers and one long word: 50,000 characters a cell.
    hostile = "[" * 10_000 + "a](" * 5_000 + "**" * 5_000 + "x" * 15_000
    huge = (
        f"| Paper | Notes |\n|---|---|\n| Big {hostile} | {hostile} \\| more |\n| Small | fine |\n"
    )
    started = time.perf_counter()
    doc = parse_log(huge, reading="rows")
    assert time.perf_counter() - started < 2
    assert [p.title[:4] for p in doc.papers] == ["Big ", "Smal"]
    assert notes(doc.papers[0])[0].endswith("x | more")

    rows = "".join(
        f"| {n} | Paper number {n} | https://arxiv.org/abs/2401.{n:05d} | note {n} |\n"
        for n in range(1, 5001)
    )
    started = time.perf_counter()
    doc = parse_log("| # | Paper | Link | Notes |\n|---|---|---|---|\n" + rows, reading="rows")
    assert time.perf_counter() - started < 10
    assert len(doc.papers) == 5000
    assert doc.papers[-1].number == 5000 and doc.papers[-1].arxiv_id == "2401.05000"


def test_a_huge_item_and_a_long_list_are_read_in_linear_time():
    hostile = "[" * 10_000 + "a](" * 5_000 + "**" * 5_000 + "doi:10.1000/" + "x" * 15_000
    text = (
        f"- Big {hostile} https://arxiv.org/abs/2401.00001\n"
        "- [Small](https://arxiv.org/abs/2401.00002)\n\n"
        + "".join(
            f"{n}. **P{n}**: Paper {n}. [arXiv](https://arxiv.org/abs/2402.{n:05d})\n   - n\n"
            for n in range(1, 5001)
        )
    )
    started = time.perf_counter()
    doc = parse_log(text, reading="items")
    assert time.perf_counter() - started < 10
    assert len(doc.papers) == 5002
    assert doc.papers[-1].title == "Paper 5000"


# -- through the import command --------------------------------------------------------


@pytest.mark.parametrize(("name", "reading", "found_as"), FIXTURES)
def test_import_log_reads_the_shape_and_a_reimport_changes_nothing(alice, name, reading, found_as):
    path = SHAPES / name
    out = StringIO()
    call_command("import_log", str(path), "--owner", "alice", "--log", "shape", stdout=out)
    log = ReadingLog.objects.get(slug="shape")
    expected = parse_log(path.read_text(), reading=reading)
    saved = list(log.papers.order_by("number"))
    assert [(p.number, p.title, p.url, p.arxiv_id) for p in saved] == [
        (p.number, p.title, p.url, p.arxiv_id) for p in expected.papers
    ]
    assert [p.read_on for p in saved] == [p.read_on for p in expected.papers]
    before = Paper.objects.count()
    again = StringIO()
    call_command("import_log", str(path), "--owner", "alice", "--log", "shape", stdout=again)
    assert Paper.objects.count() == before


def test_a_question_heading_after_the_last_listed_paper_opens_its_questions():
    text = (
        "# Reading\n\n- [Paper A](https://arxiv.org/abs/2401.00001)\n"
        "- [Paper B](https://arxiv.org/abs/2401.00002)\n\n"
        "#### I haven't understood\n\n- Why does the loss plateau?\n"
    )
    doc = parse_log(text)
    assert doc.reading == "items"
    (question,) = doc.papers[-1].questions
    assert question.body == "Why does the loss plateau?"
    assert parse_log(write_log(doc)) == doc


def test_paragraphs_with_a_status_mark_and_a_title_in_italics_are_papers():
    text = (
        "# Term reading\n\n## classics\n\n"
        "✅ *Computing Machinery and Intelligence* by Alan Turing\n\n"
        "⏳ *A Mathematical Theory of Communication* - Claude Shannon — still the best entropy "
        "chapter.\n\n"
        "⏳ [**Deep Residual Learning**](https://arxiv.org/abs/1512.03385) — read it twice.\n"
    )
    doc = parse_log(text)
    assert doc.reading == "items"
    turing, shannon, resnet = doc.papers
    assert (turing.title, turing.authors, turing.tags) == (
        "Computing Machinery and Intelligence",
        "Alan Turing",
        ["classics", "✅"],
    )
    assert shannon.authors == "Claude Shannon"
    assert [note.body for note in shannon.notes] == ["still the best entropy chapter."]
    assert (resnet.arxiv_id, resnet.tags) == ("1512.03385", ["classics", "⏳"])
    assert parse_log(write_log(doc)) == doc


def test_prose_with_a_symbol_and_italics_is_no_list_of_papers():
    text = "# Notes\n\n★ *Really* good week.\n\n★ *So* much to read.\n"
    assert parse_log(text).reading != "items"


def test_a_first_heading_that_names_the_list_is_still_the_logs_title():
    text = (
        "# Reading list\n\n- [Paper A](https://arxiv.org/abs/2401.00001)\n"
        "- [Paper B](https://arxiv.org/abs/2401.00002)\n"
    )
    doc = parse_log(text)
    assert (doc.reading, doc.title, doc.description) == ("items", "Reading list", "")
