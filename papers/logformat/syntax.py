"""Recognise the labels, links and headings of the markdown log format.

The parser reads with these and the writer checks its output against them, so
what one writes the other reads back. All patterns are compiled once and match
at the start of a short string: the cost per line stays constant.
"""

import datetime
import json
import re
import string
from urllib.parse import unquote, urlsplit

# -- links ------------------------------------------------------------------

_ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_URL_RE = re.compile(
    rf"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/({_ARXIV_ID})(?:\.pdf)?/?(?:[?#]\S*)?$",
    re.IGNORECASE,
)
_ARXIV_TEXT_RE = re.compile(rf"(?:arxiv:\s*)?({_ARXIV_ID})$", re.IGNORECASE)
_DOI_URL_RE = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_DOI_PATH_RE = re.compile(r"/doi/(?:abs/|full/|pdf/|epdf/)?(10\.\d{4,9}/\S+?)/?$", re.IGNORECASE)
_DOI_TEXT_RE = re.compile(r"(?:doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
# Sites whose pages are papers (besides arXiv and doi.org).
PAPER_HOSTS = (
    "openreview.net",
    "aclanthology.org",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "proceedings.mlr.press",
    "jmlr.org",
    "openaccess.thecvf.com",
    "dl.acm.org",
    "ieeexplore.ieee.org",
    "link.springer.com",
    "sciencedirect.com",
    "nature.com",
    "science.org",
    "semanticscholar.org",
    "biorxiv.org",
    "medrxiv.org",
    "ssrn.com",
    "pubmed.ncbi.nlm.nih.gov",
    "ncbi.nlm.nih.gov",
    "aaai.org",
    "ijcai.org",
    "researchgate.net",
    "hal.science",
    "papers.ssrn.com",
)
_URL_IN_TEXT_RE = re.compile(r"https?://[^\s<>\"'`\[\]]+", re.IGNORECASE)
_TRAILING_PUNCT = ".,;:!?*_~'\""
_BARE_URL_RE = re.compile(r"https?://\S+$", re.IGNORECASE)
_ANGLED_URL_RE = re.compile(r"<(https?://[^<>\s]+)>$", re.IGNORECASE)
_MD_LINK_RE = re.compile(r"\[([^\]\n]*)\]\(<?(https?://[^\s<>()]+)>?\)$", re.IGNORECASE)


def _trim_url(url):
    """Drop punctuation that ends the sentence around a URL rather than the URL."""
    while url and (
        url[-1] in _TRAILING_PUNCT or (url[-1] == ")" and url.count("(") < url.count(")"))
    ):
        url = url[:-1]
    return url


def link_ids(url):
    """Return (arxiv_id, doi) for a URL; both empty when it names neither."""
    if match := _ARXIV_URL_RE.match(url):
        return match[1], ""
    if match := _DOI_URL_RE.match(url):
        return "", unquote(match[1])
    if "/doi/" in url and (match := _DOI_PATH_RE.search(urlsplit(url).path)):
        return "", unquote(match[1])
    return "", ""


def is_paper_url(url):
    """Tell whether a URL points at a paper: arXiv, a DOI, a paper site or a PDF."""
    if any(link_ids(url)):
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if any(host == h or host.endswith("." + h) for h in PAPER_HOSTS):
        return True
    return parts.path.lower().endswith(".pdf")


def own_line_url(text):
    """Return (url, kind) when text is nothing but one URL, else None.

    kind is "bare", "angled" or "markdown" (a `[text](url)` link, whose text is
    more than the URL and so must not be dropped).
    """
    if match := _ANGLED_URL_RE.match(text):
        return match[1], "angled"
    if match := _MD_LINK_RE.match(text):
        url = match[2]
        return url, "bare" if match[1].strip() in ("", url) else "markdown"
    if _BARE_URL_RE.match(text) and _trim_url(text) == text:
        return text, "bare"
    return None


def first_paper_url(text):
    """Return the first URL in text that points at a paper, or ""."""
    if "://" not in text:
        return ""
    for match in _URL_IN_TEXT_RE.finditer(text):
        url = _trim_url(match[0])
        if is_paper_url(url):
            return url
    return ""


def detect_link(text):
    """Read a pasted link, arXiv id or DOI; return (url, arxiv_id, doi).

    "2407.12687", "arXiv:2407.12687", "10.1145/123.456" and any URL in the
    text are understood; a paper URL is preferred over another URL. All three
    are empty when the text holds no link.
    """
    text = text.strip()
    if match := _ARXIV_TEXT_RE.match(text):
        arxiv_id = match[1]
        return f"https://arxiv.org/abs/{arxiv_id}", arxiv_id, ""
    if match := _DOI_TEXT_RE.match(text):
        doi = match[1]
        return f"https://doi.org/{doi}", "", doi
    url = first_paper_url(text)
    if not url and (match := _URL_IN_TEXT_RE.search(text)):
        url = _trim_url(match[0])
    return (url, *link_ids(url)) if url else ("", "", "")


# -- headings -----------------------------------------------------------------

_QUESTION_HEADINGS = (
    (
        re.compile(
            r"(?:what\s+)?i\s+(?:haven['’]?t|have\s+not)\s+(?:yet\s+)?understood(?:\s+yet)?"
            r"|not\s+(?:yet\s+)?understood(?:\s+yet)?",
            re.IGNORECASE,
        ),
        "I haven't understood",
    ),
    (
        re.compile(r"(?:(?:i['’]?m|i\s+am)\s+)?trying\s+to\s+understand", re.IGNORECASE),
        "I'm trying to understand",
    ),
    (re.compile(r"questions?", re.IGNORECASE), "Questions"),
    (re.compile(r"open\s+questions?", re.IGNORECASE), "Open questions"),
)
# More headings people file questions under. Their bullets are read as in any
# question section; the section keeps the heading as written ("Open points",
# "Doubts"), so the export writes the author's own heading back.
_QUESTION_HEADING_AS_WRITTEN_RE = re.compile(
    r"""open\s+(?:points|issues)
      | (?:still\s+)?not\s+(?:(?:yet|so)\s+)?clear(?:\s+yet)?
      | unclear(?:\s+(?:points|parts|things|bits))?
      | doubts?
      | (?:things\s+|points\s+|stuff\s+)?to\s+(?:understand|figure\s+out|clarify)
      | confusions?
      | confusing\s+(?:points|parts|things|bits)
      | things\s+i\s+(?:don['’]?t|do\s+not)\s+(?:yet\s+)?(?:get|understand)(?:\s+yet)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_CHANGELOG_HEADING_RE = re.compile(r"change[\s-]?logs?", re.IGNORECASE)
CHANGELOG_HEADING = "Change log"


def _heading_words(text):
    return text.strip().rstrip(":").strip()


def question_section(heading_text):
    """Return the question-section name for a heading, or "" when it is no such heading.

    The format's own headings come back in their canonical spelling ("I have
    not understood:" → "I haven't understood"); the others as written.
    """
    words = _heading_words(heading_text)
    for pattern, name in _QUESTION_HEADINGS:
        if pattern.fullmatch(words):
            return name
    if _QUESTION_HEADING_AS_WRITTEN_RE.fullmatch(words):
        return " ".join(words.split())
    return ""


def question_lead(text):
    """Return the question section a one-line `**Questions**` or `Open points:` names, or "".

    A bold line or a line ending with a colon that names a question section
    stands for its heading: the bullets right below it are questions. A bare
    "Questions" is not one (nothing would mark it when written back as a note).
    """
    words = text.strip()
    # Most lines end otherwise: answer them without further work.
    if not words.endswith((":", "**", "__")) or "\n" in words:
        return ""
    colon = words.endswith(":")
    words = words.rstrip(":").strip()
    bold = len(words) > 4 and words[:2] in ("**", "__") and words.endswith(words[:2])
    if bold:
        words = words[2:-2]
    return question_section(words) if colon or bold else ""


def is_changelog_heading(heading_text):
    """Tell whether a heading opens the log's change log."""
    return _CHANGELOG_HEADING_RE.fullmatch(_heading_words(heading_text)) is not None


# -- labels at the start of a note, question or reply ----------------------------

CURIOSITY_RE = re.compile(r"curiou?sity[ \t]*:\s*", re.IGNORECASE)
_LEVEL_RE = re.compile(
    r"(low|neutral|interesting|high)(?:[ \t]*[,;:.!—–][ \t]*|[ \t]+-[ \t]+|[ \t]*(?:\n|$))",
    re.IGNORECASE,
)
# `TL;DR:`, `TLDR:`, `TLDR;`, `TL;DR -`, `TL;DR —`, and bold: `**TL;DR**:`,
# `**TL;DR:**` (a bold opened before the label must close in it).
_TLDR = r"tl[ \t]*(?:;[ \t]*)?dr"
TLDR_RE = re.compile(
    rf"""(?:
        (?P<bold>\*\*|__){_TLDR}(?:[ \t]*[:;](?P=bold)|(?P=bold)[ \t]*(?:[:;—–]|-(?=[ \t]|$)))
      | {_TLDR}(?:[ \t]*[:;—–]|[ \t]+-(?=[ \t]|$))
    )\s*""",
    re.IGNORECASE | re.VERBOSE,
)
# The paper's link: `Link: <url>`, `Paper: url`, `PDF: url`, `arXiv: 2401.01234`,
# `DOI: 10.1145/…`, `Link: [arXiv](url)`.
LINK_RE = re.compile(r"(link|paper|pdf|arxiv|doi)[ \t]*:[ \t]*(\S.*)$", re.IGNORECASE)
# Link texts that only say where the link goes: `Link: [arXiv](url)` keeps no note.
_LINK_WORDS = frozenset(
    "arxiv pdf paper link here doi url abs html web site page openreview acl "
    "acm ieee springer pubmed biorxiv".split()
)
TASK_RE = re.compile(r"\[([ xX])\](?:[ \t]+|(?=\n)|$)")
RESOLUTION_RE = re.compile(r"(resolved|solved|resolution)[ \t]*:\s*", re.IGNORECASE)


def _qa_label(words):
    """Compile a `Q:`-style label: `Q:`, `**Q:**` or `**Q**:`, then the text on the same line."""
    return re.compile(
        rf"""(?: (?P<bold>\*\*|__)(?:{words})(?:[ \t]*:(?P=bold)|(?P=bold)[ \t]*:)
               | (?:{words})[ \t]*:
            )[ \t]*(?=\S)""",
        re.IGNORECASE | re.VERBOSE,
    )


# `Q: …` / `Question: …` asks a question; `A: …` / `Answer: …` answers the one above.
QUESTION_LABEL_RE = _qa_label("q|question")
ANSWER_LABEL_RE = _qa_label("a|ans|answer")
_META_RE = re.compile(r"(authors?|year|read on|tags|front matter)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
META_LABELS = {
    "authors": "Authors",
    "year": "Year",
    "read_on": "Read on",
    "tags": "Tags",
    "meta": "Front matter",
}
_YEAR_RE = re.compile(r"[12]\d{3}$")
CHANGELOG_ITEM_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[ \t]*[:—–][ \t]*|[ \t]+-[ \t]+|[ \t]+|[ \t]*(?=\n|$))"
)

# A figure, table or equation number as papers print them: `2`, `4b`, `1.2`,
# `3(b)` or `3 (b)`, `S1` (supplementary), ranges `2-3` and `2a-c`; in
# brackets, `(2)`.
_ONE_NUM = r"s?\d+(?:\.\d+)*[a-z]?(?:[ \t]?\([a-z\d]\))?"
_NUM = rf"\(?({_ONE_NUM}(?:[ \t]*[-–][ \t]*(?:{_ONE_NUM}|[a-z]\b))?)\)?"
# A bare section number, `3.4 for speech recognition …`: a first part from 1 to
# 30 without a leading zero, then one to three parts of one or two digits.
# Without a colon it must be followed by a word that is not a magnitude or a
# unit, so `0.5 dropout helps` and `3.5 billion parameters` stay sentences.
_BARE_SECTION = r"(?:[1-9]|[12]\d|30)(?:\.\d{1,2}){1,3}"
_UNITS = (
    "hundred|thousand|million|billion|trillion|k|m|b|t|bn|mn|"
    "percent|per|pct|pp|x|times|fold|points?|pts?|"
    "bits?|bytes?|[kmgtp]b|flops?|params?|parameters?|tokens?|layers?|epochs?|steps?|"
    "ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?"
)
_SECTION_NUM = r"(\d+(?:\.\d+)*[a-z]?)"
_ANCHOR_RE = re.compile(
    rf"""(?:
        (?P<figure>fig(?:ure)?s?\.?)[ \t]*{_NUM}
      | (?P<table>tab(?:le)?s?\.?)[ \t]*{_NUM}
      | (?P<equation>eq(?:uation|n)?s?\.?)[ \t]*{_NUM}
      | (?P<section>sec(?:tion)?s?\.?|§)[ \t]*{_SECTION_NUM}
      | (?P<page>pages?|pp?\.?)[ \t]*\(?(\d+(?:[ \t]*[-–][ \t]*\d+)?)\)?
      | (?P<abstract>abstract|abs)
      | (?P<intro>intro(?:duction)?)
      | (?P<conclusion>conclusions?)
      | (?P<methods>methods?|methodology)
    )[ \t]*:\s*
    | (?P<bare>{_BARE_SECTION})(?:[ \t]*:\s*|[ \t]+(?=[^\W\d_])(?!(?:{_UNITS})(?:[\s.,;:!?)]|$)))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ANCHOR_NAMES = {
    "figure": "Figure",
    "table": "Table",
    "equation": "Equation",
    "section": "Section",
    "page": "Page",
    "abstract": "Abstract",
    "intro": "Introduction",
    "conclusion": "Conclusion",
    "methods": "Methods",
}
_NUMBERED = ("figure", "table", "equation", "section", "page")
_RANGE_DASH_RE = re.compile(r"[ \t]*[-–][ \t]*")


def split_anchor(text):
    """Return (kind, canonical label, rest) for a leading anchor label, or None."""
    match = _ANCHOR_RE.match(text)
    if not match:
        return None
    rest = text[match.end() :]
    if match["bare"]:
        return "section", f"Section {match['bare']}", rest
    kind = next(name for name in _ANCHOR_NAMES if match[name])
    label = _ANCHOR_NAMES[kind]
    if kind in _NUMBERED:
        # Each numbered kind's number is the group right after its name.
        number = match.group(_ANCHOR_RE.groupindex[kind] + 1)
        label += " " + _RANGE_DASH_RE.sub("-", number)
    return kind, label, rest


def split_curiosity(text):
    """Split curiosity text into (level, note): "high, want more" → ("high", "want more")."""
    match = _LEVEL_RE.match(text)
    if not match:
        return "", text.strip()
    return match[1].lower(), text[match.end() :].strip()


def canonical_anchor_label(label):
    """Return the label the parser would read back for `label`, or label when none."""
    found = split_anchor(label + ":")
    return found[1] if found and not found[2] else label


# -- escaping -----------------------------------------------------------------
# A body that starts like a label ("Figure 1: …" with no anchor, "TL;DR: …" as
# an ordinary note) is written with a backslash before the label's first
# punctuation mark: `Figure 1\: …`. Markdown renders it the same, and the
# parser reads it as text and drops the backslash again.

# The dashes too: `TLDR — …` has no ASCII punctuation mark to escape.
_PUNCT = frozenset(string.punctuation + "—–")


def escape_label(text, is_label):
    """Return text with its leading label escaped when is_label(text) is true."""
    if not is_label(text):
        return text
    for i, char in enumerate(text):
        if char in _PUNCT:
            return text[:i] + "\\" + text[i:]
    return text


def unescape_label(text, is_label):
    """Return text without the escape that escape_label added, or None when it has none."""
    i = text.find("\\", 0, 40)
    if i < 0 or i + 1 >= len(text) or text[i + 1] not in _PUNCT:
        return None
    candidate = text[:i] + text[i + 1 :]
    if is_label(candidate) and escape_label(candidate, is_label) == text:
        return candidate
    return None


def meta_label(text):
    """Return (field, value) of a one-line `Authors:`, `Year:`, `Read on:`, `Tags:`…

    None when the line is none of them or its value does not read: an empty
    author list, a date that is not YYYY-MM-DD, no tag, front matter that is
    not a JSON object. Such a line stays a note.
    """
    if "\n" in text or not (match := _META_RE.match(text)):
        return None
    name, value = match[1].lower(), match[2].strip()
    if name.startswith("author"):
        return ("authors", value) if value else None
    if name == "year":
        return ("year", int(value)) if _YEAR_RE.match(value) else None
    if name == "read on":
        try:
            return "read_on", datetime.date.fromisoformat(value)
        except ValueError:
            return None
    if name == "tags":
        tags = [tag.strip() for tag in value.split(",") if tag.strip()]
        return ("tags", tags) if tags else None
    try:
        meta = json.loads(value)
    except ValueError:
        return None
    return ("meta", meta) if isinstance(meta, dict) and meta else None


def write_meta(name, value):
    """Write a paper's metadata field as the line meta_label reads."""
    if name == "read_on":
        value = value.isoformat()
    elif name == "tags":
        value = ", ".join(value)
    elif name == "meta":
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"{META_LABELS[name]}: {value}"


# A label in bold: `**Link:** url`, `**Fig. 3**: …`; the label is read as if plain.
_BOLD_LABEL_RE = re.compile(r"(\*\*|__)([^*_\n]{1,40}?)(?::\1|\1[ \t]*:)")


def is_bold_heading(text):
    """Tell whether a paragraph is nothing but a bold label, `**Problem:**`, used as a heading."""
    match = _BOLD_LABEL_RE.match(text)
    return match is not None and match.end() == len(text) and not is_note_label(unbold_label(text))


# A thematic break, `---` or `* * *`: a separator, no text.
THEMATIC_BREAK_RE = re.compile(r"(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})")


def unbold_label(text):
    """Return text with a bold label made plain (`**Link:** url` → `Link: url`).

    Only when the plain text starts with a label the format reads; any other
    text, `**Pros:**` or `**Key idea**: …`, comes back unchanged. A bold
    `**Authors**:` stays as written: such lines often repeat a front matter.
    """
    match = _BOLD_LABEL_RE.match(text)
    if not match:
        return text
    plain = f"{match[2]}:{text[match.end() :]}"
    return plain if is_note_label(plain) and not meta_label(plain) else text


def is_note_label(text):
    """Tell whether a note body would be read as something other than a plain note."""
    if text.startswith(("**", "__")) and unbold_label(text) != text:
        return True
    return bool(
        CURIOSITY_RE.match(text)
        or TLDR_RE.match(text)
        or meta_label(text)
        or (LINK_RE.match(text) and link_label(text) is not None)
        or _ANCHOR_RE.match(text)
        or QUESTION_LABEL_RE.match(text)
        or question_lead(text.partition("\n")[0])
    )


# A lead-in: a bullet that is nothing but a few words and a colon, "The paper:"
# or "**Pros:**", whose list lost its indentation (docs/log-format.md).
LEAD_IN_MAX_WORDS = 8


def is_lead_in(text):
    """Tell whether a one-line note is nothing but a short lead-in ending with a colon."""
    if "\n" in text or is_note_label(text) or unescape_label(text, is_note_label) is not None:
        return False
    words = text.rstrip("*_").split()
    return (
        bool(words)
        and words[-1].endswith(":")
        and len(words) <= LEAD_IN_MAX_WORDS
        and any(char.isalnum() for char in text)
    )


def link_label(text):
    """Return the URL of a `Link: <url>` line, "" for `Link: none`, None otherwise."""
    found = split_link_label(text)
    return None if found is None else found[0]


def split_link_label(text):
    """Read a line that gives the paper's link; return (url, note) or None.

    `Link: <url>`, `Paper: url`, `PDF: url`, `arXiv: 2401.01234`, `DOI: 10.1/x`
    and `Link: [arXiv](url)` give the URL and an empty note; `Link: none` gives
    ("", ""). A link whose text says more than where it goes,
    `Link: [The transformer paper](url)`, keeps that link as the note, so no
    word is lost.
    """
    match = LINK_RE.match(text)
    if not match:
        return None
    label, value = match[1].lower(), match[2]
    if label == "link" and value.lower() == "none":
        return "", ""
    found = own_line_url(value)
    if found is None:
        return (detect_link(value)[0], "") if _id_only(value) else None
    url, kind = found
    if kind != "markdown":
        return url, ""
    link_text = value[1 : value.index("](")]
    return url, "" if _says_only_where(link_text, url) else value


def _id_only(value):
    """Tell whether a value is nothing but an arXiv id or a DOI (`arXiv:2401.01234`)."""
    return bool(_ARXIV_TEXT_RE.match(value) or _DOI_TEXT_RE.match(value))


def _says_only_where(link_text, url):
    """Tell whether a link's text only names the site or kind: "arXiv", "PDF", "paper"."""
    words = re.findall(r"[^\W\d_]+|\d+", link_text.lower())
    return all(word in _LINK_WORDS or (word.isdigit() and word in url) for word in words)


def is_question_label(text):
    """Tell whether a question body starts with a task box `[x]` / `[ ]`, `Q:` or `A:`."""
    return bool(TASK_RE.match(text) or QUESTION_LABEL_RE.match(text) or ANSWER_LABEL_RE.match(text))


def is_reply_label(text):
    """Tell whether a reply starts with a resolution label, a task box or `A:`."""
    return bool(RESOLUTION_RE.match(text) or TASK_RE.match(text) or ANSWER_LABEL_RE.match(text))
