"""When the database is away: a 503 page that needs no database, and /healthz.

papers.middleware.DatabaseUnavailableMiddleware answers a view that fails on
the database with `database_unavailable`.
"""

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.http import require_safe

# What a lost connection, a refused or timed-out connect and a cancelled
# statement (PostgreSQL's statement_timeout) raise.
UNREACHABLE = (OperationalError, InterfaceError)
MESSAGE = (
    "Readinglog can’t reach its database; nothing you typed was saved — try again in a minute."
)
RETRY_AFTER = 60


def database_unavailable(request):
    """Answer 503 without touching the database: no session, no user, no context processors."""
    if request.headers.get("HX-Request") == "true":
        # htmx swaps nothing on a 503, so the form keeps what was typed, and
        # static/js/app.js shows its own message; this text is for everything else.
        response = HttpResponse(MESSAGE, content_type="text/plain; charset=utf-8", status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz(request):
    """Say "ok" when the database answers a trivial query, 503 when it does not; no login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except UNREACHABLE:
        status, text = 503, "database unreachable\n"
    else:
        status, text = 200, "ok\n"
    return HttpResponse(
        text, content_type="text/plain", status=status, headers={"Cache-Control": "no-store"}
    )
