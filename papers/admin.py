"""Django admin: where site admins curate every log.

Actions call the same functions as the app (papers/actions.py), so a merge or
a resolve done here records the same change-log entries.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html

from papers import actions
from papers.models import (
    ChangeLogEntry,
    Comment,
    Invitation,
    InvitationUse,
    Membership,
    Note,
    Paper,
    Question,
    ReadingLog,
    Tag,
    Trashable,
    User,
)
from papers.views.transfer import markdown_download


def _stamp(obj, user, *, adding):
    """Record user as the author of a new row and the last editor of any row.

    A question whose status an admin sets by hand gets (or loses) its
    resolver and time, as Question.resolve() and reopen() would set them.
    """
    for field in ("created_by", "added_by", "author"):
        if adding and hasattr(obj, f"{field}_id") and getattr(obj, f"{field}_id") is None:
            setattr(obj, field, user)
    if hasattr(obj, "updated_by_id"):
        obj.updated_by = user
    if isinstance(obj, Question):
        if obj.is_open:
            obj.resolved_by, obj.resolved_at, obj.answer = None, None, None
        elif obj.resolved_at is None:
            obj.resolved_by, obj.resolved_at = user, timezone.now()


class _CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, which leaves out a value that cannot be a key.

    It shows the choice its value names, and that value comes from the request:
    `?log=…` on an add page, or a form that failed. Django looks up whatever it
    is, and a value such as "x" or 10**30 fails the page with a 500 (issue #8).
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(remote.field_name)
        return super().optgroups(name, [v for v in value if _is_key(key, v)], attr)


def _is_key(field, value):
    try:
        field.run_validators(field.to_python(value))  # a number in the column's range
    except ValidationError:
        return False
    return True


class _CheckedChangeList(ChangeList):
    """Django's change list, which takes a crafted filter it cannot run for a wrong one.

    Django sends a bad filter back to the list with `?e=1`, but a date drill-down
    it cannot step from (`?date__year=9999`) and, on SQLite, an id too large for
    an integer (`?log__in=10**30`) fail the page with a 500 instead (issue #8).
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class CheckedInput:
    """Mix into each ModelAdmin and inline: crafted ids and filters get a 4xx, not a 500.

    Inlines only use its autocomplete selects. Empty `?_to_field=` values are
    refused for every page by readinglog.admin.AdminSite.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                _CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        return _CheckedChangeList


class StampedAdmin(CheckedInput, admin.ModelAdmin):
    """Admin pages that record who added and who last changed each row, inlines too."""

    def save_model(self, request, obj, form, change):
        _stamp(obj, request.user, adding=not change)
        revised = [n for n in getattr(obj, "REVISED_FIELDS", ()) if n in form.changed_data]
        if not (change and revised):
            super().save_model(request, obj, form, change)
            return
        # The text goes through the same edit as in the app (a revision, the
        # edited mark, a new version); the other columns are saved as usual.
        # A paper's tags are kept as names; the form sets the same tags again after.
        values = {name: form.cleaned_data[name] for name in revised}
        if "tags" in values:
            values["tags"] = sorted(tag.name for tag in values["tags"])
        saved = type(obj)._base_manager.get(pk=obj.pk)
        for name in revised:
            if name != "tags":
                setattr(obj, name, getattr(saved, name))
        super().save_model(request, obj, form, change)
        actions.text_edit(obj, by=request.user, version=saved.version, **values)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            _stamp(obj, request.user, adding=obj.pk is None)
            obj.save()
        for obj in formset.deleted_objects:
            _delete(obj, request.user)
        formset.save_m2m()

    # Deleting in the admin moves papers, notes, questions and comments to
    # their log's trash, as deleting in the app does.
    def delete_model(self, request, obj):
        _delete(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _delete(obj, request.user)


class TrashingAdmin(StampedAdmin):
    """Admin pages of what goes to its log's trash when deleted; the delete pages say so."""

    delete_confirmation_template = "admin/papers/trash_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/papers/trash_delete_selected_confirmation.html"


def _delete(obj, user):
    if isinstance(obj, Trashable):
        if not obj.in_trash:
            actions.trash(obj, by=user)
    else:
        obj.delete()


@admin.register(User)
class ReadinglogUserAdmin(CheckedInput, UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "last_login"]


class MembershipInline(CheckedInput, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "last_visited_at"]
    readonly_fields = ["last_visited_at"]


@admin.register(ReadingLog)
class ReadingLogAdmin(StampedAdmin):
    list_display = ["title", "slug", "visibility", "paper_count", "member_count", "updated_at"]
    list_filter = ["visibility"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [MembershipInline]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    actions = ["renumber_papers", "export_as_markdown"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                paper_count=Count("papers", filter=Q(papers__trashed__isnull=True), distinct=True),
                member_count=Count("memberships", distinct=True),
            )
        )

    @admin.display(ordering="paper_count", description="papers")
    def paper_count(self, obj):
        return obj.paper_count

    @admin.display(ordering="member_count", description="members")
    def member_count(self, obj):
        return obj.member_count

    @admin.action(description="Export selected log as markdown")
    def export_as_markdown(self, request, queryset):
        logs = list(queryset[:2])
        if len(logs) != 1:
            self.message_user(request, "Pick one log to export.", level=messages.ERROR)
            return None
        return markdown_download(logs[0])

    @admin.action(description="Renumber papers 1, 2, 3… (close gaps)")
    def renumber_papers(self, request, queryset):
        for log in queryset:
            count = actions.papers_renumber_sequentially(log, by=request.user)
            self.message_user(request, f"{log}: renumbered {count} papers.")


@admin.register(Membership)
class MembershipAdmin(CheckedInput, admin.ModelAdmin):
    list_display = ["user", "log", "role", "last_visited_at", "created_at"]
    list_filter = ["role", "log"]
    search_fields = ["user__username", "log__title"]
    list_select_related = ["user", "log"]
    autocomplete_fields = ["user", "log"]


class InvitationUseInline(admin.TabularInline):
    model = InvitationUse
    extra = 0
    fields = readonly_fields = ["user", "used_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(CheckedInput, admin.ModelAdmin):
    list_display = [
        "log",
        "role",
        "expires_at",
        "revoked_at",
        "times_used",
        "max_uses",
        "created_by",
    ]
    list_filter = ["role", "log"]
    search_fields = ["log__title", "token"]
    list_select_related = ["log", "created_by"]
    readonly_fields = ["token", "times_used", "created_at"]
    autocomplete_fields = ["log"]
    inlines = [InvitationUseInline]
    actions = ["revoke"]

    @admin.action(description="Revoke selected invitations")
    def revoke(self, request, queryset):
        for invitation in queryset.filter(revoked_at__isnull=True):
            invitation.revoke()
        self.message_user(request, "Revoked.")


class NoteInline(CheckedInput, admin.StackedInline):
    model = Note
    extra = 0
    fields = ["position", "anchor_kind", "anchor_label", "body", "author"]
    autocomplete_fields = ["author"]


class QuestionInline(CheckedInput, admin.StackedInline):
    model = Question
    extra = 0
    fields = ["position", "status", "body", "author", "resolution"]
    autocomplete_fields = ["author"]


class MergeForm(forms.Form):
    confirm = forms.BooleanField(required=True, label="Merge these papers")


class RenumberForm(forms.Form):
    number = forms.IntegerField(min_value=1, max_value=2_147_483_647, label="New number")


@admin.register(Paper)
class PaperAdmin(TrashingAdmin):
    list_display = [
        "number",
        "title",
        "log",
        "status",
        "curiosity",
        "arxiv_id",
        "open_questions",
        "last_activity_at",
    ]
    list_display_links = ["number", "title"]
    list_filter = ["log", "status", "curiosity", "tags"]
    search_fields = ["title", "authors", "arxiv_id", "doi", "url"]
    list_select_related = ["log"]
    autocomplete_fields = ["log", "added_by", "updated_by"]
    filter_horizontal = ["tags"]
    readonly_fields = ["created_at", "updated_at", "last_activity_at"]
    inlines = [NoteInline, QuestionInline]
    actions = ["merge_papers", "renumber_paper"]
    ordering = ["log", "number"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_open_question_count()

    def _action_page(self, request, template, *, action, queryset, **context):
        """Render an action's confirmation page, which posts the selection back to it."""
        context = {
            **self.admin_site.each_context(request),
            "action": action,
            "queryset": queryset,
            "opts": self.model._meta,
            **context,
        }
        return render(request, f"admin/papers/{template}", context)

    @admin.display(ordering="open_question_count", description="open questions")
    def open_questions(self, obj):
        return obj.open_question_count

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:  # a paper's tags are its log's
            form.base_fields["tags"].queryset = Tag.objects.filter(log=obj.log)
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        foreign = form.instance.tags.exclude(log=form.instance.log)
        if foreign.exists():
            form.instance.tags.remove(*foreign)
            self.message_user(
                request, "Tags of other logs were left off this paper.", messages.WARNING
            )

    @admin.action(description="Merge selected duplicate papers into the lowest number")
    def merge_papers(self, request, queryset):
        papers = list(queryset.select_related("log"))
        if len(papers) < 2 or len({p.log_id for p in papers}) != 1:
            self.message_user(
                request, "Pick two or more papers of the same log to merge.", messages.ERROR
            )
            return None
        if "apply" in request.POST:
            form = MergeForm(request.POST)
            if form.is_valid():
                kept = actions.papers_merge(papers, by=request.user)
                self.message_user(request, f"Merged {len(papers)} papers into {kept}.")
                return None
        else:
            form = MergeForm()
        return self._action_page(
            request, "merge_papers.html", action="merge_papers", queryset=queryset,
            title="Merge papers", papers=papers, form=form,
        )  # fmt: skip

    @admin.action(description="Give the selected paper another number")
    def renumber_paper(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Pick exactly one paper to renumber.", messages.ERROR)
            return None
        paper = queryset.select_related("log").get()
        form = RenumberForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                actions.paper_renumber(paper, form.cleaned_data["number"], by=request.user)
            except ValueError as error:
                form.add_error("number", str(error))
            else:
                self.message_user(request, f"Renumbered to {paper}.")
                return None
        return self._action_page(
            request, "renumber_paper.html", action="renumber_paper", queryset=queryset,
            title="Renumber paper", paper=paper, form=form,
        )  # fmt: skip


@admin.register(Tag)
class TagAdmin(CheckedInput, admin.ModelAdmin):
    list_display = ["name", "log"]
    list_filter = ["log"]
    search_fields = ["name"]
    autocomplete_fields = ["log"]


@admin.register(Note)
class NoteAdmin(TrashingAdmin):
    list_display = ["__str__", "paper", "anchor_label", "author", "updated_at"]
    list_filter = ["anchor_kind", "paper__log"]
    search_fields = ["body", "paper__title", "author__username"]
    list_select_related = ["paper", "author"]
    autocomplete_fields = ["paper", "author", "updated_by"]
    readonly_fields = ["body_html", "created_at", "updated_at"]


class RepliesFilter(admin.SimpleListFilter):
    title = "replies"
    parameter_name = "replies"

    def lookups(self, request, model_admin):
        return [("yes", "Has replies"), ("no", "No replies")]

    def queryset(self, request, queryset):
        replies = Exists(Comment.objects.filter(question=OuterRef("pk")))  # not in the trash
        if self.value() == "yes":
            return queryset.filter(replies)
        if self.value() == "no":
            return queryset.filter(~replies)
        return queryset


@admin.register(Question)
class QuestionAdmin(TrashingAdmin):
    list_display = ["__str__", "paper", "status", "author", "resolved_by", "resolved_at"]
    list_filter = ["status", RepliesFilter, "paper__log"]
    search_fields = ["body", "resolution", "paper__title", "author__username"]
    list_select_related = ["paper", "author", "resolved_by"]
    autocomplete_fields = ["paper", "author", "updated_by", "resolved_by", "answer"]
    readonly_fields = ["body_html", "resolution_html", "created_at", "updated_at"]
    actions = ["resolve", "reopen"]

    @admin.action(description="Mark selected questions resolved")
    def resolve(self, request, queryset):
        count = 0
        for question in queryset.open().select_related("paper__log"):
            actions.question_resolve(question, by=request.user, resolution="Resolved in admin.")
            count += 1
        self.message_user(request, f"Resolved {count} questions.")

    @admin.action(description="Reopen selected questions")
    def reopen(self, request, queryset):
        count = 0
        for question in queryset.filter(status=Question.Status.RESOLVED):
            actions.question_reopen(question, by=request.user)
            count += 1
        self.message_user(request, f"Reopened {count} questions.")


@admin.register(Comment)
class CommentAdmin(TrashingAdmin):
    list_display = ["__str__", "on", "log", "author", "hidden", "created_at"]
    list_filter = ["hidden", "log"]
    search_fields = ["body", "author__username"]
    list_select_related = ["log", "author", "paper", "note", "question"]
    autocomplete_fields = ["log", "paper", "note", "question", "parent", "author", "updated_by"]
    readonly_fields = ["body_html", "hidden_by", "hidden_at", "created_at", "updated_at"]
    actions = ["hide", "unhide"]

    @admin.display(description="on")
    def on(self, obj):
        kind = "paper" if obj.paper_id else "note" if obj.note_id else "question"
        return format_html("{}: {}", kind, str(obj.target)[:50])

    @admin.action(description="Hide selected comments")
    def hide(self, request, queryset):
        for comment in queryset.filter(hidden=False):
            comment.hide(by=request.user)
        self.message_user(request, "Hidden.")

    @admin.action(description="Unhide selected comments")
    def unhide(self, request, queryset):
        for comment in queryset.filter(hidden=True):
            comment.unhide()
        self.message_user(request, "Shown again.")


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(StampedAdmin):
    list_display = ["date", "text", "log", "kind", "author", "hidden"]
    list_filter = ["kind", "hidden", "log"]
    search_fields = ["text"]
    date_hierarchy = "date"
    list_select_related = ["log", "author"]
    autocomplete_fields = ["log", "paper", "author"]
    readonly_fields = ["text_html", "created_at", "updated_at"]
    actions = ["hide", "unhide"]

    @admin.action(description="Hide selected entries")
    def hide(self, request, queryset):
        count = queryset.update(hidden=True, updated_by=request.user, updated_at=timezone.now())
        self.message_user(request, f"Hid {count} entries.")

    @admin.action(description="Unhide selected entries")
    def unhide(self, request, queryset):
        count = queryset.update(hidden=False, updated_by=request.user, updated_at=timezone.now())
        self.message_user(request, f"Showed {count} entries again.")


# axes' pages, checked like ours (settings.AXES_ENABLE_ADMIN is off, so that we register them).
@admin.register(AccessAttempt)
class AccessAttemptAdmin(CheckedInput, axes_admin.AccessAttemptAdmin):
    pass


@admin.register(AccessLog)
class AccessLogAdmin(CheckedInput, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(CheckedInput, axes_admin.AccessFailureLogAdmin):
    pass
