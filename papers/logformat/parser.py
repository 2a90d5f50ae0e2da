"""Parse a markdown reading log into a LogDocument.

The parser works line by line in two passes over the text: `_scan` cuts the
lines into blocks (headings, list items with their indented children,
paragraphs, fenced code), and `_Parser` reads the blocks in order, keeping
only the current paper and question as state. Every compiled pattern matches
at the start of one line or one block, so the time grows with the size of
the file. docs/log-format.md describes the rules.
"""

import datetime
import re

from papers.logformat.blocks import BULLET_RE, decode, scan, split_lines
from papers.logformat.lists import read_items, read_rows
from papers.logformat.model import (
    ChangeLogItem,
    LogDocument,
    LogFormatError,
    NoteEntry,
    PaperEntry,
    ParseWarning,
    QuestionEntry,
)
from papers.logformat.syntax import (
    CHANGELOG_ITEM_RE,
    CURIOSITY_RE,
    RESOLUTION_RE,
    TASK_RE,
    TLDR_RE,
    first_paper_url,
    is_changelog_heading,
    is_lead_in,
    is_note_label,
    is_paper_url,
    is_question_label,
    is_reply_label,
    link_ids,
    link_label,
    meta_label,
    own_line_url,
    question_section,
    split_anchor,
    split_curiosity,
    unescape_label,
)

MAX_PAPER_NUMBER = 2**31 - 1

_PAPER_NUMBER_RE = re.compile(r"\[(\d+)\][ \t]*(.*)$")
_WORD_RE = re.compile(r"[^\W\d_]+")
_LAST_WORD_RE = re.compile(r"([^\W\d_]+)$")
_URL_START_RE = re.compile(r"[a-z][a-z0-9+.-]*://")
_QUESTION_END_CHARS = " \t)]}\"'”’»*_"


def parse_log(data, *, max_bytes=None, reading=None, name=""):
    """Read a markdown reading log (bytes or str) into a LogDocument.

    `reading` is a key of READINGS ("headings", "file", "items", "rows") to
    read the file that way; None lets the parser choose. `name` is the file's
    name, for a title and a date when the file is one paper. The document's
    `reading` says which reading was used and `readings` which ones found
    papers in this file, best first, so the import preview can offer them.

    Raise LogFormatError, naming the line where there is one, for input that
    is not a reading log: not UTF-8, binary, empty, larger than max_bytes, or
    the same paper number twice.
    """
    text = decode(data, max_bytes)
    lines = split_lines(text)
    return _read(lines, text, reading=reading, name=name)


def _read(lines, text, *, reading, name):
    readers = {
        "headings": lambda: _Parser(lines, text).run(),
        "file": lambda: None,
        "items": lambda: read_items(lines, text),
        "rows": lambda: read_rows(lines, text),
    }
    if reading is not None and reading not in readers:
        raise LogFormatError(f"There is no reading {reading!r}.")
    found = {}
    for key, reader in readers.items():
        doc = reader()
        if doc is not None and doc.papers:
            found[key] = doc
    if not found:
        raise LogFormatError(
            "No paper sections found: each paper starts with a '##' or '###' heading, "
            "like '### [1] Attention Is All You Need'."
        )
    chosen = reading if reading in found else next(iter(found))
    doc = found[chosen]
    doc.reading, doc.readings = chosen, list(found)
    return doc


# -- reading the blocks -------------------------------------------------------------


class _PaperState:
    """What the parser keeps while it reads one paper's section."""

    def __init__(self, entry):
        self.entry = entry
        self.seen_curiosity = False
        self.seen_tldr = False
        self.seen_meta = set()  # the metadata lines read: "authors", "read_on", ...
        self.link = None  # from a `Link:` line; "" for `Link: none`
        self.own_line = None  # (note, url, consumable) of the first URL-only block
        self.text_url = ""  # the first paper URL anywhere in the section
        self.section = ""
        self.question = None
        self.open_box = False  # the current question is ticked open: `[ ]`
        self.resolution_taken = False
        self.indented_replies = False


class _LeadIn:
    """A note "The paper:" taking the unindented bullets below it as its list."""

    __slots__ = ("note", "text", "line", "first", "warning")

    def __init__(self, note, line):
        self.note = note
        self.text = note.body
        self.line = line
        self.first = None  # the line of its first item
        self.warning = None


class _Parser:
    def __init__(self, lines, text):
        self.lines = lines
        self.text = text
        self.doc = LogDocument()
        self.area = "preamble"
        self.preamble_start = 0  # where the text before the first paper resumes
        self.title_index = None
        self.paper = None
        self.first_line_of = {}  # paper number → line of its heading
        self.unnumbered = []
        self.last = None  # (object or list, attribute or index) of the last text read
        self.lead_in = None  # a _LeadIn taking the bullets below it
        self.vocabulary = None

    def warn(self, line, message):
        self.doc.warnings.append(ParseWarning(line=line, message=message))

    def run(self):
        blocks = scan(self.lines, range(1, len(self.lines) + 1), strict=True)
        for block in blocks:
            if block.kind != "item" or block.blank_before:
                # A lead-in takes only the bullets right below it, up to a blank line.
                self.lead_in = None
            if block.kind == "heading" and self._heading(block):
                continue
            if self.area == "preamble":
                continue
            if self.area == "changelog":
                self._changelog_block(block)
            elif self.area == "questions":
                self._question_block(block)
            else:
                self._note_block(block)
        if self.area == "preamble":
            self._end_preamble(len(self.lines))
        self._end_paper()
        if not self.doc.papers:
            return None
        self._number_papers()
        return self.doc

    # -- structure ---------------------------------------------------------

    def _heading(self, block):
        """Handle a heading that changes where we are; return False for a plain one."""
        text = block.text
        if self.area == "changelog" and block.level == 1 and not is_changelog_heading(text):
            # A `#` heading belongs to the document, not to the change log: it
            # ends the change log. Before the first paper it is the title (or,
            # after the title, text of the description); after it, a note.
            self.last = None
            if self.doc.papers:
                self.area = "notes"
                return False
            self.area = "preamble"
            self.preamble_start = block.start
            if self.title_index is None:
                self.title_index = block.start
                self.doc.title = text
            return True
        if is_changelog_heading(text):
            if self.area == "preamble":
                self._end_preamble(block.start)
            self.area = "changelog"
            self.last = None
            return True
        section = question_section(text)
        if section and self.paper is not None:
            self.area = "questions"
            self.paper.section = section
            self.paper.question = None
            self.last = None
            return True
        if block.level in (2, 3) and not section:
            self._start_paper(block)
            return True
        if self.area == "preamble":
            if block.level == 1 and self.title_index is None:
                self.title_index = block.start
                self.doc.title = text
            return True
        if self.area == "questions":
            self.area = "notes"
        return False

    def _end_preamble(self, end):
        start = self.preamble_start
        lines = self.lines[start:end]
        if self.title_index is not None and start <= self.title_index < end:
            del lines[self.title_index - start]
        text = "\n".join(lines).strip("\n")
        if text:
            description = self.doc.description
            self.doc.description = f"{description}\n\n{text}" if description else text
        self.area = "notes"

    def _start_paper(self, block):
        if self.area == "preamble":
            self._end_preamble(block.start)
        self._end_paper()
        number = None
        title = block.text
        if match := _PAPER_NUMBER_RE.match(title):
            number = _paper_number(match[1], block.line)
            title = match[2].strip()
            if number in self.first_line_of:
                first = self.first_line_of[number]
                raise LogFormatError(
                    f"The paper number [{number}] is used twice: on line {first} and here.",
                    block.line,
                )
            self.first_line_of[number] = block.line
        entry = PaperEntry(number=number or 0, title=title, line=block.line)
        if number is None:
            self.unnumbered.append(entry)
        self.paper = _PaperState(entry)
        self.doc.papers.append(entry)
        self.area = "notes"
        self.last = None

    def _end_paper(self):
        paper = self.paper
        if paper is None:
            return
        entry = paper.entry
        if paper.link is not None:
            url = paper.link
        elif paper.own_line is not None:
            note, url, consumable = paper.own_line
            if consumable:
                index = next(i for i, n in enumerate(entry.notes) if n is note)
                del entry.notes[index]
        else:
            url = paper.text_url
        entry.url = url
        entry.arxiv_id, entry.doi = link_ids(url)
        self.paper = None

    def _number_papers(self):
        next_number = max(self.first_line_of, default=0) + 1
        for entry in self.unnumbered:
            if next_number > MAX_PAPER_NUMBER:
                raise LogFormatError(
                    "This paper has no [N] number and the next free number would be "
                    f"[{next_number}], larger than the largest, [{MAX_PAPER_NUMBER}]: "
                    "give it a number.",
                    entry.line,
                )
            entry.number = next_number
            self.warn(entry.line, f"This paper has no [N] number; it is numbered [{next_number}].")
            next_number += 1

    # -- text that continues a broken line ------------------------------------

    def _continues_last(self, block):
        """Join a paragraph that finishes the sentence of the text above it.

        `… in the transfo` + blank line + `rmer architecture`: the paragraph
        starts in lower case and the text above ends without punctuation. When
        the two halves make a word found elsewhere in the file they are joined
        into it; otherwise the paragraph is added with a space.
        """
        if block.kind != "para" or not block.blank_before or self.last is None:
            return False
        previous = self._last_text()
        if not previous or not previous[-1].isalnum() or not block.text[0].islower():
            return False
        if _URL_START_RE.match(block.text) or is_note_label(block.text):
            return False
        tail = _LAST_WORD_RE.search(previous)
        head = _WORD_RE.match(block.text)
        separator = " "
        if tail and head:
            if self.vocabulary is None:
                self.vocabulary = set(_WORD_RE.findall(self.text.lower()))
            word = (tail[1] + head[0]).lower()
            if word in self.vocabulary:
                separator = ""
                self.warn(
                    block.line,
                    f"Joined '{tail[1]}' and '{head[0]}', a word broken across a blank line.",
                )
        if separator:
            self.warn(block.line, "Read this paragraph as the end of the sentence above it.")
        self._append_last(block.text, separator)
        return True

    def _last_text(self):
        holder, key = self.last
        return holder[key] if isinstance(holder, list) else getattr(holder, key)

    def _append_last(self, text, separator):
        holder, key = self.last
        if isinstance(holder, list):
            holder[key] = holder[key] + separator + text
        else:
            setattr(holder, key, getattr(holder, key) + separator + text)

    # -- notes -----------------------------------------------------------------

    def _note_block(self, block):
        paper = self.paper
        if self._continues_last(block):
            return
        text = block.text
        if not paper.text_url:
            paper.text_url = first_paper_url(text)
        if self.lead_in is not None:
            if self._takes_item(block):
                return
            self.lead_in = None
        if block.kind in ("heading", "fence"):
            if block.kind == "heading":
                text = self.lines[block.start].strip()
            self._add_note(NoteEntry(body=text, line=block.line))
            return
        literal = unescape_label(text, is_note_label)
        if literal is not None:
            self._add_note(NoteEntry(body=literal, line=block.line))
            return
        entry = paper.entry
        if paper.link is None and (url := link_label(text)) is not None:
            paper.link = url
            self.last = None
            return
        if (found := meta_label(text)) and found[0] not in paper.seen_meta:
            paper.seen_meta.add(found[0])
            setattr(entry, *found)
            self.last = None
            return
        if not paper.seen_curiosity and (match := CURIOSITY_RE.match(text)):
            paper.seen_curiosity = True
            entry.curiosity, entry.curiosity_note = split_curiosity(text[match.end() :])
            self.last = None
            return
        if not paper.seen_tldr and (match := TLDR_RE.match(text)):
            paper.seen_tldr = True
            entry.tldr = text[match.end() :].strip()
            self.last = (entry, "tldr")
            return
        found = own_line_url(text)
        if found and paper.own_line is None and is_paper_url(found[0]):
            note = NoteEntry(body=text, line=block.line)
            paper.own_line = (note, found[0], found[1] != "markdown")
            self._add_note(note)
            # A link is no sentence to continue, and it may yet be consumed.
            self.last = None
            return
        anchor = split_anchor(text)
        if anchor:
            kind, label, rest = anchor
            note = NoteEntry(rest.strip(), anchor_kind=kind, anchor_label=label, line=block.line)
            self._add_note(note)
            return
        note = NoteEntry(body=text, line=block.line)
        self._add_note(note)
        if block.kind == "item" and is_lead_in(text):
            self.lead_in = _LeadIn(note, block.line)

    def _add_note(self, note):
        self.paper.entry.notes.append(note)
        self.last = (note, "body")

    def _takes_item(self, block):
        """Nest a bullet under the lead-in above it ("The paper:"); False when it is no item.

        The bullet must follow in the same group (run() ends the lead-in at a
        blank line or any other block) and be a plain note: another lead-in, a
        label or the paper's link keeps its own meaning.
        """
        text = block.text
        if (
            block.kind != "item"
            or is_lead_in(text)
            or is_note_label(text)
            or unescape_label(text, is_note_label) is not None
            or ((found := own_line_url(text)) and is_paper_url(found[0]))
        ):
            return False
        lead_in = self.lead_in
        first, *rest = block.lines
        nested = [f"- {first}", *(f"  {line}" if line else "" for line in rest)]
        lead_in.note.body += "\n" + "\n".join(nested)
        if lead_in.warning is None:
            lead_in.first = block.line
            lead_in.warning = ParseWarning(line=lead_in.line, message="")
            self.doc.warnings.append(lead_in.warning)
        # One warning for the whole group, its range growing with each bullet.
        first, last = lead_in.first, block.numbers[-1]
        lines = f"line {first}" if first == last else f"lines {first}–{last}"
        items = "item" if first == last else "items"
        lead_in.warning.message = f"Guessed: {lines} read as the {items} of '{lead_in.text}'."
        return True

    # -- questions ---------------------------------------------------------------

    def _question_block(self, block):
        paper = self.paper
        if self._continues_last(block):
            return
        if not paper.text_url:
            paper.text_url = first_paper_url(block.text)
        if block.kind != "item":
            self._start_question(block.text, None, [], block.line)
            return
        body, box, replies = self._split_question(block)
        current = paper.question
        if (
            block.blank_before
            or current is None
            or paper.indented_replies
            or box is not None
            or _asks(body)
        ):
            self._start_question(body, box, replies, block.line)
            return
        # A flattened list: a bullet that does not ask anything, in the same
        # group as a question without indented replies, is read as a reply to it.
        self.warn(
            block.line,
            "Guessed: this bullet is read as a reply to the question above it "
            "(the list has no indentation).",
        )
        self._add_reply(current, block.text)

    def _split_question(self, block):
        """Return (question text, task box or None, [reply texts]) of a question item."""
        lines = list(block.lines)
        box = None
        literal = unescape_label(lines[0], is_question_label)
        if literal is not None:
            lines[0] = literal
        elif match := TASK_RE.match(lines[0]):
            box = match[1]
            lines[0] = lines[0][match.end() :]
        # The first line is the question itself, even when it looks like a bullet.
        scanned = ["?", *lines[1:]] if BULLET_RE.match(lines[0]) else lines
        children = scan(scanned, block.numbers, strict=False)
        first = next((child for child in children if child.kind == "item"), None)
        if first is None:
            return "\n".join(lines).strip(), box, []
        replies = []
        for child in children:
            if child.start < first.start:
                continue
            if child.kind == "item":
                replies.append(child.text)
            else:
                replies[-1] += "\n\n" + child.text
        return "\n".join(lines[: first.start]).strip(), box, replies

    def _start_question(self, body, box, replies, line):
        paper = self.paper
        question = QuestionEntry(body=body, section=paper.section, line=line)
        if box is not None:
            question.status = "open" if box == " " else "resolved"
        paper.entry.questions.append(question)
        paper.question = question
        paper.open_box = box == " "
        paper.resolution_taken = False
        # An author who indents replies means every unindented bullet as a question.
        paper.indented_replies = bool(replies)
        self.last = (question, "body")
        for reply in replies:
            self._add_reply(question, reply)

    def _add_reply(self, question, text):
        paper = self.paper
        literal = unescape_label(text, is_reply_label)
        if literal is None and not paper.resolution_taken and (match := RESOLUTION_RE.match(text)):
            paper.resolution_taken = True
            question.resolution = text[match.end() :].strip()
            if not paper.open_box:
                question.status = "resolved"
            self.last = (question, "resolution")
            return
        question.replies.append(text if literal is None else literal)
        self.last = (question.replies, len(question.replies) - 1)

    # -- change log ----------------------------------------------------------------

    def _changelog_block(self, block):
        text = block.text
        if block.kind in ("item", "para") and (match := CHANGELOG_ITEM_RE.match(text)):
            try:
                date = datetime.date.fromisoformat(match[1])
            except ValueError:
                raise LogFormatError(f"{match[1]} is not a valid date.", block.line) from None
            item = ChangeLogItem(date=date, text=text[match.end() :].strip(), line=block.line)
            self.doc.changelog.append(item)
            self.last = (item, "text")
            return
        if block.kind == "heading":
            text = self.lines[block.start].strip()
        if self.doc.changelog:
            item = self.doc.changelog[-1]
            item.text = f"{item.text}\n\n{text}" if item.text else text
            self.warn(block.line, "No date (YYYY-MM-DD): added to the change-log entry above.")
        else:
            description = self.doc.description
            self.doc.description = f"{description}\n\n{text}" if description else text
            self.warn(block.line, "No date (YYYY-MM-DD): added to the log's description.")


def _paper_number(digits, line):
    """Return the number of a `[N]` heading; numbers from 1 to MAX_PAPER_NUMBER."""
    shown = digits if len(digits) <= 20 else digits[:20] + "…"
    # Compare the digits before int(): a number of thousands of digits does not convert.
    significant = digits.lstrip("0")
    if not significant:
        raise LogFormatError(f"Paper numbers start at 1: [{shown}].", line)
    if len(significant) > len(str(MAX_PAPER_NUMBER)) or int(significant) > MAX_PAPER_NUMBER:
        raise LogFormatError(
            f"The paper number [{shown}] is too large: the largest is {MAX_PAPER_NUMBER}.", line
        )
    return int(significant)


def _asks(text):
    """Tell whether a bullet ends with a question mark (closing quotes aside)."""
    return text.rstrip(_QUESTION_END_CHARS).endswith("?")


def read_section(entry, lines, numbers, *, link=None):
    """Read lines as the section of a paper that has no heading of its own, into entry.

    A paper written as a list item or a table row (papers/logformat/lists.py)
    has its notes as nested bullets; they follow the same rules as the lines
    under a paper heading: labels, curiosity, TL;DR, questions, lead-ins.
    `numbers` are the lines' numbers in the file; `link` is the paper's link
    when the item named one (a `Link:` line then stays a note). A heading
    opens a question section or is a note. Return the warnings.
    """
    parser = _Parser(lines, "\n".join(lines))
    parser.area = "notes"
    parser.paper = _PaperState(entry)
    parser.paper.link = link
    for block in scan(lines, numbers, strict=False):
        if block.kind != "item" or block.blank_before:
            parser.lead_in = None
        if block.kind == "heading":
            section = question_section(block.text)
            if section:
                parser.area = "questions"
                parser.paper.section = section
                parser.paper.question = None
                parser.last = None
                continue
            parser.area = "notes"
        if parser.area == "questions":
            parser._question_block(block)
        else:
            parser._note_block(block)
    parser._end_paper()
    return parser.doc.warnings
