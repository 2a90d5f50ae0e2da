"""Template helpers for the questions panel and the questions page."""

from django import template

from papers.models import Question, Role, role_allows

register = template.Library()


@register.filter
def open_count(questions):
    """Count the open questions of an already loaded list (no query)."""
    return sum(1 for question in questions if question.is_open)


@register.filter
def allows(role, needed):
    """Say whether a role (or None for a non-member) may do what `needed` may do."""
    return role_allows(role, needed)


@register.simple_tag(takes_context=True)
def question_permissions(context, question):
    """Return what the current user may do to a question: {"edit": …, "resolve": …}."""
    user, role = context["request"].user, context.get("role")
    role = Role(role) if role else None
    return {"edit": question.can_edit(user, role), "resolve": question.can_resolve(user, role)}


@register.simple_tag
def log_open_question_count(log):
    """Count the log's open questions (one COUNT query), for the log nav's badge."""
    return Question.objects.in_log(log).open().count()
