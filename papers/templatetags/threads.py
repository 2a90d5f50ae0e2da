"""Template helpers for comment threads: thread a flat list, name a thread's target."""

from django import template

register = template.Library()


@register.filter
def dom_key(target):
    """Return "note-12" for a note with pk 12: the suffix of a thread's DOM ids."""
    return f"{target._meta.model_name}-{target.pk}"


@register.filter
def kind(target):
    return target._meta.model_name


@register.simple_tag
def threaded(comments):
    """Return the top-level comments, each with `thread_replies` under it.

    Replies of replies stay under their top-level comment (one level of
    indentation) and carry `reply_to`, the username they answered. A reply
    whose parent is not in the list (hidden) shows as top-level. Costs no query
    when authors were select_related.
    """
    comments = list(comments or [])
    by_pk = {c.pk: c for c in comments}
    roots = []
    for comment in comments:
        comment.thread_replies = []
    for comment in comments:
        parent = by_pk.get(comment.parent_id)
        if parent is None:
            roots.append(comment)
            continue
        root = parent
        while root.parent_id in by_pk:
            root = by_pk[root.parent_id]
        comment.reply_to = parent.author.username if parent is not root and parent.author else ""
        root.thread_replies.append(comment)
    return roots


@register.simple_tag(takes_context=True)
def thread_is_open(context, target, comments):
    """Say whether a folded thread renders open: a form or a new comment in it needs eyes.

    True when the page re-renders a comment form of this thread with errors, or a
    reply/edit form, or a new comment, inside it. No query.
    """
    if context.get("comment_form_key") == dom_key(target):
        return True
    names = ("replying_to", "editing_comment", "new_comment")
    wanted = {context.get(name) for name in names} - {None, ""}
    return any(comment.pk in wanted for comment in comments or [])
