"""Middleware of our own."""

import logging

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils.cache import patch_vary_headers

from papers.views.outage import UNREACHABLE, database_unavailable

logger = logging.getLogger(__name__)


class VaryOnHtmxMiddleware:
    """Tell caches that a page and its htmx fragment differ (`Vary: HX-Request`).

    A page and the fragment htmx fetches share one URL; without this, the
    browser's Back button can show the cached fragment instead of the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        return response


class SecurityHeadersMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY and PERMISSIONS_POLICY on every response.

    Our pages run no inline script or style (JavaScript lives in static files),
    so the content policy can forbid both: injected markup cannot run. The
    permissions policy turns off browser features the app never uses.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )
        self.permissions = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        return response


class PrivateCacheMiddleware:
    """Keep what signed-in people see, and every htmx fragment, out of caches.

    Their pages show private logs and their own name; a shared proxy or the
    browser's disk must not keep them (`Cache-Control: private, no-store`).
    A response that sets its own Cache-Control (an export download) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" in response.headers:
            # Checked first: the 503 page and /healthz must not load the user.
            return response
        user = getattr(request, "user", None)
        private = (user is not None and user.is_authenticated) or bool(
            getattr(request, "htmx", False)
        )
        if private:
            response.headers["Cache-Control"] = "private, no-store"
        return response


class DatabaseUnavailableMiddleware:
    """Answer a friendly 503 when a view fails because the database cannot be reached.

    The session and the user load lazily, inside the view, so their errors
    land here too. Errors raised outside a view (in another middleware's
    response phase, or in the 404 page) never reach process_exception: the
    500 handler (papers.views.errors.server_error) answers those with the same page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNREACHABLE):
            return None
        # django.request logs the 503 with its path; this says why, without a traceback per request.
        logger.warning("Database unavailable: %s", exception)
        return database_unavailable(request)


class RejectNulMiddleware:
    """Answer 400 to a request with a NUL character in its path, query or form.

    No page takes one, and PostgreSQL refuses NUL in text, so a lookup such as
    /invitations/%00/signup/ would otherwise fail with a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or _has_nul(request.POST):
            return HttpResponseBadRequest("Bad request: a NUL character is not allowed.")
        return self.get_response(request)


def _has_nul(query):
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())
