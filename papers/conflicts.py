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

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe

from papers.actions import EditConflict

_WORDS = re.compile(r"\s+|[^\s]+")
_LINES = re.compile(r"[^\n]*\n|[^\n]+")
# The most token pairs a diff may compare: a word diff of two 50,000-character
# texts could take seconds, so large texts are compared line by line instead.
MAX_DIFF_WORK = 2_000_000


def word_diff(old, new):
    """Return HTML marking the words removed from old (<del>) and added in new (<ins>).

    Both texts are escaped before any markup is added. Spaces between two
    changes join them, so two different sentences read as one removal and
    one addition rather than a word-by-word zigzag.
    """
    old, new = old or "", new or ""
    for pattern in (_WORDS, _LINES):
        a, b = pattern.findall(old), pattern.findall(new)
        if len(a) * len(b) <= MAX_DIFF_WORK:
            break
    else:
        a, b = [old], [new]
    parts = []
    for old_text, new_text, changed in _segments(a, b):
        if not changed:
            parts.append(escape(old_text))
            continue
        if old_text:
            parts.append(f"<del>{escape(old_text)}</del>")
        if new_text:
            parts.append(f"<ins>{escape(new_text)}</ins>")
    return mark_safe("".join(parts))


def _segments(a, b):
    """Return (old text, new text, changed) runs, with blank runs between changes folded in."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    runs = [
        ("".join(a[i1:i2]), "".join(b[j1:j2]), op != "equal")
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    merged = []
    for index, (old_text, new_text, changed) in enumerate(runs):
        between_changes = 0 < index < len(runs) - 1 and runs[index - 1][2] and runs[index + 1][2]
        if not changed and between_changes and not old_text.strip():
            changed = True
        if changed and merged and merged[-1][2]:
            merged[-1] = (merged[-1][0] + old_text, merged[-1][1] + new_text, True)
        else:
            merged.append((old_text, new_text, changed))
    return merged


def _text(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


@dataclass
class ConflictField:
    """One field of the conflict view: what is saved, what I posted, and my input again."""

    name: str
    label: str
    theirs: str  # the value as saved, in the form's terms (what a hidden input would send)
    mine: str  # the value as posted
    theirs_shown: str  # what a person reads: a choice's label rather than its value
    mine_shown: str
    input: str  # the form's own widget holding my value (a textarea, a select…)
    input_id: str
    help: str

    @property
    def differs(self):
        return self.theirs != self.mine

    @property
    def diff(self):
        return word_diff(self.theirs_shown, self.mine_shown)


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

    @property
    def key(self):
        """Return what makes the view's ids unique on a page: "note-12"."""
        return f"{self.current.revision_kind}-{self.current.pk}"


def _shown(form_field, value):
    """Return a value as the form shows it: a choice's label, else the text itself."""
    if isinstance(form_field, forms.ChoiceField):
        return str(dict(form_field.choices).get(value, value))
    return value


def make_conflict(current, form, *, action_url, cancel_url, target, extra=None):
    """Build the conflict view of `current` (the item as saved now) against a bound form."""
    saved = current.revision_data()
    fields = []
    for name in current.REVISED_FIELDS:
        if name not in form.fields and not (name == "tags" and "tag_names" in form.fields):
            continue
        form_name = "tag_names" if name == "tags" else name
        form_field = form.fields[form_name]
        theirs, mine = _text(saved.get(name)), form.data.get(form_name, "")
        input_id = f"conflict-{current.revision_kind}-{current.pk}-{form_name}"
        help_text = str(form_field.help_text)
        # No autofocus (the view's heading takes the focus), and room to merge in.
        attrs = {
            "id": input_id,
            "autofocus": False,
            "aria-describedby": f"{input_id}-help" if help_text else False,
        }
        if isinstance(form_field.widget, forms.Textarea):
            attrs["rows"] = 5
        fields.append(
            ConflictField(
                name=form_name,
                label=str(form_field.label or name),
                theirs=theirs,
                mine=mine,
                theirs_shown=_shown(form_field, theirs),
                mine_shown=_shown(form_field, mine),
                input=form[form_name].as_widget(attrs=attrs),
                input_id=input_id,
                help=help_text,
            )
        )
    return Conflict(current, action_url, cancel_url, target, fields, extra or {})


def save_or_conflict(save, form, *, action_url, target, cancel_url=None, extra=None):
    """Run an edit; return (what it returned, None), or (the item as saved, Conflict) when stale.

    `save` is a call of an `actions.*_edit` with the form's version. The
    conflict view's Cancel goes to `cancel_url`, by default the edit URL's
    read-only view (`?show=1`).
    """
    try:
        return save(), None
    except EditConflict as error:
        conflict = make_conflict(
            error.current,
            form,
            action_url=action_url,
            cancel_url=cancel_url or action_url + "?show=1",
            target=target,
            extra=extra,
        )
        return error.current, conflict
