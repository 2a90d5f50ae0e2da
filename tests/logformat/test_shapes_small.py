"""The smaller things real files do, each with a fixture of its own (shapes/small-*.md).

Tab bullets, the ways people spell TL;DR, figure numbers as papers print
them, questions asked with `Q:` or filed under a heading of the author's own,
links given as labels, and math and images kept byte for byte. The format's
rules are checked through parse_log and write_log; the fixtures also go
through `import_log` / `export_log` and through the browser import.
"""

import io
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from papers.logformat import LogDocument, NoteEntry, PaperEntry, parse_log, write_log
from papers.models import Comment, Note, Paper, Question, ReadingLog
from tests.logformat.helpers import missing_words, record_text

SHAPES = Path(__file__).resolve().parent / "shapes"
SMALL = sorted(SHAPES.glob("small-*.md"))

# The labels the format reads and then writes its own way (or as structure):
# `Q:` becomes a question, `A:` its reply, `Paper:` / `PDF:` / `arXiv:` the
# paper's link. Dropped from the source before counting its words.
_LABEL_RE = re.compile(
    r"^([ \t]*(?:[-*+][ \t]+)?)(?:\*\*|__)?"
    r"(?:q|question|a|ans|answer|link|paper|pdf|arxiv|doi)(?:\*\*|__)?[ \t]*:(?:\*\*|__)?",
    re.IGNORECASE | re.MULTILINE,
)
# A link whose text only names where it goes: `Link: [pdf](url)` keeps the URL.
_WHERE_LINK_RE = re.compile(r"\[(?:arxiv|pdf)\]\((https?://[^)\s]+)\)", re.IGNORECASE)
# Label words written canonically: "TLDR;" as "TL;DR:", "Fig." as "Figure",
# and "curiosity", a field's name in the records.
CANONICAL = ("tldr", "tl", "dr", "fig", "curiosity")


def without_labels(text):
    return _WHERE_LINK_RE.sub(r"\1", _LABEL_RE.sub(r"\1", text))


def kept_text(doc):
    """The user's words in the records: record_text and the question sections."""
    sections = {question.section for paper in doc.papers for question in paper.questions}
    return "\n".join([record_text(doc), *sorted(sections)])


def read(name):
    return parse_log((SHAPES / name).read_text(encoding="utf-8"))


def only_paper(text):
    doc = parse_log("# Log\n\n### [1] A paper\n\n" + text)
    assert len(doc.papers) == 1
    return doc.papers[0]


def round_trips(text):
    """Tell whether text, read and written, reads back equal and writes the same again."""
    doc = parse_log(text)
    written = write_log(doc)
    again = parse_log(written)
    return again == doc and write_log(again) == written


# -- every fixture: nothing lost, a fixpoint -------------------------------------------


@pytest.mark.parametrize("path", SMALL, ids=lambda path: path.name)
def test_every_word_of_a_small_shape_is_kept_and_its_export_is_a_fixpoint(path):
    source = path.read_text(encoding="utf-8")
    doc = parse_log(source)
    exported = write_log(doc)

    # A task box `[x]` is the question's status in the records.
    assert missing_words(without_labels(source), kept_text(doc), ignore=(*CANONICAL, "x")) == {}
    assert missing_words(without_labels(source), exported, ignore=CANONICAL) == {}
    again = parse_log(exported)
    assert again == doc
    assert write_log(again) == exported
    assert again.warnings == []


# -- bullets with a tab ------------------------------------------------------------------


@pytest.mark.parametrize("line", ["-\tA note.", "*\tA note.", "+\tA note.", "+ A note."])
def test_a_tab_or_a_plus_after_the_bullet_makes_a_bullet(line):
    assert [note.body for note in only_paper(line + "\n").notes] == ["A note."]


def test_tab_bullets_keep_their_nested_bullets_in_the_note():
    notes = read("small-tab-bullets.md").papers[0].notes

    assert [note.body.split("\n")[0] for note in notes] == [
        "Routing sends each token to a single expert, which keeps the compute per token flat.",
        "The capacity factor caps how many tokens an expert takes per batch.",
        "Load balancing comes from an auxiliary loss on the router.",
        "Training in bfloat16 was unstable until the router ran in float32.",
        "A plus bullet with a plain space still works.",
    ]
    assert notes[1].body.split("\n")[1:] == [
        "*\tOverflow tokens skip the layer through the residual path.",
        "*\tRaising the factor helps quality but costs memory.",
    ]


def test_tab_bullets_render_as_a_nested_list(db):
    from papers.markdown import render_markdown

    body = read("small-tab-bullets.md").papers[1].notes[0].body

    html = render_markdown(body)
    assert html.count("<li>") == 1 and "Rank 4 or 8" in html and "-\t" not in html


# -- TL;DR ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "TLDR; short and sweet",
        "- TL;DR - short and sweet",
        "TL;DR — short and sweet",
        "TL;DR— short and sweet",
        "- **TL;DR**: short and sweet",
        "**TL;DR:** short and sweet",
        "- tl;dr: short and sweet",
    ],
)
def test_the_ways_people_spell_tldr_give_the_tldr(line):
    paper = only_paper(line + "\n")

    assert (paper.tldr, paper.notes) == ("short and sweet", [])


@pytest.mark.parametrize(
    "line", ["TL;DR-like models are short", "**TL;DR: the whole line is bold**", "TLDR is long"]
)
def test_a_tldr_without_its_separator_is_a_note(line):
    paper = only_paper(f"- {line}\n")

    assert (paper.tldr, [note.body for note in paper.notes]) == ("", [line])


def test_every_tldr_of_the_fixture_is_read():
    papers = read("small-tldr-variants.md").papers

    assert [paper.tldr.split()[:2] for paper in papers] == [
        ["normalising", "each"],
        ["normalise", "over"],
        ["keeping", "dropout"],
        ["per-parameter", "step"],
        ["weight", "decay"],
    ]


@pytest.mark.parametrize("second", ["TLDR; again", "TL;DR - again", "TLDR — again", "**TL;DR**: x"])
def test_a_second_tldr_stays_a_note_and_round_trips(second):
    text = f"# Log\n\n### [1] A paper\n\n- TL;DR: first\n- {second}\n"

    assert [note.body for note in parse_log(text).papers[0].notes] == [second]
    assert round_trips(text)


# -- figure anchors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind", "label"),
    [
        ("Figure 1.2: the plot", "figure", "Figure 1.2"),
        ("Fig. 3(b): the plot", "figure", "Figure 3(b)"),
        ("Fig. 3 (b): the plot", "figure", "Figure 3 (b)"),
        ("Figure S1: the plot", "figure", "Figure S1"),
        ("Fig 2a-c: the plot", "figure", "Figure 2a-c"),
        ("Fig 2a – c: the plot", "figure", "Figure 2a-c"),
        ("Table S2: the plot", "table", "Table S2"),
        ("Eq. (3.1): the plot", "equation", "Equation 3.1"),
    ],
)
def test_figure_numbers_as_papers_print_them_anchor_the_note(line, kind, label):
    note = only_paper(f"- {line}\n").notes[0]

    assert (note.anchor_kind, note.anchor_label, note.body) == (kind, label, "the plot")
    assert round_trips(f"# Log\n\n### [1] A paper\n\n- {line}\n")


@pytest.mark.parametrize("line", ["Figure 1.2 shows the plot", "Fig 2 and 3: the plot"])
def test_a_figure_number_without_its_colon_is_a_plain_note(line):
    note = only_paper(f"- {line}\n").notes[0]

    assert (note.anchor_kind, note.body) == ("", line)


def test_the_figure_fixture_anchors_every_labelled_note():
    notes = read("small-figure-anchors.md").papers[0].notes

    assert [note.anchor_label for note in notes] == [
        "Figure 1.2",
        "Figure 3(b)",
        "Figure S1",
        "Figure 2a-c",
        "Table 1.1",
        "",
    ]


# -- labels in bold ---------------------------------------------------------------------------


def test_labels_in_bold_read_as_the_plain_labels():
    paper = read("small-bold-labels.md").papers[0]

    assert paper.url == "https://example.org/reports/mdn-1994.pdf"
    assert (paper.curiosity, paper.curiosity_note) == ("high", "the output is a whole distribution")
    assert paper.tldr.startswith("a network predicts the weights")
    assert [(note.anchor_label, note.body.split()[0]) for note in paper.notes] == [
        ("Figure 2", "one"),
        ("Table 1", "the"),
        ("Abstract", "conditional"),
        ("", "**Pros:**"),
        ("", "**Key"),
    ]


@pytest.mark.parametrize(
    "body", ["**Fig. 2**: alpha", "**Link:** https://example.com/q", "**Authors**: A. Person"]
)
def test_a_note_that_starts_with_a_bold_label_round_trips(body):
    doc = LogDocument(papers=[PaperEntry(number=1, title="A paper", notes=[NoteEntry(body)])])

    assert parse_log(write_log(doc)) == doc


# -- questions ---------------------------------------------------------------------------------


def questions_of(paper):
    return [(q.section, q.status, q.body, q.resolution, q.replies) for q in paper.questions]


def test_q_and_a_among_the_notes_are_questions_and_replies():
    paper = read("small-questions.md").papers[0]

    assert [note.body for note in paper.notes] == [
        "The model predicts future latents instead of future samples.",
        "The audio experiments use raw waveforms.",
    ]
    assert questions_of(paper)[:3] == [
        (
            "Questions",
            "open",
            "Why does the InfoNCE loss bound the mutual information from below?",
            "",
            ["The bound comes from treating the positive sample as one of N candidates."],
        ),
        (
            "Questions",
            "resolved",
            "how many negatives did they draw per positive?",
            "Appendix B lists the exact numbers for each task.",
            ["Several hundred, taken from the same batch."],
        ),
        (
            "Questions",
            "open",
            "Is the autoregressive context model a GRU?",
            "",
            ["Yes, a single GRU layer on top of the encoder."],
        ),
    ]


def test_a_paragraph_may_hold_several_questions_and_answers():
    paper = only_paper("Q: one?\nA: first\nmore of it\nQuestion: two?\nAnswer: second\n")

    assert questions_of(paper) == [
        ("Questions", "open", "one?", "", ["first\nmore of it"]),
        ("Questions", "open", "two?", "", ["second"]),
    ]


@pytest.mark.parametrize("text", ["- A: not an answer", "- Q:", "- Questions: three of them"])
def test_an_answer_without_a_question_or_an_empty_q_is_a_note(text):
    paper = only_paper(text + "\n")

    assert (paper.questions, [note.body for note in paper.notes]) == ([], [text[2:]])


def test_an_answer_after_another_note_is_a_note():
    paper = only_paper("- Q: why?\n- An aside.\n- A: too late\n")

    assert [q.replies for q in paper.questions] == [[]]
    assert [note.body for note in paper.notes] == ["An aside.", "A: too late"]
    assert round_trips("# Log\n\n### [1] A paper\n\n- Q: why?\n- An aside.\n- A: too late\n")


@pytest.mark.parametrize(
    ("paper", "sections"),
    [
        (0, ["Questions", "Questions", "Questions", "Open points", "Open points"]),
        (1, ["Not clear", "Doubts"]),
        (2, ["Things I don't get", "To understand", "Confusions", "Unclear"]),
    ],
)
def test_headings_of_the_authors_own_hold_questions_under_their_own_name(paper, sections):
    papers = read("small-questions.md").papers

    assert len(papers) == 3
    assert [q.section for q in papers[paper].questions] == sections


def test_a_ticked_box_under_a_question_resolves_it_and_an_open_box_is_a_reply():
    papers = read("small-questions.md").papers

    assert questions_of(papers[0])[4] == (
        "Open points",
        "open",
        "Why predict several steps ahead rather than one?",
        "",
        ["the ablation for this is missing"],
    )
    assert questions_of(papers[1])[0][1:4] == (
        "resolved",
        "Why does a slowly moving key encoder keep the queue consistent?",
        "The keys in the queue were encoded by nearly the same weights, so they stay comparable.",
    )


def test_a_second_ticked_box_is_a_reply_kept_as_written():
    text = "#### Doubts\n\n- Why?\n  - [x] because\n  - [x] also this\n"
    paper = only_paper(text)

    assert questions_of(paper) == [("Doubts", "resolved", "Why?", "because", ["[x] also this"])]
    assert round_trips("# Log\n\n### [1] A paper\n\n" + text)


@pytest.mark.parametrize(
    "body", ["Q: a question", "A: an answer", "**Question:** bold", "[x] ticked", "[ ] open"]
)
def test_bodies_that_start_like_a_question_label_round_trip(body):
    text = f"# Log\n\n### [1] A paper\n\n- {body}\n\n#### Doubts\n\n- Why?\n  - {body}\n"

    assert round_trips(text)


def test_bullets_under_a_bold_or_colon_line_naming_a_question_section_are_questions():
    papers = read("small-question-lines.md").papers

    assert questions_of(papers[0]) == [
        (
            "Questions",
            "open",
            "How stiff do the dynamics get during training?",
            "",
            ["the number of function evaluations grows, they say"],
        ),
        (
            "Questions",
            "resolved",
            "Does the adjoint lose accuracy when run backwards?",
            "It can; later work checkpoints the forward pass.",
            [],
        ),
    ]
    assert [q.body for q in papers[1].questions] == [
        "Is the fixed point always unique?",
        "How many solver iterations at test time?",
    ]
    assert papers[1].questions[1].replies == ["Around thirty on their language model."]


def test_a_question_line_without_bullets_below_stays_a_note():
    papers = read("small-question-lines.md").papers

    assert "Thoughts: a neat framing, but slow in practice." in [n.body for n in papers[0].notes]
    assert [note.body for note in papers[1].notes] == [
        "One layer applied until it reaches a fixed point, found by root finding.",
        "Doubts:",
        "The backward pass needs only the fixed point, not the path to it.",
    ]


@pytest.mark.parametrize("line", ["**Questions**", "__Doubts:__", "Not clear:", "**Unclear**:"])
def test_a_lone_question_line_round_trips_as_a_note(line):
    doc = parse_log(f"# Log\n\n### [1] A paper\n\n{line}\n\nA paragraph after it.\n")

    assert [note.body for note in doc.papers[0].notes] == [line, "A paragraph after it."]
    # Written as two bullets, the line is escaped so the second stays a note.
    assert parse_log(write_log(doc)) == doc


def test_a_question_line_with_text_nested_under_it_is_a_note_and_round_trips():
    text = "# Log\n\n### [1] A paper\n\n- **Doubts:**\n  only a sentence here\n  - and a list\n"
    paper = parse_log(text).papers[0]

    assert [note.body for note in paper.notes] == [
        "**Doubts:**\nonly a sentence here\n- and a list"
    ]
    assert paper.questions == []
    assert round_trips(text)


@pytest.mark.parametrize("line", ["Questions", "**Notes:**", "Questions: why so slow?"])
def test_a_line_that_names_no_question_section_leaves_the_bullets_notes(line):
    paper = only_paper(f"{line}\n- one?\n- two\n")

    assert paper.questions == []


# -- links given as labels ----------------------------------------------------------------------


def test_link_labels_give_the_link_and_no_note():
    papers = read("small-link-labels.md").papers

    assert [(paper.url, paper.arxiv_id) for paper in papers] == [
        ("https://arxiv.org/abs/2006.11239", "2006.11239"),
        ("https://arxiv.org/pdf/2011.13456", "2011.13456"),
        ("https://arxiv.org/abs/2207.12598", "2207.12598"),
        ("https://arxiv.org/abs/2112.10752", "2112.10752"),
        ("https://arxiv.org/pdf/2303.01469.pdf", "2303.01469"),
        ("https://arxiv.org/abs/2102.09672", "2102.09672"),
    ]
    assert [len(paper.notes) for paper in papers[:5]] == [1, 1, 1, 1, 1]
    assert "://" not in "".join(note.body for paper in papers[:5] for note in paper.notes)


def test_a_link_label_whose_text_says_more_keeps_the_text_as_a_note():
    paper = read("small-link-labels.md").papers[5]

    assert paper.notes[0].body == "[the OpenAI follow-up](https://arxiv.org/abs/2102.09672)"


@pytest.mark.parametrize(
    "line",
    [
        "Paper: Attention Is All You Need",
        "PDF: see the appendix",
        "Paper: none",
        "Link: https://example.com/a and https://example.com/b",
    ],
)
def test_a_label_without_a_link_stays_a_note(line):
    paper = only_paper(f"- {line}\n")

    assert (paper.url, [note.body for note in paper.notes]) == ("", [line])


def test_only_the_first_link_label_is_the_link():
    text = "# Log\n\n### [1] A paper\n\nPaper: https://example.com/a\n\n- PDF: https://example.com/b.pdf\n"
    paper = parse_log(text).papers[0]

    assert (paper.url, [note.body for note in paper.notes]) == (
        "https://example.com/a",
        ["PDF: https://example.com/b.pdf"],
    )
    assert round_trips(text)


# -- math and images ----------------------------------------------------------------------------

MATH_RE = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
IMAGE_RE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")


def spans(text):
    """The math and the images of a text, without the indentation a bullet puts in them."""
    found = MATH_RE.findall(text) + IMAGE_RE.findall(text)
    return [re.sub(r"\n[ \t]+", "\n", span) for span in found]


def test_math_and_images_are_kept_byte_for_byte_by_the_format():
    source = (SHAPES / "small-math-images.md").read_text(encoding="utf-8")
    exported = write_log(parse_log(source))

    assert len(spans(source)) >= 15
    assert spans(exported) == spans(source)


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def row_counts():
    models = (ReadingLog, Paper, Note, Question, Comment)
    return {model.__name__: model.objects.count() for model in models}


def test_math_and_images_survive_import_log_and_export_log_byte_for_byte(alice, tmp_path):
    path = SHAPES / "small-math-images.md"
    run("import_log", str(path), "--log", "maths", "--owner", "alice")

    exported = run("export_log", "maths")

    assert spans(exported) == spans(path.read_text(encoding="utf-8"))
    note = Note.objects.get(paper__log__slug="maths", body__startswith="A GPU hour")
    assert note.body == "A GPU hour cost $5 and a full run $10 on the cloud they used."


@pytest.mark.parametrize("path", SMALL, ids=lambda path: path.name)
def test_a_small_shape_through_the_commands_keeps_every_word_and_reimports_unchanged(
    path, alice, tmp_path
):
    run("import_log", str(path), "--log", "first", "--owner", "alice")
    exported = run("export_log", "first")
    before = row_counts()

    run("import_log", str(path), "--log", "first", "--owner", "alice")

    assert row_counts() == before
    source = without_labels(path.read_text(encoding="utf-8"))
    assert missing_words(source, exported, ignore=CANONICAL) == {}
    again = tmp_path / "again.md"
    again.write_text(exported, encoding="utf-8")
    run("import_log", str(again), "--log", "second", "--owner", "alice")
    assert run("export_log", "second") == exported


# -- through the browser -------------------------------------------------------------------------


def browser_import(client, user, name):
    """Import a fixture as a new log through the upload form, its preview and the confirm."""
    client.force_login(user)
    data = (SHAPES / name).read_bytes()
    upload = SimpleUploadedFile(name, data, content_type="text/markdown")
    preview = client.post(reverse("log_import_new"), {"file": upload})
    assert preview.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]
    response = client.post(reverse("log_import_new_confirm"), {"token": token})
    assert response.status_code == 302
    return ReadingLog.objects.get()


def test_imported_questions_show_resolved_with_their_resolution_and_section(client, alice):
    log = browser_import(client, alice, "small-questions.md")

    html = client.get(reverse("paper_detail", args=[log.slug, 2])).content.decode()

    question = Question.objects.get(paper__number=2, section="Not clear")
    assert question.status == "resolved"
    assert "nearly the same weights" in html and "Not clear" in html and "Doubts" in html
    first = Question.objects.get(paper__number=1, body__startswith="how many negatives")
    assert [c.body for c in first.comments.all()] == ["Several hundred, taken from the same batch."]


def test_imported_math_and_relative_images_show_as_written(client, alice):
    log = browser_import(client, alice, "small-math-images.md")

    html = client.get(reverse("paper_detail", args=[log.slug, 1])).content.decode()

    assert "$5 and a full run $10" in html
    assert "image not uploaded: figures/vae-diagram.png" in html
    assert Paper.objects.get(number=1).url == "https://arxiv.org/abs/1312.6114"


# -- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "- TL" + " " * 50_000 + "x",
        "- TL" + " " * 50_000 + ";" + " " * 50_000 + "x",
        "- Figure " + "1." * 50_000 + "x",
        "- Link: [" + "arxiv " * 20_000 + "](https://arxiv.org/abs/2401.01234)",
        "- **Q" + " " * 50_000 + "x",
        "Q: why?" + "\nA: x" * 5_000,
    ],
    ids=["tldr-spaces", "tldr-semicolon", "figure-dots", "link-words", "bold-q", "many-answers"],
)
def test_long_label_like_lines_read_in_linear_time(line):
    started = time.perf_counter()

    only_paper(line + "\n")

    # Under a second on a quiet machine; a quadratic pattern takes a minute.
    assert time.perf_counter() - started < 5


def test_imported_tldr_figure_labels_and_link_labels_show_on_the_paper_pages(client, alice):
    figures = browser_import(client, alice, "small-figure-anchors.md")
    html = client.get(reverse("paper_detail", args=[figures.slug, 1])).content.decode()
    assert "Figure 3(b)" in html and "Figure S1" in html and "Figure 2a-c" in html

    ReadingLog.objects.all().delete()
    summaries = browser_import(client, alice, "small-tldr-variants.md")
    html = client.get(reverse("paper_detail", args=[summaries.slug, 4])).content.decode()
    assert "per-parameter step sizes" in html and "TL;DR**" not in html

    ReadingLog.objects.all().delete()
    links = browser_import(client, alice, "small-link-labels.md")
    paper = links.papers.get(number=4)
    assert (paper.url, paper.arxiv_id, paper.notes.count()) == (
        "https://arxiv.org/abs/2112.10752",
        "2112.10752",
        1,
    )
    html = client.get(reverse("paper_detail", args=[links.slug, 4])).content.decode()
    assert 'href="https://arxiv.org/abs/2112.10752"' in html
