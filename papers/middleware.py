"""Middleware of our own."""

from django.conf import settings
from django.utils.cache import patch_vary_headers


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


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none.

    Our pages run no inline script or style (JavaScript lives in static files),
    so the policy can forbid both: injected markup cannot run.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
