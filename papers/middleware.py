"""Middleware of our own."""

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
