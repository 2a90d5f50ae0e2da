"""Forms of the web app, one section per area; ModelForms list their fields."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.validators import URLValidator

from papers.logformat import READINGS, LogFormatError, detect_link
from papers.logformat.blocks import human_size
from papers.logformat.files import read_archive
from papers.logformat.syntax import split_anchor
from papers.markdown import MAX_TEXT, too_long
from papers.models import (
    COMMENT_TARGETS,
    Anchor,
    ChangeLogEntry,
    Comment,
    Invitation,
    Membership,
    Note,
    Notification,
    Paper,
    Question,
    ReadingLog,
    Role,
    User,
)


class NoLabelSuffix:
    """Labels without Django's colon ("Link", not "Link:"); mix into every form of ours."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def limit_length(text, what, limit=MAX_TEXT):
    """Return `text`, or refuse it when it is longer than `limit` characters."""
    if message := too_long(text, what, limit):
        raise forms.ValidationError(message)
    return text


# The model's own max_length check on titles, which runs first, in our words.
TITLE_TOO_LONG = "A title can be at most %(limit_value)d characters; this one has %(show_value)d."


class Versioned:
    """An edit form that carries the version of the text it was loaded with.

    Mix into a ModelForm of a Versioned model: editing an existing row adds a
    hidden `version` input; views hand `cleaned_data["version"]` to
    `actions.text_edit`, which answers a stale one with the conflict view.
    """

    STALE = "This form is out of date: reload the page to edit what is saved now."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                required=False,
                min_value=1,
                initial=self.instance.version,
            )

    def clean(self):
        data = super().clean()
        if "version" in self.fields and not data.get("version"):
            self.errors.pop("version", None)
            self.add_error(None, self.STALE)
        return data

    def revised_values(self):
        """Return the cleaned values of the item's revised fields this form edits."""
        names = self.instance.REVISED_FIELDS
        return {name: value for name, value in self.cleaned_data.items() if name in names}


# == Questions (papers/views/questions.py) ==


class QuestionForm(Versioned, NoLabelSuffix, forms.ModelForm):
    """Ask a question, or edit one."""

    class Meta:
        model = Question
        fields = ["body"]
        labels = {"body": "Question"}
        error_messages = {"body": {"required": "Write the question first."}}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write the question first.")
        return limit_length(body, "A question")


class ResolveForm(NoLabelSuffix, forms.Form):
    """Resolve a question with a text, the reply that answered it, or both.

    The reply choices are the question's visible replies; the template renders
    the select from the prefetched replies, so building the form costs no query
    until it is validated.
    """

    resolution = forms.CharField(
        label="Resolution", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answer = forms.ModelChoiceField(
        label="Answered by the reply",
        queryset=Comment.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Pick one of the replies to this question."},
    )

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["answer"].queryset = question.comments.visible()

    def clean_resolution(self):
        return limit_length(self.cleaned_data["resolution"].strip(), "A resolution")


class QuestionFilterForm(NoLabelSuffix, forms.Form):
    """The filters of the questions page; bad values are ignored, not errors."""

    status = forms.ChoiceField(
        choices=[("", "Any status"), *Question.Status.choices], required=False
    )
    paper = forms.IntegerField(min_value=1, required=False)
    asker = forms.CharField(max_length=150, required=False)

    def filter(self, questions):
        """Return the questions the filters select; a bad value filters nothing."""
        self.is_valid()  # a bad value is dropped from cleaned_data
        chosen = self.cleaned_data
        if chosen.get("status"):
            questions = questions.filter(status=chosen["status"])
        if chosen.get("paper"):
            questions = questions.filter(paper__number=chosen["paper"])
        if chosen.get("asker"):
            questions = questions.filter(author__username=chosen["asker"])
        return questions


# == Change log (papers/views/changelog.py) ==


class ChangeLogEntryForm(Versioned, NoLabelSuffix, forms.ModelForm):
    """A curator's dated change-log entry (markdown)."""

    class Meta:
        model = ChangeLogEntry
        fields = ["date", "text"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write what changed.")
        return limit_length(text, "A change-log entry")


# == Log page, paper page, notes, comments (papers/views/logs.py, paper.py, comments.py) ==


class PaperAddForm(NoLabelSuffix, forms.ModelForm):
    """Add a paper from the log page: a title, its link, or both.

    The link may be any URL, or just an arXiv id ("2407.12687", "arXiv:2407.12687v2")
    or a DOI ("10.1145/3290605.3300233"), as people paste them; with an id the view
    fills what is empty from arXiv or Crossref (papers/metadata.py), so a title is
    not needed. "Add it anyway" adds a paper the log already has (issue #11).
    """

    title = forms.CharField(
        required=False,
        max_length=500,
        error_messages={"max_length": TITLE_TOO_LONG},
        widget=forms.TextInput(attrs={"placeholder": "Paper title"}),
    )
    url = forms.CharField(
        label="Link, arXiv id or DOI",
        required=False,
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": "https://arxiv.org/abs/… or 2407.12687", "inputmode": "url"}
        ),
    )
    add_anyway = forms.BooleanField(label="Add it anyway", required=False)

    class Meta:
        model = Paper
        fields = ["title", "url"]

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_url(self):
        text = self.cleaned_data["url"].strip()
        self.ids = {"arxiv_id": "", "doi": ""}
        if not text:
            return ""
        url, arxiv_id, doi = detect_link(text)
        try:
            URLValidator(schemes=["http", "https"])(url)
        except forms.ValidationError:
            raise forms.ValidationError(
                "Paste a link (https://…), an arXiv id like 2407.12687 or a DOI like 10.1145/…"
            ) from None
        self.ids = {"arxiv_id": arxiv_id, "doi": doi}
        return url

    def clean(self):
        data = super().clean()
        if data.get("title") or self.has_error("url"):
            return data
        if not data.get("url"):
            self.add_error("title", "Give the paper a title, or paste its arXiv id or DOI.")
        elif not (self.ids["arxiv_id"] or self.ids["doi"]):
            self.add_error("title", "Give the paper a title: only an arXiv id or DOI fills it in.")
        return data

    def _post_clean(self):
        """Leave the model's checks to actions.paper_add: the title may still be filled."""

    def paper_fields(self):
        """Return the fields for actions.paper_add, with the arXiv id or DOI of the link."""
        fields = {name: self.cleaned_data[name] for name in ("title", "url")}
        return {**fields, **self.ids}


SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "title": ("title", "number"),
    "activity": ("-last_activity_at", "-number"),
    "open": ("-open_question_count", "-last_activity_at", "number"),
}


class PaperFilterForm(NoLabelSuffix, forms.Form):
    """The log page's search, filters and sort; bad values fall back to defaults."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(choices=[("", "Any status"), *Paper.Status.choices], required=False)
    curiosity = forms.ChoiceField(
        choices=[("", "Any curiosity"), *Paper.Curiosity.choices], required=False
    )
    tag = forms.CharField(required=False, max_length=50)
    open = forms.BooleanField(label="Has open questions", required=False)
    sort = forms.ChoiceField(
        choices=[
            ("number", "Number"),
            ("-number", "Newest first"),
            ("title", "Title"),
            ("activity", "Last activity"),
            ("open", "Open questions"),
        ],
        required=False,
    )

    def filter(self, papers):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            papers = papers.search(data["q"])
        if data.get("status"):
            papers = papers.filter(status=data["status"])
        if data.get("curiosity"):
            papers = papers.filter(curiosity=data["curiosity"])
        if data.get("tag"):
            papers = papers.filter(tags__name=data["tag"])
        if data.get("open"):
            papers = papers.filter(open_question_count__gt=0)
        return papers.order_by(*SORTS[data.get("sort") or "number"])


# One in-place form per region of the paper page: name -> model fields.
PAPER_FIELDS = {
    "title": ["title"],
    "link": ["url", "arxiv_id", "doi"],
    "authors": ["authors", "year"],
    "status": ["status", "read_on"],
    "curiosity": ["curiosity", "curiosity_note"],
    "tags": [],
    "tldr": ["tldr"],
}


class TagsForm(Versioned, NoLabelSuffix, forms.ModelForm):
    """Tags as comma-separated names; unknown names become new tags of the log."""

    tag_names = forms.CharField(
        label="Tags", required=False, help_text="Separate tags with commas."
    )

    class Meta:
        model = Paper
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag_names"].widget.attrs["autofocus"] = True
        if self.instance.pk and not self.is_bound:
            self.initial["tag_names"] = ", ".join(t.name for t in self.instance.tags.all())

    def clean_tag_names(self):
        names = [n.strip() for n in self.cleaned_data["tag_names"].split(",")]
        names = list(dict.fromkeys(n for n in names if n))
        if any(len(n) > 50 for n in names):
            raise forms.ValidationError("A tag can be at most 50 characters.")
        return names

    def revised_values(self):
        return {"tags": sorted(self.cleaned_data["tag_names"])}


class PaperFieldForm(Versioned, NoLabelSuffix, forms.ModelForm):
    """Base of the paper page's in-place forms: the first field takes the focus."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.widget.attrs["autofocus"] = True

    def clean_tldr(self):
        return limit_length(self.cleaned_data["tldr"], "A TL;DR")


def paper_field_form(name, *args, **kwargs):
    """Build the in-place form for one region of the paper page."""
    if name == "tags":
        return TagsForm(*args, **kwargs)
    form_class = forms.modelform_factory(
        Paper,
        form=PaperFieldForm,
        fields=PAPER_FIELDS[name],
        labels={"url": "Link", "arxiv_id": "arXiv id", "doi": "DOI", "tldr": "TL;DR"},
        error_messages={"title": {"max_length": TITLE_TOO_LONG}},
        widgets={
            "tldr": forms.Textarea(attrs={"rows": 3}),
            "curiosity_note": forms.Textarea(attrs={"rows": 2}),
            "read_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        },
    )
    return form_class(*args, **kwargs)


class NoteForm(Versioned, NoLabelSuffix, forms.ModelForm):
    """A note: markdown body, optionally about a figure, table, equation…

    Leave the anchor empty and start the body with "Figure 3:" to set it.
    """

    class Meta:
        model = Note
        fields = ["body", "anchor_kind", "anchor_label"]
        labels = {"body": "Note", "anchor_kind": "About", "anchor_label": "Label"}
        # One message for a blank note, whether the browser sent "" or spaces.
        error_messages = {"body": {"required": "Write the note first."}}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 4}),
            "anchor_label": forms.TextInput(attrs={"placeholder": "Figure 3"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["anchor_kind"].choices = [("", "—"), *Anchor.choices]

    def clean(self):
        data = super().clean()
        body = (data.get("body") or "").strip()
        if not body:
            if "body" not in self.errors:  # "required" already said it
                self.add_error("body", "Write the note first.")
            return data
        if message := too_long(body, "A note"):
            self.add_error("body", message)
            return data
        data["body"] = body
        if not data.get("anchor_kind") and not data.get("anchor_label"):
            found = split_anchor(body)
            if found and found[2].strip():
                kind, label, rest = found
                data.update(anchor_kind=kind, anchor_label=label, body=rest.strip())
        elif data.get("anchor_kind") and not data.get("anchor_label"):
            data["anchor_label"] = Anchor(data["anchor_kind"]).label
        return data


class CommentForm(Versioned, NoLabelSuffix, forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": "Comment"}
        error_messages = {"body": {"required": "Write something first."}}
        widgets = {"body": forms.Textarea(attrs={"rows": 2})}

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write something first.")
        return limit_length(body, "A comment")


class CommentMoveForm(NoLabelSuffix, forms.Form):
    """Where to move a comment: a note or question of its paper, or a paper of the log."""

    target = forms.ChoiceField(label="Move to", required=False)
    paper_number = forms.IntegerField(
        label="…or to the comments of paper number", min_value=1, required=False
    )

    def __init__(self, *args, paper, **kwargs):
        super().__init__(*args, **kwargs)
        self.paper = paper
        choices = [("", "—"), (f"paper:{paper.pk}", f"[{paper.number}] {paper.title[:60]}")]
        choices += [(f"note:{n.pk}", f"Note: {str(n)[:60]}") for n in paper.notes.all()]
        choices += [(f"question:{q.pk}", f"Question: {q.body[:60]}") for q in paper.questions.all()]
        self.fields["target"].choices = choices

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("paper_number"):
            target = Paper.objects.filter(
                log_id=self.paper.log_id, number=data["paper_number"]
            ).first()
            if target is None:
                self.add_error("paper_number", "There is no paper with that number in this log.")
        elif data.get("target"):
            kind, pk = data["target"].split(":")
            model = COMMENT_TARGETS[kind]
            target = model.objects.get(pk=pk)
        else:
            raise forms.ValidationError("Pick where the comment goes.")
        if not self.errors:
            data["target_object"] = target
        return data


# == Log settings, members, invitations (papers/views/accounts.py) ==


class LogForm(NoLabelSuffix, forms.ModelForm):
    """A log's title, description and visibility (its slug comes from the title)."""

    class Meta:
        model = ReadingLog
        fields = ["title", "description", "visibility"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {"description": "Markdown. Shown at the top of the log page."}


class DeleteLogForm(NoLabelSuffix, forms.Form):
    confirm = forms.CharField(
        label="Type the log's short name to confirm",
    )

    def __init__(self, *args, slug, **kwargs):
        super().__init__(*args, **kwargs)
        self.slug = slug

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value != self.slug:
            raise forms.ValidationError(f"Type “{self.slug}” exactly to delete the log.")
        return value


class RoleForm(NoLabelSuffix, forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, prefix=f"m{membership.pk}", **kwargs)
        self.membership = membership
        self.fields["role"].initial = membership.role
        self.fields["role"].label = f"Role of {membership.user.get_username()}"


class WatchForm(NoLabelSuffix, forms.ModelForm):
    """How often a member gets the log's digest by email (the log page's "Watching")."""

    class Meta:
        model = Membership
        fields = ["digest"]
        labels = {"digest": "Watching"}


class InvitationForm(NoLabelSuffix, forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    days = forms.IntegerField(label="Expires after (days)", min_value=1, max_value=90, initial=14)
    max_uses = forms.IntegerField(
        label="Number of uses",
        min_value=1,
        max_value=Invitation.MAX_USES,
        initial=1,
        required=False,
        help_text="How many people can join with the link.",
    )

    def clean_max_uses(self):
        """Make a link for one person when no number is given."""
        return self.cleaned_data["max_uses"] or 1


class SignupForm(NoLabelSuffix, UserCreationForm):
    """A new account: username, email (for password resets) and password."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


# == Account settings (papers/views/account.py) ==


class AccountForm(NoLabelSuffix, forms.ModelForm):
    """The user's email address and, per kind of notification, how it reaches them."""

    class Meta:
        model = User
        fields = ["email"]
        help_texts = {"email": "Where notification emails and password resets go."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Notification.Kind:
            self.fields[f"delivery_{kind.value}"] = forms.ChoiceField(
                label=f"When someone {kind.label}",
                choices=Notification.Delivery.choices,
                initial=Notification.delivery_for(self.instance, kind.value),
            )

    def delivery_fields(self):
        """Return the bound fields of the notification kinds, in Notification.Kind order."""
        return [self[f"delivery_{kind.value}"] for kind in Notification.Kind]

    def save(self, commit=True):
        """Keep every kind's choice, the ones left at their default too: the user saw them."""
        self.instance.notification_delivery = {
            kind.value: self.cleaned_data[f"delivery_{kind.value}"] for kind in Notification.Kind
        }
        return super().save(commit)


# == Import (papers/views/transfer.py) ==


class MultipleFileInput(forms.FileInput):
    """A file input that takes several files at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Take one uploaded file or several; clean to a list of them."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        clean_one = super().clean
        if not data:
            # No file at all: FileField says it is required.
            return [clean_one(None, initial)]
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)]


class ImportForm(NoLabelSuffix, forms.Form):
    """Upload a markdown log: one file, several (one per paper, say) or a .zip of them.

    Cleans `file` to the list of (name, bytes) markdown files to read, a zip's
    members in its place; the upload's total size and the number of files
    are limited (READINGLOG_MAX_IMPORT_BYTES, READINGLOG_MAX_IMPORT_FILES),
    and so is what a zip unpacks to.
    """

    file = MultipleFileField(
        label="Markdown files",
        help_text=(
            "A reading log in markdown (.md, .markdown or .txt, UTF-8): one file, "
            "several files (one per paper, say) or a .zip of them; or a BibTeX file (.bib)."
        ),
        widget=MultipleFileInput(attrs={"accept": ".md,.markdown,.txt,.zip,.bib"}),
        error_messages={
            "required": "Choose a markdown file to import.",
            "empty": "The file is empty.",
        },
    )

    def clean_file(self):
        uploads = self.cleaned_data["file"]
        limit = settings.READINGLOG_MAX_IMPORT_BYTES
        max_files = settings.READINGLOG_MAX_IMPORT_FILES
        total = sum(upload.size for upload in uploads)
        if total > limit:
            size = human_size(total)
            what = f"The file is {size}" if len(uploads) == 1 else f"The files are {size} in all"
            raise forms.ValidationError(f"{what}; the limit is {human_size(limit)}.")
        files = []
        left = limit
        for upload in uploads:
            data = upload.read()
            if not upload.name.lower().endswith(".zip"):
                files.append((upload.name, data))
                left -= len(data)
                continue
            try:
                members = read_archive(data, max_bytes=left, max_files=max_files)
            except LogFormatError as error:
                raise forms.ValidationError(f"{upload.name}: {error}") from None
            files.extend(members)
            left -= sum(len(content) for _, content in members)
        if len(files) > max_files:
            raise forms.ValidationError(
                f"That is {len(files)} files; the limit is {max_files}. "
                "Import them in several parts."
            )
        return _unique_names(files)


def _unique_names(files):
    """Rename the second "notes.md" of an upload "notes (2).md", so each file has its name."""
    seen = set()
    named = []
    for name, data in files:
        stem, dot, suffix = name.rpartition(".")
        unique, n = name, 1
        while unique in seen:
            n += 1
            unique = f"{stem} ({n}).{suffix}" if dot else f"{name} ({n})"
        seen.add(unique)
        named.append((unique, data))
    return named


class ReadingForm(NoLabelSuffix, forms.Form):
    """Choose how the import preview reads the files: one of the readings that found papers.

    An empty choice lets the importer choose for each file; it is offered when
    the files were read in different ways.
    """

    GUESSED = "as the importer guessed for each file"

    reading = forms.ChoiceField(
        label="Read this file as",
        required=False,
        # The preview's line saying how the files were read, updated with each choice.
        widget=forms.Select(attrs={"aria-describedby": "import-reading-help"}),
    )

    def __init__(self, *args, readings, mixed=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(key, READINGS[key]) for key in readings if key in READINGS]
        if mixed:
            choices.insert(0, ("", self.GUESSED))
        self.fields["reading"].choices = choices


class PaperMergeForm(NoLabelSuffix, forms.Form):
    """Merge this paper with another of the log, by its number, after a confirm step."""

    into = forms.IntegerField(
        label="Merge into paper number",
        min_value=1,
        max_value=10**9,
        error_messages={"required": "Give the number of the paper to merge into."},
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
