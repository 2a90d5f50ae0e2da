"""A paper's title, authors, year and abstract from its arXiv id or DOI (issue #11).

arXiv's query API (Atom) and Crossref's works API (JSON) are asked over httpx
with short timeouts and a deadline for the whole request, so a slow site never
holds a request of the app for long. Every answer is kept in MetadataLookup:
what was found for good, a failure for RETRY_AFTER only, so a site that was
down is asked again later. Nothing here raises on a failed lookup: callers get
a lookup whose `error` says why nothing was filled.
"""

import concurrent.futures
import html
import json
import re
import time
import xml.etree.ElementTree as ET
from datetime import timedelta

import httpx
from django.conf import settings
from django.utils import timezone

from papers import actions
from papers.models import MetadataLookup

CONNECT_TIMEOUT = 3.0
DEADLINE = 8.0  # seconds for the whole request: connect, send and every read
MAX_BYTES = 1_000_000  # a bigger answer is not what was asked for
RETRY_AFTER = timedelta(hours=1)
# Lookups that reach arXiv or Crossref, site-wide, per minute: arXiv asks for one
# request every 3 s, and no account holder should make the site flood either.
# Past it a lookup answers "try again" (nothing stored), and the paper is added.
LOOKUPS_PER_MINUTE = 20
FILLED = ("title", "authors", "year", "abstract")
LIMITS = {"title": 500, "authors": 1000, "abstract": 20_000}
USER_AGENT = "Readinglog (paper metadata lookups)"

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"

# Lookups run in these threads so the caller can stop waiting at the deadline
# even when a server trickles its answer one byte per read timeout.
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="metadata")


class LookupFailed(Exception):
    """Why nothing was found, in words for the page."""


def lookup_key(*, arxiv_id="", doi=""):
    """Return the cache key of an id: "arxiv:<id without version>" or "doi:<lower-case DOI>"."""
    if arxiv_id:
        return "arxiv:" + re.sub(r"v\d+$", "", arxiv_id)
    if doi:
        return "doi:" + doi.lower()
    return ""


def lookup(*, arxiv_id="", doi=""):
    """Return the MetadataLookup of the id, asking arXiv or Crossref unless known.

    None when there is no id. A failure is asked again once RETRY_AFTER has passed.
    Past LOOKUPS_PER_MINUTE, an unsaved MetadataLookup that says to try later.
    """
    key = lookup_key(arxiv_id=arxiv_id, doi=doi)
    if not key:
        return None
    cached = MetadataLookup.objects.filter(key=key).first()
    if cached and (cached.found or cached.fetched_at > timezone.now() - RETRY_AFTER):
        return cached
    source, ident = key.split(":", 1)
    fetch = _fetch_arxiv if source == "arxiv" else _fetch_crossref
    recent = MetadataLookup.objects.filter(fetched_at__gt=timezone.now() - timedelta(minutes=1))
    if recent.count() >= LOOKUPS_PER_MINUTE:
        return MetadataLookup(
            key=key, error="Too many lookups on this site just now: fetch the details in a minute."
        )
    try:
        data, found, error = _within_deadline(fetch, ident), True, ""
    except LookupFailed as failure:
        data, found, error = {}, False, str(failure)[:300]
    result, _ = MetadataLookup.objects.update_or_create(
        key=key,
        defaults={"found": found, "data": data, "error": error, "fetched_at": timezone.now()},
    )
    return result


def fill(values, found):
    """Return the fields of `values` that are empty, filled from the lookup's data.

    What a person typed is never replaced: only empty title, authors, year and
    abstract are returned.
    """
    if found is None or not found.found:
        return {}
    return {
        name: found.data[name]
        for name in FILLED
        if not values.get(name) and found.data.get(name) not in (None, "")
    }


def fill_paper(paper, *, by):
    """Look the paper up by its arXiv id or DOI and fill its empty fields (a revised edit).

    Returns (lookup, names of the fields filled); lookup is None without an id.
    """
    found = lookup(arxiv_id=paper.arxiv_id, doi=paper.doi)
    current = {name: getattr(paper, name) for name in FILLED}
    if paper.title in (paper.arxiv_id, paper.doi, paper.url):  # a provisional title
        current["title"] = ""
    values = fill(current, found)
    if values:
        actions.paper_edit(paper, by=by, version=paper.version, **values)
    return found, list(values)


def _within_deadline(fetch, ident):
    future = _POOL.submit(fetch, ident, time.monotonic() + DEADLINE)
    try:
        return future.result(timeout=DEADLINE + 0.5)
    except concurrent.futures.TimeoutError:
        raise LookupFailed("The lookup took too long; try again later.") from None


def _get(url, deadline, **params):
    """GET url, refusing answers over MAX_BYTES and stopping at the deadline."""
    timeout = httpx.Timeout(DEADLINE, connect=CONNECT_TIMEOUT)
    body = bytearray()
    try:
        with (
            httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}) as client,
            client.stream("GET", url, params=params) as response,
        ):
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise LookupFailed(f"The site answered {response.status_code}; try again later.")
            if int(response.headers.get("content-length") or 0) > MAX_BYTES:
                raise LookupFailed("The site's answer was too large to read.")
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise LookupFailed("The site's answer was too large to read.")
                if time.monotonic() > deadline:
                    raise LookupFailed("The lookup took too long; try again later.")
    except httpx.TimeoutException:
        raise LookupFailed("The lookup took too long; try again later.") from None
    except httpx.HTTPError:
        raise LookupFailed("The site could not be reached (offline?); try again later.") from None
    return bytes(body)


def _plain(text, limit):
    """Return text as plain words: tags dropped, entities read, spaces collapsed, bounded."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", text or ""))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _authors(names):
    """Join names with commas, ending in "et al." where the field would overflow."""
    names = [name for name in (_plain(n, 200) for n in names) if name]
    text = ", ".join(names)
    while len(text) > LIMITS["authors"] and len(names) > 1:
        names.pop()
        text = ", ".join(names) + " et al."
    return text[: LIMITS["authors"]]


def _year(text):
    match = re.match(r"(\d{4})", str(text or ""))
    year = int(match[1]) if match else None
    return year if year and 1000 <= year <= 2999 else None


def _data(title, authors, year, abstract, **ids):
    return {
        "title": _plain(title, LIMITS["title"]),
        "authors": _authors(authors),
        "year": _year(year),
        "abstract": _plain(abstract, LIMITS["abstract"]),
        **ids,
    }


def _fetch_arxiv(arxiv_id, deadline):
    body = _get(settings.READINGLOG_ARXIV_API_URL, deadline, id_list=arxiv_id, max_results="1")
    if body is None:
        raise LookupFailed(f"arXiv has no paper {arxiv_id}.")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise LookupFailed("arXiv's answer could not be read.")
    try:
        feed = ET.fromstring(body)
    except ET.ParseError:
        raise LookupFailed("arXiv's answer could not be read.") from None
    entry = feed.find(f"{ATOM}entry")
    # arXiv answers an unknown or malformed id with an entry whose id is an error page.
    if entry is None or "/api/errors" in (entry.findtext(f"{ATOM}id") or ""):
        raise LookupFailed(f"arXiv has no paper {arxiv_id}.")
    data = _data(
        entry.findtext(f"{ATOM}title"),
        [author.findtext(f"{ATOM}name") for author in entry.findall(f"{ATOM}author")],
        entry.findtext(f"{ATOM}published"),
        entry.findtext(f"{ATOM}summary"),
        arxiv_id=arxiv_id,
        doi=_plain(entry.findtext(f"{ARXIV}doi"), 200),
    )
    if not data["title"]:
        raise LookupFailed(f"arXiv has no paper {arxiv_id}.")
    return data


def _fetch_crossref(doi, deadline):
    body = _get(f"{settings.READINGLOG_CROSSREF_API_URL.rstrip('/')}/{doi}", deadline)
    if body is None:
        raise LookupFailed(f"Crossref has no DOI {doi}.")
    try:
        work = json.loads(body)["message"]
        titles = work.get("title") or [""]
        people = [
            " ".join(filter(None, [p.get("given"), p.get("family")])) or p.get("name", "")
            for p in work.get("author") or []
        ]
        dated = work.get("issued") or work.get("published") or {}
        year = ((dated.get("date-parts") or [[None]])[0] or [None])[0]
        data = _data(titles[0], people, year, work.get("abstract") or "", doi=doi)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise LookupFailed("Crossref's answer could not be read.") from None
    if not data["title"]:
        raise LookupFailed(f"Crossref has no title for DOI {doi}.")
    return data
