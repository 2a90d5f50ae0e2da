"""Recognise the headings that only group papers: a day, a month, a year, a week, a contents list.

A reading list kept by date puts its papers under `## 2024-03-05`, `## March
2024` or `# 2023`; a long log starts with `## Table of Contents`. Such a
heading is no paper. `grouping_heading` says what it is, so the readings
keep its text: a day as the papers' `read_on`, a month, a year or a week as
a tag.
"""

import datetime
import re
import unicodedata

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?[ \t]+)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
# What a heading may carry around its date: emphasis, brackets, a trailing colon.
_STRIP = " \t*_`[]():."

_DAY_PATTERNS = [
    re.compile(rf"{_YEAR}[-/.](?P<month>[01]?\d)[-/.]{_DAY}$"),
    re.compile(rf"{_WEEKDAY}{_MONTH}[ \t]+{_DAY},?[ \t]+{_YEAR}$", re.IGNORECASE),
    re.compile(rf"{_WEEKDAY}{_DAY}[ \t]+{_MONTH},?[ \t]+{_YEAR}$", re.IGNORECASE),
]
_PERIOD_PATTERNS = [
    re.compile(rf"{_YEAR}$"),
    re.compile(rf"{_YEAR}[-/](?P<month>[01]\d)$"),
    re.compile(rf"{_MONTH},?[ \t]+{_YEAR}$", re.IGNORECASE),
    re.compile(rf"{_YEAR}[ \t]+{_MONTH}$", re.IGNORECASE),
    re.compile(r"(?:\d{4}[ \t]+)?(?:week|wk|w)[ \t]*\d{1,2}(?:,?[ \t]+\d{4})?$", re.I),
    re.compile(r"(?:week[ \t]+of|w/c)[ \t]+.{1,30}$", re.IGNORECASE),
    re.compile(r"(?:spring|summer|autumn|fall|winter)[ \t]+(?:19|20)\d\d$", re.IGNORECASE),
    re.compile(r"(?:q[1-4])[ \t]+(?:19|20)\d\d$|(?:19|20)\d\d[ \t]+q[1-4]$", re.IGNORECASE),
]
# A contents list, or a heading that only names the list itself ("Papers",
# "Reading list"): no topic of the papers below it. ("Notes" is also a
# paper's own section, so it stays a heading like any other.)
_CONTENTS_RE = re.compile(
    r"(?:table[ \t]+of[ \t]+contents?|contents|toc|index|outline|overview"
    r"|papers?(?:[ \t]+list)?|list[ \t]+of[ \t]+papers|reading[ \t]+list)$",
    re.IGNORECASE,
)


def _month(value):
    return _MONTHS[value.lower()] if not value.isdigit() else int(value)


def _without_marks(text):
    """Drop the emoji and symbols people put before a heading's words: "📚 Papers"."""
    start = 0
    while start < len(text) and (
        text[start].isspace() or unicodedata.category(text[start])[0] in "SMC"
    ):
        start += 1
    return text[start:]


def heading_day(text):
    """Return the day a heading names ("2024-03-05", "Tue, March 5, 2024"), or None."""
    text = text.strip(_STRIP)
    for pattern in _DAY_PATTERNS:
        if match := pattern.match(text):
            try:
                return datetime.date(int(match["year"]), _month(match["month"]), int(match["day"]))
            except ValueError:
                return None
    return None


def grouping_heading(text):
    """Say what a heading that only groups papers is, or None for any other heading.

    ("day", date), ("period", text) or ("contents", text). A period is a
    year, a month, a week, a season or a quarter, kept as written (emphasis
    and a trailing colon aside).
    """
    day = heading_day(text)
    if day is not None:
        return "day", day
    stripped = text.strip(_STRIP)
    if any(pattern.match(stripped) for pattern in _PERIOD_PATTERNS):
        return "period", stripped
    if _CONTENTS_RE.match(_without_marks(stripped)):
        return "contents", stripped
    return None


_FILE_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)(?!\d)")


def file_name_day(name):
    """Return the date in a file name (`2024-03-05-attention.md`, `20240305_notes.md`), or None."""
    for match in _FILE_DATE_RE.finditer(name):
        try:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None
