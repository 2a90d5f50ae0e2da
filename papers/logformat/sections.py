"""Read the structure around a paper's notes: front matter, setext headings, heading links.

Helpers for the "headings" and "file" readings of papers/logformat/parser.py
and for the writer: the Jekyll / Hugo front matter at the top of a file, the
`Title` + `===` headings turned into `#` headings before the blocks are cut,
`## [Title](url)` headings, a line of authors under a title, headings that
name a section of a paper rather than a paper, and the heading notes that the
writer writes as headings. Every pattern matches at the start of one short
string, so the cost stays linear in the size of the file.
"""

import datetime
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from papers.logformat.blocks import scan
from papers.logformat.syntax import detect_link, is_note_label, is_paper_url, own_line_url

# -- front matter -------------------------------------------------------------------

# A front matter is a few lines of settings; a larger one is read as text.
FRONT_MATTER_MAX_LINES = 500
FRONT_MATTER_MAX_CHARS = 32 * 1024
# The values of a front matter, counted as JSON nodes: YAML aliases can make a
# small text stand for a huge tree, which must not reach json.dumps.
_FRONT_MATTER_MAX_NODES = 5000

_TITLE_KEYS = ("title",)
_DATE_KEYS = ("date",)
_TAG_KEYS = ("tags", "categories", "category", "keywords")
_LINK_KEYS = ("link", "url", "arxiv", "doi", "paper")
_AUTHOR_KEYS = ("authors", "author")


@dataclass
class FrontMatter:
    """The fields read from a front matter and the lines it spans (lines[0:end])."""

    end: int
    title: str = ""
    read_on: datetime.date | None = None
    tags: list[str] = field(default_factory=list)
    url: str = ""
    authors: str = ""
    year: int | None = None
    meta: dict = field(default_factory=dict)
    source: str = ""  # the settings as written, without the fences
    language: str = "yaml"


class _TooBig(ValueError):
    pass


def read_front_matter(lines):
    """Return (FrontMatter or None, warning or None) for the top of a file.

    A front matter starts on the first line with `---` (YAML) or `+++` (TOML)
    and ends at the same fence. One that does not read (bad YAML, too big, not
    a mapping of settings) is None with a warning; its lines stay text.
    """
    if not lines or lines[0] not in ("---", "+++"):
        return None, None
    fence = lines[0]
    limit = min(len(lines), FRONT_MATTER_MAX_LINES + 2)
    end = next((i for i in range(1, limit) if lines[i] == fence), None)
    if end is None:
        return None, None
    source = "\n".join(lines[1:end])
    language = "yaml" if fence == "---" else "toml"
    try:
        if len(source) > FRONT_MATTER_MAX_CHARS:
            raise _TooBig
        data = _yaml(source) if language == "yaml" else tomllib.loads(source)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            # `---` / a line / `---` is a rule and a heading, not settings.
            return None, None
        data = {str(key): _json_safe(value, [0]) for key, value in data.items()}
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError):
        return None, (
            f"The front matter (lines 1–{end + 1}) does not read as {language.upper()}: "
            "kept as text."
        )
    front = FrontMatter(end=end + 1, source=source, language=language)
    _take_fields(front, data)
    # Comment lines are no settings, but the author's words: kept with the rest.
    comments = [line.strip() for line in lines[1:end] if line.strip().startswith("#")]
    if comments:
        front.meta["#"] = comments
    return front, None


def _yaml(source):
    """Load YAML with every value a string as written: `2103.00020` stays that, not a float.

    The base loader builds only strings, lists and mappings (no tags, no
    objects), so it is as safe as safe_load.
    """
    return yaml.load(source, Loader=yaml.BaseLoader)


def _json_safe(value, count):
    """Return value with dates as ISO strings and every key a string; count the nodes."""
    count[0] += 1
    if count[0] > _FRONT_MATTER_MAX_NODES:
        raise _TooBig
    if isinstance(value, dict):
        return {str(key): _json_safe(item, count) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = sorted(value, key=str) if isinstance(value, set) else value
        return [_json_safe(item, count) for item in items]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _take_fields(front, data):
    """Move the keys the app has a field for out of data; keep the rest as meta."""
    for key, value in data.items():
        name = key.lower()
        if name in _TITLE_KEYS and not front.title and isinstance(value, (str, int, float)):
            front.title = " ".join(str(value).split())
        elif name in _DATE_KEYS and front.read_on is None and _read_date(value):
            front.read_on, whole = _read_date(value)
            if not whole:
                front.meta[key] = value  # a time of day is kept as written
        elif name in _TAG_KEYS and (tags := _read_tags(value)):
            front.tags += [tag for tag in tags if tag not in front.tags]
        elif name in _LINK_KEYS and not front.url and isinstance(value, str) and _read_link(value):
            front.url = _read_link(value)
        elif name in _AUTHOR_KEYS and not front.authors and (authors := _read_authors(value)):
            front.authors = authors
        elif name == "year" and front.year is None and _read_year(value):
            front.year = _read_year(value)
        else:
            front.meta[key] = value


def _read_year(value):
    """Return a front matter's `year:` as a number from 1000 to 2999, or None."""
    text = str(value).strip()
    return int(text) if len(text) == 4 and text.isdigit() and text[0] in "12" else None


def _read_date(value):
    """Return (date, whether the value is nothing but the date), or None."""
    text = str(value).strip()
    try:
        day = datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None
    return day, text == day.isoformat()


def _read_tags(value):
    if isinstance(value, str):
        # `tags: a, b` or, as Jekyll splits them, `tags: a b`.
        parts = value.split(",") if "," in value else value.split()
    elif isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        parts = [str(item) for item in value]
    else:
        return []
    return [tag for part in parts if (tag := tag_text(part))]


def tag_text(text):
    """Return text as a tag: one line without commas, since `Tags:` lists tags by commas."""
    return " ".join(text.replace(",", " ").split())


def _read_link(value):
    url, arxiv_id, doi = detect_link(value)
    return url if url and url.strip() == value.strip() or arxiv_id or doi else ""


def _read_authors(value):
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return ", ".join(" ".join(item.split()) for item in value)
    return ""


def front_matter_text(front):
    """Return the front matter as a fenced block, for a log's description."""
    return fenced(front.source, front.language)


def fenced(text, language=""):
    """Return text as a fenced code block, its fence longer than any backtick run in it."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{language}\n{text}\n{fence}"


# -- setext headings -------------------------------------------------------------------

SETEXT_RE = re.compile(r"(=+|-{2,})$")
_BREAK_RE = re.compile(r"(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
_ATX_RE = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_NOT_TEXT_RE = re.compile(r" {0,3}(?:[-*+](?:[ \t]|$)|[>|<]|\d{1,9}[.)](?:[ \t]|$))")


def setext_to_atx(lines, start=0):
    """Turn a paragraph over `===` (or `---`) into a `#` (or `##`) heading, in place.

    A paragraph is unindented lines of text with a blank line, a heading, a
    thematic break or the start above it. Its text becomes one heading on its first
    line; its other lines and the underline become empty, so every other
    line keeps its number. Code fences are skipped, a `---` after a blank
    line stays a thematic break, and text right under a list item or a quote
    continues it, so it is no heading.
    """
    fence = None
    paragraph = None  # the index of the first line of the paragraph being read
    can_start = True  # a paragraph may start here: after a blank line or a heading
    for i in range(start, len(lines)):
        line = lines[i]
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip(fence[0]).strip():
                fence = None
                can_start = True
            continue
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped:
            paragraph, can_start = None, True
        elif match := _FENCE_RE.match(line):
            fence, paragraph = match[1], None
        elif indent <= 3 and SETEXT_RE.match(stripped) and paragraph is not None:
            text = " ".join(part.strip() for part in lines[paragraph:i])
            lines[paragraph : i + 1] = [("# " if stripped[0] == "=" else "## ") + text] + [""] * (
                i - paragraph
            )
            paragraph, can_start = None, True
        elif _ATX_RE.match(line):
            paragraph, can_start = None, True
        elif _NOT_TEXT_RE.match(line):
            # A bullet (`- ---` too, as blocks.py reads it), a quote, a table row.
            paragraph, can_start = None, False
        elif indent <= 3 and _BREAK_RE.match(stripped):
            paragraph, can_start = None, True
        elif paragraph is not None:
            continue
        elif can_start and indent == 0:
            # Only unindented: an indented paragraph may be a list item's.
            paragraph = i
        else:
            can_start = False
    return lines


# -- headings ------------------------------------------------------------------------

_LINK_RE = re.compile(r"\[([^\[\]\n]*)\]\(<?([^\s<>()\[\]]+)>?(?:[ \t]+\"[^\"\n]*\")?\)")


_HEADING_LINKS = 10


def heading_link(text):
    """Split `[Title](url)` in a heading into (title without the link markup, url).

    Every link's text stays in the title; the url is the first one pointing
    at a paper, else the first one. None when the heading holds no link.
    """
    if "](" not in text:
        return None
    urls = []

    def keep_text(match):
        urls.append(match[2])
        return match[1]

    title = _LINK_RE.sub(keep_text, text)
    if not urls:
        return None
    # The first few links are enough to choose from, however long the heading.
    url = next((url for url in urls[:_HEADING_LINKS] if is_paper_url(url)), urls[0])
    return " ".join(title.split()), url


_SECTION_WORDS = frozenset(
    """
    summary abstract method methods methodology approach model results result experiments
    experiment evaluation notes note thoughts comments conclusion conclusions background
    introduction intro motivation contributions contribution ideas idea takeaways takeaway
    limitations limitation discussion references related work overview details setup data
    dataset datasets review strengths weaknesses pros cons problem solution future key
    main findings highlights critique analysis tldr links link doi authors code impression
    overall technical evidence other further reading misc
    zusammenfassung methode methodik ergebnisse notizen fazit einleitung hintergrund idee
    résumé resume méthode méthodes résultats idées conclusion remarques contexte
    resumen método métodos resultados notas conclusión conclusiones ideas contexto
    riassunto metodo risultati conclusioni sintesi
    """.split()
)
_SECTION_WORD_RE = re.compile(r"[^\W\d_]+")


def is_section_name(text):
    """Tell whether a heading reads like a section of a paper ("Summary", "Méthode", "Key ideas").

    Only short headings: a word list is one hint among others (the readings
    also look at the structure), so it stays small.
    """
    words = _SECTION_WORD_RE.findall(text.lower())
    return 0 < len(words) <= 3 and words[0] in _SECTION_WORDS


# -- a paper's authors and title --------------------------------------------------------

_NAME_SPLIT_RE = re.compile(r"[ \t]*(?:,|;|&|\band\b)[ \t]*")
_BY_RE = re.compile(r"(?:by|authors?[ \t]*:)[ \t]+", re.IGNORECASE)
_PARTICLES = frozenset("van von de der den la le di da du del dos al bin ibn y".split())
_ET_AL = ("et al", "et al.", "et. al.")


def authors_line(text):
    """Return the authors a one-line paragraph under a title lists, or None.

    `Ada Lovelace, Alan Turing`, `*A. Lovelace and A. Turing*`, `By Ada
    Lovelace`: names of capitalised words or initials. A single name counts
    only in emphasis or after "By", so a subtitle is no author.
    """
    if "\n" in text or len(text) > 400:
        return None
    core = text.strip()
    emphasised = len(core) > 2 and core[0] in "*_" and core[-1] in "*_"
    core = core.strip("*_ \t")
    by = _BY_RE.match(core)
    if by:
        core = core[by.end() :]
    names = [name for name in _NAME_SPLIT_RE.split(core) if name]
    names = [name for name in names if name.lower() not in _ET_AL]
    if not names or (len(names) < 2 and not (emphasised or by)):
        return None
    if not all(_is_name(name) for name in names):
        return None
    return core


_YEAR_FIRST_RE = re.compile(r"((?:19|20)\d\d)[ \t]*[-–—:,][ \t]*")


def year_and_authors(text):
    """Return (year or None, authors) of a line under a title, or None when it lists no authors.

    `2017 - Jun-Yan Zhu, Taesung Park` gives the year too; see authors_line.
    """
    year = None
    if match := _YEAR_FIRST_RE.match(text.strip()):
        year, text = int(match[1]), text.strip()[match.end() :]
    authors = authors_line(text)
    return None if authors is None else (year, authors)


def _is_name(name):
    words = name.split()
    if not 1 <= len(words) <= 5:
        return False
    if len(words) == 1 and not name.endswith(" et al"):
        return words[0][:1].isupper() and words[0].isalpha() and len(words[0]) > 1
    for word in words:
        bare = word.strip(".-'’")
        if word.lower() in _PARTICLES or word.lower() in ("et", "al", "al."):
            continue
        letters = bare.replace(".", "").replace("-", "")
        if not bare or not bare[0].isupper() or not letters.isalpha():
            return False
    return True


def listed_names(text):
    """Return the names a line under an "Authors" heading lists, or None when it is no names."""
    if "\n" in text or len(text) > 400 or "://" in text:
        return None
    core = text.strip("*_ \t")
    names = [name for name in _NAME_SPLIT_RE.split(core) if name]
    names = [name for name in names if name.lower() not in _ET_AL]
    return core if names and all(_is_name(name) for name in names) else None


_DETAILS_RE = re.compile(
    r"(?:(authors?|by)|links?|urls?|doi|arxiv|paper|pdf|code|venue|year|published|source|citation)"
    r"[ \t]*:?$",
    re.IGNORECASE,
)


def details_section(text):
    """Say whether a heading only gives a paper's details: "authors", "details" or None.

    "Authors", "DOI", "Links", "Venue" … hold the paper's fields, not notes.
    """
    match = _DETAILS_RE.match(text.strip().strip("*_"))
    if not match:
        return None
    return "authors" if match[1] else "details"


_LOG_WORDS = frozenset("log logs reading readings papers list lists journal bibliography".split())


def names_a_log(title):
    """Tell whether a `#` title names a log of papers ("Reading list", "Papers 2024")."""
    return any(word in _LOG_WORDS for word in _SECTION_WORD_RE.findall(title.lower()))


_NAME_DATE_RE = re.compile(r"(?:19|20)\d\d[-_.]?[01]\d[-_.]?[0-3]\d[-_ .]*")


def name_title(name):
    """Return a title made from a file name: no folder, extension or date prefix, words spaced."""
    stem = PurePosixPath(name.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = _NAME_DATE_RE.sub("", stem, count=1) if _NAME_DATE_RE.match(stem) else stem
    return " ".join(stem.replace("_", " ").replace("-", " ").split())


# -- headings inside a paper's notes -------------------------------------------------------

NOTE_HEADING_RE = re.compile(r"(#{4,6}) \S")


def note_heading(level, paper_level, text):
    """Write a heading inside a paper's notes at its level relative to the paper.

    The writer puts papers at `###`, so a heading one level below its paper is
    `####`, deeper ones follow (at most `######`). A heading at the paper's
    level or above is None: it is kept as written.
    """
    if level <= paper_level:
        return None
    return "#" * min(6, 3 + level - paper_level) + " " + text


def joins_heading(text):
    """Tell whether a paragraph under a heading note belongs in that note.

    A paragraph of prose does; a labelled line (`Figure 1:`, `Link:`, …) or a
    link on its own line keeps its meaning.
    """
    return not is_note_label(text) and own_line_url(text) is None and "\\" not in text[:40]


def is_heading_note(body):
    """Tell whether a note is a heading (`####` to `######`) with its paragraphs.

    The writer writes such a note as it reads, not as a bullet, so it is read
    back as the same note.
    """
    first, _, rest = body.partition("\n")
    if not NOTE_HEADING_RE.match(first) or first != first.rstrip():
        return False
    if not rest:
        return True
    if not rest.startswith("\n"):
        return False
    paragraphs = rest[1:].split("\n")
    blocks = scan(paragraphs, range(1, len(paragraphs) + 1), strict=False)
    return (
        all(block.kind == "para" and joins_heading(block.text) for block in blocks)
        and "\n\n".join(block.text for block in blocks) == rest[1:]
        and not any(SETEXT_RE.match(line) for line in paragraphs)
    )
