"""Render user markdown to sanitized HTML: the only place that does.

Python-Markdown does not sanitize its output, and every log has many authors,
so whatever it produces goes through an allowlist (nh3, the Ammonia sanitizer)
before it is stored. Models call `render_markdown` in `save()`, never a view.

Anyone with an account can make the server render what they type (the live
preview), so rendering must stay fast and a failure must not spill into the
next render (issue #8). Python-Markdown has quadratic paths (each `[` that
never closes is scanned to the end of its paragraph; its inline processor
copies a paragraph once per match) and recursive ones (a list or a quote per
marker). So texts are at most MAX_TEXT characters; the `neutralize_*` steps
escape what would make the parser scan or nest far, and leave ordinary text
alone; `_LinearInlineProcessor` and `_LinearTableProcessor` do Python-Markdown's
work in linear time with the same output; and a render that fails anyway
shows the text as typed and logs it.

Images load only from the site and `data:` unless READINGLOG_REMOTE_IMAGES
allows remote ones (issue #8); `show_images` turns each image a page would
not show into its alt text.

Notes are rendered as their writers meant them (issue #9): lists nest however
far the writer indented them and may start right under a line of text
(`normalize_list_indents`), an ordered list starts at its first number, and a
heading never outranks the page's own (`lower_headings`).
"""

import html
import itertools
import logging
import re
import threading
import xml.etree.ElementTree as etree
from bisect import bisect_right

import markdown as _markdown
import nh3
from django.conf import settings
from latex2mathml.converter import convert as latex2mathml_convert
from markdown import inlinepatterns, util
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension, TableProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from mdx_truly_sane_lists.mdx_truly_sane_lists import (
    TrulySaneListExtension,
    TrulySaneOListProcessor,
)
from pymdownx.arithmatex import (
    ArithmatexExtension,
    BlockArithmatexProcessor,
    InlineArithmatexPattern,
)

logger = logging.getLogger(__name__)

MAX_TEXT = 50_000  # characters in a note, question, comment, change-log entry or preview
MAX_TITLE = 500  # characters in a paper's title (Paper.title's max_length)


def too_long(text, what, limit=MAX_TEXT):
    """Say why `text` is too long to be `what` ("A note"); None when it is not."""
    if len(text) <= limit:
        return None
    return f"{what} can be at most {limit:,} characters; this one has {len(text):,}."


_LIST_ITEM = re.compile(r"^( *)(?:[-*+]|\d{1,9}(?:\.|(\))))(?: |$)")  # group 2: the ")" of "1)"
# An item that may start a list right under a line of text, as in CommonMark:
# a bullet or "1.", with some text (so "In\n1986. we" stays a sentence).
_INTERRUPTING_ITEM = re.compile(r" {0,3}(?:[-*+]|1[.)]) +\S")
_FENCE = re.compile(r"^ *(```|~~~)")


def normalize_list_indents(lines):
    """Indent nested list items two spaces a level, however deep the author indented them.

    People nest bullets with two, three or four spaces or a tab; the list
    extension wants one fixed step. Lines under an item (continuations, code)
    move with it; fenced code outside lists is left alone. Lists nest at most
    MAX_NESTING deep (Python-Markdown recurses per level): deeper items stay
    on the deepest level. People also start a list right under a line of
    text ("The paper:" then "- it does x"), or write the next item right under
    a paragraph of the one before; a blank line goes in between, so
    Python-Markdown sees an item and not more lines of the paragraph. They
    number items "1)" as well as "1.": in a list, ")" becomes "." for
    Python-Markdown, which knows only "." (in a paragraph it stays as typed).
    And they put fenced code under an item, which Python-Markdown reads only
    at the margin: it becomes the item's indented code block (its language
    is dropped).
    """
    closes = _next_fence_lines(lines)
    out, stack, shift = [], [], 0
    fence, code_indent, fence_width = None, 0, 0  # code_indent: fenced code under an item
    after_text = False  # the line before is text outside lists, code and raw HTML
    after_blank = True
    # The block (the lines since a blank one) as Python-Markdown will see it:
    block_items = False  # it starts with a list item, so its items are items
    block_indent = 0  # how far its first line is indented
    for index, line in enumerate(lines):
        width = len(line) - len(line.lstrip(" "))
        text_line = False
        starts_block = after_blank and bool(line.strip())
        if starts_block:
            block_items = False
        closing = False
        opener = None if fence else _FENCE.match(line)
        if opener and line.count(opener[1]) != 1:
            opener = None  # ```code``` on one line
        if not line.strip():
            out.append(line)
        elif fence:
            closing = line.strip().startswith(fence)
            if code_indent:
                out.append("" if closing else " " * code_indent + line[min(width, fence_width) :])
            else:
                out.append(_shifted(line, width, shift))
            if closing:
                fence, code_indent = None, 0
        elif opener and stack and width and closes[opener[1]][index] is not None:
            fence, code_indent, fence_width = opener[1], 2 * len(stack) + 4, width
            out.append("")
        elif (item := _LIST_ITEM.match(line)) and (stack or width < 4):
            new_list = not stack
            while stack and width < stack[-1] - 1:
                stack.pop()
            if not stack:
                stack = [width]
            elif width >= stack[-1] + 2:
                if len(stack) < MAX_NESTING:
                    stack.append(width)
            else:
                stack[-1] = width
            level_indent = 2 * (len(stack) - 1)
            shift = level_indent - width
            # Python-Markdown sees items only in a block that starts with one,
            # and an indented block belongs to the item above it, whole.
            if not after_blank and (
                (new_list and after_text and _INTERRUPTING_ITEM.match(line))
                or (not new_list and (not block_items or level_indent < block_indent))
            ):
                out.append("")
                starts_block = True
            has_text = bool(line[item.end() :].strip())
            if starts_block:
                block_items = has_text
            if item[2] and block_items and has_text:
                line = f"{line[: item.start(2)]}.{line[item.end(2) :]}"  # an item, not text
            out.append(" " * level_indent + line[width:])
        elif width == 0:
            # Right under an item, a line is part of it (a lazy continuation).
            text_line = not line.startswith("<") and (after_blank or not stack)
            stack, shift = [], 0
            out.append(line)
        else:
            out.append(_shifted(line, width, shift if stack else 0))
            text_line = not stack and width < 4 and not line.lstrip().startswith("<")
        if starts_block:
            block_indent = len(out[-1]) - len(out[-1].lstrip(" "))
        if opener and not fence:
            fence, text_line = opener[1], False
        # What follows fenced code starts a block, blank line or not.
        after_text, after_blank = text_line, not out[-1].strip() or (closing and not fence)
    return out


def _next_fence_lines(lines):
    """Map each fence ("```", "~~~") to, for each line, the next line that could close it."""
    closes = {}
    for marker in ("```", "~~~"):
        following, nearest = [None] * len(lines), None
        for index in range(len(lines) - 1, -1, -1):
            following[index] = nearest
            if lines[index].strip().startswith(marker):
                nearest = index
        closes[marker] = following
    return closes


def _shifted(line, width, shift):
    return " " * max(0, width + shift) + line[width:]


class _ListIndents(Preprocessor):
    def run(self, lines):
        return normalize_list_indents(lines)


# == Neutralizing what would stall the parser ==
#
# Each rule leaves a text alone unless it holds far more of one construct
# than any note does, and then escapes only what the parser would otherwise
# scan or nest on: escaped, an opener shows as itself.

MAX_NESTING = 16  # quotes and list markers opened on one line (markdown-it allows 20)
# What the parser may read again and again, at about 10 ms a budget:
SCAN_BUDGET = 200_000  # characters walked in Python for one construct of one paragraph
REGEX_SCAN_BUDGET = 10_000_000  # characters a regular expression scans for one construct
RESCAN_BUDGET = 100_000  # lines of a block read again after one-line blocks are taken off it
# In a paragraph over its budget:
MAX_BRACKET_DEPTH = 2  # brackets in brackets: [![image](…)](…)
MAX_LINK_SPAN = 2_000  # characters between `[` and `]`, or `](` and `)`
MAX_EMPHASIS_RUNS = 1_000  # runs of `*` or `_` in one paragraph

_CONTAINER = re.compile(r"[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}(?P<dot>[.)])(?=[ \t]|$))")
# Python-Markdown's horizontal rule (HRProcessor.RE), anchored where it is matched.
_HR = re.compile(
    r"[ ]{0,3}(?=(?P<rule>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))(?P=rule)[ ]*$"
)
_ONE_LINE_BLOCK = re.compile(r"[ ]{0,3}(?:#{1,6}(?:[ \t]|$)|(?:=+|-+)[ ]*$|\[[^\]]*\]:)")
# An opening code fence as the fenced code extension reads it (FENCED_BLOCK_RE).
_FENCE_OPENER = re.compile(
    r"(?P<fence>~{3,}|`{3,})"
    r"(?P<info>[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=(\"|').*?\3[ ]*)?))$"
)
# A line that opens more than MAX_NESTING containers (what _cap_containers reads).
_DEEP_LINE = re.compile(
    rf"^(?:[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{{1,9}}[.)](?=[ \t]|$))){{{MAX_NESTING + 1}}}", re.M
)
_ANGLE = re.compile(r"(?P<tag><)(?=[A-Za-z/!?])|[<>]")
_INLINE_TOKEN = re.compile(r"\\[\s\S]|`+|\*+|_+|[\[\]()]")
_BACKTICKS = re.compile(r"`+")
_LONG_RUN_SIZE = 2 * MAX_NESTING  # a run of 2n `*` around a word nests n elements
_LONG_RUN = re.compile(rf"\*{{{_LONG_RUN_SIZE + 1},}}|_{{{_LONG_RUN_SIZE + 1},}}")
_QUOTE = re.compile(r"[\"']")
_TITLE_END = re.compile(r"[\"'] *\)")


def neutralize_fences(lines):
    """Escape code fences that nothing closes, when there are many of them.

    The fenced code extension looks for the closing fence of each opening
    one down to the end of the text.
    """
    text = "\n".join(lines)
    if (text.count("```") + text.count("~~~")) * len(text) <= SCAN_BUDGET:
        return lines  # too few fences to cost much
    following, closers = [None] * len(lines), {}
    for i in range(len(lines) - 1, -1, -1):
        if match := _FENCE_OPENER.match(lines[i]):
            following[i] = closers.get(match["fence"])
            if not match["info"].strip(" "):
                closers[match["fence"]] = i
    offsets = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    unclosed, i = [], 0
    while i < len(lines):
        if following[i] is None and _FENCE_OPENER.match(lines[i]):
            unclosed.append(i)
        i = i + 1 if following[i] is None else following[i] + 1
    if sum(offsets[-1] - offsets[i] for i in unclosed) <= SCAN_BUDGET:
        return lines
    lines = list(lines)
    for i in unclosed:
        lines[i] = "\\" + lines[i]
    return lines


def neutralize_lines(lines):
    """Escape what would make Python-Markdown's block parser nest or scan far.

    Leave ordinary text as it is. Runs on the lines Python-Markdown parses
    into blocks, fenced code already set aside.
    """
    if _DEEP_LINE.search("\n".join(lines)):
        lines = [_cap_containers(line) for line in lines]
    if len(lines) ** 2 > 2 * RESCAN_BUDGET:
        lines = _split_blocks(lines)
    text = "\n".join(lines)
    if text.count("<") * len(text) > REGEX_SCAN_BUDGET:
        lines = _cap_tags(text).split("\n")
    return lines


def _cap_containers(line):
    """Escape the quote or list marker that would open the MAX_NESTING+1-th container."""
    pos = depth = 0
    while match := _CONTAINER.match(line, pos):
        depth += 1
        if depth > MAX_NESTING:
            if _HR.match(line, pos):  # a rule inside the containers, not another one
                return line
            marker = match.start("dot") if match["dot"] else match.end() - 1
            return line[:marker] + "\\" + line[marker:]
        pos = match.end()
    return line


def _split_blocks(lines):
    """End a block after each heading, rule or link definition, in a block full of them.

    Python-Markdown takes such a line off the front of its block and reads
    the whole rest again, once for each of them.
    """
    out = []
    for blank, group in itertools.groupby(lines, key=lambda line: not line.strip()):
        group = list(group)
        ends = {i for i, line in enumerate(group) if _ONE_LINE_BLOCK.match(line) or _HR.match(line)}
        if blank or sum(len(group) - i for i in ends) <= RESCAN_BUDGET:
            out += group
            continue
        for i, line in enumerate(group):
            out += (line, "") if i in ends else (line,)
    return out


def _cap_tags(text):
    """Write `<` as `&lt;` where it starts a tag that runs into the next tag.

    Python's HTMLParser, which finds raw HTML blocks for Python-Markdown,
    reads each `<tag` up to the next `>`: to the end, when there is none.
    """
    cost, pending, overlapping = 0, [], []
    for token in _ANGLE.finditer(text):
        if token["tag"]:
            pending.append(token.start())
        elif token[0] == ">" and pending:
            cost += sum(token.start() - start for start in pending)
            overlapping += pending[:-1]
            pending = []
    cost += sum(len(text) - start for start in pending)
    if cost <= REGEX_SCAN_BUDGET:
        return text
    pieces, last = [], 0
    for pos in [*overlapping, *pending]:
        pieces += (text[last:pos], "&lt;")
        last = pos + 1
    pieces.append(text[last:])
    return "".join(pieces)


def neutralize_inline(text):
    """Escape the brackets, link parentheses, backticks and emphasis runs that would stall.

    Python-Markdown looks for the `]` of every `[`, the `)` of every `](`
    and a closing run for every run of backticks by walking the text from
    there: to the end, when there is none. Emphasis is paired by a loop that
    copies the text once per pair, and a long run nests an element per pair
    of delimiters. Code spans are skipped as the parser skips them.
    """
    size = len(text)
    if size * size <= SCAN_BUDGET and size <= MAX_EMPHASIS_RUNS and not _LONG_RUN.search(text):
        return text  # too short for any rule to apply
    closers = _next_equal_runs([m.span() for m in _BACKTICKS.finditer(text)])
    openers, pairs, parens, ticks, emphasis = [], [], [], [], []
    open_parens = []
    skip_to = 0
    for token in _INLINE_TOKEN.finditer(text):
        start, char = token.start(), token[0][0]
        if start < skip_to or char == "\\":
            continue
        if char == "`":
            if (close := closers.get(start)) is None:
                ticks.append(token.span())
            else:
                skip_to = close
        elif char in "*_":
            emphasis.append(token.span())
        elif char == "[":
            openers.append(start)
        elif char == "]":
            if openers:
                pairs.append((openers.pop(), start))
        elif char == "(":
            open_parens.append(len(parens))
            parens.append([start, size])
        elif open_parens:
            parens[open_parens.pop()][1] = start
    escapes = []
    if sum(size - start for start in openers) > SCAN_BUDGET:
        escapes += openers  # a `[` without its `]` shows as itself anyway
    if sum(close - start for start, close in pairs) > SCAN_BUDGET:
        escapes += itertools.chain.from_iterable(_deep_pairs(pairs))
    targets = {close + 1 for _, close in pairs}
    scan = _link_target_scan(text)
    link_parens = [(start, scan(start, close)) for start, close in parens if start in targets]
    if sum(span for _, span in link_parens) > SCAN_BUDGET:
        escapes += [start for start, span in link_parens if span > MAX_LINK_SPAN]
    if sum(size - start for start, _ in ticks) > SCAN_BUDGET:
        escapes += itertools.chain.from_iterable(range(*span) for span in ticks)
    long_runs = [(start, end) for start, end in emphasis if end - start > _LONG_RUN_SIZE]
    escapes += itertools.chain.from_iterable(
        range(*span) for span in [*long_runs, *emphasis[MAX_EMPHASIS_RUNS:]]
    )
    return _insert_backslashes(text, escapes)


def _link_target_scan(text):
    """Return how far Python-Markdown reads the target of a link from `(` at start.

    It counts parentheses up to the matching `)`; after a quote it reads on
    to a quote and `)` that end a title, to the end of the text if none does.
    """
    quotes = [m.start() for m in _QUOTE.finditer(text)]
    title_ends = [m.span() for m in _TITLE_END.finditer(text)]

    def scan(start, close):
        first = bisect_right(quotes, start)
        if first == len(quotes) or quotes[first] > close:
            return close - start
        end = bisect_right(title_ends, (quotes[first], len(text)))
        return (title_ends[end][1] if end < len(title_ends) else len(text)) - start

    return scan


def _next_equal_runs(runs):
    """Map the start of each run of backticks to the end of the next run as long."""
    following, closers = {}, {}
    for start, end in reversed(runs):
        if (close := following.get(end - start)) is not None:
            closers[start] = close
        following[end - start] = end
    return closers


def _deep_pairs(pairs):
    """Yield the bracket pairs inside MAX_BRACKET_DEPTH others or longer than MAX_LINK_SPAN."""
    enclosing = []
    for start, close in sorted(pairs):
        while enclosing and enclosing[-1] < start:
            enclosing.pop()
        if len(enclosing) >= MAX_BRACKET_DEPTH or close - start > MAX_LINK_SPAN:
            yield start, close
        enclosing.append(close)


def _insert_backslashes(text, positions):
    if not positions:
        return text
    pieces, last = [], 0
    for pos in sorted(set(positions)):
        pieces += (text[last:pos], "\\")
        last = pos
    pieces.append(text[last:])
    return "".join(pieces)


class _NeutralizeFences(Preprocessor):
    def run(self, lines):
        return neutralize_fences(lines)


class _NeutralizeBlocks(Preprocessor):
    def run(self, lines):
        return neutralize_lines(lines)


class _NeutralizeInline(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if element.text and not isinstance(element.text, util.AtomicString):
                element.text = neutralize_inline(element.text)
            if element.tail and not isinstance(element.tail, util.AtomicString):
                element.tail = neutralize_inline(element.tail)


# == Math ==
#
# `$…$`, `\(…\)` (inline) and `$$…$$`, `\[…\]`, `\begin{env}…\end{env}` (a
# block of their own) become MathML on the server (issue #11): browsers
# draw it without JavaScript, which the content policy would not run
# anyway. Arithmatex finds the formulas with its "smart dollar" rules (no
# space just inside the dollars, so "$5 and $10" stays prose) and
# latex2mathml converts them. A formula that does not convert, is longer
# than MAX_FORMULA or nests deeper than MAX_FORMULA_DEPTH (latex2mathml
# recurses per level) is shown as written, as code. So that a text full of
# formulas stays fast, one render converts at most MAX_FORMULA_CHARACTERS of
# formulas it has not seen before (conversions are cached); the rest show
# as code too. The sanitizer lets through the MathML elements latex2mathml
# writes and their presentation attributes, nothing else (MATH_TAGS).

MAX_FORMULA = 2_000  # characters in one formula
MAX_FORMULA_DEPTH = 32  # groups in groups: {…}, \left…\right, \begin…\end
MAX_FORMULA_CHARACTERS = 20_000  # characters of new formulas converted in one render
MAX_CACHED_FORMULAS = 4_096
_converted = {}  # (formula, display) → its MathML or None; emptied when full
_OPENER_OR_CLOSER = re.compile(r"\\(?:left|begin)\b|(?<!\\)\{|\\(?:right|end)\b|(?<!\\)\}")


def _formula_depth(latex):
    depth = deepest = 0
    for token in _OPENER_OR_CLOSER.finditer(latex):
        opens = token[0] in ("{", "\\left", "\\begin")
        depth = depth + 1 if opens else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def latex_to_mathml(latex, display):
    """Return the MathML of a LaTeX formula ("inline" or "block"), or None if it has none."""
    if len(latex) > MAX_FORMULA or _formula_depth(latex) > MAX_FORMULA_DEPTH:
        return None
    try:
        return latex2mathml_convert(latex, display=display)
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds, RecursionError among them
        return None


class _MathExtension(ArithmatexExtension):
    """Arithmatex's syntax, rendered to MathML; see `latex_to_mathml`.

    One instance serves every converter (EXTENSIONS), one a thread: what
    belongs to a render (its stash, its budget) lives on the converter.
    """

    def __init__(self):
        super().__init__(block_syntax=["dollar", "square", "begin"], smart_dollar=True)

    def extendMarkdown(self, md):  # noqa: N802
        super().extendMarkdown(md)
        md.preprocessors.register(_MathBudget(md), "math_budget", 40)
        # A `\(` that nothing closes made arithmatex scan to the end of the
        # paragraph from each one: no formula holds another `\(`, so a
        # search stops at the next one and the scans add up to the text.
        pattern = md.inlinePatterns["arithmatex-inline"].compiled_re.pattern
        linear = pattern.replace(r"(?:\\[^)]|", r"(?:\\[^()]|")
        assert linear != pattern, "arithmatex's inline pattern changed"
        config = self.getConfigs()
        md.inlinePatterns.register(_InlineMath(linear, config, md), "arithmatex-inline", 189.9)
        md.inlinePatterns.register(_InlineDisplayMath(md), "display-math-inline", 189.95)
        block = md.parser.blockprocessors["arithmatex-block"]
        md.parser.blockprocessors.register(
            _BlockMath(block.pattern.pattern, config, md), "arithmatex-block", 79.9
        )


class _MathBudget(Preprocessor):
    """Give each render its MAX_FORMULA_CHARACTERS of formulas to convert."""

    def run(self, lines):
        self.md.math_budget = MAX_FORMULA_CHARACTERS
        return lines


def _mathml(md, latex, display):
    """The stash placeholder of the formula's MathML, or None to show it as code."""
    key = (latex, display)
    if key not in _converted:
        if len(latex) > md.math_budget:
            return None
        md.math_budget -= len(latex)
        if len(_converted) >= MAX_CACHED_FORMULAS:
            _converted.clear()
        _converted[key] = latex_to_mathml(latex, display)
    markup = _converted[key]
    return None if markup is None else md.htmlStash.store(markup)


class _InlineMath(InlineArithmatexPattern):
    def __init__(self, pattern, config, md):
        super().__init__(pattern, config)
        self.md = md

    def handleMatch(self, m, data):  # noqa: N802
        escapes, _, latex, escapes2, _, latex2 = m.groups()
        if escapes or escapes2:
            return super().handleMatch(m, data)
        return _formula_or_code(self.md, latex or latex2, "inline", m)


class _InlineDisplayMath(inlinepatterns.InlineProcessor):
    """`$$…$$` inside a paragraph: a display formula (arithmatex reads it only as a block)."""

    def __init__(self, md):
        super().__init__(r"(?<!\\)\$\$((?:\\.|[^\\$])+?)\$\$", md)

    def handleMatch(self, m, data):  # noqa: N802
        return _formula_or_code(self.md, m[1], "block", m)


def _formula_or_code(md, latex, display, match):
    placeholder = _mathml(md, latex, display)
    if placeholder is None:
        placeholder = etree.Element("code")
        placeholder.text = util.AtomicString(match[0])
    return placeholder, match.start(0), match.end(0)


class _BlockMath(BlockArithmatexProcessor):
    def run(self, parent, blocks):
        blocks.pop(0)
        groups = self.match.groupdict()
        latex = groups["math"] or groups["math2"] or groups["math3"]
        placeholder = _mathml(self.parser.md, latex, "block")
        if placeholder is None:
            code = etree.SubElement(etree.SubElement(parent, "pre"), "code")
            code.text = util.AtomicString(self.match[0])
        else:
            etree.SubElement(parent, "p").text = placeholder
        return True


# == One pass per inline pattern ==

# The pattern classes whose handleMatch reads the text only from the match on
# and returns the match's own start, so one pass over the unchanged text finds
# what Python-Markdown's rebuild-after-each-match loop finds. DelimiterProcessor
# (emphasis) keeps positions across matches and takes the loop.
_ONE_PASS_CLASSES = (
    inlinepatterns.BacktickInlineProcessor,
    inlinepatterns.EscapeInlineProcessor,
    inlinepatterns.LinkInlineProcessor,  # and its image and reference subclasses
    inlinepatterns.AutolinkInlineProcessor,
    inlinepatterns.AutomailInlineProcessor,
    inlinepatterns.SubstituteTagInlineProcessor,
    inlinepatterns.HtmlInlineProcessor,
    _InlineMath,
    _InlineDisplayMath,
)
_NOT_AFTER = re.compile(r"\(\?<!(\\?.)\)")
_LOOKS_AROUND = re.compile(r"\(\?<|\\[bBAZ]|(?<![\\\[])\^")


def _one_pass_exclusions(pattern):
    """Return the characters a pattern refuses to follow, or None when it must take the loop.

    After a match the loop goes on in a text where a placeholder ends just
    before the search position; one pass goes on in the original text. They
    see the same unless the pattern looks behind: `(?<!x)` is the one form
    allowed, and a pass falls back to the loop where its last match ended in x.
    """
    if not isinstance(pattern, _ONE_PASS_CLASSES):
        return None
    source = pattern.compiled_re.pattern
    if _LOOKS_AROUND.search(_NOT_AFTER.sub("", source)):
        return None
    return {char[-1] for char in _NOT_AFTER.findall(source)}


class _LinearInlineProcessor(InlineProcessor):
    """Python-Markdown's inline processor, with each pattern applied in one pass.

    The stock processor rebuilds the whole text after every match, so a
    paragraph of 25,000 line breaks or escapes took seconds. The output is
    the same (tests/test_markdown_pathological.py compares the two).
    """

    _patterns = None

    def run(self, tree, ancestors=None):
        if self._patterns is None:  # the patterns are all registered by the first run
            self._patterns = [
                (p, p.getCompiledRegExp(), _one_pass_exclusions(p)) for p in self.inlinePatterns
            ]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data, patternIndex=0):  # noqa: N802, N803
        if isinstance(data, util.AtomicString):
            return data
        for index in range(patternIndex, len(self._patterns)):
            pattern, regex, exclusions = self._patterns[index]
            if regex.search(data) is None:  # most patterns, in most paragraphs
                continue
            if exclusions is None:
                data = self._loop(pattern, data, index, 0)
            else:
                data = self._one_pass(pattern, regex, data, index, exclusions)
        return data

    def _loop(self, pattern, data, index, start):
        matched = True
        while matched:
            data, matched, start = self._InlineProcessor__applyPattern(pattern, data, index, start)
        return data

    def _one_pass(self, pattern, regex, data, index, exclusions):
        if any(tag.lower() in self.ancestors for tag in pattern.ANCESTOR_EXCLUDES):
            return data
        pieces, done, pos = [], 0, 0
        while True:
            for match in regex.finditer(data, pos):
                node, start, end = pattern.handleMatch(match, data)
                if start is not None and end is not None:
                    break
            else:
                break
            pos = end
            if node is None:
                continue
            if not isinstance(node, str) and not isinstance(node.text, util.AtomicString):
                self._handle_children(node, index)
            pieces += (data[done:start], self._InlineProcessor__stashNode(node, pattern.type()))
            done = end
            # A link whose title never closes can end before it starts (-1).
            if end < start or data[end - 1 : end] in exclusions:
                head = "".join(pieces)
                return self._loop(pattern, head + data[end:], index, len(head))
        if not pieces:
            return data
        pieces.append(data[done:])
        return "".join(pieces)

    def _InlineProcessor__processPlaceholders(self, data, parent, isText=True):  # noqa: N802, N803
        # The stock method appends each stashed string (an escaped character,
        # a raw HTML placeholder) to the text before it, copying that text
        # each time; put them all in first, in one pass.
        if data:
            text = util.INLINE_PLACEHOLDER_RE.sub(self._stashed_string, data)
            data = util.AtomicString(text) if isinstance(data, util.AtomicString) else text
        return super()._InlineProcessor__processPlaceholders(data, parent, isText)

    def _stashed_string(self, match):
        node = self.stashed_nodes.get(match[1])
        return node if isinstance(node, str) else match[0]

    def _handle_children(self, node, index):
        # As InlineProcessor.__applyPattern does for a new element.
        for child in [node, *node]:
            if child.text:
                self.ancestors.append(child.tag.lower())
                child.text = self._InlineProcessor__handleInline(child.text, index + 1)
                self.ancestors.pop()
            if child.tail:
                child.tail = self._InlineProcessor__handleInline(child.tail, index)


class _LinearTableProcessor(TableProcessor):
    """The tables extension's processor, splitting a row into cells in linear time.

    The stock `_split` pairs runs of backticks and checks each pipe against
    each code span in nested loops: seconds for one long line of `|` and
    backticks, which every paragraph's first line is tested as. Same cells.
    """

    def _split(self, row):
        ticks, pipes = [], []  # ticks: (size, start, end, escaped)
        for match in self.RE_CODE_PIPES.finditer(row):
            if match[2]:
                ticks.append((len(match[2]) - 1, match.start(2), match.end(2) - 1, 1))
            elif match[3]:
                ticks.append((len(match[3]), match.start(3), match.end(3) - 1, 0))
            elif match[5]:
                pipes.append(match.start(5))
        # Pair each run with the next run as long, as the stock loop does.
        following, later = [None] * len(ticks), {}
        for pos in range(len(ticks) - 1, -1, -1):
            size, _, _, escaped = ticks[pos]
            following[pos] = later.get(size - escaped)
            later[size] = pos
        spans, pos = [], 0
        while pos < len(ticks):
            size, start, _, escaped = ticks[pos]
            close = following[pos]
            if size == escaped or close is None:
                pos += 1
            else:
                spans.append((start, ticks[close][2]))
                pos = close + 1
        # Split at the pipes outside code spans; both lists are in order.
        cells, last, span = [], 0, 0
        for pipe in pipes:
            while span < len(spans) and spans[span][1] < pipe:
                span += 1
            if span < len(spans) and spans[span][0] <= pipe:
                continue
            cells.append(row[last:pipe])
            last = pipe + 1
        cells.append(row[last:])
        return cells


class _TableExtension(TableExtension):
    def extendMarkdown(self, md):
        super().extendMarkdown(md)
        md.parser.blockprocessors.register(
            _LinearTableProcessor(md.parser, self.getConfigs()), "table", 75
        )


class ReadinglogExtension(Extension):
    def extendMarkdown(self, md):
        # After normalize_whitespace (30) has expanded tabs, before fenced code (25).
        md.preprocessors.register(_ListIndents(md), "list_indents", 27)
        # Just before fenced code (25) looks for closing fences.
        md.preprocessors.register(_NeutralizeFences(md), "neutralize_fences", 26)
        # After fenced code is set aside (25), before HTMLParser reads the rest (20).
        md.preprocessors.register(_NeutralizeBlocks(md), "neutralize_blocks", 22)
        # Before the inline patterns (20) read the paragraphs.
        md.treeprocessors.register(_NeutralizeInline(md), "neutralize_inline", 25)
        md.treeprocessors.register(_LinearInlineProcessor(md), "inline", 20)


class _OListProcessor(TrulySaneOListProcessor):
    """Ordered lists that start where the author's numbering starts: `3.` gives `<ol start="3">`.

    The importer splits a numbered list across notes, so a note may begin at
    "3.". The truly-sane processor drops the number (sane_lists keeps it,
    but is replaced). As in CommonMark, a number has at most nine digits:
    a longer one is text, so the start is always a small integer.
    """

    LAZY_OL = False

    def __init__(self, parser):
        super().__init__(parser)
        indent = self.tab_length - 1
        self.RE = re.compile(rf"^[ ]{{0,{indent}}}\d{{1,9}}\.[ ]+(.*)")
        self.CHILD_RE = re.compile(rf"^[ ]{{0,{indent}}}((\d{{1,9}}\.))[ ]+(.*)")

    def get_items(self, block):
        items = super().get_items(block)
        self.STARTSWITH = str(int(self.STARTSWITH))  # "007." starts at 7
        return items


class _ListExtension(TrulySaneListExtension):
    """Lists nested by two spaces a level (normalize_list_indents makes every list so)."""

    def extendMarkdown(self, md):
        super().extendMarkdown(md)
        md.parser.blockprocessors.register(_OListProcessor(md.parser), "olist", 50)


EXTENSIONS = [
    ReadinglogExtension(),
    _MathExtension(),
    "fenced_code",
    _TableExtension(),
    _ListExtension(nested_indent=2, truly_sane=True),
    "nl2br",
]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "code": {"class"},
}
# What latex2mathml writes (see latex_to_mathml); not maction, semantics,
# annotation(-xml) or href: no links, scripts or HTML hidden in MathML.
MATH_TAGS = {
    "math", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom", "mroot",
    "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext",
    "mtr", "munder", "munderover",
}  # fmt: skip
MATH_ATTRIBUTES = {
    "accent", "columnalign", "columnlines", "columnspacing", "depth", "display",
    "displaystyle", "fence", "form", "height", "largeop", "linethickness", "lspace",
    "mathsize", "mathvariant", "maxsize", "minsize", "movablelimits", "notation", "rowlines",
    "rowspacing", "rspace", "scriptlevel", "separator", "stretchy", "width",
}  # fmt: skip
# A length in a MathML attribute: small and not negative, so no formula can
# cover the page around it or push it away.
_MATH_LENGTH_ATTRIBUTES = {"depth", "height", "lspace", "rspace", "width", "minsize", "maxsize"}
_MATH_LENGTH = re.compile(r"(?:[0-9]{1,2}(?:\.[0-9]{1,3})?|\.[0-9]{1,3})(?:em|ex|pt|px|mu|%)?")
ALLOWED_TAGS |= MATH_TAGS
ALLOWED_ATTRIBUTES |= dict.fromkeys(MATH_TAGS, MATH_ATTRIBUTES)
URL_SCHEMES = {"http", "https", "mailto", "data"}  # data: only for images: _filter_attribute
LINK_REL = "nofollow noopener noreferrer"


def sanitize_html(html):
    """Keep only allowlisted tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )


def _filter_attribute(tag, attribute, value):
    """Allow only `language-*` classes, `data:` only in an image's source, numbers as starts,
    small MathML lengths.

    Authors cannot borrow the app's own CSS; a `data:` link could be a page.
    """
    if attribute == "start":
        return value if _LIST_START.fullmatch(value) else None
    if tag in MATH_TAGS and attribute in _MATH_LENGTH_ATTRIBUTES:
        return value if _MATH_LENGTH.fullmatch(value) else None
    if attribute == "class":
        classes = [c for c in value.split() if c.startswith("language-")]
        return " ".join(classes) or None
    if attribute in ("href", "src") and (url := _url_as_parsed(value).lower()).startswith("data:"):
        image = (tag, attribute) == ("img", "src") and url.startswith("data:image/")
        return value if image else None
    return value


_LIST_START = re.compile(r"-?[0-9]{1,9}")  # an `ol` start, as the list renderer writes one
_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_TRIMMED = "".join(map(chr, range(0x21)))  # C0 controls and space


def _url_as_parsed(value):
    """Return a URL as browsers (and nh3) read it: tabs and newlines out, ends trimmed."""
    return _URL_IGNORED.sub("", value).strip(_URL_TRIMMED)


# == Images the page does not load ==
#
# A remote image tells its host the address of everyone who reads the note (a
# 0×0 image is enough), so unless READINGLOG_REMOTE_IMAGES is set the content
# policy loads images only from the site and data: (issue #8). Nothing is ever
# uploaded to Readinglog, so a relative path (an imported log's
# `![](figs/a.png)`) can only be a broken image. Each image the page would not
# show becomes its alt text: a link to a remote image, opened deliberately,
# or a note that a relative one was not uploaded.

# nh3's output: `<` and `"` in text and attribute values are escaped, so a
# tag is exactly this; a link cannot hold another (a nested one would break).
_IMAGE_OR_LINK = re.compile(r'<img(?P<attrs>(?: [a-z-]+="[^"]*")*)>|<(?P<close>/?)a[ >]')
_ATTRIBUTE = re.compile(r' ([a-z-]+)="([^"]*)"')
_REMOTE_URL = re.compile(r"https?:|[/\\]{2}", re.IGNORECASE)  # also //host, \\host
_PICTURE = "\N{FRAME WITH PICTURE}"


def show_images(markup):
    """Replace each image the page will not load by its alt text, in sanitized HTML.

    Remote images stay images when settings.READINGLOG_REMOTE_IMAGES is on;
    `data:` images always do.
    """
    if "<img" not in markup:
        return markup
    remote = settings.READINGLOG_REMOTE_IMAGES
    in_link = 0

    def replace(match):
        nonlocal in_link
        if match["attrs"] is None:
            in_link += -1 if match["close"] else 1
            return match[0]
        attrs = {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(match["attrs"])}
        url = _url_as_parsed(attrs.get("src", ""))
        is_remote = bool(_REMOTE_URL.match(url))
        if url.lower().startswith("data:") or (is_remote and remote):
            return match[0]
        alt = html.escape(attrs.get("alt") or attrs.get("title") or "")
        url = html.escape(url)
        if not is_remote:
            note = f"<small>(image not uploaded{': ' + url if url else ''})</small>"
            label = " ".join(filter(None, [_PICTURE, alt, note]))
            return f'<span class="missing-image">{label}</span>'
        label = f"{_PICTURE} {alt or url}"
        if in_link:
            return f'<span class="remote-image" title="{url}">{label}</span>'
        return f'<a href="{url}" class="remote-image" rel="{LINK_REL}">{label}</a>'

    return _IMAGE_OR_LINK.sub(replace, markup)


# == Headings in a text ==
#
# A text is shown under the page's own headings: the paper's title (h1) and
# "Notes" or "Questions" (h2). A `#` or `##` in a note (or `<h1>` in its raw
# HTML) would outrank them and break the page's outline for screen readers,
# so a text whose top heading is above h3 has all its headings moved down by
# the same number of levels (h6 at most): its top one becomes h3 and the ones
# under it stay under it. A text whose headings start at h3 or below keeps
# them. nh3 writes every heading tag without attributes, and `<` in text as
# `&lt;`, so the tags are exactly these.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
TOP_HEADING_LEVEL = 3


def lower_headings(markup):
    """Move a text's headings down so the top one is at least h3, in sanitized HTML."""
    top = min((int(level) for _, level in _HEADING_TAG.findall(markup)), default=6)
    if top >= TOP_HEADING_LEVEL:
        return markup
    shift = TOP_HEADING_LEVEL - top

    def lower(match):
        return f"<{match[1]}h{min(6, int(match[2]) + shift)}>"

    return _HEADING_TAG.sub(lower, markup)


# == @mentions ==
#
# `@bob` in a text links to bob on the log's members page when bob is a
# member of the log (issue #10). Anyone else's name, and a name nobody has,
# stays exactly the text it was, so a text never tells who has an account.
# Links are made in the sanitized HTML, after nh3: its allowlist gives an
# author's own `<a>` no class, so no author can forge a mention. A name is
# Django's username characters, not right after a word character, `@`, `/`
# or `.` (e-mail addresses, URLs), without a trailing "."; nothing inside a
# link, code, `kbd` or `samp` is a mention. A tag is skipped whole: nh3
# escapes `"` in attribute values, so a quoted value ends at the next `"`.
_MENTION_OR_TAG = re.compile(
    r'<(?P<close>/?)(?P<tag>[a-z0-9]+)(?:[^>"]|"[^"]*")*>'
    r"|(?<![\w@/.])@(?P<name>[\w.@+-]{1,150})"
)
_NO_MENTIONS_IN = {"a", "code", "pre", "kbd", "samp"}


def _mention_spans(markup):
    """Yield (match, name) for each `@name` outside links and code, in sanitized HTML."""
    skipping = 0
    for match in _MENTION_OR_TAG.finditer(markup):
        if match["tag"] is not None:
            if match["tag"] in _NO_MENTIONS_IN:
                skipping = max(0, skipping + (-1 if match["close"] else 1))
            continue
        name = match["name"].rstrip(".")
        if not skipping and name:
            yield match, name


def link_mentions(markup, links):
    """Link each `@name` in sanitized HTML that `links(names)` gives a URL for.

    `links` takes the set of names found and returns {name: url} for the ones
    that are members (papers.models.mention_links: one query).
    It is not called when the text names nobody.
    """
    spans = list(_mention_spans(markup))
    if not spans:
        return markup
    urls = links({name for _, name in spans})
    if not urls:
        return markup
    pieces, done = [], 0
    for match, name in spans:
        url = urls.get(name)
        if url is None:
            continue
        start = match.start()
        pieces += [markup[done:start], f'<a href="{html.escape(url)}" class="mention">@{name}</a>']
        done = start + 1 + len(name)
    pieces.append(markup[done:])
    return "".join(pieces)


# == [[N]] cross-links ==
#
# `[[3]]` or `[[3|the SAM paper]]` in a text links to paper 3 of the same log
# (issue #11), its title on hover; a number no paper of the log has stays as
# typed, marked. As with mentions, links are made in the sanitized HTML, so
# no author can forge one (nh3 gives their links no class), and nothing in a
# link, code or a formula is one. papers/crosslinks.py records them.
_CROSSLINK_OR_TAG = re.compile(
    r'<(?P<close>/?)(?P<tag>[a-z0-9]+)(?:[^>"]|"[^"]*")*>'
    r"|\[\[(?P<number>[1-9][0-9]{0,8})(?:\|(?P<label>[^\[\]<>|]{1,200}))?\]\]"
)
_NO_CROSSLINKS_IN = {*_NO_MENTIONS_IN, "math"}
MAX_CROSSLINKS = 100  # different papers one text links to (the look-up query stays short)


def link_papers(markup, links):
    """Link each `[[N]]` in sanitized HTML to paper N, given `links(numbers)`.

    `links` takes the set of numbers found and returns {number: (url, title)}
    for the log's papers among them (papers.models.paper_links: one query).
    It is not called when the text has no "[[".
    """
    if "[[" not in markup:
        return markup
    spans, skipping = [], 0
    for match in _CROSSLINK_OR_TAG.finditer(markup):
        if match["tag"] is not None:
            if match["tag"] in _NO_CROSSLINKS_IN:
                skipping = max(0, skipping + (-1 if match["close"] else 1))
        elif not skipping:
            spans.append(match)
    if not spans:
        return markup
    numbers = sorted({int(match["number"]) for match in spans})[:MAX_CROSSLINKS]
    papers = links(set(numbers))
    pieces, done = [], 0
    for match in spans:
        number = int(match["number"])
        found = papers.get(number)
        if found is None and number not in numbers:
            continue  # beyond MAX_CROSSLINKS: left as typed, unmarked
        if found is None:
            title = f"No paper [{number}] in this log"
            link = f'<span class="crosslink-missing" title="{title}">{match[0]}</span>'
        else:
            url, title = (html.escape(value) for value in found)
            label = match["label"] or f"[{number}]"
            link = f'<a href="{url}" class="crosslink" title="[{number}] {title}">{label}</a>'
        pieces += [markup[done : match.start()], link]
        done = match.end()
    pieces.append(markup[done:])
    return "".join(pieces)


_local = threading.local()


def _converter():
    # Building a Markdown instance costs as much as converting a note (imports
    # run for 60,000 notes); instances are not thread-safe, so keep one per
    # thread, reset before each use and dropped after a failure.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _markdown.Markdown(extensions=EXTENSIONS)
    return md.reset()


# One line of words and plain punctuation, starting with a letter: no markdown
# syntax, nothing to escape, no link. Most notes are such a sentence; they skip
# the converter (an import renders 100,000 texts). tests/test_markdown.py checks
# that this gives what the converter gives.
_PLAIN_RE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.;:?!'\"()/%+-])*")


def _plain(text):
    return _PLAIN_RE.fullmatch(text) and "://" not in text and "www." not in text.lower()


def render_markdown(text, *, mentions=None, papers=None):
    """Turn markdown as an author wrote it into safe HTML; show it as typed if that fails.

    `mentions`, when given, links @names of members (see `link_mentions`);
    `papers`, `[[N]]` to the log's papers (see `link_papers`).
    """
    if not text or not text.strip():
        return ""
    if _plain(text):  # never holds an "@"
        return f"<p>{text}</p>"
    try:
        markup = show_images(lower_headings(sanitize_html(_converter().convert(text))))
        if mentions is not None and "@" in markup:
            markup = link_mentions(markup, mentions)
        if papers is not None and "[[" in markup:
            markup = link_papers(markup, papers)
        return markup
    except Exception:
        # A failed conversion leaves parser state behind (a RecursionError
        # left every later list nested): the next render builds a new one.
        _local.md = None
        logger.exception("Could not render %d characters of markdown; shown as typed.", len(text))
        return f"<pre>{html.escape(text, quote=False)}</pre>"
