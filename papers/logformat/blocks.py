"""Cut a markdown file into blocks: headings, list items, paragraphs, fenced code.

Shared by the readings of papers/logformat/parser.py (headings, one file)
and papers/logformat/lists.py (list items, table rows). `_scan` walks the
lines once; every pattern matches at the start of one line.
"""

import re

from papers.logformat.model import LogFormatError

# A bullet: `-`, `*` or `+`, then spaces or a tab (`*<TAB>item`, as some
# editors write it) before the text.
BULLET_RE = re.compile(r"( *)([-*+])(?:([ \t]+)(.*))?$")
# A numbered item, `3. text` or `3) text`: its number stays in its text, so a
# note that is the third item of a list renders as <ol start="3">.
ORDERED_RE = re.compile(r"( *)(\d{1,9}[.)])(?:([ \t]+)(.*))?$")
HEADING_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_FENCE_RE = re.compile(r"( {0,3})(?:(`{3,})[^`]*|(~{3,}).*)$")
_FENCE_CLOSE_RE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*$")
# A bold label with its colon, glued to the bullet that follows it:
# `**Here are my scribbles:**- ABS: …`.
_GLUED_RE = re.compile(
    r"( {0,3})(\*\*[^*\n]*?:\*\*|__[^_\n]*?:__|\*\*[^*\n]+\*\*:|__[^_\n]+__:)[ \t]*[-*+][ \t]+(.*)$"
)


# -- decoding -------------------------------------------------------------------


def human_size(n):
    """Say how big n bytes are, for messages: "512 bytes", "3.2 KB", "20.0 MB"."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def decode(data, max_bytes):
    if isinstance(data, str):
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError as error:
            line = data.count("\n", 0, error.start) + 1
            raise LogFormatError(
                "The text holds an invalid character (a lone surrogate).", line
            ) from None
        text = data
    else:
        size = len(data)
        text = None
    if max_bytes is not None and size > max_bytes:
        raise LogFormatError(
            f"The file is {human_size(size)}; the limit is {human_size(max_bytes)}."
        )
    if text is None:
        data = bytes(data)
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise LogFormatError("The file is UTF-16 text; save it as UTF-8 and try again.")
        nul = data.find(b"\x00")
        if nul >= 0:
            line = data.count(b"\n", 0, nul) + 1
            raise LogFormatError("This is a binary file, not a markdown text file.", line)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            byte = data[error.start]
            raise LogFormatError(
                f"The file is not UTF-8 text (byte 0x{byte:02x} cannot be read); "
                "save it as UTF-8 and try again.",
                line,
            ) from None
    elif "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise LogFormatError("This is a binary file, not a markdown text file.", line)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise LogFormatError("The file is empty.")
    return text


def split_lines(text):
    """Split into lines without line ends or trailing blanks, leading tabs as spaces."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        line = line.rstrip()
        if "\t" in line:
            stripped = line.lstrip(" \t")
            lead = len(line) - len(stripped)
            # Tab stops every four columns, as in CommonMark.
            line = line[:lead].expandtabs(4) + stripped
        lines[i] = line
    return lines


# -- blocks -----------------------------------------------------------------------


class Block:
    """A heading, list item, paragraph or fenced code block, with where it starts."""

    __slots__ = ("kind", "start", "line", "text", "level", "blank_before", "lines", "numbers")

    def __init__(self, kind, start, line, text, level=0, lines=None, numbers=None):
        self.kind = kind
        self.start = start  # index into the scanned lines
        self.line = line  # 1-based line number in the file
        self.text = text
        self.level = level  # heading level
        self.blank_before = False
        self.lines = lines  # an item's body lines, dedented
        self.numbers = numbers  # their line numbers


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _kind(line, indent):
    char = line[indent]
    if char in "-*+" and BULLET_RE.match(line):
        return "item"
    if char.isdigit() and ORDERED_RE.match(line):
        return "ordered"
    if indent <= 3:
        if char == "#" and HEADING_RE.match(line):
            return "heading"
        if char in "`~" and _FENCE_RE.match(line):
            return "fence"
        if char in "*_" and _GLUED_RE.match(line):
            return "glued"
    return "text"


def scan(lines, numbers, *, strict):
    """Cut lines into blocks; strict makes an unclosed code fence an error."""
    blocks = []
    n = len(lines)
    i = 0
    blank = False
    while i < n:
        line = lines[i]
        if not line:
            blank = True
            i += 1
            continue
        indent = _indent(line)
        kind = _kind(line, indent)
        if kind == "item":
            match = BULLET_RE.match(line)
            block, i = _item(lines, numbers, i, indent, match[4] or "", _gap(indent, match[3]))
        elif kind == "ordered":
            match = ORDERED_RE.match(line)
            first = f"{match[2]} {match[4] or ''}".rstrip()
            block, i = _item(lines, numbers, i, indent, first, len(match[2]) + 1, keep=indent)
        elif kind == "heading":
            match = HEADING_RE.match(line)
            block = Block("heading", i, numbers[i], (match[2] or "").strip(), len(match[1]))
            i += 1
        elif kind == "fence":
            block, i = _fence(lines, numbers, i, strict)
        elif kind == "glued":
            match = _GLUED_RE.match(line)
            label = Block("para", i, numbers[i], match[2])
            label.blank_before = blank
            blocks.append(label)
            blank = False
            block, i = _item(lines, numbers, i, len(match[1]), match[3], 1)
        else:
            end = i + 1
            while end < n and lines[end] and _continues_paragraph(lines[end]):
                end += 1
            text = "\n".join(line.strip() for line in lines[i:end])
            block = Block("para", i, numbers[i], text)
            i = end
        block.blank_before = blank
        blank = False
        blocks.append(block)
    return blocks


def _gap(indent, whitespace):
    """Return how many columns the spaces or tabs after a bullet take (tab stops of four)."""
    whitespace = whitespace or ""
    if "\t" not in whitespace:
        return len(whitespace)
    start = indent + 1
    return len((" " * start + whitespace).expandtabs(4)) - start


def _continues_paragraph(line):
    """Tell whether a line goes on with the paragraph above it.

    As in CommonMark, a numbered item interrupts a paragraph only when it is
    `1.`: "… in\n1986. we" stays one paragraph.
    """
    kind = _kind(line, _indent(line))
    if kind == "ordered":
        return ORDERED_RE.match(line)[2][:-1] != "1"
    return kind == "text"


def _item(lines, numbers, start, indent, first, spaces, keep=None):
    """Read a list item: its first line, indented lines, and lazy continuation lines.

    A bullet's lines lose the indentation up to its text. A numbered item
    keeps its number in its first line, so its other lines lose only the
    item's own indentation (`keep`) and stay under that number.
    """
    content = keep if keep is not None else indent + 1 + (spaces if 1 <= spaces <= 4 else 1)
    end = item_end(
        lines, start, len(lines), indent, lambda k: _kind(lines[k], _indent(lines[k])) == "text"
    )
    body = [first]
    for line in lines[start + 1 : end]:
        body.append(line[min(_indent(line), content) :] if line else "")
    block = Block("item", start, numbers[start], "\n".join(body), 0, body, numbers[start:end])
    return block, end


def item_end(lines, start, limit, indent, is_lazy):
    """Return where the list item starting at lines[start] ends (before limit).

    It takes the lines indented more than its marker (blank lines between
    them too) and, right after a line of its own, a line that `is_lazy(k)`
    says continues its text (a lazy continuation line).
    """
    end = k = start + 1
    previous_blank = False
    while k < limit:
        line = lines[k]
        if not line:
            previous_blank = True
        elif _indent(line) > indent or (not previous_blank and is_lazy(k)):
            end = k + 1
            previous_blank = False
        else:
            break
        k += 1
    return end


def _fence(lines, numbers, start, strict):
    match = _FENCE_RE.match(lines[start])
    fence = match[2] or match[3]
    indent = len(match[1])
    n = len(lines)
    end = start + 1
    while end < n:
        close = _FENCE_CLOSE_RE.match(lines[end])
        if close and close[1][0] == fence[0] and len(close[1]) >= len(fence):
            end += 1
            break
        end += 1
    else:
        if strict:
            raise LogFormatError(
                f"This code block ({fence}) is never closed: add a closing {fence} line.",
                numbers[start],
            )
    text = "\n".join(line[min(_indent(line), indent) :] for line in lines[start:end])
    return Block("fence", start, numbers[start], text), end
