"""Recognise what a pasted link or a note's first words point at.

Small pure functions, no database: `detect_link` tells an arXiv id or DOI from
a URL, `detect_anchor` finds a leading "Figure 3:" in a note. The log-format
parser can reuse them (or replace them) later.
"""

import re
from dataclasses import dataclass

from papers.models import Anchor

ARXIV_RE = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
DOI_RE = re.compile(r"(?:doi\.org/|doi:\s*)(?P<doi>10\.\d{4,9}/\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    arxiv_id: str = ""
    doi: str = ""


def detect_link(url):
    """Return the arXiv id or DOI a URL points at (both empty when neither)."""
    url = (url or "").strip()
    if match := ARXIV_RE.search(url):
        return Link(arxiv_id=match["id"].removesuffix(".pdf"))
    if match := DOI_RE.search(url):
        return Link(doi=match["doi"].rstrip(".,;)"))
    return Link()


_ANCHOR_WORDS = {
    "figure": Anchor.FIGURE,
    "fig": Anchor.FIGURE,
    "fig.": Anchor.FIGURE,
    "table": Anchor.TABLE,
    "tab.": Anchor.TABLE,
    "equation": Anchor.EQUATION,
    "eq": Anchor.EQUATION,
    "eq.": Anchor.EQUATION,
    "section": Anchor.SECTION,
    "sec.": Anchor.SECTION,
    "page": Anchor.PAGE,
    "p.": Anchor.PAGE,
    "abstract": Anchor.ABSTRACT,
    "intro": Anchor.INTRO,
    "introduction": Anchor.INTRO,
    "conclusion": Anchor.CONCLUSION,
    "conclusions": Anchor.CONCLUSION,
    "methods": Anchor.METHODS,
    "method": Anchor.METHODS,
}
ANCHOR_RE = re.compile(
    r"^\s*(?P<word>[A-Za-z]+\.?)(?:\s+(?P<ref>[0-9][0-9.]*[a-z]?|[IVX]+))?\s*:\s*(?P<rest>.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class DetectedAnchor:
    kind: str
    label: str
    rest: str


def detect_anchor(body):
    """Find a leading "Figure 3:" / "Abstract:" in a note; None when there is none.

    Numbered kinds (figure, table, equation, section, page) need a number;
    the others stand alone. `rest` is the body without the anchor.
    """
    match = ANCHOR_RE.match(body or "")
    if not match:
        return None
    kind = _ANCHOR_WORDS.get(match["word"].lower())
    if kind is None:
        return None
    numbered = kind in {Anchor.FIGURE, Anchor.TABLE, Anchor.EQUATION, Anchor.SECTION, Anchor.PAGE}
    if numbered != bool(match["ref"]):
        return None
    label = f"{kind.label} {match['ref']}" if numbered else kind.label
    return DetectedAnchor(kind=kind.value, label=label, rest=match["rest"].strip())
