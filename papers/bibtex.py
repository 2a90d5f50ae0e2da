"""BibTeX in and out of a reading log, with bibtexparser 2.

Export writes one entry per paper: a stable cite key (`vaswani2017attention`),
arXiv papers with `eprint` and `archivePrefix = {arXiv}` (as @misc, or as
@article when they have a DOI too), the DOI, the paper's page in the log as
`url` and the TL;DR as `note`. Every value is escaped for LaTeX, so that the
file parses back to the same text (tests/test_bibtex.py checks hostile titles).

Import reads a .bib file into a LogDocument of new papers, the LaTeX decoded
to plain text ({B}ERT → BERT, M{\\"u}ller → Müller, -- → –), and leaves out
the entries that are papers already in the log (same arXiv id of any version,
DOI or normalised title, as PaperQuerySet.same_as compares them) or that
appear twice in the file. The document is then saved by
papers.transfer.save_document, as a markdown import is: one transaction, the
"Imported" change-log entry its undo.
"""

import re
import threading
import unicodedata
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import Entry, Field
from django.conf import settings
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from papers.logformat import LogDocument, LogFormatError, PaperEntry, ParseWarning
from papers.logformat.syntax import detect_link, link_ids
from papers.models import Paper, normalize_title

# More entries than a reading log takes in one go: a whole bibliography
# database is better imported in parts (and a preview of it would be unreadable).
MAX_ENTRIES = 2000
LIMITS = {"title": 500, "url": 500, "arxiv_id": 40, "doi": 200, "authors": 1000}
MAX_TEXT = 50_000  # an abstract or note, as papers/markdown.py bounds a text

# Words a cite key skips to reach the first significant word of the title.
_STOPWORDS = set(
    "a an the on of in for to and with from by at as is are via towards toward into "
    "about using what how why when do does can".split()
)


# -- export -------------------------------------------------------------------

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
# LaTeX's special characters, and the ligatures -- `` '' ?` !` that a {} keeps apart.
_SPECIAL_RE = re.compile(r"[\\{}%&$#_^~]|-(?=-)|`(?=`)|'(?=')|[?!](?=`)")


def escape(text):
    """Return text as a BibTeX value that LaTeX prints and bibtexparser reads back as it is."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL.get(m[0], m[0] + "{}"), text)


def _ascii_word(text):
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded.lower() if "a" <= c <= "z")


def _author_names(authors):
    """Split our authors field ("A, B", "A, B et al.") into names and whether the list goes on."""
    text = authors.strip()
    more = bool(re.search(r"\bet al\.?$", text))
    text = re.sub(r",?\s*\bet al\.?$", "", text)
    names = [n.strip() for n in re.split(r"[,;]", text) if n.strip()]
    return names, more


def base_key(paper):
    """Return `vaswani2017attention`: first author's family name, year, first significant word."""
    names, _ = _author_names(paper.authors)
    family = _ascii_word(names[0].split()[-1]) if names else ""
    words = [_ascii_word(w) for w in re.split(r"[\s\-–—:/]+", paper.title)]
    word = next((w for w in words if w and w not in _STOPWORDS), "")
    key = f"{family}{paper.year or ''}{word}"
    return key or f"paper{paper.number}"


def _suffix(index):
    """Return "", "b", "c", … "z", "ba", …: the lowest-numbered paper keeps the bare key."""
    letters = ""
    while index:
        index, rest = divmod(index, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[rest] + letters
    return letters


def cite_keys(papers):
    """Return {paper number: key}, papers sharing a key told apart by a suffix, in number order.

    A key only changes when a paper with the same key and a lower number comes
    or goes, so the keys of an export stay those of the last one.
    """
    seen = {}
    keys = {}
    for paper in sorted(papers, key=lambda p: p.number):
        key = base_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        keys[paper.number] = key + _suffix(count)
    return keys


def log_cite_keys(log):
    """Return cite_keys() of the log's papers, those in the trash included, so that
    deleting a paper leaves the others' keys as they were. Queries: 1."""
    papers = Paper.objects_with_deleted.filter(log=log)
    return cite_keys(papers.only("log", "number", "title", "authors", "year"))


def _entry(paper, key):
    names, more = _author_names(paper.authors)
    authors = [
        # A name with "and" in it (a consortium) is one name: braces keep it whole.
        "{" + escape(name) + "}" if re.search(r"\band\b", name, re.IGNORECASE) else escape(name)
        for name in names
    ]
    if more:
        authors.append("others")
    fields = [("title", escape(paper.title))]
    if authors:
        fields.append(("author", " and ".join(authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.arxiv_id:
        fields += [("eprint", escape(paper.arxiv_id)), ("archivePrefix", "arXiv")]
    if paper.doi:
        fields.append(("doi", escape(paper.doi)))
    fields.append(("url", escape(settings.SITE_URL + paper.get_absolute_url())))
    if paper.url and paper.url != _link_of(paper.arxiv_id, paper.doi):
        # `url` is the log's page of the paper: the paper's own link goes here.
        fields.append(("howpublished", "\\url{" + escape(paper.url) + "}"))
    if paper.tldr:
        fields.append(("note", escape(paper.tldr)))
    if paper.abstract:
        fields.append(("abstract", escape(paper.abstract)))
    kind = "article" if paper.doi else "misc"
    return Entry(kind, key, [Field(name, value) for name, value in fields])


def export_bibtex(papers, keys):
    """Return the papers as a BibTeX file; `keys` is cite_keys() of the whole log.

    The papers need their log (select_related) for their URLs.
    """
    library = bibtexparser.Library([_entry(paper, keys[paper.number]) for paper in papers])
    return bibtexparser.write_string(library)


# -- import -------------------------------------------------------------------


def _decoder():
    context = get_default_latex_context_db()
    context.add_context_category(
        "readinglog-bibtex",
        prepend=True,
        macros=[
            MacroTextSpec("url", simplify_repl="%s"),
            MacroTextSpec("textasciicircum", "^"),
            MacroTextSpec("textasciitilde", "~"),
        ],
    )
    # $…$ stays as written: math in a title is shown as the user wrote it.
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_DECODER = _decoder()
# pylatexenc is thorough but slow (about 60 µs a character, more on long
# values) and recursive (a few hundred nested braces exhaust the stack): it
# decodes short values with little nesting, up to a budget per file; the rest
# goes through _plain, a linear decoder of the common cases (what export writes
# among them).
DECODE_MAX_VALUE = 2000
DECODE_MAX_DEPTH = 20
DECODE_BUDGET = 300_000  # characters per file
_LATEX_RE = re.compile(r"[\\{}~%$&#_^]|--|``|''")
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a"}  # fmt: skip
_SYMBOLS = {"textbackslash": "\\", "textasciicircum": "^", "textasciitilde": "~", "ss": "ß",
            "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "aa": "å", "AA": "Å", "l": "ł", "L": "Ł",
            "i": "ı", "oe": "œ", "OE": "Œ", "ldots": "…", "dots": "…"}  # fmt: skip
_PLAIN_RE = re.compile(
    r"\\([\'`^\"~=.])\s*(?:\{\\?([a-zA-Z])\}|\\?([a-zA-Z]))"  # \"{u}, \'e, \'{\i}
    r"|\\([uvHckr])(?:\{\\?([a-zA-Z])\}|\s+([a-zA-Z]))"  # \v{c}, \c c
    r"|\\([&%$#_{}])"  # \&, \{
    r"|\\([a-zA-Z]+)\s*(?:\{\})?"  # \ss, \textbackslash{}, \emph
    r"|---|--|``|''|~|[{}]"
)
_PLAIN_LIGATURES = {"---": "—", "--": "–", "``": "“", "''": "”", "~": "\u00a0", "{": "", "}": ""}


def _plain_one(match):
    if match[1]:
        return unicodedata.normalize("NFC", (match[2] or match[3]) + _ACCENTS[match[1]])
    if match[4]:
        return unicodedata.normalize("NFC", (match[5] or match[6]) + _ACCENTS[match[4]])
    if match[7]:
        return match[7]
    if match[8]:
        return _SYMBOLS.get(match[8], "")
    return _PLAIN_LIGATURES[match[0]]


def _plain(value):
    """Decode the common LaTeX of a BibTeX value in one linear pass: accents, escapes,
    symbols, ligatures; other commands are dropped and their braced text kept."""
    return _PLAIN_RE.sub(_plain_one, value)


def _depth(value):
    depth = deepest = 0
    for brace in re.findall(r"(?<!\\)[{}]", value):
        depth += 1 if brace == "{" else -1
        deepest = max(deepest, depth)
    return deepest


# What is left of DECODE_BUDGET for the file being read (reset by parse_bibtex), per thread.
_budget = threading.local()


def _decode(value):
    if not _LATEX_RE.search(value):
        return value
    if (
        len(value) <= DECODE_MAX_VALUE
        and _budget.left >= len(value)
        and _depth(value) <= DECODE_MAX_DEPTH
    ):
        _budget.left -= len(value)
        return _DECODER.latex_to_text(value)
    return _plain(value)


def _text(value):
    return " ".join(_decode(value).split())


def _name(parts):
    """Return "Jan van der Berg" from bibtexparser's NameParts, LaTeX decoded."""
    words = [*parts.first, *parts.von, *parts.last]
    if parts.jr:
        words += parts.jr
    return _text(" ".join(words))


@dataclass
class BibResult:
    document: LogDocument
    # The entries left out: (cite key, why), for the preview and the command.
    skipped: list = field(default_factory=list)


def parse_bibtex(data, *, log=None):
    """Read a .bib file (bytes or str) into a LogDocument of the papers `log` lacks.

    Raise LogFormatError on what cannot be read: too big, not UTF-8, no
    entries, too many, an entry that does not parse. Queries: the log's papers (1).
    """
    if isinstance(data, bytes):
        if len(data) > settings.READINGLOG_MAX_IMPORT_BYTES:
            raise LogFormatError("The file is larger than the import limit.")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LogFormatError("The file is not UTF-8 text.") from None
    if data.count("=") > MAX_ENTRIES * 50:
        raise LogFormatError("The file has too many fields (key = value) to be a bibliography.")
    # A cheap count before parsing: a huge bibliography is refused at once.
    if data.count("@") > MAX_ENTRIES * 3 or len(re.findall(r"@\s*\w+\s*[{(]", data)) > MAX_ENTRIES:
        raise LogFormatError(
            f"The file has more than {MAX_ENTRIES} entries; import it in several parts."
        )
    try:
        library = bibtexparser.parse_string(
            data,
            append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
        )
    except Exception as error:  # bibtexparser raises what its splitter meets
        raise LogFormatError(
            f"This is not a BibTeX file bibtexparser can read ({error})."
        ) from None
    if library.failed_blocks:
        block = library.failed_blocks[0]
        raise LogFormatError(
            "An entry does not parse: fix it or remove it and import again.",
            line=(block.start_line or 0) + 1,
        )
    entries = library.entries
    if not entries:
        raise LogFormatError("The file has no BibTeX entries (@article{…}, @misc{…}).")
    _budget.left = DECODE_BUDGET
    known = _Known(log)
    document = LogDocument(reading="bibtex", readings=["bibtex"])
    result = BibResult(document=document)
    for entry in entries:
        paper, why = _paper(entry, known, document.warnings)
        if paper is None:
            result.skipped.append((entry.key, why))
            continue
        paper.number = known.next_number
        known.next_number += 1
        document.papers.append(paper)
    return result


class _Known:
    """The papers in the log and the file so far, compared as PaperQuerySet.same_as compares."""

    def __init__(self, log):
        self.arxiv, self.doi, self.title = {}, {}, {}
        self.next_number = 1
        if log is None:
            return
        rows = Paper.objects_with_deleted.filter(log=log).values_list(
            "number", "title", "arxiv_id", "doi", "trashed"
        )
        for number, title, arxiv_id, doi, trashed in rows:
            self.next_number = max(self.next_number, number + 1)
            if trashed is None:
                # The key from the title, not title_key: papers bulk-created skip save().
                self.add(f"[{number}] {title}", arxiv_id, doi, normalize_title(title))

    def add(self, label, arxiv_id, doi, key):
        if arxiv_id:
            self.arxiv.setdefault(re.sub(r"v\d+$", "", arxiv_id), label)
        if doi:
            self.doi.setdefault(doi.casefold(), label)
        if key:
            self.title.setdefault(key, label)

    def find(self, arxiv_id, doi, key):
        return (
            (arxiv_id and self.arxiv.get(re.sub(r"v\d+$", "", arxiv_id)))
            or (doi and self.doi.get(doi.casefold()))
            or (key and self.title.get(key))
        )


def _field(entry, name):
    found = entry.fields_dict.get(name) or next(
        (f for f in entry.fields if f.key.lower() == name), None
    )
    return found.value if found is not None else None


def _link_of(arxiv_id, doi):
    """Return the paper's own link from its ids: its arXiv page, else its DOI's."""
    if arxiv_id:
        return f"https://arxiv.org/abs/{arxiv_id}"
    return f"https://doi.org/{doi}" if doi else ""


def _paper(entry, known, warnings):
    """Return (PaperEntry, "") for a new paper or (None, why it is left out)."""
    _check_raw(entry)
    raw_title = _field(entry, "title")
    title = _text(raw_title) if isinstance(raw_title, str) else ""
    if not title:
        return None, "has no title"
    names = _field(entry, "author")
    authors = ", ".join(
        _name(n) for n in (names if isinstance(names, list) else []) if hasattr(n, "first")
    )
    authors = authors.replace(", others", " et al.")
    year = None
    if match := re.search(r"\b(1\d{3}|2\d{3})\b", _text(str(_field(entry, "year") or ""))):
        year = int(match[1])
    url = _text(str(_field(entry, "url") or ""))
    arxiv_id, doi = link_ids(url) if url else ("", "")
    eprint = _text(str(_field(entry, "eprint") or ""))
    if eprint and (found := detect_link(eprint)[1]):
        arxiv_id = found
    raw_doi = _text(str(_field(entry, "doi") or ""))
    if raw_doi and (found := detect_link(raw_doi)[2]):
        doi = found
    elif raw_doi:
        warnings.append(ParseWarning(line=entry.start_line + 1, message=f"{entry.key}: the DOI "
                                     f"“{raw_doi[:60]}” is not a DOI; left out."))  # fmt: skip
    if url.startswith(settings.SITE_URL + "/"):
        # Our own export's `url` is the paper's page in a log here, not the paper:
        # its own link is in `howpublished`, or follows from its ids.
        published = _text(str(_field(entry, "howpublished") or ""))
        url = published if published.startswith(("https://", "http://")) else ""
        url = url or _link_of(arxiv_id, doi)
    key = normalize_title(title)
    if label := known.find(arxiv_id, doi, key):
        return None, f"already in the log as {label}"
    paper = PaperEntry(
        number=0,
        title=title,
        url=url,
        arxiv_id=arxiv_id,
        doi=doi,
        authors=authors,
        year=year,
        tldr=_text_block(_field(entry, "note")),
        abstract=_text_block(_field(entry, "abstract")),
        line=entry.start_line + 1,
        found_as="BibTeX entry",
        numbered=False,
    )
    for name, limit in LIMITS.items():
        if len(getattr(paper, name)) > limit:
            raise LogFormatError(
                f"{entry.key}: the {name} is longer than {limit} characters.", line=paper.line
            )
    for name in ("tldr", "abstract"):
        if len(getattr(paper, name)) > MAX_TEXT:
            what = "note" if name == "tldr" else name
            raise LogFormatError(
                f"{entry.key}: the {what} is longer than {MAX_TEXT} characters.", line=paper.line
            )
    known.add(f"“{title}” (earlier in the file)", arxiv_id, doi, key)
    return paper, ""


def _check_raw(entry):
    """Refuse a value too long to be what it says before spending time decoding it."""
    raw = {name: _field(entry, name) for name in ("title", "url", "doi", "eprint", "author")}
    line = entry.start_line + 1
    for name in ("title", "url", "doi", "eprint"):
        limit = LIMITS.get(name, 40)
        if isinstance(raw[name], str) and len(raw[name]) > 4 * limit:
            raise LogFormatError(
                f"{entry.key}: the {name} is longer than {limit} characters.", line=line
            )
    if isinstance(raw["author"], list) and len(raw["author"]) > 300:
        raise LogFormatError(f"{entry.key}: more than 300 authors.", line=line)
    for name in ("abstract", "note"):
        value = _field(entry, name)
        if isinstance(value, str) and len(value) > 2 * MAX_TEXT:
            raise LogFormatError(
                f"{entry.key}: the {name} is longer than {MAX_TEXT} characters.", line=line
            )


def _text_block(value):
    """Decode a note or abstract, its lines kept (a TL;DR is markdown: lists, paragraphs)."""
    if not isinstance(value, str):
        return ""
    lines = [line.rstrip() for line in _decode(value).strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
