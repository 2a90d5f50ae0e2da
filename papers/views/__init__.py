"""Views, one module per area; every view starts with an access helper from papers.models."""


def wants_partial(request):
    """Say whether to answer with a fragment: an htmx request, not a history restore."""
    return bool(request.htmx) and not request.htmx.history_restore_request
