"""Read a log whose papers are list items or table rows, as daily reading lists are written.

`read_items` reads each item of a numbered or bulleted list that names a
paper as a paper, its nested bullets as notes (and paragraphs written as the
entries of a paper list, `**Title.**<br>` / `*Authors.*<br>` / `CVPR 2020.
[[PDF](url)]`); `read_rows` reads each row of a table of papers
(`| # | Paper | Link | Notes |`). Each returns a
LogDocument, or None when the file is not written that way (fewer than two
papers), so parse_log can pick the reading that fits.

Both walk the file once, cutting it into headings, lists, tables and other
text. Headings above the papers that group them (a day, a month, a topic)
become the papers' `read_on` date or tags; every other line that is not a
paper is kept, in the description before the first paper and as a note of
the paper above it after that. Every pattern matches at the start of a line
or scans a line once, so a 50,000-character table row costs no more than
reading it.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from papers.logformat.blocks import HEADING_RE, item_end, scan
from papers.logformat.dates import file_name_day, grouping_heading
from papers.logformat.model import ChangeLogItem, LogDocument, PaperEntry, ParseWarning
from papers.logformat.sections import authors_line
from papers.logformat.syntax import (
    CHANGELOG_ITEM_RE,
    detect_link,
    first_paper_url,
    is_changelog_heading,
    is_paper_url,
    link_ids,
)

# The database's largest paper number, as in parser.py (which imports this module).
MAX_PAPER_NUMBER = 2**31 - 1
# Fewer papers than this and the file is not a list (or table) of papers.
MIN_PAPERS = 2

# A list item: up to three spaces, `-`, `*`, `+` or `1.` / `1)`, then text.
_ITEM_RE = re.compile(r"( {0,3})(?:([-*+])|(\d{1,9})([.)]))(?:( +)(.*))?$")
_FENCE_OPEN_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
_DELIMITER_CELL_RE = re.compile(r":?-+:?")
# The canonical format's paper heading: a file written that way is no list of papers.
_NUMBERED_HEADING_RE = re.compile(r" {0,3}#{2,3}[ \t]+\[\d+\]")
# A markdown link `[text](url)` (an image when `!` comes first) and a bare URL.
_MD_LINK_RE = re.compile(r"(!?)\[([^\[\]\n]*)\]\(<?([^\s()<>]+)>?\)")
_WEB_RE = re.compile(r"https?://", re.IGNORECASE)
_BARE_URL_RE = re.compile(r"https?://[^\s<>\"'`\[\]()]+", re.IGNORECASE)
_ID_RE = re.compile(
    r"\b(?:arxiv:[ \t]?\d{4}\.\d{4,5}(?:v\d+)?|doi:[ \t]?10\.\d{4,9}/[^\s\[\]()<>\"'`]+)",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?*_~'\""
_WORD_RE = re.compile(r"[^\W\d_]+")
# Link texts that only say where the link goes (`[arXiv](…)`, `[pdf](…)`):
# the link becomes the paper's url and its text is not kept as a note.
_LINK_WORDS = frozenset("arxiv pdf paper link url abs html doi openreview".split())
_SEPARATORS = " \t-–—:;,.|/"
_BOLD_PREFIX_RE = re.compile(r"(\*\*|__)([^*_\n]{1,80}?)(?::\1|\1[ \t]*[:\-–—])[ \t]*")
_INITIAL_RE = re.compile(r"\b[A-Z]\.")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
_NAME_SEPARATOR_RE = re.compile(r",[ \t]*(?:and[ \t]+)?|[ \t]+(?:and|&)[ \t]+")
_TASK_BOX_RE = re.compile(r"\[([ xX])\][ \t]+")
# A number written into the title: `**01.Generative Adversarial Nets**`.
_TITLE_NUMBER_RE = re.compile(r"(\d{1,4})\.[ \t]*(?=[^\W\d_])")
_BR_RE = re.compile(r"<br[ \t]*/?>", re.IGNORECASE)
# A line all in bold or italics: `**Title.**`, `*A. Author, B. Author.*`.
_EMPHASIZED_RE = re.compile(r"(\*\*|__|\*|_)([^*_\n]+)\1")
_EMPHASIS = "*_`"

# What the columns of a table of papers mean, by their header.
_COLUMNS = {
    "number": ("#", "no", "nr", "n", "num", "number", "n°", "nº", "idx"),
    "paper": ("paper", "papers", "title", "paper title", "name", "paper name", "article"),
    "link": ("link", "links", "url", "arxiv", "pdf", "paper link", "doi"),
    "notes": (
        "notes",
        "note",
        "comments",
        "comment",
        "summary",
        "remarks",
        "thoughts",
        "takeaways",
        "key idea",
        "key ideas",
        "description",
    ),
    "tldr": ("tl;dr", "tldr", "tl dr"),
    "authors": ("authors", "author", "by"),
    "date": ("date", "read", "read on", "date read", "when"),
    "tags": ("tags", "tag", "topic", "topics", "category", "categories", "area"),
}
_COLUMN_ROLE = {name: role for role, names in _COLUMNS.items() for name in names}
# Headers that say "paper" rather than "title": such a column may hold links.
_PAPER_WORDS = ("paper", "papers")
# A title column named so in many tables that are not about papers.
_WEAK_TITLES = ("name",)


def read_items(lines, text):
    """Return the papers of a list of papers (the "items" reading), or None."""
    return _Reader(lines, "items").run()


def read_rows(lines, text):
    """Return the papers of a table of papers (the "rows" reading), or None."""
    return _Reader(lines, "rows").run()


# -- cutting the file -------------------------------------------------------------


@dataclass
class _Chunk:
    """A heading, list item, table or run of other text: lines [start, end) of the file."""

    kind: str  # "heading", "item", "table", "para" (a paragraph) or "text"
    start: int
    end: int
    level: int = 0  # a heading's level
    text: str = ""  # a heading's text, an item's first line
    number: int | None = None  # an ordered item's number
    ordered: bool = False
    body: list[str] = field(default_factory=list)  # an item's further lines, dedented
    head_lines: int = 1  # an item's first line and the lines that continue it


def _heading_item(chunk):
    """Return the heading a list item starts with (`- ### 2014`) as a heading chunk, or None."""
    if chunk.kind != "item" or not (match := HEADING_RE.match(chunk.text)):
        return None
    text = (match[2] or "").strip()
    return _Chunk("heading", chunk.start, chunk.start + 1, len(match[1]), text)


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _table_starts(lines, i):
    """Tell whether a table starts at line i: a header row, then `|---|---|` with as many cells."""
    if "|" not in lines[i] or i + 1 >= len(lines) or "|" not in lines[i + 1]:
        return False
    header, delimiter = _split_cells(lines[i]), _split_cells(lines[i + 1])
    return len(header) == len(delimiter) and all(
        _DELIMITER_CELL_RE.fullmatch(cell) for cell in delimiter
    )


def _block_starts(lines, i):
    """Tell whether line i starts a heading, list item, code fence or table."""
    line = lines[i]
    return bool(
        HEADING_RE.match(line)
        or _ITEM_RE.match(line)
        or _FENCE_OPEN_RE.match(line)
        or _table_starts(lines, i)
    )


def _cut(lines, start=0, limit=None):
    """Cut lines[start:limit] into chunks in one pass; blank lines separate them."""
    chunks = []
    n = len(lines) if limit is None else limit
    i = start
    while i < n:
        line = lines[i]
        if not line:
            i += 1
            continue
        if heading := HEADING_RE.match(line):
            text = (heading[2] or "").strip()
            chunks.append(_Chunk("heading", i, i + 1, len(heading[1]), text))
            i += 1
        elif fence := _FENCE_OPEN_RE.match(line):
            i = _fenced(lines, i, n, fence[1], chunks)
        elif item := _ITEM_RE.match(line):
            i = _item(lines, i, n, item, chunks)
        elif _table_starts(lines, i):
            end = i + 2
            while end < n and "|" in lines[end]:
                end += 1
            chunks.append(_Chunk("table", i, end))
            i = end
        else:
            end = i + 1
            while end < n and lines[end] and not _block_starts(lines, end):
                end += 1
            chunks.append(_Chunk("para", i, end))
            i = end
    return chunks


def _fenced(lines, start, limit, fence, chunks):
    """Cut a fenced code block, up to its closing fence (or the end), as text."""
    end = start + 1
    while end < limit:
        close = lines[end].strip()
        end += 1
        if close.startswith(fence) and not close.strip(fence[0]):
            break
    chunks.append(_Chunk("text", start, end))
    return end


def _item(lines, start, limit, match, chunks):
    """Cut one list item: its first line, lines indented under it, lazy continuation lines."""
    indent = len(match[1])
    marker = len(match[2] or "") + len(match[3] or "") + len(match[4] or "")
    spaces = len(match[5] or "")
    content = indent + marker + (spaces if 1 <= spaces <= 4 else 1)
    end = item_end(lines, start, limit, indent, lambda k: not _block_starts(lines, k))
    body = [line[min(_indent(line), content) :] if line else "" for line in lines[start + 1 : end]]
    # A first line wrapped onto the next lines: `Title that goes on\n  and on. [arXiv](url)`.
    wrapped = 0
    while wrapped < len(body) and body[wrapped] and not _block_starts(body, wrapped):
        wrapped += 1
    text = " ".join([(match[6] or "").strip(), *(line.strip() for line in body[:wrapped])])
    number = int(match[3]) if match[3] else None
    chunks.append(
        _Chunk(
            "item",
            start,
            end,
            text=text.strip(),
            number=number,
            ordered=number is not None,
            body=body[wrapped:],
            head_lines=1 + wrapped,
        )
    )
    return end


# -- what an item's first line (or a title cell) says --------------------------------


@dataclass
class _Head:
    title: str
    url: str = ""
    authors: str = ""
    rest: str = ""  # every other word of the line, kept as a note
    number: int | None = None  # from a title numbered `01.Title`
    tags: list[str] = field(default_factory=list)  # from a closing `[vision, transformers]`


@dataclass
class _Link:
    start: int
    end: int
    url: str  # "" for a link to a file next to the log (`notes/x.md`)
    target: str  # where the link goes, as written
    text: str = ""  # a markdown link's text; "" for a bare URL or an id
    markdown: bool = False


def _links(text):
    """Return the links of a line in order: markdown links, bare URLs, `arXiv:` / `doi:` ids.

    Bare URLs and ids are looked for only between the markdown links, so
    each character is read a bounded number of times.
    """
    found = []
    gaps = []
    at = 0
    for match in _MD_LINK_RE.finditer(text):
        gaps.append((at, match.start()))
        at = match.end()
        if not match[1]:
            target = match[3]
            url = target if _WEB_RE.match(target) else ""
            found.append(_Link(match.start(), match.end(), url, target, match[2], markdown=True))
    gaps.append((at, len(text)))
    for start, end in gaps:
        for match in _BARE_URL_RE.finditer(text, start, end):
            url = match[0].rstrip(_URL_TRAILING)
            found.append(_Link(match.start(), match.start() + len(url), url, url))
        for match in _ID_RE.finditer(text, start, end):
            written = match[0].rstrip(_URL_TRAILING)
            url = detect_link(written)[0]
            found.append(_Link(match.start(), match.start() + len(written), url, written))
    found.sort(key=lambda link: link.start)
    return found


def _is_generic(link):
    """Tell whether a link's text only names the site or the file (`arXiv`, `pdf`)."""
    if not link.markdown:
        return True
    host = set(_WORD_RE.findall(urlsplit(link.url).netloc.lower())) if link.url else set()
    words = _WORD_RE.findall(link.text.lower())
    return all(word in _LINK_WORDS or word in host for word in words)


def _plain(text):
    """Strip the emphasis around a title: `**Title**` → `Title`."""
    return text.strip(_SEPARATORS).strip(_EMPHASIS).strip(_SEPARATORS)


def _split_venue(title):
    """Split `Title (NeurIPS 2023)` into ("Title", "(NeurIPS 2023)"); the venue may be ""."""
    if not title.endswith(")"):
        return title, ""
    open_at = title.rfind("(")
    venue = title[open_at:]
    if open_at <= 0 or not _YEAR_RE.search(venue):
        return title, ""
    return title[:open_at].rstrip(), venue


def _looks_like_authors(text):
    """Tell whether text reads as an author list: `Vaswani et al.`, `A. Smith, B. Jones`."""
    if "et al" in text.lower() or _INITIAL_RE.search(text):
        return True
    # Full names only, `Albert Gu and Tri Dao`: single words could be a title's.
    parts = [part.split() for part in _NAME_SEPARATOR_RE.split(text.rstrip("."))]
    return len(parts) >= 2 and all(
        2 <= len(words) <= 3 and all(word[:1].isupper() for word in words) for words in parts
    )


def _split_authors(title):
    """Split `Title. Authors` or `Title, Authors et al.` into (title, authors).

    The split is after the first sentence or comma whose rest reads as an
    author list; a full stop after an initial (`A. Smith`) is none. Only
    the first few are tried, so a long line costs no more than one.
    """
    for separator in (". ", ", "):
        at = title.find(separator)
        for _ in range(3):
            if at <= 0:
                break
            initial = title[at - 1].isupper() and (at == 1 or not title[at - 2].isalpha())
            if not (separator == ". " and initial) and _looks_like_authors(title[at + 2 :]):
                return title[:at].strip(), title[at + 2 :].strip()
            at = title.find(separator, at + 2)
    return title, ""


def _read_head(text):
    """Read the title, link and authors in an item's first line; None when it has no title.

    `[Title](url) - comment`, `**Short**: Title. [arXiv](url)`,
    `Title (Venue 2023) [pdf](url) [code](url)`, `Title, Authors. arXiv:2401.01234`:
    the title without markup, the first paper link as the url, and the rest
    of the line, short name, venue and comment, as `rest`.
    """
    links = _links(text)
    first = links[0] if links else None
    chosen = _paper_link(links)
    lead_end = _bracketed(text, first)[0] if first else len(text)
    prefix_end = 0
    if (short := _BOLD_PREFIX_RE.match(text)) and _has_words(text[short.end() : lead_end]):
        # `**Short name**: Title …`; but in `**Title**: [arXiv](url)` the bold is the title.
        prefix_end = short.end()
    lead = text[prefix_end:lead_end]
    authors = ""
    if (
        first is not None
        and first.markdown
        and _lead_is_label(lead)
        and (not _is_generic(first) or not _has_words(lead))
    ):
        title, venue = _split_venue(_plain(first.text))
        title_end = first.end
        # A title link that is not the paper's link keeps its URL in the note.
        kept = "" if chosen is first else _kept(first)
        pieces = [(first.start, first.end, f"{venue} {kept}")]
    else:
        start = prefix_end + len(lead) - len(lead.lstrip())
        whole = lead.strip().rstrip(_SEPARATORS).rstrip()
        title_end = start + len(whole)
        title, venue = _split_venue(whole)
        title, authors = _split_authors(title)
        title = _plain(title)
        pieces = [(start, title_end, venue)]
    number = None
    if match := _TITLE_NUMBER_RE.match(title):
        number, title = int(match[1]), title[match.end() :]
    if not _has_words(title):
        return None
    if chosen is not None and chosen.start >= title_end and _is_generic(chosen):
        pieces.append((*_bracketed(text, chosen), ""))
    tags = _tag_group(text, title_end, pieces)
    rest = _cut_out(text, pieces)
    url = chosen.url if chosen else ""
    return _Head(title=title, url=url, authors=authors, rest=rest, number=number, tags=tags)


def _status_mark(text):
    """Split a leading status mark (`🔵 `, `✅ `, `★ `) from a line: (mark, the rest).

    ("", text) when the line starts with no symbol followed by a space.
    """
    end = 0
    while end < len(text) and end < 8 and unicodedata.category(text[end])[0] in "SM":
        end += 1
    while end < len(text) and text[end] in "\u200d\ufe0f":
        end += 1
    if end == 0 or end >= len(text) or text[end] not in " \t":
        return "", text
    return text[:end], text[end:].strip()


_BY_RE = re.compile(r"[ \t]*(?:[-–—,:][ \t]*)?(?:by[ \t]+)?", re.IGNORECASE)
# What may follow a title in emphasis: "by", a dash, a comma, a colon, a bracket.
_AFTER_TITLE_RE = re.compile(r"[ \t]*(?:[-–—,:;(\[]|by[ \t])", re.IGNORECASE)
_COMMENT_RE = re.compile(r"[ \t]+[-–—][ \t]+|[ \t]*[;(]")


def _emphasized_head(text):
    """Read `*Title* by Ada Lovelace — a comment`: the title, the authors, the rest as a note."""
    match = _EMPHASIZED_RE.match(text)
    title = _plain(match[2]).strip()
    if not _has_words(title):
        return None
    after = text[match.end() :]
    if after.strip() and not _AFTER_TITLE_RE.match(after):
        # `*Really* good week.`: emphasis in a sentence, no title.
        return None
    lead = _BY_RE.match(after)
    names = after[lead.end() :]
    cut = _COMMENT_RE.search(names)
    authors_text = (names[: cut.start()] if cut else names).strip().rstrip(".")
    # After a dash or "by", even one name is the authors (authors_line reads "By …").
    authors = authors_line(f"By {authors_text}") if lead.group().strip() else None
    # With authors read, only the comment after them is left; else all that follows.
    rest = (names[cut.end() :] if cut else "") if authors else after
    rest = " ".join(rest.split()).lstrip(_SEPARATORS)
    return _Head(title=title, authors=authors, rest=rest if _has_words(rest) else "")


def _tag_group(text, after, pieces):
    """Read the tags of a line that ends with a bracketed list, `[detection, transformers]`.

    The group must come after the title, hold a comma and no brackets or
    parentheses (so a link is never one); its span is added to pieces.
    """
    stripped = text.rstrip()
    if not stripped.endswith("]"):
        return []
    open_at = stripped.rfind("[")
    inside = stripped[open_at + 1 : -1]
    if open_at < after or "," not in inside or any(char in inside for char in "[]()"):
        return []
    pieces.append((open_at, len(stripped), ""))
    return [_tag(tag) for tag in inside.split(",") if _tag(tag)]


def _paper_link(links):
    """Return the first link to a paper, else the first web link, else None."""
    web = [link for link in links if link.url]
    return next((link for link in web if is_paper_url(link.url)), web[0] if web else None)


def _kept(link):
    """Write a title's link that is not the paper's link, for the note."""
    return f"<{link.url}>" if link.url else f"[{link.target}]({link.target})"


def _bracketed(text, link):
    """Return a link's span, with the brackets around it: `[[arXiv](url)]`."""
    start, end = link.start, link.end
    if text[start - 1 : start] == "[" and text[end : end + 1] == "]":
        return start - 1, end + 1
    return start, end


def _has_words(text):
    """Tell whether text holds a word or a number, not only markup and punctuation."""
    return bool(_WORD_RE.search(text)) or any(char.isdigit() for char in text)


def _lead_is_label(lead):
    """Tell whether the text before a link is nothing or a short label with a colon: `Paper:`."""
    stripped = lead.strip().strip(_EMPHASIS).strip()
    return not stripped or (stripped.endswith(":") and len(stripped.split()) <= 4)


def _cut_out(text, pieces):
    """Return text with the spans (start, end, replacement) replaced, tidied into a note."""
    out = []
    at = 0
    for start, end, replacement in sorted(pieces):
        if start < at:
            continue
        out.append(text[at:start])
        out.append(replacement)
        at = end
    out.append(text[at:])
    rest = " ".join("".join(out).split()).strip(_SEPARATORS)
    return rest if _has_words(rest) else ""


# -- table rows ----------------------------------------------------------------------


def _split_cells(line):
    """Split a table row into its cells; `\\|` is a pipe inside a cell."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = []
    current = []
    for piece in line.split("|"):
        current.append(piece)
        if piece.endswith("\\"):
            current[-1] = piece[:-1]
            continue
        cells.append("|".join(current).strip())
        current = []
    if current:
        cells.append("|".join(current).strip())
    return cells


def _column_roles(header):
    """Say what each column holds by its header: "title", "link", "notes"…, or "" for another.

    One column holds the titles: the first named like a title (`Title`,
    `Name`), else the first `Paper` column. Another `Paper` column, next to
    a `Title` one, holds links (`| Title | Paper | Code |`).
    """
    names = [" ".join(cell.strip(_EMPHASIS + " :.").lower().split()) for cell in header]
    roles = [_COLUMN_ROLE.get(name, "") for name in names]
    papers = [i for i, role in enumerate(roles) if role == "paper"]
    if not papers:
        return roles
    named = [i for i in papers if names[i] not in _PAPER_WORDS]
    title = (named or papers)[0]
    return [
        "title" if i == title else "link" if role == "paper" else role
        for i, role in enumerate(roles)
    ]


# -- the reader ----------------------------------------------------------------------


class _Reader:
    """Read the chunks of a file as papers (list items or table rows) and the text around them."""

    def __init__(self, lines, reading):
        self.lines = lines
        self.reading = reading
        self.found_as = "list item" if reading == "items" else "table row"
        self.doc = LogDocument()
        self.numbers = []  # each paper's own number (list or `#` column), or None
        self.groups = []  # [(level, "day" | "tag", value)] of the headings above
        self.changelog_level = None  # the level of the change-log heading we are under
        self.description_end = None  # the line after the description's last text
        self.trailing = None  # (start, end): the lines after the last paper, read with it

    def warn(self, line, message, kind=""):
        self.doc.warnings.append(ParseWarning(line=line, message=message, kind=kind))

    def run(self):
        if any(_NUMBERED_HEADING_RE.match(line) for line in self.lines):
            return None
        chunks = _cut(self.lines)
        units = self._units(chunks)
        if sum(1 for unit in units if unit[0] == "paper") < MIN_PAPERS:
            return None
        used = self._used_headings(units)
        for index, unit in enumerate(units):
            kind = unit[0]
            if kind == "heading":
                self._heading(unit[1], index in used)
            elif kind == "paper":
                self._paper(unit[1])
            else:
                self._text(*unit[1:])
        self._read_trailing()
        self._number_papers()
        return self.doc

    # -- units: headings, papers and text, in file order -------------------------

    def _units(self, chunks):
        """Group the chunks: ("heading", chunk), ("paper", paper) or ("text", start, end)."""
        units = []
        i = 0
        n = len(chunks)
        while i < n:
            chunk = chunks[i]
            if heading := _heading_item(chunk):
                # `- ### 2014` with the papers of 2014 nested under it.
                units.append(("heading", heading))
                units += self._units(_cut(self.lines, chunk.start + 1, chunk.end))
                i += 1
                continue
            if chunk.kind == "item":
                end = i + 1
                while (
                    end < n
                    and chunks[end].kind == "item"
                    and chunks[end].ordered == chunk.ordered
                    and not _heading_item(chunks[end])
                ):
                    end += 1
                units += self._list(chunks[i:end])
                i = end
                continue
            if chunk.kind == "para" and self.reading == "items":
                end = i + 1
                while end < n and chunks[end].kind == "para":
                    end += 1
                units += self._paragraphs(chunks[i:end])
                i = end
                continue
            if chunk.kind == "table" and self.reading == "rows":
                units += self._table(chunk)
            elif chunk.kind == "heading":
                units.append(("heading", chunk))
            else:
                units.append(("text", chunk.start, chunk.end))
            i += 1
        return units

    def _list(self, items):
        """Read a list as papers when most of its items link to a paper (arXiv, a DOI, a PDF…)."""
        whole = [("text", items[0].start, items[-1].end)]
        if self.reading != "items":
            return whole
        boxes = [_TASK_BOX_RE.match(item.text) for item in items]
        heads = [
            _read_head(item.text[box.end() :] if box else item.text)
            for item, box in zip(items, boxes, strict=True)
        ]
        linked = sum(1 for head in heads if head is not None and is_paper_url(head.url))
        if linked * 2 <= len(items):
            return whole
        units = []
        for item, box, head in zip(items, boxes, heads, strict=True):
            if head is None:
                units.append(("text", item.start, item.end))
                continue
            body_start = item.start + 1 + item.head_lines
            lines = ([head.rest] if head.rest else []) + item.body
            numbers = ([item.start + 1] if head.rest else []) + list(
                range(body_start, body_start + len(item.body))
            )
            number = item.number if item.ordered else head.number
            paper = _Paper(head, item.start + 1, number, lines, numbers, tags=head.tags)
            if box:
                # A reading list's check box: ticked is read, empty is still to read.
                paper.tags = ["read" if box[1] in "xX" else "to read", *head.tags]
            units.append(("paper", paper))
            if not head.url:
                self.warn(
                    item.start + 1,
                    "Guessed: this list item has no link; it is read as a paper "
                    "because the items around it are papers.",
                )
        return units

    def _paragraphs(self, paragraphs):
        """Read paragraphs as papers when most of them are written like entries of a paper list.

        `**Title.**<br>` / `*Authors.*<br>` / `CVPR 2020. [[PDF](url)]`: the
        first line is the title, all in bold or italics (or a link), and the
        paragraph links to a paper. Prose that cites papers is no such list.
        """
        entries = [self._entry(paragraph) for paragraph in paragraphs]
        found = sum(1 for entry in entries if entry is not None)
        if found < MIN_PAPERS or found * 2 <= len(paragraphs):
            return [("text", paragraph.start, paragraph.end) for paragraph in paragraphs]
        return [
            ("paper", entry) if entry else ("text", paragraph.start, paragraph.end)
            for paragraph, entry in zip(paragraphs, entries, strict=True)
        ]

    def _entry(self, paragraph):
        """Read a paragraph written as a paper list's entry; None when it is not one.

        Also `🔵 *Title* by Author — comment`: a status mark (a symbol such as
        an emoji) before a title in emphasis or a link marks an entry even
        without a link to the paper; the mark becomes a tag.
        """
        lines = [
            _BR_RE.sub("", line).strip() for line in self.lines[paragraph.start : paragraph.end]
        ]
        first, *others = lines
        mark, marked = _status_mark(first)
        if mark and _EMPHASIZED_RE.match(marked):
            head = _emphasized_head(marked)
        elif mark and _MD_LINK_RE.match(marked):
            head = _read_head(marked)
        elif not _EMPHASIZED_RE.fullmatch(first) and not _MD_LINK_RE.fullmatch(first):
            return None
        else:
            head = _read_head(first)
        if head is None:
            return None
        if mark:
            head.tags = [mark, *head.tags]
        numbers = [paragraph.start + 1]
        if others and (match := _EMPHASIZED_RE.fullmatch(others[0])):
            # The authors, in italics under the title.
            head.authors = match[2].strip().rstrip(".")
            others = others[1:]
        tail = " ".join(others)
        chosen = _paper_link(_links(tail))
        dropped = []
        if not head.url and chosen is not None:
            head.url = chosen.url
            if _is_generic(chosen):
                dropped.append((*_bracketed(tail, chosen), ""))
        if not is_paper_url(head.url) and not mark:
            return None
        notes = [note for note in (head.rest, _cut_out(tail, dropped)) if note]
        lines = [f"- {note}" for note in notes]
        line = paragraph.start + 1
        return _Paper(head, line, head.number, lines, numbers * len(lines), tags=head.tags)

    def _table(self, chunk):
        """Read a table as papers when its header names a paper column."""
        header = _split_cells(self.lines[chunk.start])
        roles = _column_roles(header)
        whole = [("text", chunk.start, chunk.end)]
        if "title" not in roles:
            return whole
        rows = range(chunk.start + 2, chunk.end)
        named = header[roles.index("title")].strip(_EMPHASIS + " :.").lower()
        if named in _WEAK_TITLES and not any(first_paper_url(self.lines[i]) for i in rows):
            # `| Name | Params |` is a table of models unless its rows link to papers.
            return whole
        units = []
        for index in rows:
            paper = self._row(index, header, roles)
            if paper is None:
                units.append(("text", index, index + 1))
            else:
                units.append(("paper", paper))
        return units

    def _row(self, index, header, roles):
        """Read one table row as a paper; None when its paper cell is empty."""
        cells = [_BR_RE.sub("\n", cell) for cell in _split_cells(self.lines[index])]
        title_column = roles.index("title")
        if title_column >= len(cells) or not (head := _read_head(cells[title_column])):
            return None
        notes = [head.rest] if head.rest else []
        number = None
        tags = []
        day = None
        for column, cell in enumerate(cells):
            if column == title_column or not cell:
                continue
            name = header[column] if column < len(header) else ""
            role = roles[column] if column < len(roles) else ""
            if role == "number" and cell.isdigit() and len(cell) <= 10 and number is None:
                number = int(cell)
            elif role == "link" and not head.url and (chosen := _paper_link(_links(cell))):
                head.url = chosen.url
                dropped = [(chosen.start, chosen.end, "")] if _is_generic(chosen) else []
                rest = _cut_out(cell, dropped)
                if rest:
                    notes.append(f"{name}: {rest}")
            elif role == "notes":
                notes.append(cell)
            elif role == "tldr":
                notes.append(f"TL;DR: {cell}")
            elif role == "authors" and not head.authors and "\n" not in cell:
                head.authors = cell
            elif role == "tags":
                tags += [tag.strip() for tag in cell.replace("\n", ",").split(",") if tag.strip()]
            elif role == "date" and day is None and (found := _date_cell(cell)):
                if found[0] == "day":
                    day = found[1]
                if found[0] != "day" or day.isoformat() != cell:
                    # `March 5, 2024` or `2024`: the date alone would lose words.
                    notes.append(f"{name}: {cell}")
            else:
                notes.append(f"{name}: {cell}" if name else cell)
        lines = []
        for note in notes:
            first, *more = note.split("\n")
            lines.append(f"- {first}")
            lines += [f"  {line}" if line else "" for line in more]
        paper = _Paper(head, index + 1, number, lines, [index + 1] * len(lines))
        paper.tags, paper.day = tags, day
        return paper

    # -- headings ---------------------------------------------------------------

    def _used_headings(self, units):
        """Return the indexes of the headings with a paper below them (before the next one)."""
        used = set()
        open_headings = []  # [(level, index)]
        for index, unit in enumerate(units):
            if unit[0] == "heading":
                level = unit[1].level
                while open_headings and open_headings[-1][0] >= level:
                    open_headings.pop()
                open_headings.append((level, index))
            elif unit[0] == "paper":
                used.update(heading for _, heading in open_headings)
                open_headings.clear()
        return used

    def _heading(self, chunk, used):
        """Take a heading as the title, a group of the papers below it, the change log, or text."""
        if not self._is_text(chunk, used):
            self._read_trailing()
        self.groups = [group for group in self.groups if group[0] < chunk.level]
        if self.changelog_level is not None and chunk.level <= self.changelog_level:
            self.changelog_level = None
        if is_changelog_heading(chunk.text):
            self.changelog_level = chunk.level
            return
        found = grouping_heading(chunk.text)
        if self._is_title(chunk, found):
            self.doc.title = chunk.text
            return
        if not used or not _tag(chunk.text) or (found and found[0] == "contents"):
            self._text(chunk.start, chunk.end)
            return
        if found and found[0] == "day":
            self.groups.append((chunk.level, "day", found[1]))
            if found[1].isoformat() != chunk.text.strip(" \t*_`[]():."):
                self.groups.append((chunk.level, "tag", _tag(chunk.text)))
            self.warn(
                chunk.start + 1, "Read as the date the papers below it were read.", kind="grouping"
            )
        else:
            self.groups.append((chunk.level, "tag", _tag(chunk.text)))
            self.warn(
                chunk.start + 1,
                "Read as a tag of the papers below it, not as a paper.",
                kind="grouping",
            )

    def _is_title(self, chunk, found):
        """Tell whether a heading is the log's title: the first `#`, before any paper.

        "# Reading list" names the log even though, lower down, such a heading
        would only name the list.
        """
        first = chunk.level == 1 and not self.doc.title and not self.doc.papers
        return first and (not found or found[0] == "contents")

    def _is_text(self, chunk, used):
        """Tell whether _heading keeps a heading as text (no title, group or change log)."""
        if is_changelog_heading(chunk.text) or self.changelog_level is not None:
            return False
        found = grouping_heading(chunk.text)
        if self._is_title(chunk, found):
            return False
        return not used or not _tag(chunk.text) or (found and found[0] == "contents")

    # -- papers and text -----------------------------------------------------------

    def _paper(self, paper):
        # parser.py imports this module: import its section reader when it is needed.
        from papers.logformat.parser import read_section

        self._read_trailing()

        head = paper.head
        entry = PaperEntry(
            number=0,
            title=head.title,
            authors=head.authors,
            line=paper.line,
            found_as=self.found_as,
        )
        warnings = read_section(entry, paper.lines, paper.numbers, link=head.url or None)
        self.doc.warnings += warnings
        if head.url:
            entry.url = head.url
            entry.arxiv_id, entry.doi = link_ids(head.url)
        days = [value for _, kind, value in self.groups if kind == "day"]
        if entry.read_on is None and (days or paper.day):
            entry.read_on = paper.day or days[-1]
        tags = [value for _, kind, value in self.groups if kind == "tag"] + paper.tags
        entry.tags = list(dict.fromkeys(tags + entry.tags))
        self.doc.papers.append(entry)
        self.numbers.append(paper.number)

    def _text(self, start, end):
        """Keep lines that are no paper: in the description, or as a note of the paper above."""
        if self.changelog_level is not None:
            self._changelog(start, end)
            return
        text = "\n".join(self.lines[start:end]).strip("\n")
        if not text.strip():
            return
        if self.doc.papers:
            # Read with the paper above, as the lines under a paper heading: a
            # question heading opens its questions there too.
            first = start if self.trailing is None else self.trailing[0]
            self.trailing = (first, end)
            return
        # Text that ran on in the file runs on in the description: a paragraph stays one.
        self._describe(text, "\n" if start == self.description_end else "\n\n")
        self.description_end = end

    def _read_trailing(self):
        """Read the text kept after the last paper into it, as the lines of its section."""
        from papers.logformat.parser import read_section

        if self.trailing is None:
            return
        start, end = self.trailing
        self.trailing = None
        entry = self.doc.papers[-1]
        lines = self.lines[start:end]
        self.doc.warnings += read_section(
            entry, lines, range(start + 1, end + 1), link=entry.url or None
        )

    def _describe(self, text, separator="\n\n"):
        """Add text to the description as written, in a form that reads back the same.

        An indented code block stays indented; parser.py's description rules
        put its headings at level 4, so they read back as no paper.
        """
        from papers.logformat.parser import _description_text

        text = _description_text(text).strip("\n")
        if text.strip():
            description = self.doc.description
            self.doc.description = f"{description}{separator}{text}" if description else text

    def _changelog(self, start, end):
        """Read the lines under a change-log heading: `- 2024-03-05: what changed`.

        A line without a valid date continues the entry above it (or, before
        the first, goes to the description), as in the headings reading.
        """
        changelog = self.doc.changelog
        for block in scan(self.lines[start:end], range(start + 1, end + 1), strict=False):
            text = block.text
            if block.kind in ("item", "para") and (match := CHANGELOG_ITEM_RE.match(text)):
                try:
                    date = datetime.date.fromisoformat(match[1])
                except ValueError:
                    date = None
                if date is not None:
                    item = ChangeLogItem(date, text[match.end() :].strip(), line=block.line)
                    changelog.append(item)
                    continue
            if block.kind == "para":
                # As written: a paragraph's lines keep their indentation.
                first = start + block.start
                text = "\n".join(self.lines[first : first + text.count("\n") + 1])
            elif block.kind == "heading":
                text = self.lines[start + block.start].strip()
            elif block.kind == "item":
                # Keep it a bullet: its text alone could read as something else (a fence).
                first, *rest = block.lines
                bullet = f"- {first}".rstrip()
                text = "\n".join([bullet, *(f"  {line}" if line else "" for line in rest)])
            self.warn(block.line, "No date (YYYY-MM-DD): added to the text above it.")
            if changelog:
                item = changelog[-1]
                item.text = f"{item.text}\n\n{text}" if item.text else text
            else:
                self._describe(text)

    def _number_papers(self):
        """Use the list's or the `#` column's numbers when they are unique, else count in order."""
        numbers = self.numbers
        if (
            None not in numbers
            and len(set(numbers)) == len(numbers)
            and all(1 <= number <= MAX_PAPER_NUMBER for number in numbers)
        ):
            for entry, number in zip(self.doc.papers, numbers, strict=True):
                entry.number = number
            return
        for position, entry in enumerate(self.doc.papers, start=1):
            entry.number, entry.numbered = position, False
        if any(number is not None for number in numbers):
            self.warn(
                self.doc.papers[0].line,
                "The papers' numbers are missing or used twice; they are numbered in order.",
            )


@dataclass
class _Paper:
    """A list item or table row read as a paper, before its section is read."""

    head: _Head
    line: int
    number: int | None
    lines: list[str]  # its section: the rest of the first line, nested lines
    numbers: list[int]
    tags: list[str] = field(default_factory=list)
    day: object = None


def _date_cell(text):
    """Read a date column's cell like a grouping heading; `20240305` is a day too."""
    if len(text) == 8 and text.isdigit() and (day := file_name_day(text)):
        return "day", day
    return grouping_heading(text)


def _tag(text):
    """Make a tag of a heading's text: no emphasis, no commas (a tag list is comma-separated)."""
    return " ".join(text.replace(",", " ").strip(" \t*_`").rstrip(":").split())
