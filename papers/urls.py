"""Every URL of the app. Each area's views live in papers/views/<area>.py."""

from django.urls import path

from papers.views import accounts

urlpatterns = [
    # Home, invitations, log settings and members (papers/views/accounts.py)
    path("", accounts.home, name="home"),
    path("logs/new/", accounts.log_create, name="log_create"),
    path("logs/<slug:slug>/settings/", accounts.log_settings, name="log_settings"),
    path("logs/<slug:slug>/delete/", accounts.log_delete, name="log_delete"),
    path("logs/<slug:slug>/members/", accounts.log_members, name="log_members"),
    path("logs/<slug:slug>/members/<int:pk>/role/", accounts.member_role, name="member_role"),
    path("logs/<slug:slug>/members/<int:pk>/remove/", accounts.member_remove, name="member_remove"),
    path(
        "logs/<slug:slug>/invitations/new/",
        accounts.invitation_create,
        name="invitation_create",
    ),
    path(
        "logs/<slug:slug>/invitations/<int:pk>/revoke/",
        accounts.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
]
