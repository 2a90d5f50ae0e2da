"""Every URL of the app. Each area's views live in papers/views/<area>.py."""

from django.urls import path

from papers.views import (
    account,
    accounts,
    changelog,
    comments,
    feeds,
    history,
    logs,
    lookup,
    notifications,
    paper,
    questions,
    transfer,
    trash,
    updates,
)

# Each revised item's history page and restore, by the path its other URLs use.
HISTORY_PATHS = {
    "paper": "papers/<int:pk>",  # the paper's number
    "note": "notes/<int:pk>",
    "question": "questions/<int:pk>",
    "comment": "comments/<int:pk>",
    "entry": "changelog/<int:pk>",
}

urlpatterns = [
    # Home, invitations, log settings and members (papers/views/accounts.py)
    path("", accounts.home, name="home"),
    # A member's notifications (papers/views/notifications.py)
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    # The counts every page shows (header, log nav), polled (papers/views/updates.py)
    path("updates/", updates.updates, name="updates"),
    # The user's own settings: email, notification deliveries, feed links (papers/views/account.py)
    path("account/", account.account_settings, name="account_settings"),
    path("account/feed-links/reset/", account.feed_token_reset, name="feed_token_reset"),
    path("logs/new/", accounts.log_create, name="log_create"),
    path("logs/<slug:slug>/settings/", accounts.log_settings, name="log_settings"),
    path("logs/<slug:slug>/delete/", accounts.log_delete, name="log_delete"),
    path("logs/<slug:slug>/members/", accounts.log_members, name="log_members"),
    path("logs/<slug:slug>/members/names/", accounts.member_names, name="member_names"),
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
    path("invitations/<str:token>/signup/", accounts.invitation_signup, name="invitation_signup"),
    # Log page, paper page, notes, comments, live updates
    # (papers/views/logs.py, paper.py, comments.py, updates.py)
    path("logs/<slug:slug>/", logs.log_detail, name="log_detail"),
    path("logs/<slug:slug>/papers/add/", logs.paper_add, name="paper_add"),
    path("logs/<slug:slug>/preview/", logs.markdown_preview, name="markdown_preview"),
    # A paper filled from its arXiv id or DOI, and duplicates merged (papers/views/lookup.py)
    path(
        "logs/<slug:slug>/papers/add/preview/",
        lookup.paper_add_preview,
        name="paper_add_preview",
    ),
    path("logs/<slug:slug>/papers/<int:number>/fetch/", lookup.paper_fetch, name="paper_fetch"),
    path("logs/<slug:slug>/papers/<int:number>/merge/", lookup.paper_merge, name="paper_merge"),
    path("logs/<slug:slug>/watch/", logs.log_watch, name="log_watch"),
    path("logs/<slug:slug>/papers/<int:number>/", paper.paper_detail, name="paper_detail"),
    path(
        "logs/<slug:slug>/papers/<int:number>/edit/<str:field>/",
        paper.paper_field_edit,
        name="paper_field_edit",
    ),
    path("logs/<slug:slug>/papers/<int:number>/delete/", paper.paper_delete, name="paper_delete"),
    path("logs/<slug:slug>/papers/<int:number>/notes/add/", paper.note_add, name="note_add"),
    path("logs/<slug:slug>/notes/<int:pk>/edit/", paper.note_edit, name="note_edit"),
    path("logs/<slug:slug>/notes/<int:pk>/delete/", paper.note_delete, name="note_delete"),
    path("logs/<slug:slug>/notes/<int:pk>/move/", paper.note_move, name="note_move"),
    path(
        "logs/<slug:slug>/notes/<int:pk>/to-question/",
        paper.note_to_question,
        name="note_to_question",
    ),
    path(
        "logs/<slug:slug>/comments/on/<str:kind>/<int:pk>/",
        comments.comment_add,
        name="comment_add",
    ),
    path("logs/<slug:slug>/comments/<int:pk>/reply/", comments.comment_reply, name="comment_reply"),
    path("logs/<slug:slug>/comments/<int:pk>/edit/", comments.comment_edit, name="comment_edit"),
    path(
        "logs/<slug:slug>/comments/<int:pk>/delete/", comments.comment_delete, name="comment_delete"
    ),
    path("logs/<slug:slug>/comments/<int:pk>/hide/", comments.comment_hide, name="comment_hide"),
    path("logs/<slug:slug>/comments/<int:pk>/move/", comments.comment_move, name="comment_move"),
    path(
        "logs/<slug:slug>/papers/<int:number>/updates/",
        updates.paper_updates,
        name="paper_updates",
    ),
    # Questions panel, questions page and change log (papers/views/questions.py, changelog.py)
    path(
        "logs/<slug:slug>/papers/<int:number>/questions/add/",
        questions.question_ask,
        name="question_ask",
    ),
    path("logs/<slug:slug>/questions/", questions.log_questions, name="log_questions"),
    path(
        "logs/<slug:slug>/questions/badge/",
        questions.log_question_badge,
        name="log_question_badge",
    ),
    path("logs/<slug:slug>/questions/<int:pk>/", questions.question_detail, name="question_detail"),
    path(
        "logs/<slug:slug>/questions/<int:pk>/edit/", questions.question_edit, name="question_edit"
    ),
    path(
        "logs/<slug:slug>/questions/<int:pk>/delete/",
        questions.question_delete,
        name="question_delete",
    ),
    path(
        "logs/<slug:slug>/questions/<int:pk>/resolve/",
        questions.question_resolve,
        name="question_resolve",
    ),
    path(
        "logs/<slug:slug>/questions/<int:pk>/reopen/",
        questions.question_reopen,
        name="question_reopen",
    ),
    path(
        "logs/<slug:slug>/questions/<int:pk>/to-note/",
        questions.question_to_note,
        name="question_to_note",
    ),
    path("logs/<slug:slug>/changelog/", changelog.log_changelog, name="log_changelog"),
    path("logs/<slug:slug>/changelog/add/", changelog.entry_add, name="changelog_add"),
    path("logs/<slug:slug>/changelog/<int:pk>/", changelog.entry_detail, name="changelog_entry"),
    path("logs/<slug:slug>/changelog/<int:pk>/edit/", changelog.entry_edit, name="changelog_edit"),
    path("logs/<slug:slug>/changelog/<int:pk>/hide/", changelog.entry_hide, name="changelog_hide"),
    path(
        "logs/<slug:slug>/changelog/<int:pk>/unhide/",
        changelog.entry_unhide,
        name="changelog_unhide",
    ),
    path("logs/<slug:slug>/changelog/<int:pk>/undo/", changelog.entry_undo, name="changelog_undo"),
    # Atom feeds (papers/views/feeds.py)
    path("logs/<slug:slug>/changelog/feed/", feeds.changelog_feed, name="changelog_feed"),
    path("logs/<slug:slug>/activity/feed/", feeds.activity_feed, name="activity_feed"),
    # Import and export (papers/views/transfer.py)
    path("logs/new/import/", transfer.log_import_new, name="log_import_new"),
    path(
        "logs/new/import/confirm/",
        transfer.log_import_new_confirm,
        name="log_import_new_confirm",
    ),
    path("logs/<slug:slug>/import/", transfer.log_import, name="log_import"),
    path(
        "logs/<slug:slug>/import/confirm/", transfer.log_import_confirm, name="log_import_confirm"
    ),
    path("logs/<slug:slug>/export.md", transfer.log_export_markdown, name="log_export_markdown"),
    path("logs/<slug:slug>/export.json", transfer.log_export_json, name="log_export_json"),
    path("logs/<slug:slug>/export.bib", transfer.log_export_bibtex, name="log_export_bibtex"),
    path(
        "logs/<slug:slug>/papers/<int:number>/export.bib",
        transfer.paper_export_bibtex,
        name="paper_export_bibtex",
    ),
    # Trash (papers/views/trash.py)
    path("logs/<slug:slug>/trash/", trash.log_trash, name="log_trash"),
    path("logs/<slug:slug>/trash/empty/", trash.trash_empty, name="trash_empty"),
    path("logs/<slug:slug>/trash/<int:pk>/restore/", trash.trash_restore, name="trash_restore"),
    path("logs/<slug:slug>/trash/<int:pk>/purge/", trash.trash_purge, name="trash_purge"),
]
# History (papers/views/history.py): /logs/<slug>/notes/<pk>/history/ and the like.
for kind, item_path in HISTORY_PATHS.items():
    urlpatterns += [
        path(
            f"logs/<slug:slug>/{item_path}/history/",
            history.item_history,
            {"kind": kind},
            name=f"{kind}_history",
        ),
        path(
            f"logs/<slug:slug>/{item_path}/history/<int:version>/restore/",
            history.revision_restore,
            {"kind": kind},
            name=f"{kind}_revision_restore",
        ),
    ]
