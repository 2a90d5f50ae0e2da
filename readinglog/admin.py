"""The admin site: Django's, with the crafted-input fix below (issue #8)."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR
from django.http import HttpResponseBadRequest


class AdminSite(admin.AdminSite):
    """Django's admin site, which answers an empty `?_to_field=` with 400.

    Django checks a `_to_field` against the fields a page may name, but skips
    the check for an empty one and then looks up a field named "": a 500 on
    every change and delete page. readinglog.apps.AdminConfig installs this site.
    """

    def admin_view(self, view, cacheable=False):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if "" in (request.GET.get(TO_FIELD_VAR), request.POST.get(TO_FIELD_VAR)):
                return HttpResponseBadRequest(f"Bad request: an empty {TO_FIELD_VAR}.")
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)
