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
from collections import Counter

from papers.logformat.blocks import BULLET_RE, ORDERED_RE, decode, scan, split_lines
from papers.logformat.dates import file_name_day, grouping_heading
from papers.logformat.lists import read_items, read_rows
from papers.logformat.model import (
    READINGS,
    ChangeLogItem,
    LogDocument,
    LogFormatError,
    NoteEntry,
    PaperEntry,
    ParseWarning,
    QuestionEntry,
)
from papers.logformat.sections import (
    SETEXT_RE,
    details_section,
    fenced,
    front_matter_text,
    heading_link,
    is_heading_note,
    is_section_name,
    joins_heading,
    listed_names,
    name_title,
    names_a_log,
    note_heading,
    read_front_matter,
    setext_to_atx,
    tag_text,
    year_and_authors,
)
from papers.logformat.syntax import (
    ANSWER_LABEL_RE,
    CHANGELOG_ITEM_RE,
    CURIOSITY_RE,
    QUESTION_LABEL_RE,
    RESOLUTION_RE,
    TASK_RE,
    THEMATIC_BREAK_RE,
    TLDR_RE,
    first_paper_url,
    is_bold_heading,
    is_changelog_heading,
    is_lead_in,
    is_note_label,
    is_paper_url,
    is_question_label,
    is_reply_label,
    link_ids,
    meta_label,
    own_line_url,
    question_lead,
    question_section,
    split_anchor,
    split_curiosity,
    split_link_label,
    unbold_label,
    unescape_label,
)

MAX_PAPER_NUMBER = 2**31 - 1

_PAPER_NUMBER_RE = re.compile(r"\[(\d+)\][ \t]*(.*)$")
_WORD_RE = re.compile(r"[^\W\d_]+")
_LAST_WORD_RE = re.compile(r"([^\W\d_]+)$")
_URL_START_RE = re.compile(r"[a-z][a-z0-9+.-]*://")
_QUESTION_END_CHARS = " \t)]}\"'”’»*_"
# The section of a question asked with `Q:` among the notes.
NOTE_QUESTION_SECTION = "Questions"


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
    """Run the readings that apply to the file and return the best one's document.

    A front matter is read first and blanked out (so line numbers stay
    those of the file), setext headings become `#` headings, and the blocks
    are cut once for the two heading readings. A reading that does not apply
    returns None quickly; "file" always finds its one paper, so a file that
    holds any text is never refused.
    """
    if reading is not None and reading not in READINGS:
        raise LogFormatError(f"There is no reading {reading!r}.")
    front, front_warning = read_front_matter(lines)
    body = list(lines)
    start = 0
    if front is not None:
        start = front.end
        body[:start] = [""] * start
    elif front_warning:
        # A front matter that does not read stays text, and its closing
        # fence is no setext underline.
        start = next(i for i in range(1, len(lines)) if lines[i] == lines[0]) + 1
    setext_to_atx(body, start)
    blocks = scan(body, range(1, len(body) + 1), strict=True)

    found = {}
    kinds = _Kinds()
    parser = _Parser(body, text, blocks=blocks, kinds=kinds)
    headings = parser.run()
    if headings is not None:
        found["headings"] = headings
    strong = headings is not None and parser.looks_like_papers()
    small = not strong or len(lines) <= _LARGE_LOG_LINES
    many = headings is not None and len(headings.papers) > _ONE_FILE_MAX_SECTIONS
    if reading == "file" or (small and not many):
        one = _Parser(body, text, blocks=blocks, mode="file", front=front, name=name, kinds=kinds)
        found["file"] = one.run()
    for key, reader in (("items", read_items), ("rows", read_rows)):
        if reading != key and not small:
            continue
        doc = reader(body, text)
        if doc is not None and doc.papers:
            found[key] = doc

    order = _order(found, strong, front is not None or parser.file_shaped())
    chosen = reading if reading in found else order[0]
    doc = found[chosen]
    doc.reading, doc.readings = chosen, order
    if front_warning:
        doc.warnings.insert(0, ParseWarning(line=1, message=front_warning))
        raw = "\n".join(lines[:start])
        kept = _description_text(raw)
        # Fenced, unless a code fence in it pairs with one below it.
        plain = "```" not in kept and "~~~" not in kept
        if chosen != "file" and plain and doc.description.startswith(kept):
            # so the export does not read its lines as headings.
            doc.description = fenced(raw) + doc.description[len(kept) :]
    if chosen == "file" and "headings" in found:
        doc.warnings.insert(0, ParseWarning(line=1, message=ONE_FILE_WARNING))
    elif chosen == "file" and front is None:
        # A post with a front matter is one paper by design: nothing to say.
        doc.warnings.insert(0, ParseWarning(line=1, message=NO_HEADINGS_WARNING, kind="one paper"))
    if front is not None and chosen != "file":
        _front_matter_to_log(doc, front)
    return doc


# A file this long whose headings look like papers is a log of them: the other
# readings are only run when asked for, which keeps large imports fast.
_LARGE_LOG_LINES = 3000
# A paper's own sections are a few dozen at most: with more paper headings
# than this, the file is not tried as one paper unless asked.
_ONE_FILE_MAX_SECTIONS = 200
NO_HEADINGS_WARNING = "Read as one paper: no paper headings found."
ONE_FILE_WARNING = "Read as one paper: its headings are sections of it."


def _order(found, strong, file_shaped):
    """Return the readings that found papers, best first (see docs/log-format.md)."""
    headings = found.get("headings")
    lists = sorted(
        (key for key in ("items", "rows") if key in found),
        key=lambda key: -len(found[key].papers),
    )
    most = len(found[lists[0]].papers) if lists else 0
    if strong:
        order = ["headings", *lists]
    elif most > (len(headings.papers) if headings else 0) and (most >= 2 or not file_shaped):
        order = [*lists, "headings"]
    elif file_shaped:
        order = ["file", "headings", *lists]
    else:
        order = ["headings", *lists]
    order = [key for key in order if key in found]
    if "file" in found and "file" not in order:
        order.append("file")
    return order


def _front_matter_to_log(doc, front):
    """Keep a front matter above a log of several papers: the title, and the rest as written."""
    if not doc.title and front.title:
        doc.title = front.title
    block = front_matter_text(front)
    doc.description = f"{block}\n\n{doc.description}" if doc.description else block


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
        self.heading_url = ""  # from a `## [Title](url)` heading
        self.group_tags = []  # the topics and periods of the headings that group it
        self.group_day = None  # the day of the heading that groups it
        # The question of a `Q:` note just above: an `A:` block answers it.
        self.note_question = None
        # (note or None, section) of a `**Questions:**` line above: the
        # bullets right below it are questions.
        self.question_lead = None


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
    """Read the blocks of a file as papers: the "headings" reading, or "file" (one paper).

    `blocks` are the blocks of `lines` when the caller has cut them already;
    `front` and `name` are the front matter and the file name the "file"
    reading takes the paper's title and fields from.
    """

    def __init__(
        self, lines, text, *, blocks=None, mode="headings", front=None, name="", kinds=None
    ):
        self.lines = lines
        self.kinds = _Kinds() if kinds is None else kinds
        self.text = text
        self.blocks = blocks
        self.mode = mode
        self.front = front
        self.name = name
        self.doc = LogDocument()
        self.area = "preamble"
        self.roles = {}  # block index → "paper", "topic" or "section" (see _plan)
        self.index = 0  # of the block being read
        # heading level → ("day", date[, text as written]) / ("period" or "topic", text)
        self.groups = {}
        self.paper_level = 3  # the level of the current paper's heading
        self.heading_note = None  # a heading note taking the paragraphs below it
        self.title_block = None  # the "file" reading: the index of the title heading
        self.expect_authors = False  # the "file" reading: the block under the title
        # The "file" reading, a file starting with `[Title](url)`: the rest of its paragraph.
        self.first_rest = None
        self.sections = 0  # the "file" reading: the headings met in the paper
        self.top_url = None  # the "file" reading: the paper link found before the second one
        self.authors_section = False  # the "file" reading: under an "Authors" heading
        self.linked = 0  # papers whose link stands on a line of its own
        self.grouped = False  # a heading grouped papers (a day, a period, a topic)
        self.preamble_start = 0  # where the text before the first paper resumes
        self.title_index = None
        self.paper = None
        self.first_line_of = {}  # paper number → line of its heading
        self.unnumbered = []
        self.last = None  # (object or list, attribute or index) of the last text read
        self.lead_in = None  # a _LeadIn taking the bullets below it
        self.vocabulary = None

    def warn(self, line, message, kind=""):
        self.doc.warnings.append(ParseWarning(line=line, message=message, kind=kind))

    def run(self):
        blocks = self.blocks
        if blocks is None:
            blocks = scan(self.lines, range(1, len(self.lines) + 1), strict=True)
        if self.mode == "file":
            self._start_file(blocks)
        else:
            self.roles = _plan(blocks, self.kinds)
        for index, block in enumerate(blocks):
            self.index = index
            if block.kind != "item" or block.blank_before:
                # A lead-in takes only the bullets right below it, up to a blank line.
                self.lead_in = None
            if block.kind == "heading":
                self.heading_note = None
                if self._heading(block):
                    self.expect_authors = index == self.title_block
                    continue
            if index == 0 and self.first_rest is not None:
                self._under_link_title(block)
                continue
            if self.area == "preamble":
                continue
            if self.area == "loose":
                self._loose_block(block)
            elif self.area == "changelog":
                self._changelog_block(block)
            elif self.area == "questions":
                self._question_block(block)
            else:
                self._note_block(block)
            self.expect_authors = False
        if self.area == "preamble":
            self._end_preamble(len(self.lines))
        self._end_paper()
        if not self.doc.papers:
            return None
        self._number_papers()
        return self.doc

    def looks_like_papers(self):
        """Tell whether the papers read are papers, not sections of one paper.

        A paper with an `[N]` number or a link in its heading, or a link on a
        line of its own under most of the headings, is a paper.
        """
        papers = self.doc.papers
        if self.first_line_of or any(p.found_as == "heading with a link" for p in papers):
            return True
        return len(papers) >= 2 and self.linked * 2 > len(papers)

    def file_shaped(self):
        """Tell whether the file is one paper: one `#` title, the papers read named like sections.

        Never when headings grouped the papers: groups hold papers.

        "Summary", "Method", "Notes" under one title are a paper's sections;
        so is a single `##` heading under the title, and so are headings
        without a link under a title that does not name a log.
        """
        titles = [b for b in self.blocks if b.kind == "heading" and b.level == 1]
        papers = self.doc.papers
        if len(titles) != 1 or not papers or titles[0].line > papers[0].line or self.grouped:
            return False
        named = sum(1 for p in papers if is_section_name(p.title))
        if len(papers) == 1 or named * 2 >= len(papers):
            return True
        # Papers in a log have links; sections of one paper under a title
        # that does not name a log ("Reading list", "Papers") seldom do.
        return not any(p.url for p in papers) and not names_a_log(titles[0].text)

    # -- structure ---------------------------------------------------------

    def _heading(self, block):
        """Handle a heading that changes where we are; return False for a plain one."""
        text = block.text
        changelog, section, _ = self.kinds.of(text)
        if self.area == "changelog" and block.level == 1 and not changelog:
            # A `#` heading belongs to the document, not to the change log: it
            # ends the change log. Before the first paper it is the title (or,
            # after the title, text of the description); after it, a note.
            self.last = None
            if self.doc.papers:
                # After a grouping heading ended the paper above, the text is loose.
                self.area = "notes" if self.paper is not None else "loose"
                return False
            self.area = "preamble"
            self.preamble_start = block.start
            if self.title_index is None:
                self.title_index = block.start
                self.doc.title = text
            return True
        if self.index == self.title_block:
            return True
        if changelog:
            if self.area == "preamble":
                self._end_preamble(block.start)
            self.area = "changelog"
            self.last = None
            return True
        if section and self.paper is not None:
            self.area = "questions"
            self.paper.section = section
            self.paper.question = None
            self.last = None
            return True
        if self.mode == "file":
            return self._section_heading(text)
        # The first `#` heading is the log's title, even when it is a year.
        title = block.level == 1 and self.area == "preamble" and self.title_index is None
        role = self.roles.get(self.index)
        if role == "group" and not section and not title:
            return self._group(block, self.kinds.of(text)[2])
        if role == "section" and (self.paper is None or self.area == "changelog"):
            role = "paper"  # no paper above it to be a section of
        if role == "paper":
            self._start_paper(block)
            return True
        if role == "topic":
            return self._group(block, ("topic", text))
        if self.area == "preamble":
            if block.level == 1 and self.title_index is None:
                self.title_index = block.start
                self.doc.title = text
            return True
        if self.area == "questions":
            self.area = "notes"
        return False

    def _section_heading(self, text):
        """Count a section of the one paper: its link is looked for above the second.

        Sections that only give the paper's details ("Authors", "DOI",
        "Links") do not count; the lines under "Authors" are its authors.
        """
        kind = details_section(text)
        self.authors_section = kind == "authors"
        if kind is None:
            self.sections += 1
        if self.sections == 2 and self.top_url is None:
            self.top_url = self.paper.text_url
        if self.area in ("questions", "changelog"):
            # A section ends a change log or question section above it.
            self.area = "notes"
        return False

    def _group(self, block, group):
        """Read a heading that groups the papers below it: a day, a period, a topic, contents.

        A day is the `read_on` of the papers below it, a period or a topic one
        of their tags; a contents list goes to the log's description. Text
        between it and the next paper goes to the description too.
        """
        kind, value = group
        marks = "#" * block.level
        if kind == "contents":
            self.warn(
                block.line,
                f"Read '{marks} {block.text}' as the log's contents: kept in its description.",
                kind="grouping",
            )
            if self.area != "preamble":
                self._end_paper()
                self.area = "loose"
                self._describe(self.lines[block.start].strip())
            return True
        self.warn(
            block.line,
            f"Read '{marks} {block.text}' as a heading that groups the papers below it.",
            kind="grouping",
        )
        for level in [level for level in self.groups if level >= block.level]:
            del self.groups[level]
        self.groups[block.level] = (kind, value)
        self.grouped = True
        if kind == "day" and block.text.strip(" *_:") != value.isoformat():
            # "Tuesday, 9 April 2024" is kept as written, as a tag; the day is `read_on`.
            self.groups[block.level] = ("day", value, tag_text(block.text.strip(" *_:")))
        if kind != "day":
            # As written, a count "(2)" too: emphasis and a colon aside.
            self.groups[block.level] = (kind, tag_text(block.text.strip(" *_:")))
        if self.area == "preamble":
            self._end_preamble(block.start)
            self.area = "preamble"
            self.preamble_start = block.start + 1
        else:
            self._end_paper()
            self.area = "loose"
        self.last = None
        return True

    def _loose_block(self, block):
        """Keep a block under a grouping heading, before the next paper, in the description."""
        if block.kind == "heading":
            text = self.lines[block.start].strip()
        elif block.kind == "item":
            first, *rest = block.lines
            text = "\n".join([f"- {first}", *(f"  {line}" if line else "" for line in rest)])
        else:
            text = block.text
        self._describe(text)

    def _describe(self, text):
        description = self.doc.description
        text = _description_text(text)
        self.doc.description = f"{description}\n\n{text}" if description else text

    def _end_preamble(self, end):
        start = self.preamble_start
        lines = self.lines[start:end]
        if self.title_index is not None and start <= self.title_index < end:
            # A blank line, not nothing: the lines around it stay apart.
            lines[self.title_index - start] = ""
        text = "\n".join(lines).strip("\n")
        if text:
            self._describe(text)
        self.area = "notes"

    def _start_paper(self, block):
        """Start the paper of a `##` / `###` heading: `[N]` its number, a link in it its url."""
        if self.area == "preamble":
            self._end_preamble(block.start)
        self._end_paper()
        number = None
        title = block.text
        if (match := _number_match(title)) is not None:
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
        paper = self.paper = _PaperState(entry)
        if found := heading_link(title):
            entry.title, paper.heading_url = found
            entry.found_as = "heading with a link"
        self.paper_level = block.level
        for level in sorted(self.groups):
            if level >= block.level:
                del self.groups[level]
            elif self.groups[level][0] == "day":
                paper.group_day = self.groups[level][1]
                paper.group_tags += self.groups[level][2:]
            else:
                paper.group_tags.append(self.groups[level][1])
        self.doc.papers.append(entry)
        self.area = "notes"
        self.last = None

    def _start_file(self, blocks):
        """Start the one paper of the "file" reading, before its first block.

        Its title is the front matter's `title:`, else the first `#` heading,
        else the first heading, else the file name; the front matter fills
        its fields and the file name's date its `read_on`.
        """
        front = self.front
        headings = [
            (i, block)
            for i, block in enumerate(blocks)
            if block.kind == "heading" and block.text and not any(self.kinds.of(block.text)[:2])
        ]
        top = next((i for i, block in headings if block.level == 1), None)
        if top is None and headings:
            top = headings[0][0]
        if front is not None and front.title:
            # A `# Title` repeating the front matter's title is that title.
            same = top is not None and blocks[top].text.casefold() == front.title.casefold()
            top = top if same else None
        self.title_block = top
        levels = [block.level for i, block in headings if i != top]
        self.paper_level = min(levels) - 1 if levels else 1
        if front is not None and front.title:
            title = front.title
        elif top is not None:
            title = blocks[top].text
        elif (linked := _link_title(blocks)) is not None:
            # The file starts with a link to its paper: that names it, as a heading would.
            title, self.first_rest = linked
        else:
            title = name_title(self.name) or _first_words(blocks)
        line = blocks[top].line if top is not None else 1
        entry = PaperEntry(number=1, title=title, line=line, found_as="one file", numbered=False)
        paper = self.paper = _PaperState(entry)
        if found := heading_link(title):
            entry.title, paper.heading_url = found
        if front is not None:
            entry.authors, entry.read_on, entry.tags = front.authors, front.read_on, front.tags
            entry.year = front.year
            entry.meta = front.meta
            paper.link = front.url or None
            self.expect_authors = top is None and bool(front.title)
        if entry.read_on is None and self.name:
            entry.read_on = file_name_day(self.name)
        self.doc.papers.append(entry)
        self.doc.title = entry.title
        self.area = "notes"

    def _end_paper(self):
        paper = self.paper
        if paper is None:
            return
        entry = paper.entry
        own_line = paper.own_line
        if paper.link and paper.heading_url and paper.link != paper.heading_url:
            # Both a `Link:` line and a link in the heading: the heading's stays a note.
            entry.notes.insert(0, NoteEntry(body=paper.heading_url, line=entry.line))
        if paper.link:
            url = paper.link
        elif paper.heading_url:
            url = paper.heading_url
            if own_line is not None and own_line[1] == url and own_line[2]:
                _remove(entry.notes, own_line[0])
        elif paper.link is not None:
            url = paper.link  # `Link: none`
        elif own_line is not None:
            note, url, consumable = own_line
            if consumable:
                _remove(entry.notes, note)
        elif self.top_url is not None:
            url = self.top_url
        else:
            url = paper.text_url
        if url and url != paper.text_url:
            self.linked += 1
        entry.url = url
        entry.arxiv_id, entry.doi = link_ids(url)
        if paper.group_tags:
            entry.tags = paper.group_tags + [t for t in entry.tags if t not in paper.group_tags]
        if entry.read_on is None:
            entry.read_on = paper.group_day
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
            entry.number, entry.numbered = next_number, False
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
        if block.kind == "para" and THEMATIC_BREAK_RE.fullmatch(block.text):
            # A separator between parts of the notes is no note (it holds no text).
            self.last = self.heading_note = None
            return
        if self._joins_heading_note(block) or self._authors_block(block):
            return
        if self._continues_last(block):
            return
        asked, paper.note_question = paper.note_question, None
        lead, paper.question_lead = paper.question_lead, None
        if lead is not None and block.kind == "item":
            self._question_under_lead(block, *lead)
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
                text = self._note_heading(block)
            note = NoteEntry(body=text, line=block.line)
            self._add_note(note)
            if block.kind == "heading" and is_heading_note(text):
                self.heading_note = note
            return
        literal = unescape_label(text, is_note_label)
        if literal is not None:
            self._add_note(NoteEntry(body=literal, line=block.line))
            return
        entry = paper.entry
        # `**Link:** url`, `**Fig. 3**: …`: a bold label reads as the plain one.
        label = unbold_label(text)
        if paper.link is None and (found := split_link_label(label)) is not None:
            paper.link, note = found
            if note:
                # `Link: [The paper's title](url)`: the link text stays, as a note.
                self._add_note(NoteEntry(body=note, line=block.line))
            else:
                self.last = None
            return
        if self._asks_or_answers(block, asked):
            paper.note_question = self._qa_block(block, asked, NOTE_QUESTION_SECTION)
            return
        first = block.lines[0] if block.kind == "item" else text
        if (
            block.kind in ("item", "para")
            and (section := question_lead(first))
            and self._start_lead(block, section)
        ):
            return
        if (found := meta_label(text)) and found[0] not in paper.seen_meta:
            paper.seen_meta.add(found[0])
            setattr(entry, *found)
            self.last = None
            return
        if not paper.seen_curiosity and (match := CURIOSITY_RE.match(label)):
            paper.seen_curiosity = True
            entry.curiosity, entry.curiosity_note = split_curiosity(label[match.end() :])
            self.last = None
            return
        if not paper.seen_tldr and (match := TLDR_RE.match(label)):
            paper.seen_tldr = True
            entry.tldr = label[match.end() :].strip()
            self.last = (entry, "tldr")
            return
        found = own_line_url(text)
        if found and paper.own_line is None and self._may_be_link(found[0]):
            note = NoteEntry(body=text, line=block.line)
            paper.own_line = (note, found[0], found[1] != "markdown")
            self._add_note(note)
            # A link is no sentence to continue, and it may yet be consumed.
            self.last = None
            return
        anchor = split_anchor(label)
        if anchor:
            kind, name, rest = anchor
            note = NoteEntry(rest.strip(), anchor_kind=kind, anchor_label=name, line=block.line)
            self._add_note(note)
            return
        note = NoteEntry(body=text, line=block.line)
        self._add_note(note)
        if block.kind == "item" and is_lead_in(text):
            self.lead_in = _LeadIn(note, block.line)
        elif block.kind == "para" and is_bold_heading(text):
            # `**Problem:**` over a paragraph heads it as a heading would: one note.
            self.heading_note = note

    def _note_heading(self, block):
        """Return a heading inside a paper's notes at its level relative to the paper."""
        if block.text and (text := note_heading(block.level, self.paper_level, block.text)):
            return text
        return self.lines[block.start].strip()

    def _joins_heading_note(self, block):
        """Add a paragraph right under a heading note to that note, so they stay together."""
        note = self.heading_note
        if note is None:
            return False
        if block.kind != "para" or not joins_heading(block.text) or is_bold_heading(block.text):
            self.heading_note = None
            return False
        note.body += "\n\n" + block.text
        if not self.paper.text_url:
            self.paper.text_url = first_paper_url(block.text)
        self.last = None
        return True

    def _authors_block(self, block):
        """Read the line of authors right under the "file" reading's title, or under "Authors"."""
        entry = self.paper.entry
        if self.authors_section and block.kind in ("item", "para"):
            names = listed_names(block.text)
            if names is None:
                return False
            entry.authors = f"{entry.authors}, {names}" if entry.authors else names
            self.last = None
            return True
        if not self.expect_authors or block.kind != "para" or entry.authors:
            return False
        found = year_and_authors(block.text)
        if found is None:
            return False
        year, entry.authors = found
        entry.year = year or entry.year
        self.last = None
        return True

    def _under_link_title(self, block):
        """Read the lines under a first-line `[Title](url)`: its authors, else a note."""
        rest = self.first_rest
        if not rest:
            return
        entry = self.paper.entry
        found = year_and_authors(rest) if "\n" not in rest else None
        if found is not None:
            year, entry.authors = found
            entry.year = year or entry.year
        else:
            self._add_note(NoteEntry(body=rest, line=block.line + 1))

    def _may_be_link(self, url):
        """Tell whether a URL on its own line may be the paper's link.

        In the "file" reading only near the top (before the second section),
        and any URL before the first section: that is where a post links its paper.
        """
        if self.mode != "file":
            return is_paper_url(url)
        if self.sections >= 2:
            return False
        return self.sections == 0 or is_paper_url(url)

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
        if self._asks_or_answers(block, paper.question):
            self._qa_block(block, paper.question, paper.section)
            return
        if block.kind != "item":
            self._start_question(block.text, None, [], block.line)
            return
        body, box, replies = self._split_question(block.lines, block.numbers)
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

    def _start_lead(self, block, section):
        """Read the bullets under a `**Questions:**` line (or nested in it) as questions.

        The line stays a note until a bullet follows it, so a lone
        "Questions:" above a paragraph loses nothing. Return False for a
        bullet with more than bullets under it: that is a note.
        """
        paper = self.paper
        if block.kind == "item" and len(block.lines) > 1:
            children = scan(block.lines[1:], block.numbers[1:], strict=False)
            if any(child.kind != "item" for child in children):
                return False
            self._enter_lead(section, block)
            for child in children:
                self._question_block(child)
            paper.question_lead = (None, section)
            return True
        note = NoteEntry(body=block.text, line=block.line)
        self._add_note(note)
        paper.question_lead = (note, section)
        return True

    def _question_under_lead(self, block, note, section):
        """Read a bullet below a `**Questions:**` line as a question or a reply."""
        paper = self.paper
        if note is not None:
            # The line names the section of the questions below it: no note.
            if paper.entry.notes and paper.entry.notes[-1] is note:
                paper.entry.notes.pop()
            self._enter_lead(section, note)
        self._question_block(block)
        paper.question_lead = (None, section)

    def _enter_lead(self, section, where):
        paper = self.paper
        paper.section = section
        paper.question = None
        paper.indented_replies = False
        self.warn(
            where.line, f"Guessed: the bullets under this line read as questions ({section})."
        )

    def _asks_or_answers(self, block, question):
        """Tell whether a bullet or paragraph starts with `Q:`, or with `A:` after a question."""
        if block.kind not in ("item", "para"):
            return False
        text = block.text
        return bool(
            QUESTION_LABEL_RE.match(text) or (question is not None and ANSWER_LABEL_RE.match(text))
        )

    def _qa_block(self, block, question, section):
        """Read `Q:` / `A:` lines: each `Q:` a question, each `A:` a reply to the question above.

        A paragraph may hold several, `Q: …` on one line and `A: …` on the
        next; a bullet's indented bullets are replies to its last question.
        Return the last question.
        """
        if block.kind == "item" and not QUESTION_LABEL_RE.match(block.text):
            # `- A: …` with its indented lines is one reply.
            self._add_reply(question, block.text)
            return question
        if block.kind == "item":
            body, _, replies = self._split_question(block.lines, block.numbers)
        else:
            body, replies = block.text, []
        for offset, is_question, text in _qa_parts(body):
            if is_question:
                self._start_question(text, None, [], block.line + offset, section)
                question = self.paper.question
            else:
                self._add_reply(question, text)
        for reply in replies:
            self._add_reply(question, reply)
        return question

    def _split_question(self, lines, numbers):
        """Return (question text, task box or None, [reply texts]) of a question item."""
        lines = list(lines)
        box = None
        literal = unescape_label(lines[0], is_question_label)
        if literal is not None:
            lines[0] = literal
        elif match := TASK_RE.match(lines[0]):
            box = match[1]
            lines[0] = lines[0][match.end() :]
        # The first line is the question itself, even when it looks like a bullet.
        looks_like_item = BULLET_RE.match(lines[0]) or ORDERED_RE.match(lines[0])
        scanned = ["?", *lines[1:]] if looks_like_item else lines
        children = scan(scanned, numbers, strict=False)
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

    def _start_question(self, body, box, replies, line, section=None):
        paper = self.paper
        section = paper.section if section is None else section
        question = QuestionEntry(body=body, section=section, line=line)
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
        """Add a reply; `A:` is dropped, and `Resolved: …` or `[x] …` resolves the question.

        `[ ] …` is a reply (the box dropped): something still open about it.
        """
        paper = self.paper
        literal = unescape_label(text, is_reply_label)
        if literal is not None:
            question.replies.append(literal)
            self.last = (question.replies, len(question.replies) - 1)
            return
        if match := ANSWER_LABEL_RE.match(text):
            text = text[match.end() :]
        box = TASK_RE.match(text)
        match = RESOLUTION_RE.match(text) or (box if box and box[1] != " " else None)
        if match and not paper.resolution_taken:
            paper.resolution_taken = True
            question.resolution = text[match.end() :].strip()
            if not paper.open_box:
                question.status = "resolved"
            self.last = (question, "resolution")
            return
        if box and box[1] == " ":
            text = text[box.end() :]
        question.replies.append(text)
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
            self._describe(text)
            self.warn(block.line, "No date (YYYY-MM-DD): added to the log's description.")


def _plan(blocks, kinds):
    """Say which `##` / `###` headings are papers, topics over papers, or sections of a paper.

    Return {block index: "paper" | "topic" | "section" | "group"} for the
    headings that can be papers or group them (see _plan_groups and
    _plan_files for `#` papers). A `##`
    holding `###` headings is a topic when they look like papers (`[N]`, a
    link) and it does not, or when it is short and they are long like
    titles; a `###` under a `##` paper is a section of it when it is named
    like one ("Summary", "Method"), the same name recurs under other papers,
    or the `##` papers are numbered and no `###` is.
    """
    roles = {}
    for i, block in enumerate(blocks):
        if block.kind == "heading" and block.level in (2, 3) and not any(kinds.of(block.text)):
            roles[i] = "paper"
    papers = set(roles)
    _plan_groups(blocks, roles, kinds)
    if _plan_files(blocks, roles, papers, kinds):
        return roles
    repeats = Counter(_folded(blocks[i].text) for i in papers if blocks[i].level == 3)
    # When no `###` names a paper beyond doubt, a `###` under a numbered or
    # linked `##` paper is a section of it.
    numbered_threes = any(_paper_like(blocks[i].text) for i in papers if blocks[i].level == 3)
    children = {}
    parent = None
    for i, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        if block.level <= 2:
            parent = i if i in papers else None
            children[i] = []
        elif block.level == 3 and parent is not None and i in papers:
            children[parent].append(i)

    def section_like(i):
        text = blocks[i].text
        return not _paper_like(text) and (is_section_name(text) or repeats[_folded(text)] > 1)

    for parent, kids in children.items():
        if not kids:
            continue
        head = blocks[parent].text
        lengths = sorted(len(blocks[i].text.split()) for i in kids)
        if not _paper_like(head) and (
            any(_paper_like(blocks[i].text) for i in kids)
            or (len(head.split()) <= 3 and lengths[len(lengths) // 2] >= 4)
            and not any(section_like(i) for i in kids)
        ):
            roles[parent] = "topic"
            continue
        sections_below = _paper_like(head) and not numbered_threes
        for i in kids:
            if section_like(i) or sections_below:
                roles[i] = "section"
    return roles


_DESCRIPTION_HEADING_RE = re.compile(r" {0,3}(#{1,3})[ \t]+(\S.*)$")
_OPEN_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")


def _description_text(text):
    """Return text for the log's description that reads back as the same description.

    A `##` / `###` heading or a grouping `#` heading there would be read back
    as a paper or a group: it goes to level four (what docs/log-format.md
    asks of a description). A line of text over `---` or `===` would become
    a heading: a blank line goes between them. No word changes; code blocks
    are left alone.
    """
    if "#" not in text and "--" not in text and "==" not in text:
        return text
    out = []
    fence = None
    for line in text.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip(fence[0]).strip():
                fence = None
        elif match := _OPEN_FENCE_RE.match(line):
            fence = match[1]
        elif (match := _DESCRIPTION_HEADING_RE.match(line)) and (
            len(match[1]) > 1 or _grouping(match[2])
        ):
            line = "#### " + match[2]
        elif out and out[-1].strip() and SETEXT_RE.match(line.strip()):
            out.append("")
        out.append(line)
    return "\n".join(out)


def _plan_files(blocks, roles, papers, kinds):
    """Read several one-paper notes in one file: each `#` a paper, its `##` its sections.

    When the file has two or more `#` headings and every `##` under them is
    named like a section ("Summary") or recurs under another `#`, the `#`
    headings are the papers (a first one right above the next is the log's
    title). Return whether it is so.
    """
    ones = [
        i
        for i, block in enumerate(blocks)
        if block.kind == "heading" and block.level == 1 and not any(kinds.of(block.text))
    ]
    twos = [i for i in papers if blocks[i].level == 2]
    if len(ones) < 2 or not twos or any(roles.get(i) == "group" for i in roles):
        return False
    repeats = Counter(_folded(blocks[i].text) for i in twos)
    if not all(
        not _paper_like(blocks[i].text)
        and (is_section_name(blocks[i].text) or repeats[_folded(blocks[i].text)] > 1)
        for i in twos
    ):
        return False
    for i in papers:
        roles[i] = "section"
    headings = [i for i, block in enumerate(blocks) if block.kind == "heading"]
    after = dict(zip(headings, headings[1:], strict=False))
    for i in ones:
        # A first `#` right above another is the log's title, not a paper.
        if i != ones[0] or after.get(i) != ones[1]:
            roles[i] = "paper"
    return True


def _plan_groups(blocks, roles, kinds):
    """Mark the grouping headings (a day, a period, contents) that group something.

    A day or a period groups the paper headings below it, up to the next
    heading of its level; one with no paper below it is an ordinary heading,
    so its text stays where it is. A contents heading always groups.
    """
    open_groups = []  # (level, block index) of the groups still open
    for i, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        while open_groups and open_groups[-1][0] >= block.level:
            open_groups.pop()
        if roles.get(i) == "paper":
            for _, index in open_groups:
                roles[index] = "group"
            open_groups.clear()
        elif block.level <= 3 and (group := kinds.of(block.text)[2]):
            if group[0] == "contents":
                roles[i] = "group"
            else:
                open_groups.append((block.level, i))


class _Kinds(dict):
    """The kinds of heading texts, each worked out once per file for the readings.

    of(text) is (a change-log heading, the question section or "", the
    grouping heading or None).
    """

    def of(self, text):
        kind = self.get(text)
        if kind is None:
            kind = self[text] = (
                is_changelog_heading(text),
                question_section(text),
                _grouping(text),
            )
        return kind


def _grouping(text):
    """Read a grouping heading (dates.grouping_heading), also with a count: `2021-12 (2)`."""
    if text.endswith(")") and (start := text.rfind("(")) > 0 and text[start + 1 : -1].isdigit():
        text = text[:start].rstrip()
    return grouping_heading(text)


def _paper_like(text):
    """Tell whether a heading names a paper beyond doubt: an `[N]` number or a link."""
    return _number_match(text) is not None or heading_link(text) is not None


def _number_match(text):
    """Match the `[N]` at the start of a heading; None for a link `[2020](url)`."""
    match = _PAPER_NUMBER_RE.match(text)
    return match if match and not text.startswith(f"[{match[1]}](") else None


def _folded(text):
    return " ".join(text.casefold().split())


def _first_words(blocks):
    """Return the first words of a file without headings, as its paper's title."""
    text = next((block.text for block in blocks if block.kind != "heading"), "")
    first = text.split("\n", 1)[0]
    words = first.strip("#*_>`[]() \t").split()
    return " ".join(words[:_TITLE_WORDS]) + (" …" if len(words) > _TITLE_WORDS else "")


_TITLE_WORDS = 12


def _link_title(blocks):
    """Return (the first line, the rest) when a file starts with `[Title](url)` of a paper.

    Per-paper files without a heading often open with the paper's title as a
    link to it; None otherwise.
    """
    if not blocks or blocks[0].kind != "para":
        return None
    first, _, rest = blocks[0].text.partition("\n")
    found = own_line_url(first)
    if not found or found[1] != "markdown" or not is_paper_url(found[0]):
        return None
    if not heading_link(first)[0].strip():
        return None
    return first, rest


def _remove(notes, note):
    """Remove this very note (not one equal to it) from a paper's notes."""
    del notes[next(i for i, n in enumerate(notes) if n is note)]


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


def _qa_parts(text):
    """Cut text at its `Q:` and `A:` lines: return [(line offset, is a question, text)]."""
    parts = []
    for offset, line in enumerate(text.split("\n")):
        if match := QUESTION_LABEL_RE.match(line):
            parts.append((offset, True, [line[match.end() :]]))
        elif parts and (match := ANSWER_LABEL_RE.match(line)):
            parts.append((offset, False, [line[match.end() :]]))
        elif parts:
            parts[-1][2].append(line)
        else:
            # The text starts with `A:`, answering the question before it.
            match = ANSWER_LABEL_RE.match(line)
            parts.append((offset, False, [line[match.end() :]]))
    return [(offset, asks, "\n".join(lines).strip()) for offset, asks, lines in parts]


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
