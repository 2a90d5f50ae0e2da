"""The page a server error answers with."""

import sys

from django.http import HttpResponseServerError
from django.template import loader

from papers.views.outage import UNREACHABLE, database_unavailable


def server_error(request):
    """Answer a failed request with 500.html, saying so when what was sent was not saved.

    Like Django's own handler, it renders with no context processors, so it
    touches neither the database nor the session, which may be what failed.
    When the error is the database's (raised outside a view, which the
    middleware does not see), it answers the outage's 503 page instead.
    """
    if isinstance(sys.exc_info()[1], UNREACHABLE):
        return database_unavailable(request)
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"posted": request.method == "POST"}))
