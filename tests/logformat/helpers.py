"""Count the words of texts and records, for the "nothing dropped" checks."""

import json
import re
from collections import Counter

_WORD_RE = re.compile(r"[^\W\d_]+|\d+")


def words(text):
    """Return the multiset of words (letters or digits, lower case) in text."""
    return Counter(word.lower() for word in _WORD_RE.findall(text))


def record_text(doc):
    """Join every field of a LogDocument that holds text the user wrote.

    Question sections are headings of the format, not the user's words.
    """
    parts = [doc.title, doc.description]
    for paper in doc.papers:
        parts += [str(paper.number), paper.title, paper.url, paper.curiosity, paper.authors]
        parts += [*paper.tags, json.dumps(paper.meta, ensure_ascii=False)]
        parts += [paper.read_on.isoformat() if paper.read_on else ""]
        parts += [paper.curiosity_note, paper.tldr]
        for note in paper.notes:
            parts += [note.anchor_label, note.body]
        for question in paper.questions:
            parts += [question.body, question.resolution, *question.replies]
    for item in doc.changelog:
        parts += [item.date.isoformat(), item.text]
    return "\n".join(parts)


def missing_words(source, target, *, ignore=()):
    """Return the words of source that target lacks (a Counter, empty when none)."""
    have = words(target)
    need = words(source)
    for word in ignore:
        need.pop(word, None)
    return Counter({word: n - have[word] for word, n in need.items() if have[word] < n})
