"""The real sample log reads as a person reads it, and survives a round trip."""

import datetime

import pytest

from papers.logformat import NoteEntry, parse_log, write_log
from tests.logformat.helpers import missing_words, record_text


@pytest.fixture(scope="module")
def doc(sample_bytes):
    return parse_log(sample_bytes)


def paper(doc, number):
    return next(p for p in doc.papers if p.number == number)


def test_it_reads_title_and_description(doc):
    assert doc.title == "2024 Paper Reading Logs"
    assert doc.description == (
        "- This is my personal logs for papers I read.\n"
        "- Brain-vommiting Some interesting findings from the papers."
    )


def test_it_finds_nine_papers_numbering_the_one_without_a_number(doc):
    assert [p.number for p in doc.papers] == list(range(1, 10))
    assert doc.papers[8].title == "Bayesian Optimization in AlphaGo"
    assert [p.line for p in doc.papers] == [6, 41, 48, 82, 89, 109, 126, 144, 167]
    assert any(w.line == 167 and "numbered [9]" in w.message for w in doc.warnings)


def test_it_reads_each_papers_link_wherever_it_stands(doc):
    ids = {p.number: p.arxiv_id for p in doc.papers}
    assert ids == {
        1: "2407.12687",
        2: "2001.08361",
        3: "1706.03762",  # after the notes, before a later arXiv link in a question
        4: "2402.07770",
        5: "2010.01412",
        6: "1712.09913",  # at the end of the section
        7: "1609.03499",
        8: "2402.00809",
        9: "1812.06855",
    }
    assert paper(doc, 2).url == "https://arxiv.org/pdf/2001.08361"
    assert all(p.doi == "" for p in doc.papers)
    # The link line is consumed; a link inside a note stays in the note.
    assert not any(n.body.startswith("https://arxiv") for n in paper(doc, 3).notes)
    assert paper(doc, 5).notes[1].body.endswith("https://arxiv.org/abs/1712.09913")


def test_it_reads_curiosity_in_any_spelling(doc):
    assert (paper(doc, 1).curiosity, paper(doc, 1).curiosity_note) == (
        "interesting",
        "but less technical details revealed in the report..",
    )
    assert paper(doc, 2).curiosity == "neutral"  # "Curiousity:"
    assert paper(doc, 2).curiosity_note.startswith("too technial to understand")
    assert (paper(doc, 3).curiosity, paper(doc, 3).curiosity_note) == (
        "high",
        "want to explore more",
    )
    assert paper(doc, 4).curiosity == paper(doc, 4).curiosity_note == ""


def test_it_reads_the_tldr_paragraph(doc):
    assert paper(doc, 6).tldr == (
        'The authors introduced a nice visualization of the loss landscape using "filter '
        'normalizaton" scheme. This is very helpful for non-convex optimization in neural nets.'
    )
    assert not any("TLDR" in n.body for n in paper(doc, 6).notes)


def test_it_counts_notes_per_paper(doc):
    # Paper [1] has 14 notes, not 16: "The paper:" (line 11) takes the two
    # unindented bullets below it (lines 12-13) as its list, as a reader does.
    # The lead-in rule fires nowhere else in the sample.
    assert [len(p.notes) for p in doc.papers] == [14, 1, 2, 2, 12, 9, 10, 19, 27]
    assert paper(doc, 1).notes[0] == NoteEntry(
        "The paper:\n"
        "- majorly focuses HCI aspects with newly emergent Gen AI technologies in EdTech.\n"
        "- summarizes current situations of gen AI tutor for educaiton in the form of a chatbot "
        "from pedagogical perspectives with enphasis on evaluation, introducing their benchmarks "
        "tailored for education context."
    )
    assert paper(doc, 1).notes[1].body.startswith("The authors used SFT")
    assert not any("\n- " in n.body for p in doc.papers for n in p.notes if p.number != 1), (
        "no other note of the sample holds a list"
    )


def test_it_warns_about_the_lead_in_it_guessed(doc):
    lead_ins = [w for w in doc.warnings if "read as the items of" in w.message]
    assert [(w.line, w.message) for w in lead_ins] == [
        (11, "Guessed: lines 12–13 read as the items of 'The paper:'.")
    ]


def test_it_reads_anchors_in_their_many_spellings(doc):
    wavenet = paper(doc, 7).notes
    assert [(n.anchor_kind, n.anchor_label) for n in wavenet] == [
        ("abstract", "Abstract"),
        ("section", "Section 3.4"),  # "3.4 for speech recognition"
        ("", ""),
        ("conclusion", "Conclusion"),
        ("conclusion", "Conclusion"),
        ("figure", "Figure 2"),  # "Fig2:"
        ("", ""),
        ("figure", "Figure 3"),
        ("figure", "Figure 4"),
        ("", ""),
    ]
    assert wavenet[1].body.startswith("for speech recognition, wavenet")
    sam = paper(doc, 5).notes
    assert sam[4] == NoteEntry(
        "rho is more complex than other papers mentions SAM alrorithm", "equation", "Equation 2"
    )
    alphago = paper(doc, 9).notes
    assert ("methods", "Methods") in [(n.anchor_kind, n.anchor_label) for n in alphago]
    assert NoteEntry("UCT exploration formlula", "intro", "Introduction") in alphago
    assert ("figure", "Figure 2") in [(n.anchor_kind, n.anchor_label) for n in alphago]  # "Fig 2:"
    # "Figure 2-3 and other ones …:" has no colon after the number: a plain note.
    assert (
        NoteEntry(
            "Figure 2-3 and other ones I did not mention: Ignored for now. Too much information. "
            "I don't know weight decay, etc either."
        )
        in paper(doc, 6).notes
    )


def test_it_splits_the_bold_label_glued_to_a_bullet(doc):
    notes = paper(doc, 8).notes
    assert notes[0] == NoteEntry("**Here are my scribbles, to be orgaznized:**")
    assert notes[1] == NoteEntry(
        "continual learning, active learning, uncertainty quantification: BDL helps",
        "abstract",
        "Abstract",
    )
    assert notes[2].anchor_label == "Figure 1"  # "Fig1:"


def test_it_keeps_stray_paragraphs_as_notes(doc):
    assert (
        NoteEntry(
            "Thoughts: Audio generation seemingly highly involve with probabilistic modelings. "
            "Interesting that CNN can be used for audio modeling."
        )
        in paper(doc, 7).notes
    )
    assert paper(doc, 5).notes[6].body.startswith("Do peeks in Hessian spectra")


def test_it_reads_the_questions_of_paper_1_with_guessed_replies(doc):
    questions = paper(doc, 1).questions
    assert [q.body[:30] for q in questions] == [
        "How did they fine-tune the mod",
        "Welch t-test, I did not know a",
        "I'm not familiar with effect s",
        'What is "token-length normalis',
    ]
    assert {q.section for q in questions} == {"I haven't understood"}
    assert {q.status for q in questions} == {"open"}
    assert questions[1].replies == [
        "Welch's t-test is a better version of student t-test per wikipedia.",
        "ref https://zenn.dev/tmizuho/books/3d511e017bfd23/viewer/62b1c7",
        "If normality is not garanteed, better to use Wilcoxon rank sum test per the website",
    ]
    assert [q.replies for q in questions if q is not questions[1]] == [[], [], []]
    guessed = [w.line for w in doc.warnings if w.message.startswith("Guessed")]
    # Line 11 is the lead-in "The paper:" of the notes (see above); then the replies.
    assert guessed[:4] == [11, 34, 35, 36]


def test_it_reads_the_questions_of_paper_3_in_two_sections(doc):
    questions = paper(doc, 3).questions
    assert [(q.section, len(q.replies)) for q in questions] == [
        ("I haven't understood", 1),  # from "I have not understood:"
        ("I haven't understood", 5),
        ("I'm trying to understand", 0),
        ("I'm trying to understand", 1),
        ("I'm trying to understand", 1),
        ("I'm trying to understand", 1),
    ]
    # A bullet that states a hypothesis ends in "." and so answers the one above.
    assert questions[0].replies[0].startswith("My hypothesis:")
    assert questions[2].body.endswith("Why do we need this?")
    assert questions[3].body.endswith("But why specifically sqrt(d_k)?")
    assert questions[4].replies == [
        "A good explanation: https://kikaben.com/transformers-encoder-decoder/"
    ]


def test_it_mends_the_word_broken_across_a_blank_line(doc):
    last = paper(doc, 3).questions[-1]
    assert last.body == "Why the output of decoder is re-constructed via attention mechanism?"
    assert last.replies == [
        "3.2.3 has a good explanation of different multi-head attentions in the transformer "
        "architecture"
    ]
    assert any(w.line == 80 and "'transfo' and 'rmer'" in w.message for w in doc.warnings)


def test_it_reads_the_change_log_under_the_last_paper_as_the_logs(doc):
    assert [item.date for item in doc.changelog] == [
        datetime.date(2024, 8, 11),
        datetime.date(2024, 8, 19),
        datetime.date(2024, 8, 30),
        datetime.date(2024, 8, 31),
        datetime.date(2024, 9, 16),
        datetime.date(2024, 10, 1),
    ]
    assert doc.changelog[0].text == "created this website, and added x3 papers"
    assert not any("2024-08" in n.body for n in paper(doc, 9).notes)


def test_export_then_import_gives_equal_records(doc):
    assert parse_log(write_log(doc)) == doc


def test_export_import_export_gives_identical_text(doc):
    text = write_log(doc)
    assert write_log(parse_log(text)) == text
    assert parse_log(text).warnings == []  # the export leaves nothing to guess


def test_the_export_is_in_the_samples_style(doc):
    text = write_log(doc)
    assert text.startswith("# 2024 Paper Reading Logs\n\n- This is my personal logs")
    assert "### [9] Bayesian Optimization in AlphaGo\n\nhttps://arxiv.org/pdf/1812.06855\n" in text
    assert "- curiosity: interesting, but less technical" in text
    assert "- TL;DR: The authors introduced" in text
    assert "- Section 3.4: for speech recognition" in text
    assert "- The paper:\n  - majorly focuses HCI aspects" in text
    assert (
        "- Welch t-test, I did not know about it. What's different from the usual t-test?\n"
        "  - Welch's t-test is a better version" in text
    )
    assert text.endswith(
        "## Change log\n\n- 2024-08-11: created this website, and added x3 papers\n"
        "- 2024-08-19: added some to attention paper, with links to papers which introduced "
        "self-attentino & attention mecahism.\n"
        "- 2024-08-30: Separated subsections to clarify what I haven't understood. "
        "Added SAM optimizer paper entry.\n"
        "- 2024-08-31: Organized Transformer paper a bit, mainly read about the attention "
        "mechanism in general.\n"
        "- 2024-09-16: Skimmed thru a bit of WaveNet paper, searched about generative vs "
        "discriminative model\n"
        "- 2024-10-01: Added AlphaGo and Bayesian deep learning survey paper (diff from Sept)\n"
    )


# Words the format reads as its own labels and writes in its canonical form.
SAMPLE_LABELS = ("curiousity", "tldr", "abs", "intro", "fig")
# The question and change-log headings, written canonically ("I haven't
# understood", "Change log") and stored as a question's section.
SAMPLE_HEADINGS = (
    "#### I haven't understood",
    "#### I have not understood:",
    "#### I'm trying to understand",
    "#### change logs",
)


def sample_words_source(sample_bytes):
    text = sample_bytes.decode()
    for heading in SAMPLE_HEADINGS:
        text = text.replace(heading, "")
    # "transfo" + "rmer" are mended into one word, checked separately.
    return text.replace("transfo\n\nrmer", "transformer")


def test_nothing_of_the_sample_is_dropped_from_the_records(doc, sample_bytes):
    source = sample_words_source(sample_bytes)
    assert missing_words(source, record_text(doc), ignore=SAMPLE_LABELS) == {}


def test_nothing_of_the_sample_is_dropped_from_the_export(doc, sample_bytes):
    source = sample_words_source(sample_bytes)
    assert missing_words(source, write_log(doc), ignore=SAMPLE_LABELS) == {}
