"""Views, one module per area; every view starts with an access helper from papers.models."""


def wants_partial(request):
    """Say whether to answer with a fragment: an htmx request, not a history restore."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def query_without_page(request, **changes):
    """Return the request's query string without its page, with `changes` set.

    Links that change a filter or the sort start again at page 1.
    """
    query = request.GET.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()
