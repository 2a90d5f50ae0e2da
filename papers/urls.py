"""Every URL of the app. Each area's views live in papers/views/<area>.py."""

from django.urls import path

from papers.views import accounts

urlpatterns = [
    # Home, invitations, log settings and members (papers/views/accounts.py)
    path("", accounts.home, name="home"),
]
