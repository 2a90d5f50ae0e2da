"""[[N]] cross-links between the texts of a log and its papers, and their backlinks (issue #11).

Rendering links `[[3]]` to paper 3 of the text's log (papers/markdown.py,
`link_papers`), and only rendering makes a link with class="crosslink", so
an item's rendered HTML says exactly which papers it links to now. After an
item is written or edited, papers/actions.py calls `record`, which makes the
CrossLink rows match it (new links added, removed ones deleted); imports
call `record_imported`. The paper page lists the rows that point at it as
"Cited in" (`cited_in`).

A text says `[[3]]`, and the number of a paper can change. When papers are
renumbered (or merged away into another), `renumbered` rewrites `[[old]]`
to `[[new]]` in the texts the rows say link to them, and renders them again:
the text stays the truth, exported as it reads, and an edit made later
keeps pointing at the same paper. Rewriting is a correction, not an edit:
no new version, no "edited" mark, nobody told. Resolving the numbers at
render time instead would leave the text saying `[[3]]` about paper 7.

A link's title (shown on hover) is the paper's title when the text was
rendered, and a link to a paper in the trash shows as missing; so
`rerender_links_to` renders again the texts that link to a paper whose
title changed or that goes to or comes back from the trash, at most
RERENDER_LIMIT of them (rows of trashed texts too, kept for their restore).
"""

import re

from django.urls import reverse
from django.utils.text import Truncator

from papers.models import (
    REVISED_MODELS,
    CrossLink,
    Paper,
    all_member_links,
    all_paper_links,
)

# As link_papers writes a link: the number follows the title's "[".
_CROSSLINK = re.compile(r'<a href="[^"]*" class="crosslink" title="\[([0-9]+)\] ')
# A [[N]] or [[N|label]] in a source text (link_papers' pattern, on markdown).
_SOURCE_LINK = re.compile(r"\[\[([1-9][0-9]{0,8})((?:\|[^\[\]<>|]{1,200})?)\]\]")
RERENDER_LIMIT = 1_000  # texts re-rendered when a paper's title changes
CITED_IN_LIMIT = 50  # backlinks listed on a paper page
EXCERPT = 160  # characters of a linking text shown with its backlink


def linked_numbers(item):
    """Return the numbers of the papers item's rendered texts link to."""
    return {
        int(number)
        for target in item.RENDERED.values()
        for number in _CROSSLINK.findall(getattr(item, target) or "")
    }


def _log_id(item):
    return item.mention_log_id


def _source_paper_id(item):
    """The paper the item is on: itself, its paper, or the paper of what a comment is on."""
    if isinstance(item, Paper):
        return item.pk
    if item.revision_kind == "comment":
        target = item.target
        return target.pk if isinstance(target, Paper) else target.paper_id
    return item.paper_id


def record(item):
    """Make item's CrossLink rows match the links its rendered texts have now.

    One query to delete the rows of links that are gone (none when it never
    had any); when it links to papers, one to find them and one insert.
    """
    kind = item.revision_kind
    numbers = linked_numbers(item)
    rows = CrossLink.objects.filter(kind=kind, object_id=item.pk)
    if not numbers:
        rows.delete()
        return
    targets = list(
        Paper.objects.filter(log_id=_log_id(item), number__in=numbers).values_list("pk", flat=True)
    )
    rows.exclude(target_id__in=targets).delete()
    source = _source_paper_id(item)
    CrossLink.objects.bulk_create(
        [
            CrossLink(
                log_id=_log_id(item),
                kind=kind,
                object_id=item.pk,
                source_paper_id=source,
                target_id=target,
            )
            for target in targets
        ],  # fmt: skip
        ignore_conflicts=True,
    )


def record_imported(log_id, items):
    """Record the links of imported items: one query for the log's papers, one insert a batch."""
    found = [(item, number) for item in items for number in linked_numbers(item)]
    if not found:
        return
    pks = dict(Paper.objects.filter(log_id=log_id).values_list("number", "pk"))
    rows = [
        CrossLink(
            log_id=log_id,
            kind=item.revision_kind,
            object_id=item.pk,
            source_paper_id=_source_paper_id(item),
            target_id=pks[number],
        )
        for item, number in found
        if number in pks
    ]
    CrossLink.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def link_imported(log_id, items):
    """Link the `[[N]]` of imported items and record the links, telling nobody.

    An import renders a text before all its papers exist, so the texts with
    a "[[" are rendered again once they do: one query for the log's papers,
    one for its members, one update a batch, then `record_imported`.
    """
    items = [item for item in items if any("[[" in getattr(item, s) for s in item.RENDERED)]
    if not items:
        return
    papers, members = all_paper_links(log_id), all_member_links(log_id)
    by_model = {}
    for item in items:
        item.render(mentions=members, papers=papers)
        by_model.setdefault(type(item), []).append(item)
    for model, group in by_model.items():
        model._base_manager.bulk_update(group, list(model.RENDERED.values()), batch_size=500)
    record_imported(log_id, items)


def _linking_items(target_ids, limit=None):
    """Yield (model, items) for the texts (trash included) with rows pointing at target_ids."""
    rows = CrossLink.objects.filter(target_id__in=target_ids).order_by("kind", "object_id")
    pairs = list(rows.values_list("kind", "object_id").distinct()[:limit])
    by_kind = {}
    for kind, object_id in pairs:
        by_kind.setdefault(kind, []).append(object_id)
    for kind, ids in by_kind.items():
        model = REVISED_MODELS[kind]
        yield model, list(model._base_manager.filter(pk__in=ids))


def renumbered(log_id, moves):
    """Rewrite `[[old]]` as `[[new]]` in the texts that link to moved papers; render them again.

    `moves` maps paper id → (old number, new number), all at once (a
    sequential renumbering swaps numbers). Merged-away papers map to the
    kept paper's number, and their rows move to it. Only the texts and
    their `_html` columns are written.
    """
    numbers = {old: new for old, new in moves.values() if old != new}
    if not numbers:
        return
    changed = []
    for model, items in _linking_items(list(moves)):
        fields = [*model.RENDERED, *model.RENDERED.values()]
        for item in items:
            for source in model.RENDERED:
                text = getattr(item, source)
                setattr(item, source, _SOURCE_LINK.sub(_renumber(numbers), text))
            changed.append(item)
        if items:
            links = all_paper_links(log_id)
            for item in items:
                item.render(papers=links)
            model._base_manager.bulk_update(items, fields)
    for item in changed:
        record(item)


def _renumber(numbers):
    def replace(match):
        new = numbers.get(int(match[1]))
        return match[0] if new is None else f"[[{new}{match[2]}]]"

    return replace


def rerender_links_to(paper):
    """Render again the texts that link to paper: its title changed, or it left or came back
    from the trash (a link to a paper in the trash shows as missing)."""
    links = None
    for model, items in _linking_items([paper.pk], RERENDER_LIMIT):
        links = links or all_paper_links(paper.log_id)
        for item in items:
            item.render(papers=links)
        model._base_manager.bulk_update(items, list(model.RENDERED.values()))


def cited_in(paper, log):
    """Return the backlinks to paper for its page, newest first, as dicts for the template.

    Each has the kind of text, its source paper (None for a change-log
    entry), an excerpt and the URL of the exact item. The texts on paper
    itself and those in the trash (or on a paper in the trash) are left
    out. One query for the rows and their source papers, then one per kind
    of text: a constant number, whatever the paper.
    """
    rows = list(
        CrossLink.objects.filter(target=paper)
        .exclude(source_paper=paper)
        .filter(source_paper__trashed__isnull=True)
        .select_related("source_paper")
        .order_by("-created_at", "-pk")[:CITED_IN_LIMIT]
    )
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row.object_id)
    items = {}
    for kind, ids in by_kind.items():
        model = REVISED_MODELS[kind]
        manager = model._base_manager if kind == "entry" else model.objects
        for item in manager.filter(pk__in=ids):
            items[kind, item.pk] = item
    slug = log.slug
    found = []
    for row in rows:
        item = items.get((row.kind, row.object_id))
        if item is None:
            continue
        if row.source_paper is None:
            url = reverse("log_changelog", args=[slug]) + f"#entry-{item.pk}"
        else:
            url = reverse("paper_detail", args=[slug, row.source_paper.number])
            url += "" if row.kind == "paper" else f"#{row.kind}-{item.pk}"
        text = getattr(item, next(iter(item.RENDERED)))
        found.append(
            {"kind": row.get_kind_display(), "paper": row.source_paper, "url": url,
             "excerpt": Truncator(" ".join(text.split())).chars(EXCERPT)}
        )  # fmt: skip
    return found
