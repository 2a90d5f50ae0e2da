"""Two people saved the same text: the word diff and the conflict view's data.

`actions.text_edit` raises EditConflict when a form's version is stale; the
view answers 409 with `templates/papers/_conflict.html`, built from a
Conflict: the text now saved and who saved it, the editor's own text kept in
the form, a diff between them, and the three ways out (keep theirs, keep
mine, save a merged text).
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old, new):
    """Return HTML marking the words removed from old (<del>) and added in new (<ins>).

    Both texts are escaped before any markup is added.
    """
    old_words, new_words = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_words[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old_words[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new_words[j1:j2]))}</ins>")
    return mark_safe("".join(parts))


def _text(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


@dataclass
class ConflictField:
    name: str
    label: str
    theirs: str
    mine: str
    multiline: bool

    @property
    def differs(self):
        return self.theirs != self.mine

    @property
    def diff(self):
        return word_diff(self.theirs, self.mine)


@dataclass
class Conflict:
    """What the conflict view shows for one item; `mine` are the values as posted."""

    current: object
    action_url: str
    cancel_url: str
    target: str  # the CSS selector the forms swap (the item's container)
    fields: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # other posted fields to send again

    @property
    def version(self):
        return self.current.version


MULTILINE = {"body", "text", "tldr", "curiosity_note"}


def make_conflict(current, form, *, action_url, cancel_url, target, extra=None):
    """Build the conflict view of `current` (the item as saved now) against a bound form."""
    saved = current.revision_data()
    fields = []
    for name in current.REVISED_FIELDS:
        if name not in form.fields and not (name == "tags" and "tag_names" in form.fields):
            continue
        form_name = "tag_names" if name == "tags" else name
        mine = form.data.get(form_name, "")
        fields.append(
            ConflictField(
                name=form_name,
                label=str(form.fields[form_name].label or name),
                theirs=_text(saved.get(name)),
                mine=mine,
                multiline=name in MULTILINE,
            )
        )
    return Conflict(current, action_url, cancel_url, target, fields, extra or {})
