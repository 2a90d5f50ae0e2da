"""Render user markdown to sanitized HTML: the only place that does.

Python-Markdown does not sanitize its output, and every log has many authors,
so whatever it produces goes through an allowlist (nh3, the Ammonia sanitizer)
before it is stored. Models call `render_markdown` in `save()`, never a view.
"""

import re
import threading

import markdown as _markdown
import nh3
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

_LIST_ITEM = re.compile(r"^( *)(?:[-*+]|\d{1,9}[.)])(?: |$)")
_FENCE = re.compile(r"^ *(```|~~~)")


def normalize_list_indents(lines):
    """Indent nested list items two spaces a level, however deep the author indented them.

    People nest bullets with two, three or four spaces or a tab; the list
    extension wants one fixed step. Lines under an item (continuations, code)
    move with it; fenced code outside lists is left alone.
    """
    out, stack, shift, fence = [], [], 0, None
    for line in lines:
        width = len(line) - len(line.lstrip(" "))
        if not line.strip():
            out.append(line)
        elif fence:
            out.append(_shifted(line, width, shift))
            if line.strip().startswith(fence):
                fence = None
        elif (item := _LIST_ITEM.match(line)) and (stack or width < 4):
            while stack and width < stack[-1] - 1:
                stack.pop()
            if not stack:
                stack = [width]
            elif width >= stack[-1] + 2:
                stack.append(width)
            else:
                stack[-1] = width
            level_indent = 2 * (len(stack) - 1)
            shift = level_indent - width
            out.append(" " * level_indent + line[len(item[1]) :])
        elif width == 0:
            stack, shift = [], 0
            out.append(line)
        else:
            out.append(_shifted(line, width, shift if stack else 0))
        if not fence and (match := _FENCE.match(line)) and line.count(match[1]) == 1:
            fence = match[1]
    return out


def _shifted(line, width, shift):
    return " " * max(0, width + shift) + line[width:]


class _ListIndents(Preprocessor):
    def run(self, lines):
        return normalize_list_indents(lines)


class ListIndentExtension(Extension):
    def extendMarkdown(self, md):
        # After normalize_whitespace (30) has expanded tabs, before fenced code (25).
        md.preprocessors.register(_ListIndents(md), "list_indents", 27)


EXTENSIONS = [
    ListIndentExtension(),
    "fenced_code",
    "tables",
    "sane_lists",
    "mdx_truly_sane_lists",  # nested lists indented by two spaces, as people type them
    "nl2br",
]
EXTENSION_CONFIGS = {"mdx_truly_sane_lists": {"nested_indent": 2, "truly_sane": True}}

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
URL_SCHEMES = {"http", "https", "mailto"}
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
    """Allow only `language-*` classes, so authors cannot borrow the app's own CSS."""
    if attribute == "class":
        classes = [c for c in value.split() if c.startswith("language-")]
        return " ".join(classes) or None
    return value


_local = threading.local()


def _converter():
    # Building a Markdown instance costs twice a conversion (imports run for
    # 60,000 notes); instances are not thread-safe, so keep one per thread.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
        )
    return md.reset()


def render_markdown(text):
    """Turn markdown as an author wrote it into safe HTML."""
    if not text or not text.strip():
        return ""
    return sanitize_html(_converter().convert(text))
