"""Render user markdown to sanitized HTML: the only place that does.

Python-Markdown does not sanitize its output, and every log has many authors,
so whatever it produces goes through an allowlist (nh3, the Ammonia sanitizer)
before it is stored. Models call `render_markdown` in `save()`, never a view.
"""

import threading

import markdown as _markdown
import nh3

EXTENSIONS = [
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
