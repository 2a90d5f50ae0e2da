"""Write a LogDocument as a markdown reading log that parse_log reads back.

The layout follows the sample log: the `#` title and the description, then
per paper `### [N] Title`, its link, `- curiosity:`, `- TL;DR:`, the notes
as bullets, question sections with replies indented under each question, and
the change log last. Every body goes into one bullet, its further lines
indented by two spaces, so multi-line notes, nested lists, code fences and
tables come back unchanged. Questions are separated by blank lines, so the
parser never has to guess which bullet is a reply.
"""

from papers.logformat.model import DEFAULT_QUESTION_SECTION
from papers.logformat.sections import is_heading_note
from papers.logformat.syntax import (
    CHANGELOG_HEADING,
    canonical_anchor_label,
    escape_label,
    first_paper_url,
    is_lead_in,
    is_note_label,
    is_paper_url,
    is_question_label,
    is_reply_label,
    own_line_url,
    question_section,
    split_curiosity,
    write_meta,
)


def write_log(doc):
    """Return the markdown text of a log."""
    out = [_heading(1, doc.title)]
    if doc.description:
        out += ["", doc.description]
    for paper in doc.papers:
        out.append("")
        out += _paper(paper)
    if doc.changelog:
        out += ["", _heading(2, CHANGELOG_HEADING), ""]
        for item in doc.changelog:
            out += _item(f"{item.date.isoformat()}: {item.text}")
    return "\n".join(out) + "\n"


def _one_line(text):
    return " ".join(text.splitlines()).strip()


def _heading(level, text):
    return ("#" * level + " " + _one_line(text)).rstrip()


def _item(text, indent=""):
    """Write text as one bullet, its further lines indented under it."""
    first, *rest = text.split("\n")
    lines = [f"{indent}- {first}".rstrip()]
    lines += [f"{indent}  {line}" if line else "" for line in rest]
    return lines


def _paper(paper):
    bullets = []
    for name in ("authors", "year", "read_on", "tags"):
        if value := getattr(paper, name):
            bullets += _item(write_meta(name, value))
    level, note = paper.curiosity.lower(), paper.curiosity_note
    if not level:
        # A note that starts with a level is read as that level: write it so.
        level, note = split_curiosity(note)
    if level or note:
        bullets += _item("curiosity: " + (f"{level}, {note}" if level and note else level or note))
    if paper.tldr:
        bullets += _item("TL;DR: " + paper.tldr)
    if paper.meta:
        bullets += _item(write_meta("meta", paper.meta))
    previous = ""
    gap = False
    for entry in paper.notes:
        text = _note(entry)
        if not entry.anchor_label and is_heading_note(text):
            # A heading with the paragraphs under it is written as it reads,
            # so the import takes them as one note again.
            bullets += ["", *text.split("\n")] if bullets else text.split("\n")
            previous, gap = "", True
            continue
        if is_lead_in(previous) or gap:
            # A note "The paper:" would take the next bullet as its item.
            bullets.append("")
        bullets += _item(text)
        previous, gap = text, False
    questions = _questions(paper.questions)

    lines = [_heading(3, f"[{paper.number}] {paper.title}")]
    link = _link_line(paper, "\n".join(bullets + questions))
    if link:
        lines += ["", link]
    if bullets:
        lines += ["", *bullets]
    return lines + questions


def _link_line(paper, body):
    url = paper.url
    if not url and paper.arxiv_id:
        url = f"https://arxiv.org/abs/{paper.arxiv_id}"
    elif not url and paper.doi:
        url = f"https://doi.org/{paper.doi}"
    if not url:
        # Without this the parser would take the first paper link in the notes.
        return "Link: none" if first_paper_url(body) else ""
    found = own_line_url(url)
    text = url if found and found == (url, "bare") else f"<{url}>"
    return text if is_paper_url(url) else f"Link: {text}"


def _note(entry):
    if entry.anchor_label:
        label = canonical_anchor_label(entry.anchor_label)
        return f"{label}: {entry.body}" if entry.body else f"{label}:"
    return escape_label(entry.body, is_note_label)


def _questions(questions):
    lines = []
    section = None
    for question in questions:
        name = question_section(question.section) or DEFAULT_QUESTION_SECTION
        if name != section:
            lines += ["", _heading(4, name)]
            section = name
        if question.status == "resolved":
            box = "[x] "
        elif question.resolution:
            box = "[ ] "
        else:
            box = ""
        body = question.body if box else escape_label(question.body, is_question_label)
        lines.append("")
        lines += _item(box + body)
        for reply in question.replies:
            lines += _item(escape_label(reply, is_reply_label), "  ")
        if question.resolution:
            lines += _item("Resolution: " + question.resolution, "  ")
    return lines
