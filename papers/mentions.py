"""@mentions: who a text names, recorded once per item and person, told once (issue #10).

Rendering links the @names of the log's members (papers/markdown.py,
`link_mentions`), and only rendering makes a link with class="mention" (the
sanitizer gives an author's own links no class), so an item's rendered
HTML says exactly which members it mentions now. After an item is written or
edited, papers/actions.py calls `record`: each member mentioned for the first
time gets a Mention row and a notification; one already mentioned by an
earlier version of the text gets nothing, so fixing a typo does not notify
again. Imports record rows without notifying (papers/transfer.py).
"""

import re

from papers.models import Membership, Mention, Notification, User

# As link_mentions writes a mention: the name is made of characters nh3 never escapes.
_MENTION_LINK = re.compile(r'<a href="[^"]*" class="mention">@([^<]+)</a>')


def mentioned(item):
    """Return {username: the text that mentions them} for the members item mentions now."""
    found = {}
    for source, target in item.RENDERED.items():
        text, markup = getattr(item, source), getattr(item, target)
        for name in _MENTION_LINK.findall(markup):
            found.setdefault(name, text)
    return found


def record(item, *, by, notify=True):
    """Record whom item mentions now; notify each member it mentions for the first time.

    Return the users notified (none when `notify` is false, for imports).
    No query when the text mentions nobody. Concurrent edits of one item
    are serialised by text_edit's row lock, so the second sees the first's rows.
    """
    found = mentioned(item)
    if not found:
        return []
    kind = Mention.Kind(item.revision_kind)
    log_id = item.mention_log_id
    users = User.objects.filter(username__in=found, memberships__log_id=log_id)
    known = Mention.objects.filter(kind=kind, object_id=item.pk).values_list("user_id", flat=True)
    new = list(users.exclude(pk__in=known))
    Mention.objects.bulk_create(
        [Mention(log_id=log_id, user=user, kind=kind, object_id=item.pk) for user in new],
        ignore_conflicts=True,
    )
    if not notify:
        return []
    notified = []
    for user in new:
        text = found[user.username]
        if Notification.send(user, actor=by, kind=Notification.Kind.MENTION, item=item, text=text):
            notified.append(user)
    return notified


def record_imported(log_id, items):
    """Record whom imported items mention, telling nobody: the texts were written elsewhere.

    Rows are kept so that a later edit of a text does not notify for the
    mentions it came with. One query for the log's members when any item
    mentions someone, and one insert per batch.
    """
    found = [(item, name) for item in items for name in mentioned(item)]
    if not found:
        return
    members = Membership.objects.filter(log_id=log_id).values_list("user__username", "user_id")
    user_ids = dict(members)
    rows = [
        Mention(log_id=log_id, user_id=user_ids[name], kind=item.revision_kind, object_id=item.pk)
        for item, name in found
        if name in user_ids
    ]
    Mention.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
