"""Round trips and "nothing dropped" on generated logs (hypothesis).

Two generators: records as the parser produces them (written, then read
back), and messy markdown as people write it (read, written, read again).
"""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from papers.logformat import (
    ANCHOR_KINDS,
    CURIOSITY_LEVELS,
    QUESTION_SECTIONS,
    ChangeLogItem,
    LogDocument,
    NoteEntry,
    PaperEntry,
    QuestionEntry,
    link_ids,
    parse_log,
    write_log,
)
from papers.logformat.syntax import split_curiosity
from tests.logformat.helpers import missing_words, record_text

PROPERTY = settings(max_examples=200, deadline=None)

# Words that never join into one another, so no paragraph is mended into a word.
WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel kilo lima mike oscar papa romeo "
    "sierra tango victor whiskey yankee zulu 42 3.5 x² naïve 日本語 (aside) **bold** `code` "
    "e=mc^2 100% why? done. a,b — https://arxiv.org/abs/2101.00001 "
    "<https://openreview.net/forum?id=abc> https://example.com/page"
).split()
# Starts of a body that look like something else: labels, markdown syntax.
TRICKY_STARTS = (
    "Figure 1: alpha",
    "Fig3: bravo",
    "3.4 charlie",
    "0.5 delta",
    "3.5 billion echo",
    "curiosity: high",
    "curiousity: low, delta",
    "TL;DR: echo",
    "TLDR: golf",
    "Link: none",
    "Link: https://example.com/x",
    "https://arxiv.org/abs/2101.00002",
    "Resolved: hotel",
    "Resolution: kilo",
    "[x] lima",
    "[ ] mike",
    "# oscar",
    "- papa",
    "1. romeo",
    "> sierra",
    "**tango:**",
    "The paper:",
    "TLDR; golf",
    "TL;DR - hotel",
    "TLDR — kilo",
    "**TL;DR**: lima",
    "Figure 1.2: mike",
    "Fig. 3(b): oscar",
    "Figure S1: papa",
    "Fig 2a-c: romeo",
    "Q: sierra",
    "**Question:** tango?",
    "A: victor",
    "Answer: whiskey",
    "[x] yankee",
    "Link: [arXiv](https://arxiv.org/abs/2101.00003)",
    "Link: [the zulu paper](https://arxiv.org/abs/2101.00004)",
    "Paper: https://example.com/y",
    "arXiv: 2101.00005",
    "PDF: <https://example.com/z.pdf>",
    "*\talpha",
    "+\tbravo",
    "**Doubts:**",
    "Open points:",
    "**Fig. 2**: alpha",
    "**Link:** https://example.com/q",
    "__Curiosity__: low",
)

sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=7).map(" ".join)
first_line = st.one_of(sentence, sentence, sentence, st.sampled_from(TRICKY_STARTS))
FENCE = ["```python", "# comment", "- not a bullet", "", "## not a heading", "```"]
TABLE = ["| a | b |", "|---|---|", "| 1 | 2 |"]
MATH = ["$$", "L = \\sum_i x_i^2", "$$"]


@st.composite
def body(draw, *, lists=True):
    """A markdown body as a note, reply or question may hold."""
    lines = [draw(first_line)]
    extras = [
        st.builds(lambda s: [s], sentence),
        st.builds(lambda s: ["", s], sentence),
        st.just(["", *FENCE]),
        st.just(["", *TABLE]),
        st.just(["", *MATH]),
    ]
    if lists:
        extras.append(st.builds(lambda a, b: [f"- {a}", f"  - {b}"], sentence, sentence))
    for extra in draw(st.lists(st.one_of(extras), max_size=2)):
        lines += extra
    return "\n".join(lines)


question_body = st.one_of(sentence, body(lists=False))
optional_body = st.one_of(st.just(""), body())
ANCHORS = [
    ("figure", "Figure 2"),
    ("table", "Table 3"),
    ("equation", "Equation 1"),
    ("section", "Section 3.4"),
    ("page", "Page 7"),
    ("abstract", "Abstract"),
    ("intro", "Introduction"),
    ("conclusion", "Conclusion"),
    ("methods", "Methods"),
]
assert {kind for kind, _ in ANCHORS} == set(ANCHOR_KINDS)

note = st.one_of(
    st.builds(NoteEntry, body=body()),
    st.builds(
        lambda anchor, text: NoteEntry(text, *anchor), st.sampled_from(ANCHORS), optional_body
    ),
)
question = st.builds(
    QuestionEntry,
    body=st.one_of(st.just(""), question_body),
    status=st.sampled_from(["open", "resolved"]),
    resolution=optional_body,
    replies=st.lists(body(), max_size=2),
    section=st.sampled_from(QUESTION_SECTIONS),
)
URLS = [
    "",
    "https://arxiv.org/abs/2407.12687",
    "https://arxiv.org/pdf/2001.08361v2.pdf",
    "https://doi.org/10.1145/3292500.3330701",
    "https://openreview.net/forum?id=Gl4AsqInti",
    "https://github.com/google/jax",
    "https://example.com/paper.pdf",
]


@st.composite
def paper(draw, number):
    url = draw(st.sampled_from(URLS))
    level = draw(st.sampled_from(("", *CURIOSITY_LEVELS)))
    # Without a level, a note that starts with one is read as that level.
    curiosity_note = draw(
        st.one_of(st.just(""), sentence).filter(lambda t: level or not split_curiosity(t)[0])
    )
    return PaperEntry(
        number=number,
        title=draw(sentence),
        url=url,
        arxiv_id=link_ids(url)[0],
        doi=link_ids(url)[1],
        curiosity=level,
        curiosity_note=curiosity_note,
        tldr=draw(optional_body),
        notes=draw(st.lists(note, max_size=4)),
        questions=draw(st.lists(question, max_size=2)),
    )


description_line = st.one_of(sentence, sentence.map(lambda s: f"- {s}"), st.just(""))


@st.composite
def documents(draw):
    numbers = draw(st.lists(st.integers(1, 300), min_size=1, max_size=3, unique=True))
    description = "\n".join(draw(st.lists(description_line, max_size=4))).strip("\n")
    return LogDocument(
        title=draw(st.one_of(st.just(""), sentence)),
        description=description,
        papers=[draw(paper(n)) for n in numbers],
        changelog=draw(
            st.lists(
                st.builds(
                    ChangeLogItem,
                    date=st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 1, 1)),
                    text=optional_body,
                ),
                max_size=3,
            )
        ),
    )


@PROPERTY
@given(documents())
def test_written_records_read_back_equal_drop_no_word_and_write_the_same_text(doc):
    text = write_log(doc)
    again = parse_log(text)
    assert again == doc
    assert write_log(again) == text
    assert again.warnings == []
    assert missing_words(record_text(doc), text) == {}
    assert missing_words(text, record_text(again), ignore=FORMAT_WORDS) == {}


# -- messy markdown ------------------------------------------------------------------

# Words of the labels and headings the format recognises and may rewrite.
FORMAT_WORDS = (
    "curiosity curiousity tldr tl dr link none resolved resolution fig figure table "
    "eq equation sec section page abs abstract intro introduction conclusion methods "
    "i haven t have not understood m trying to understand questions open change log logs "
    "changelog x q question a ans answer points doubts things don get paper pdf arxiv doi"
).split()
PLAIN = (
    "alpha bravo charlie delta echo foxtrot golf hotel kilo lima mike oscar papa romeo "
    "sierra tango victor whiskey yankee zulu 42 x² naïve why? done."
).split()
plain = st.lists(st.sampled_from(PLAIN), min_size=1, max_size=6).map(" ".join)
marker = st.sampled_from(["-", "*", "+", "*\t", "-\t"])
indent = st.sampled_from(["  ", "    ", "\t"])
LINKS = [
    "https://arxiv.org/abs/2407.12687",
    "<https://arxiv.org/pdf/2001.08361v2>",
    "[the paper](https://doi.org/10.1000/xyz)",
    "https://openreview.net/forum?id=Gl4AsqInti",
]


@st.composite
def messy_block(draw):
    """One block of a paper's section, in one of the ways people write it."""
    kind = draw(
        st.sampled_from(
            [
                *("note", "anchored", "nested", "para", "link", "label", "lead-in"),
                *("qa", "question-line"),
            ]
        )
    )
    m = draw(marker)
    if kind == "note":
        return [f"{m} {draw(plain)}"]
    if kind == "anchored":
        start = draw(
            st.sampled_from(
                [
                    *("Fig3:", "Fig 2:", "Table 1:", "ABS:", "Intro:", "4.2", "0.5", "3.5 million"),
                    *("Figure 1.2:", "Fig. 3(b):", "Figure S1:", "Fig 2a-c:"),
                ]
            )
        )
        return [f"{m} {start} {draw(plain)}"]
    if kind == "nested":
        return [f"{m} {draw(plain)}", f"{draw(indent)}{draw(marker)} {draw(plain)}"]
    if kind == "lead-in":
        # "The paper:" and the bullets below it that lost their indentation.
        lead = draw(st.sampled_from(["The paper:", "**Pros:**", "Cons, in short:"]))
        return [
            f"{m} {lead}",
            *(f"{draw(marker)} {draw(plain)}" for _ in range(draw(st.integers(0, 2)))),
        ]
    if kind == "para":
        return ["", draw(plain).capitalize(), ""]
    if kind == "link":
        link = draw(st.sampled_from(LINKS))
        label = draw(st.sampled_from(["", "Link: ", "Paper: ", "PDF: "]))
        return draw(
            st.sampled_from([["", label + link, ""], [f"{m} {label}{link}"], [f"{m} see {link}"]])
        )
    if kind == "question-line":
        # A bold line naming a question section, the bullets below it questions.
        line = draw(st.sampled_from(["**Questions:**", "Open points:", "__Doubts__"]))
        bullets = [f"{draw(marker)} {draw(plain)}" for _ in range(draw(st.integers(0, 2)))]
        return ["", line, *bullets]
    if kind == "qa":
        # `Q:` asked among the notes, `A:` answering it, as a paragraph or bullets.
        ask = draw(st.sampled_from(["Q: ", "Question: ", "**Q:** "])) + draw(plain)
        answers = [
            draw(st.sampled_from(["A: ", "Answer: "])) + draw(plain)
            for _ in range(draw(st.integers(0, 2)))
        ]
        if draw(st.booleans()):
            return ["", ask, *answers, ""]
        return [f"{m} {ask}", *(f"{draw(marker)} {answer}" for answer in answers)]
    label = draw(
        st.sampled_from(
            [
                *("curiosity:", "Curiousity:", "CURIOSITY:", "TLDR:", "- TL;DR:"),
                *("TLDR;", "- TL;DR -", "TL;DR —", "**TL;DR**:"),
            ]
        )
    )
    level = draw(st.sampled_from(["", "high, ", "Low - ", "neutral. "]))
    return ["", f"{label} {level}{draw(plain)}", ""]


@st.composite
def messy_questions(draw):
    heading = draw(
        st.sampled_from(
            [
                "#### I haven't understood",
                "#### I have not understood:",
                "### Questions",
                "#### Open points",
                "### Doubts:",
                "#### Things I don't get",
            ]
        )
    )
    lines = ["", heading, ""]
    for _ in range(draw(st.integers(1, 3))):
        box = draw(st.sampled_from(["", "", "[x] ", "[ ] "]))
        lines.append(f"{draw(marker)} {box}{draw(plain)}")
        for _ in range(draw(st.integers(0, 2))):
            prefix = draw(st.sampled_from(["", draw(indent)]))
            answer = draw(st.sampled_from(["", "", "Resolved: ", "A: ", "[x] ", "[ ] "]))
            lines.append(f"{prefix}{draw(marker)} {answer}{draw(plain)}")
        lines.append(draw(st.sampled_from(["", ""])))
    return lines


@st.composite
def messy_documents(draw):
    lines = ["# " + draw(plain), ""]
    lines += [f"- {draw(plain)}" for _ in range(draw(st.integers(0, 2)))]
    changelog = [
        "",
        draw(st.sampled_from(["#### change logs", "## Changelog", "### Change log:"])),
        "",
    ]
    for day in range(1, draw(st.integers(1, 3)) + 1):
        separator = draw(st.sampled_from([":", " —", " -"]))
        changelog.append(f"- 2024-03-{day:02d}{separator} {draw(plain)}")
    numbers = draw(st.lists(st.integers(1, 50), min_size=1, max_size=3, unique=True))
    where = draw(st.integers(-1, len(numbers)))
    if where == -1:
        # A change log above the title: the `#` heading ends it.
        lines = changelog[1:] + [""] + lines
    for i, number in enumerate(numbers):
        if i == where:
            lines += changelog
        hashes = draw(st.sampled_from(["##", "###"]))
        label = draw(st.sampled_from([f"[{number}] ", ""]))
        lines += ["", f"{hashes} {label}{draw(plain)}", ""]
        for block in draw(st.lists(messy_block(), max_size=6)):
            lines += block
        if draw(st.booleans()):
            lines += draw(messy_questions())
    if where == len(numbers):
        lines += changelog
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return draw(st.sampled_from(["", "\ufeff"])) + text


@PROPERTY
@given(messy_documents())
def test_messy_logs_read_without_dropping_a_word_and_round_trip(text):
    doc = parse_log(text)
    assert missing_words(text, record_text(doc), ignore=FORMAT_WORDS) == {}
    exported = write_log(doc)
    assert missing_words(text, exported, ignore=FORMAT_WORDS) == {}
    again = parse_log(exported)
    assert again == doc
    assert write_log(again) == exported
