"""The rules of docs/log-format.md, one variation at a time."""

import datetime
import re
from pathlib import Path

import pytest

from papers.logformat import (
    ChangeLogItem,
    LogDocument,
    LogFormatError,
    NoteEntry,
    PaperEntry,
    QuestionEntry,
    detect_link,
    link_ids,
    parse_log,
    write_log,
)
from papers.transfer import _check_lengths


def only_paper(text):
    doc = parse_log(text)
    assert len(doc.papers) == 1
    return doc.papers[0]


def round_trips(doc):
    text = write_log(doc)
    again = parse_log(text)
    return again == doc and write_log(again) == text


# -- links -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "arxiv_id", "doi"),
    [
        ("https://arxiv.org/abs/2407.12687", "2407.12687", ""),
        ("https://arxiv.org/abs/2407.12687v2", "2407.12687v2", ""),
        ("https://arxiv.org/pdf/2001.08361", "2001.08361", ""),
        ("https://arxiv.org/pdf/2001.08361v3.pdf", "2001.08361v3", ""),
        ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001", ""),
        ("https://doi.org/10.1145/3292500.3330701", "", "10.1145/3292500.3330701"),
        ("https://dl.acm.org/doi/10.1145/3292500.3330701", "", "10.1145/3292500.3330701"),
        ("https://openreview.net/forum?id=Gl4AsqInti", "", ""),
    ],
)
def test_link_ids_normalises_arxiv_ids_and_dois(url, arxiv_id, doi):
    assert link_ids(url) == (arxiv_id, doi)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2407.12687", ("https://arxiv.org/abs/2407.12687", "2407.12687", "")),
        (" arXiv:2407.12687v2 ", ("https://arxiv.org/abs/2407.12687v2", "2407.12687v2", "")),
        ("10.1000/xyz123", ("https://doi.org/10.1000/xyz123", "", "10.1000/xyz123")),
        (
            "see https://arxiv.org/pdf/2001.08361.pdf.",
            ("https://arxiv.org/pdf/2001.08361.pdf", "2001.08361", ""),
        ),
        ("https://github.com/x/y", ("https://github.com/x/y", "", "")),
        ("no link here", ("", "", "")),
    ],
)
def test_detect_link_reads_what_people_paste(text, expected):
    assert detect_link(text) == expected


@pytest.mark.parametrize(
    "line",
    [
        "https://arxiv.org/abs/2407.12687",
        "<https://arxiv.org/abs/2407.12687>",
        "[https://arxiv.org/abs/2407.12687](https://arxiv.org/abs/2407.12687)",
        "- https://arxiv.org/abs/2407.12687",
        "* <https://arxiv.org/abs/2407.12687>",
    ],
)
def test_a_link_on_its_own_line_becomes_the_url_and_leaves_no_note(line):
    paper = only_paper(f"### [1] P\n\n- a note\n\n{line}\n\n- another\n")
    assert (paper.url, paper.arxiv_id) == ("https://arxiv.org/abs/2407.12687", "2407.12687")
    assert [n.body for n in paper.notes] == ["a note", "another"]


def test_a_titled_link_sets_the_url_and_keeps_its_words_as_a_note():
    paper = only_paper("### [1] P\n\n[Attention paper](https://arxiv.org/abs/1706.03762)\n")
    assert paper.arxiv_id == "1706.03762"
    assert paper.notes == [NoteEntry("[Attention paper](https://arxiv.org/abs/1706.03762)")]


def test_a_link_inside_a_bullet_sets_the_url_and_the_bullet_stays():
    paper = only_paper("### [1] P\n\n- read it at https://doi.org/10.1000/xyz123, good\n")
    assert (paper.url, paper.doi) == ("https://doi.org/10.1000/xyz123", "10.1000/xyz123")
    assert paper.notes == [NoteEntry("read it at https://doi.org/10.1000/xyz123, good")]


def test_a_link_on_its_own_line_wins_over_an_earlier_one_in_a_note():
    paper = only_paper(
        "### [1] P\n\n- compare https://arxiv.org/abs/1111.11111\n\nhttps://arxiv.org/abs/2222.22222\n"
    )
    assert paper.arxiv_id == "2222.22222"


def test_a_link_to_a_page_that_is_not_a_paper_is_only_a_note():
    paper = only_paper("### [1] P\n\nhttps://github.com/google/jax\n")
    assert paper.url == ""
    assert paper.notes == [NoteEntry("https://github.com/google/jax")]


def test_the_writer_marks_links_it_must_keep_apart():
    notes = [NoteEntry("see https://arxiv.org/abs/1111.11111")]
    no_link = PaperEntry(number=1, title="P", notes=notes)
    blog = PaperEntry(number=2, title="Q", url="https://example.com/post", notes=notes)
    doc = LogDocument(title="T", papers=[no_link, blog])
    text = write_log(doc)
    assert "### [1] P\n\nLink: none\n" in text
    assert "### [2] Q\n\nLink: https://example.com/post\n" in text
    assert round_trips(doc)


# -- curiosity, TL;DR -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "level", "note"),
    [
        ("- curiosity: high", "high", ""),
        ("- CURIOUSITY: Low - skimmed only", "low", "skimmed only"),
        ("- Curiosity: interesting. Worth a second read", "interesting", "Worth a second read"),
        ("curiosity: neutral", "neutral", ""),
        ("- curiosity: very high", "", "very high"),
        ("- curiosity: higher than usual", "", "higher than usual"),
    ],
)
def test_curiosity_is_read_in_any_case_and_spelling(line, level, note):
    paper = only_paper(f"### [1] P\n\n{line}\n")
    assert (paper.curiosity, paper.curiosity_note, paper.notes) == (level, note, [])


@pytest.mark.parametrize(
    "line", ["TLDR: short.", "TL;DR: short.", "- tl;dr: short.", "* TLDR : short."]
)
def test_tldr_is_read_as_paragraph_or_bullet(line):
    paper = only_paper(f"### P\n\n{line}\n")
    assert (paper.tldr, paper.notes) == ("short.", [])


def test_a_second_curiosity_or_tldr_stays_a_note_and_round_trips():
    paper = only_paper("### [1] P\n\n- curiosity: high\n- TLDR: a\n- curiosity: low\n- TLDR: b\n")
    assert (paper.curiosity, paper.tldr) == ("high", "a")
    assert paper.notes == [NoteEntry("curiosity: low"), NoteEntry("TLDR: b")]
    assert round_trips(LogDocument(papers=[paper]))


# -- notes and anchors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "kind", "label"),
    [
        ("Figure 1:", "figure", "Figure 1"),
        ("Fig 2:", "figure", "Figure 2"),
        ("Fig3:", "figure", "Figure 3"),
        ("Fig. 4b:", "figure", "Figure 4b"),
        ("Figs 2-3:", "figure", "Figure 2-3"),
        ("Table 3:", "table", "Table 3"),
        ("Equation 2:", "equation", "Equation 2"),
        ("Eq. (5):", "equation", "Equation 5"),
        ("Section 4.2:", "section", "Section 4.2"),
        ("§5:", "section", "Section 5"),
        ("3.4", "section", "Section 3.4"),
        ("Page 7:", "page", "Page 7"),
        ("p. 7:", "page", "Page 7"),
        ("Abstract:", "abstract", "Abstract"),
        ("ABS:", "abstract", "Abstract"),
        ("Intro:", "intro", "Introduction"),
        ("Conclusion:", "conclusion", "Conclusion"),
        ("MEthods:", "methods", "Methods"),
    ],
)
def test_a_leading_label_becomes_the_notes_anchor(start, kind, label):
    paper = only_paper(f"### [1] P\n\n- {start} the note\n")
    assert paper.notes == [NoteEntry("the note", kind, label)]


def test_bullets_of_every_marker_and_their_children_make_one_note_each():
    text = "### [1] P\n\n* first\n\t+ child with a tab\n  - child\n+ second\n- third\n  more\n"
    assert [n.body for n in only_paper(text).notes] == [
        "first\n  + child with a tab\n- child",
        "second",
        "third\nmore",
    ]


# -- lead-ins whose list lost its indentation ----------------------------------------


def test_a_lead_in_takes_the_bullets_below_it_up_to_a_blank_line():
    text = "### [1] P\n\n- first\n- The paper:\n- does one thing\n* and another\n\n- after\n"
    doc = parse_log(text)
    assert doc.papers[0].notes == [
        NoteEntry("first"),
        NoteEntry("The paper:\n- does one thing\n- and another"),
        NoteEntry("after"),
    ]
    assert [(w.line, w.message) for w in doc.warnings] == [
        (4, "Guessed: lines 5–6 read as the items of 'The paper:'.")
    ]
    exported = write_log(doc)
    assert "- The paper:\n  - does one thing\n  - and another\n- after\n" in exported
    assert parse_log(exported) == doc
    assert parse_log(exported).warnings == []


def test_a_lead_in_ends_at_the_next_lead_in():
    text = "### [1] P\n\n- **Pros:**\n- fast\n- Cons, as I see them:\n- slow\n  - very\n"
    doc = parse_log(text)
    assert doc.papers[0].notes == [
        NoteEntry("**Pros:**\n- fast"),
        NoteEntry("Cons, as I see them:\n- slow\n  - very"),
    ]
    assert [w.message for w in doc.warnings] == [
        "Guessed: line 4 read as the item of '**Pros:**'.",
        "Guessed: lines 6–7 read as the items of 'Cons, as I see them:'.",
    ]
    assert round_trips(doc)


def test_a_lead_in_leaves_a_labelled_bullet_or_the_papers_link_alone():
    text = (
        "### [1] P\n\n- Figures:\n- Fig 2: the loss\n- plain\n\n"
        "- Links:\n- https://arxiv.org/abs/2407.12687\n\n- Summary:\n- TLDR: short\n"
    )
    paper = only_paper(text)
    assert paper.notes == [
        NoteEntry("Figures:"),
        NoteEntry("the loss", "figure", "Figure 2"),
        NoteEntry("plain"),  # the label ended the group
        NoteEntry("Links:"),
        NoteEntry("Summary:"),
    ]
    assert (paper.arxiv_id, paper.tldr) == ("2407.12687", "short")


@pytest.mark.parametrize(
    "lines",
    [
        "- The paper:\n  - already indented, as in:\n- next",  # it has its children
        "- The paper:\n\n- after a blank line",
        "- The paper, as far as I can tell after one read:\n- more than eight words",
        "- Figure 1:\n- an anchor label",
        "- Abstract:\n- an anchor label",
        "- curiosity:\n- a label",
        "- Figure 1\\: escaped:\n- an escaped label",
        "- MCTS:?\n- ends with a question mark",
        "- The paper: does this\n- the colon is not at the end",
        "**The paper:**- glued\n- to a bullet",
        "Thoughts:\n- a paragraph",
        "#### I haven't understood\n\n- Questions:\n- in a question section",
    ],
)
def test_what_is_no_lead_in_stays_as_it_was(lines):
    doc = parse_log(f"### [1] P\n\n{lines}\n")
    assert not any("read as the item" in w.message for w in doc.warnings)
    assert round_trips(doc)


def test_a_note_that_looks_like_a_lead_in_is_written_apart_from_the_next():
    notes = [NoteEntry("The paper:"), NoteEntry("a note of its own"), NoteEntry("Pros:")]
    doc = LogDocument(papers=[PaperEntry(number=1, title="P", notes=notes)])
    text = write_log(doc)
    assert "- The paper:\n\n- a note of its own\n- Pros:\n" in text
    assert round_trips(doc)
    assert parse_log(text).warnings == []


def test_code_tables_and_math_are_kept_whole_inside_notes():
    body = (
        "Figure 2: the loss\n"
        "  ```python\n  # not a heading\n  - not a bullet\n\n  x = 1\n  ```\n"
        "  | a | b |\n  |---|---|\n  | 1 | 2 |\n\n"
        "  $$\n  L = \\sum_i x_i^2\n  $$"
    )
    paper = only_paper(f"### [1] P\n\n- {body}\n- next\n")
    assert paper.notes[0].body == (
        "the loss\n```python\n# not a heading\n- not a bullet\n\nx = 1\n```\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n$$\nL = \\sum_i x_i^2\n$$"
    )
    assert paper.notes[1] == NoteEntry("next")
    assert round_trips(LogDocument(papers=[paper]))


def test_a_code_block_outside_a_bullet_is_a_note_and_may_hold_headings():
    paper = only_paper("### [1] P\n\n```md\n### [2] not a paper\n```\n")
    assert paper.notes == [NoteEntry("```md\n### [2] not a paper\n```")]


def test_a_body_that_looks_like_a_label_is_escaped_and_read_back_as_text():
    bodies = ["Figure 1: no anchor", "curiosity: high", "TL;DR: no", "Link: none", "3.4 ok"]
    paper = PaperEntry(number=1, title="P", notes=[NoteEntry(b) for b in bodies])
    text = write_log(LogDocument(papers=[paper]))
    assert "- Figure 1\\: no anchor\n- curiosity\\: high\n- TL\\;DR: no\n" in text
    assert round_trips(LogDocument(papers=[paper]))


def test_crlf_line_ends_and_a_bom_are_read():
    text = "\ufeff# T\r\n\r\n### [1] P\r\n\r\n- a\r\n  - b\r\n"
    doc = parse_log(text.encode())
    assert doc.title == "T"
    assert doc.papers[0].notes == [NoteEntry("a\n- b")]


def test_a_heading_of_level_two_is_a_paper_too():
    doc = parse_log("# T\n\nIntro text.\n\n## [4] P\n\n## Q\n")
    assert doc.description == "Intro text."
    assert [(p.number, p.title) for p in doc.papers] == [(4, "P"), (5, "Q")]


def test_other_headings_inside_a_paper_are_kept_as_notes():
    paper = only_paper("### [1] P\n\n#### Related work\n\n- one\n")
    assert paper.notes == [NoteEntry("#### Related work"), NoteEntry("one")]


# -- questions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("#### I haven't understood", "I haven't understood"),
        ("#### I have not understood:", "I haven't understood"),
        ("#### I haven’t understood yet", "I haven't understood"),
        ("#### I'm trying to understand", "I'm trying to understand"),
        ("### Questions", "Questions"),
        ("#### open questions:", "Open questions"),
    ],
)
def test_question_headings_are_recognised_and_canonicalised(heading, section):
    paper = only_paper(f"### [1] P\n\n{heading}\n\n- Why?\n")
    assert paper.questions == [QuestionEntry("Why?", section=section)]


def test_indented_bullets_are_replies_and_blank_lines_separate_questions():
    text = (
        "### [1] P\n\n#### Questions\n\n"
        "- Why this?\n  - Because.\n    - Really.\n  - Or not.\n"
        "- No question mark here\n\n"
        "- A statement\n"
    )
    paper = only_paper(text)
    assert paper.questions == [
        QuestionEntry("Why this?", replies=["Because.\n- Really.", "Or not."], section="Questions"),
        QuestionEntry("No question mark here", section="Questions"),
        QuestionEntry("A statement", section="Questions"),
    ]


def test_in_a_flattened_group_a_bullet_ending_in_a_question_mark_starts_a_question():
    text = "### [1] P\n\n#### Questions\n\n- First\n- an answer\n- Second?\n- its answer\n"
    doc = parse_log(text)
    assert doc.papers[0].questions == [
        QuestionEntry("First", replies=["an answer"], section="Questions"),
        QuestionEntry("Second?", replies=["its answer"], section="Questions"),
    ]
    assert [w.line for w in doc.warnings if w.message.startswith("Guessed")] == [6, 8]


def test_ticked_items_and_resolution_labels_resolve_questions():
    text = (
        "### [1] P\n\n#### I haven't understood\n\n"
        "- [x] What is SAM?\n  - a method\n\n"
        "- What is rho?\n  - Resolved: the radius\n\n"
        "- [ ] Reopened one\n  - Resolution: was wrong\n\n"
        "- [ ] Still open\n"
    )
    questions = only_paper(text).questions
    assert [(q.body, q.status, q.resolution, q.replies) for q in questions] == [
        ("What is SAM?", "resolved", "", ["a method"]),
        ("What is rho?", "resolved", "the radius", []),
        ("Reopened one", "open", "was wrong", []),
        ("Still open", "open", "", []),
    ]
    assert round_trips(LogDocument(papers=[PaperEntry(1, "P", questions=questions)]))


def test_questions_keep_their_sections_in_order_on_export():
    questions = [
        QuestionEntry("a", section="Questions"),
        QuestionEntry("b", section="I'm trying to understand"),
        QuestionEntry("c", section="Questions"),
    ]
    doc = LogDocument(papers=[PaperEntry(1, "P", questions=questions)])
    assert write_log(doc).count("#### Questions") == 2
    assert round_trips(doc)


# -- change log -----------------------------------------------------------------------


def test_change_log_entries_are_read_anywhere_with_any_separator():
    text = (
        "# T\n\n## Changelog\n\n- 2024-01-02: first\n* 2024-01-03 — second\n\n"
        "### [1] P\n\n- note\n\n##### Change logs\n\n- 2024-01-04 - third\n"
        "  continued\n\nNo date here.\n"
    )
    doc = parse_log(text)
    assert doc.changelog == [
        ChangeLogItem(datetime.date(2024, 1, 2), "first"),
        ChangeLogItem(datetime.date(2024, 1, 3), "second"),
        ChangeLogItem(datetime.date(2024, 1, 4), "third\ncontinued\n\nNo date here."),
    ]
    assert doc.papers[0].notes == [NoteEntry("note")]
    assert any("No date" in w.message for w in doc.warnings)


# -- the document -----------------------------------------------------------------------


def test_an_empty_title_and_description_round_trip():
    doc = LogDocument(papers=[PaperEntry(1, "")])
    assert write_log(doc) == "#\n\n### [1]\n"
    assert round_trips(doc)


def test_a_paper_with_an_arxiv_id_but_no_url_is_written_with_its_link():
    doc = LogDocument(papers=[PaperEntry(1, "P", arxiv_id="2407.12687")])
    assert "https://arxiv.org/abs/2407.12687" in write_log(doc)
    assert parse_log(write_log(doc)).papers[0].url == "https://arxiv.org/abs/2407.12687"


def test_the_example_in_the_format_docs_is_exactly_what_the_writer_writes():
    docs = Path(__file__).resolve().parents[2] / "docs" / "log-format.md"
    example = re.search(r"```markdown\n(.*?)\n```\n", docs.read_text(), re.DOTALL)[1] + "\n"
    doc = parse_log(example)
    assert doc.warnings == []
    assert write_log(doc) == example


def test_a_title_after_a_change_log_ends_it_and_is_the_logs_title():
    doc = parse_log("## Changelog\n- 2024-01-04: x\n\n# My Log\n\n### [1] A\n- a\n")
    assert doc.title == "My Log"
    assert doc.description == ""
    assert doc.changelog == [ChangeLogItem(datetime.date(2024, 1, 4), "x")]
    assert doc.papers == [PaperEntry(1, "A", notes=[NoteEntry("a")])]
    assert round_trips(doc)


def test_text_after_a_title_that_ends_a_change_log_is_the_description():
    text = (
        "Before.\n\n## Changelog\n- 2024-01-04: x\n\n# My Log\n\nAfter.\n\n"
        "# Second title\n\n### [1] A\n- a\n"
    )
    doc = parse_log(text)
    assert doc.title == "My Log"
    assert doc.description == "Before.\n\nAfter.\n\n# Second title"
    assert doc.changelog == [ChangeLogItem(datetime.date(2024, 1, 4), "x")]
    assert round_trips(doc)


def test_a_level_one_heading_after_a_change_log_below_the_papers_is_a_note():
    doc = parse_log("# T\n\n### [1] A\n- a\n\n## Change log\n- 2024-01-04: x\n\n# Appendix\n- b\n")
    assert doc.changelog == [ChangeLogItem(datetime.date(2024, 1, 4), "x")]
    assert doc.papers[0].notes == [NoteEntry("a"), NoteEntry("# Appendix"), NoteEntry("b")]
    assert round_trips(doc)


# -- bare section numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "0.5 dropout helps",
        "3.5 billion parameters are enough",
        "3.5 B parameters",
        "1.5 x faster",
        "2.5 times faster",
        "7.5 percent of the data",
        "40.5 is the score",
        "3.14159 is pi",
        "2024.05 was the month",
        "3.4 (see above)",
        "0.5: halved",
    ],
)
def test_a_bare_decimal_number_that_is_no_section_stays_a_plain_note(line):
    text = f"# T\n\n### [1] A\n\n- {line}\n"
    doc = parse_log(text)
    assert doc.papers[0].notes == [NoteEntry(line)]
    assert write_log(doc) == text
    assert round_trips(doc)


@pytest.mark.parametrize(
    ("line", "label", "body"),
    [
        ("3.4 for speech recognition, wavenet can serve", "Section 3.4", "for speech recognition"),
        ("4.2.1 the ablation", "Section 4.2.1", "the ablation"),
        ("12.3: results", "Section 12.3", "results"),
        ("30.1 appendix", "Section 30.1", "appendix"),
        ("3.4 k-means is used", "Section 3.4", "k-means is used"),
    ],
)
def test_a_bare_section_number_followed_by_a_word_is_a_section_anchor(line, label, body):
    note = only_paper(f"### [1] A\n\n- {line}\n").notes[0]
    assert (note.anchor_kind, note.anchor_label) == ("section", label)
    assert note.body.startswith(body)


# -- lines of the papers ---------------------------------------------------------------------


def test_each_paper_records_the_line_of_its_heading():
    text = (
        "\ufeff# T\r\n\r\nDesc\r\n\r\n```\r\n### [9] not a paper\r\n```\r\n\r\n"
        "## [1] A\r\n- a\r\n  indented\r\nlazy\r\n\r\n### B\r\n#### Questions\r\n- q\r\n  - r\r\n"
        "## Changelog\r\n- 2024-01-01: x\r\n### [3] C\r\n"
    )
    doc = parse_log(text.encode())
    assert [(p.number, p.title, p.line) for p in doc.papers] == [
        (1, "A", 9),
        (4, "B", 14),
        (3, "C", 20),
    ]
    assert [w.line for w in doc.warnings] == [14]


@pytest.mark.parametrize(
    ("field", "paper"),
    [
        ("title", "### [2] " + "t" * 501 + "\n"),
        ("url", "### [2] B\n\nLink: https://example.com/" + "u" * 500 + "\n"),
        ("arxiv_id", "### [2] B\n\nhttps://arxiv.org/abs/" + "a" * 41 + "/1234567\n"),
        ("doi", "### [2] B\n\nhttps://doi.org/10.1000/" + "d" * 200 + "\n"),
    ],
)
def test_a_field_too_long_for_the_database_is_reported_on_its_papers_line(field, paper):
    doc = parse_log("# T\n\n### [1] A\n\n- a\n  - b\n\n" + paper)
    assert doc.papers[1].line == 8
    with pytest.raises(LogFormatError) as caught:
        _check_lengths(doc)
    assert caught.value.line == 8
    assert str(caught.value).startswith(f"Line 8: The paper's {field} is longer than")
