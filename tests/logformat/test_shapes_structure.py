"""The structure readings: one paper per file, front matter, link and setext headings, groups.

Each shape has a fixture of its own in tests/logformat/shapes/ (one-file-*,
heading-links, setext-log, grouping-*, headings-in-notes), read through
parse_log and write_log, and through the import (HTTP and import_log) where
a user sees it. Every word of each fixture reaches the export, and the
export read back writes the same text.
"""

import datetime
import io
import re
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from papers.logformat import LogFormatError, NoteEntry, parse_log, write_log
from papers.models import Paper, Role
from tests.conftest import make_log
from tests.logformat.helpers import missing_words

SHAPES = Path(__file__).resolve().parent / "shapes"
FIXTURES = [
    "one-file-sections.md",
    "one-file-languages.md",
    "one-file-jekyll.md",
    "one-file-hugo.md",
    "one-file-bad-front-matter.md",
    "one-file-no-heading.md",
    "heading-links.md",
    "setext-log.md",
    "grouping-dates.md",
    "grouping-topics.md",
    "headings-in-notes.md",
]
# Front-matter keys the app has a field for are written as the format's own
# labels ("Read on:", "Tags:", "Authors:"); the question heading as its own.
LABELS = {"title", "date", "categories", "keywords", "tags", "authors", "author", "link", "arxiv"}


def read(fixture, **kwargs):
    return parse_log((SHAPES / fixture).read_text(encoding="utf-8"), **kwargs)


def bodies(paper):
    return [note.body for note in paper.notes]


# -- every shape: nothing lost, a fixpoint -------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_every_word_reaches_the_export_and_the_export_is_a_fixpoint(name):
    source = (SHAPES / name).read_text(encoding="utf-8")
    doc = parse_log(source, name=name)
    text = write_log(doc)

    assert missing_words(source, text, ignore=LABELS) == {}
    again = parse_log(text)
    assert again == doc
    assert write_log(again) == text


@pytest.mark.parametrize("name", FIXTURES)
def test_every_reading_offered_reads_the_shape_and_writes_a_fixpoint(name):
    source = (SHAPES / name).read_text(encoding="utf-8")
    for reading in parse_log(source).readings:
        doc = parse_log(source, reading=reading)
        assert doc.reading == reading
        text = write_log(doc)
        assert missing_words(source, text, ignore=LABELS) == {}
        assert write_log(parse_log(text)) == text


# -- one paper per file --------------------------------------------------------------------


def test_a_title_with_sections_is_one_paper():
    doc = read("one-file-sections.md")
    assert (doc.reading, doc.readings[0]) == ("file", "file")
    assert "headings" in doc.readings  # the user can still switch
    [paper] = doc.papers
    assert paper.title == doc.title == "Deep Residual Learning for Image Recognition"
    assert (paper.number, paper.line, paper.found_as) == (1, 1, "one file")
    assert paper.authors == "Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun"
    assert (paper.url, paper.arxiv_id) == ("https://arxiv.org/abs/1512.03385", "1512.03385")
    assert bodies(paper)[0].startswith("#### Summary\n\nVery deep plain networks")
    assert "#### Method" in bodies(paper)
    assert "##### Training details\n\nPlain SGD with momentum" in bodies(paper)[4]
    assert [q.body[:27] for q in paper.questions] == [
        "Why does the identity short",
        "Would the same trick help a",
    ]
    assert paper.questions[0].section == "Questions"
    # A link in a later section stays in its note and is not the paper's link.
    assert "1505.00387" in bodies(paper)[-1]
    assert doc.warnings[0].message == "Read as one paper: its headings are sections of it."


def test_the_sections_can_be_read_as_papers_instead():
    doc = read("one-file-sections.md", reading="headings")
    assert doc.reading == "headings"
    assert [p.title for p in doc.papers] == ["Summary", "Method", "Training details", "Notes"]


def test_sections_in_any_language_and_authors_in_emphasis():
    doc = read("one-file-languages.md")
    [paper] = doc.papers
    assert paper.title == "Un modèle de diffusion pour les images"
    assert paper.authors == "Ada Lovelace and Alan Turing"
    assert paper.arxiv_id == "2006.11239"
    assert [body.split("\n")[0] for body in bodies(paper)] == [
        "[Le papier](https://arxiv.org/abs/2006.11239)",
        "#### Zusammenfassung",
        "#### Méthode",
        "#### Resultados",
    ]


def test_a_file_without_headings_takes_its_title_from_the_file_name():
    doc = read("one-file-no-heading.md", name="notes/2024-02-29-neural_turing-machines.md")
    [paper] = doc.papers
    assert paper.title == "neural turing machines"
    assert paper.read_on == datetime.date(2024, 2, 29)
    assert paper.arxiv_id == "1410.5401"
    assert len(paper.notes) == 2
    assert doc.warnings[0].line == 1
    assert doc.warnings[0].message == "Read as one paper: no paper headings found."


def test_without_a_name_the_title_is_the_first_words():
    paper = parse_log("plain words of a note that has no heading at all, and goes on\n").papers[0]
    assert paper.title == "plain words of a note that has no heading at all, and …"


def test_a_subtitle_is_no_author_line():
    paper = parse_log("# A Title\n\nDeep Residual Learning\n\n## Notes\n\n- x\n").papers[0]
    assert paper.authors == ""
    assert bodies(paper)[0] == "Deep Residual Learning"


# -- front matter --------------------------------------------------------------------------


def test_jekyll_front_matter_fills_the_paper_and_keeps_the_rest_as_meta():
    [paper] = read("one-file-jekyll.md").papers
    assert paper.title == "Denoising Diffusion Probabilistic Models"
    assert paper.read_on == datetime.date(2023, 4, 18)
    assert paper.tags == ["generative", "diffusion", "reading-group"]
    assert paper.authors == "Jonathan Ho, Ajay Jain, Pieter Abbeel"
    assert paper.arxiv_id == "2006.11239"
    assert paper.meta == {
        "layout": "post",
        "date": "2023-04-18 09:30:00 +0200",  # the time of day is kept as written
        "permalink": "/notes/ddpm/",
        "comments": "true",  # YAML values are kept as written
    }
    assert paper.questions[0].section == "Open questions"
    assert paper.line == 1


def test_hugo_toml_front_matter():
    [paper] = read("one-file-hugo.md").papers
    assert (paper.title, paper.authors) == ("Neural Ordinary Differential Equations", "Ricky Chen")
    assert paper.read_on == datetime.date(2022, 11, 2)
    assert paper.tags == ["odes", "continuous depth"]
    assert paper.url == "https://arxiv.org/abs/1806.07366"
    assert paper.meta == {"draft": False, "weight": 10}


def test_warnings_name_the_lines_of_the_file_below_a_front_matter():
    text = "---\ntitle: T\nlayout: post\n---\n\n## Questions\n\n- Is it?\n- it is\n"
    doc = parse_log(text)
    assert [(w.line, w.message[:8]) for w in doc.warnings] == [(9, "Guessed:")]
    assert doc.papers[0].questions[0].line == 8


def test_a_front_matter_that_does_not_read_is_kept_as_text_with_a_warning():
    doc = read("one-file-bad-front-matter.md")
    assert "The front matter (lines 1–4) does not read as YAML: kept as text." in [
        w.message for w in doc.warnings
    ]
    assert bodies(doc.papers[0])[0].startswith('---\ntitle: "An unclosed quote')


@pytest.mark.parametrize(
    "source",
    [
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in pairwise("abcdefghi")),
        "deep: " + "[" * 5000 + "]" * 5000 + "\n",
        "key: " + "x" * 40_000 + "\n",
    ],
    ids=["aliases", "nesting", "too-big"],
)
def test_a_hostile_front_matter_is_text_not_a_traceback(source):
    doc = parse_log(f"---\n{source}---\n\nA note.\n")
    assert "does not read as YAML" in doc.warnings[1].message
    assert doc.papers[0].meta == {}


def test_yaml_values_are_read_as_written_and_build_no_objects():
    text = (
        "---\narxiv_id: 2103.00020\nwhen: !!timestamp 2024-13-45\ntags: vision language\n"
        "obj: !!python/object/apply:os.system [echo]\n---\n\nA note.\n"
    )
    paper = parse_log(text).papers[0]
    assert paper.meta == {"arxiv_id": "2103.00020", "when": "2024-13-45", "obj": ["echo"]}
    assert paper.tags == ["vision", "language"]  # split on spaces, as Jekyll does


def test_a_post_with_a_front_matter_and_no_heading_is_one_paper_without_a_warning():
    doc = parse_log("---\ntitle: A post\n---\n\nJust text.\n")
    assert [(p.title, bodies(p)) for p in doc.papers] == [("A post", ["Just text."])]
    assert doc.warnings == []


def test_comment_lines_of_a_front_matter_are_kept():
    paper = parse_log("+++\n# draft, do not publish\ntitle = 'T'\n+++\n\nText.\n").papers[0]
    assert paper.meta == {"#": ["# draft, do not publish"]}


def test_a_heading_link_and_a_link_line_both_stay():
    text = "## [P](https://arxiv.org/abs/2101.00001)\n\nLink: https://example.com/p\n\n- n\n"
    paper = parse_log(text).papers[0]
    assert paper.url == "https://example.com/p"
    assert paper.notes[0].body == "https://arxiv.org/abs/2101.00001"
    none = parse_log("## [P](https://arxiv.org/abs/2101.00001)\n\nLink: none\n").papers[0]
    assert none.arxiv_id == "2101.00001"


def test_a_month_heading_with_a_count_is_a_tag_as_written():
    doc = parse_log("# L\n\n## 2021-12 (2)\n\n### [1] A\n\n### [2] B\n")
    assert [p.tags for p in doc.papers] == [["2021-12 (2)"]] * 2


def test_a_front_matter_above_a_log_of_papers_is_kept_in_its_description():
    text = "---\ntitle: My log\nlayout: page\n---\n\n### [1] A\n\n- a\n\n### [2] B\n\n- b\n"
    doc = parse_log(text)
    assert doc.reading == "headings"
    assert doc.title == "My log"
    assert doc.description == "```yaml\ntitle: My log\nlayout: page\n```"
    assert [p.line for p in doc.papers] == [6, 10]


# -- headings that are links, setext headings ----------------------------------------------


def test_a_heading_that_is_a_link_gives_the_title_and_the_link():
    doc = read("heading-links.md")
    assert doc.reading == "headings"
    assert [(p.number, p.title, p.found_as) for p in doc.papers] == [
        (4, "Long Short-Term Memory", "heading with a link"),
        (3, "Sequence to Sequence Learning with Neural Networks", "heading with a link"),
        (5, "Neural Turing Machines (my favourite)", "heading with a link"),
    ]
    assert doc.papers[0].doi == "10.1162/neco.1997.9.8.1735"
    assert [p.arxiv_id for p in doc.papers[1:]] == ["1409.3215", "1410.5401"]


def test_a_bracketed_year_linked_is_no_paper_number():
    paper = parse_log("## [2017](https://arxiv.org/abs/1706.03762)\n\n- x\n").papers[0]
    assert (paper.title, paper.arxiv_id) == ("2017", "1706.03762")


def test_setext_headings_read_as_atx_headings():
    doc = read("setext-log.md")
    assert doc.title == "Reading log of the robotics group"
    assert doc.description == "Each paper below gets a few lines."
    assert [(p.title, p.line, p.arxiv_id) for p in doc.papers] == [
        ("Learning Dexterous In-Hand Manipulation", 6, "1808.00177"),
        ("Sim-to-Real Transfer with Dynamics Randomization", 15, "1710.06537"),
    ]
    # A `---` after a blank line is a thematic break: a separator, no note.
    assert bodies(doc.papers[0]) == [
        "Domain randomisation carries a policy trained in simulation to a real hand."
    ]


def test_a_paragraph_of_several_lines_over_an_underline_is_one_heading():
    doc = parse_log("# Log\n\n### [1] P\n\nA long\ntitle\n---\n\n- note\n")
    assert [(p.title, p.line) for p in doc.papers] == [("P", 3), ("A long title", 5)]


def test_a_date_heading_that_groups_no_paper_stays_text():
    doc = parse_log("# Log\n\n## 2024-03-05\n\nNothing read that day.\n\n## [1] P\n\n- n\n")
    assert doc.description == "#### 2024-03-05\n\nNothing read that day."
    assert doc.papers[0].read_on is None
    text = write_log(doc)
    assert write_log(parse_log(text)) == text


def test_a_bad_front_matter_above_a_log_is_fenced_in_its_description():
    doc = parse_log("---\ntitle: [\n---\n\n### [1] A\n\n- a\n\n### [2] B\n\n- b\n")
    assert doc.description == "```\n---\ntitle: [\n---\n```"
    text = write_log(doc)
    assert parse_log(text) == doc


def test_an_underline_in_a_code_block_or_under_a_list_is_no_heading():
    text = "### [1] P\n\n```\ncode\n---\n```\n\n- item\n---\n"
    paper = parse_log(text).papers[0]
    assert bodies(paper) == ["```\ncode\n---\n```", "item\n---"]


# -- grouping headings ---------------------------------------------------------------------


def test_days_months_and_contents_group_the_papers_below_them():
    doc = read("grouping-dates.md")
    assert [(p.number, p.read_on, p.tags) for p in doc.papers] == [
        (1, None, ["March 2024"]),
        (2, None, ["March 2024"]),
        (3, datetime.date(2024, 4, 9), ["Tuesday 9 April 2024"]),
    ]
    # At level four in the description, so the export reads back the same.
    assert doc.description == (
        "#### Table of Contents\n\n- March 2024\n- Tuesday, 9 April 2024\n\n"
        "Only one session this month."
    )
    assert [(w.line, w.message) for w in doc.warnings] == [
        (3, "Read '## Table of Contents' as the log's contents: kept in its description."),
        (8, "Read '## March 2024' as a heading that groups the papers below it."),
        (22, "Read '## Tuesday, 9 April 2024' as a heading that groups the papers below it."),
    ]


def test_a_topic_holding_paper_headings_is_a_tag_of_them():
    doc = read("grouping-topics.md")
    assert [(p.number, p.tags) for p in doc.papers] == [
        (1, ["Vision"]),
        (2, ["Vision"]),
        (3, ["Language"]),
    ]
    assert "Read '## Vision' as a heading that groups the papers below it." in [
        w.message for w in doc.warnings
    ]


def test_a_short_topic_over_long_plain_titles_is_a_topic():
    text = (
        "# L\n\n## Vision\n\n### An Image is Worth 16x16 Words\n\n- a\n\n"
        "### Masked Autoencoders Are Scalable Vision Learners\n\n- b\n"
    )
    doc = parse_log(text)
    assert [(p.title, p.tags) for p in doc.papers] == [
        ("An Image is Worth 16x16 Words", ["Vision"]),
        ("Masked Autoencoders Are Scalable Vision Learners", ["Vision"]),
    ]


def test_sections_under_numbered_papers_are_notes():
    text = "## [1] A\n\n### Summary\n\n- s\n\n## [2] B\n\n### Summary\n\nText.\n"
    doc = parse_log(text)
    assert [p.title for p in doc.papers] == ["A", "B"]
    assert bodies(doc.papers[1]) == ["#### Summary\n\nText."]


# -- headings inside a paper's notes -------------------------------------------------------


def test_headings_in_notes_keep_their_level_relative_to_the_paper_and_their_text():
    doc = read("headings-in-notes.md")
    adam, adamw = doc.papers
    assert bodies(adam) == [
        "#### Update rule\n\nKeeps running averages of the gradient and its square.\n\n"
        "Bias correction matters in the first steps.",
        "Default betas of 0.9 and 0.999 work almost everywhere.",
        "##### Convergence\n\nThe original proof has a gap, fixed later by AMSGrad.",
    ]
    assert bodies(adamw) == [
        "#### Why it matters\n\n"
        "With Adam, L2 regularisation and weight decay are not the same thing."
    ]
    text = write_log(doc)
    assert "\n#### Update rule\n\nKeeps running averages" in text
    assert "\n\n- Default betas" in text


def test_a_deeper_heading_under_a_level_three_paper_is_capped_at_six():
    paper = parse_log("### [1] P\n\n#### A\n\n###### B\n\nText.\n\n- Figure 1: f\n").papers[0]
    assert paper.notes == [
        NoteEntry("#### A"),
        NoteEntry("###### B\n\nText."),
        NoteEntry("f", "figure", "Figure 1"),
    ]


def test_several_one_paper_notes_in_one_file_are_papers_with_sections():
    text = (
        "# My notes\n\n# Paper A\n\nhttps://arxiv.org/abs/2101.00001\n\n## Summary\n\nGood.\n\n"
        "# Paper B\n\n## Summary\n\nAlso good.\n\n### Detail\n\nx\n"
    )
    doc = parse_log(text)
    assert doc.title == "My notes"
    assert [(p.title, p.arxiv_id) for p in doc.papers] == [
        ("Paper A", "2101.00001"),
        ("Paper B", ""),
    ]
    assert bodies(doc.papers[1]) == ["#### Summary\n\nAlso good.", "##### Detail\n\nx"]
    text = write_log(doc)
    assert write_log(parse_log(text)) == text


# Lines of every structure these readings tell apart, shuffled by the property
# test below: titles, sections, groups, setext underlines, front-matter fences.
PIECES = [
    *("# Title", "# 2023", "## Summary", "### Method", "#### Deep", "###### Six"),
    *("### [1] A paper", "## [2] [Linked](https://arxiv.org/abs/2101.00001)"),
    *("## [Title](https://example.com) (2019)", "## [2017](https://x.org)"),
    *("## March 2024", "## 2024-03-05", "## 2021-12 (2)", "## Table of Contents", "## Vision"),
    *("## Authors", "## Questions", "#### change logs", "- 2024-03-01: entry"),
    *("Title", "===", "---", "+++", "title: x", "tags: [a, b]", "", "", ""),
    *("- a bullet", "- Figure 1: fig", "Some paragraph text.", "  indented", "> quote"),
    *("https://arxiv.org/abs/1706.03762", "Ada Lovelace, Alan Turing", "*A. B and C. D*"),
    *("- Why?", "- because", "```", "Link: none", "1. item", "| a | b |", "lower case"),
]
STRUCTURE_WORDS = {"link", "none", "title", "tags", "change", "logs", "questions"}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25), st.booleans())
def test_any_mix_of_structures_reads_in_every_reading_to_a_fixpoint(lines, front):
    if front:
        lines = ["---", "title: T", "layout: post", "---", *lines]
    source = "\n".join(lines) + "\n"
    try:
        doc = parse_log(source, name="2024-01-01-notes.md")
    except LogFormatError:
        return  # an unclosed code fence, the same [N] twice: a clear message
    for reading in doc.readings:
        text = write_log(parse_log(source, reading=reading))
        if reading in ("headings", "file"):
            assert missing_words(source, text, ignore=STRUCTURE_WORDS) == {}
        assert write_log(parse_log(text)) == text


# -- choosing ------------------------------------------------------------------------------


def test_the_sample_still_reads_by_headings(sample_bytes):
    doc = parse_log(sample_bytes)
    assert doc.reading == "headings"
    assert doc.readings[0] == "headings"
    assert len(doc.papers) == 9


def test_an_unknown_reading_is_an_error():
    with pytest.raises(ValueError, match="There is no reading 'lines'"):
        parse_log("# T\n\n### [1] P\n", reading="lines")


def test_a_long_log_of_numbered_papers_skips_the_one_file_reading():
    text = "# Log\n\n" + "".join(f"### [{n}] Paper {n}\n\n- note\n\n" for n in range(1, 1600))
    doc = parse_log(text)
    assert doc.readings == ["headings"]
    assert parse_log(text, reading="file").reading == "file"


# -- through the import --------------------------------------------------------------------


@pytest.fixture
def lab(alice, bob):
    return make_log(alice, title="Lab", slug="lab", members=[(bob, Role.CURATOR)])


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]


def test_a_jekyll_post_imports_in_the_browser_as_one_paper(client, bob, lab):
    client.force_login(bob)
    data = (SHAPES / "one-file-jekyll.md").read_bytes()
    upload = SimpleUploadedFile("2023-04-18-ddpm.md", data, content_type="text/markdown")

    preview = client.post(reverse("log_import", args=[lab.slug]), {"file": upload})

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Denoising Diffusion Probabilistic Models" in html
    assert "Read as one paper: its headings are sections of it." in html
    response = client.post(
        reverse("log_import_confirm", args=[lab.slug]), {"token": token_of(preview)}
    )
    assert response.status_code == 302
    paper = Paper.objects.get(log=lab)
    assert paper.authors == "Jonathan Ho, Ajay Jain, Pieter Abbeel"
    assert paper.read_on == datetime.date(2023, 4, 18)
    assert paper.arxiv_id == "2006.11239"
    assert paper.source_meta["permalink"] == "/notes/ddpm/"
    assert sorted(tag.name for tag in paper.tags.all()) == [
        "diffusion",
        "generative",
        "reading-group",
    ]


def test_import_log_reads_groups_and_headings_in_notes(alice):
    out = io.StringIO()
    for name in ("grouping-dates.md", "headings-in-notes.md"):
        slug = name.removesuffix(".md")
        path = SHAPES / name
        call_command("import_log", str(path), "--owner", "alice", "--log", slug, stdout=out)

    dates = Paper.objects.filter(log__slug="grouping-dates").order_by("number")
    assert [p.read_on for p in dates] == [None, None, datetime.date(2024, 4, 9)]
    tags = [[t.name for t in p.tags.all()] for p in dates]
    assert tags == [["March 2024"]] * 2 + [["Tuesday 9 April 2024"]]
    adam = Paper.objects.get(log__slug="headings-in-notes", number=1)
    first = adam.notes.order_by("position").first()
    assert first.body.startswith("#### Update rule\n\nKeeps running averages")


def test_a_file_that_starts_with_a_link_to_its_paper_is_that_paper():
    doc = parse_log(
        (SHAPES / "one-file-link-first-line.md").read_bytes(), name="one-file-link-first-line.md"
    )
    assert doc.reading == "file"
    (paper,) = doc.papers
    assert (paper.title, paper.arxiv_id, paper.year) == ("Layer Normalization", "1607.06450", 2016)
    assert paper.authors == "Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton"
    # A bold label over a paragraph heads it, as a heading would; separators are no notes.
    assert bodies(paper) == [
        "**Problem:**\n\nBatch statistics make small batches and recurrent nets awkward to "
        "normalise.",
        "**Idea:**\n\nNormalise over the features of one example instead of over the batch.\n\n"
        "![the two normalisations side by side](./layernorm.png)",
        "**Open:**",
        "**Notes:**\n\nWorks at any batch size, even one.",
        "[BACK](../index.md)",
    ]
    text = write_log(doc)
    assert "- Year: 2016" in text
    assert write_log(parse_log(text)) == text
