"""No silent overwrite: a stale save answers 409 with the conflict view (issue #7, item 2).

Each kind of text (note, question, comment, change-log entry, a paper field)
is saved first by bob, then by someone whose form still carries version 1.
Everything goes through HTTP, as the browser sends it.
"""

import html
import re
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from papers import actions
from papers.models import Paper, Revision
from tests.conftest import make_comment, make_note, make_question
from tests.web.conftest import assert_partial

THEIRS = "Saved by bob first, with care."
MINE = "Typed by me later, with <care> & attention."


@dataclass
class Item:
    """One text being edited: where its form posts and how to read it back."""

    obj: object
    url: str
    container: str  # the id of the element the conflict view replaces
    editor: object  # who saves the stale form
    text_field: str = "body"
    fields: dict = field(default_factory=dict)  # the other fields the form posts

    def data(self, text, version):
        return {**self.fields, self.text_field: text, "version": version}

    @property
    def text(self):
        self.obj = type(self.obj)._base_manager.get(pk=self.obj.pk)
        return getattr(self.obj, self.text_field)

    def revisions(self):
        return Revision.objects.of(self.obj).count()


KINDS = ["note", "question", "comment", "entry", "paper"]


@pytest.fixture
def saved_by_bob(log, paper, alice, bob, carol):
    """Return a factory: the item of a kind, written by carol (or bob) and saved again by bob."""

    def make(kind):
        if kind == "note":
            note = make_note(paper, by=carol, body="Original note.")
            actions.note_edit(note, by=bob, version=1, body=THEIRS)
            url = reverse("note_edit", args=[log.slug, note.pk])
            fields = {"anchor_kind": "", "anchor_label": ""}
            return Item(note, url, f"note-content-{note.pk}", carol, fields=fields)
        if kind == "question":
            question = make_question(paper, by=carol, body="Original question?")
            actions.question_edit(question, by=bob, version=1, body=THEIRS)
            url = reverse("question_edit", args=[log.slug, question.pk])
            return Item(question, url, f"question-{question.pk}", carol)
        if kind == "comment":
            comment = make_comment(paper, by=carol, body="Original comment.")
            actions.comment_edit(comment, by=bob, version=1, body=THEIRS)
            url = reverse("comment_edit", args=[log.slug, comment.pk])
            return Item(comment, url, f"comment-{comment.pk}", carol)
        if kind == "entry":
            entry = actions.changelog_write(log, by=bob, date="2024-09-01", text="Original entry")
            actions.changelog_edit(entry, by=bob, version=1, date=entry.date, text=THEIRS)
            url = reverse("changelog_edit", args=[log.slug, entry.pk])
            fields = {"date": "2024-09-01"}
            return Item(entry, url, f"entry-{entry.pk}", alice, "text", fields)
        actions.paper_edit(paper, by=bob, version=1, title=THEIRS)
        url = reverse("paper_field_edit", args=[log.slug, paper.number, "title"])
        return Item(paper, url, "field-title", carol, "title")

    return make


def posted_version(response):
    """Return the version the conflict view's forms send again."""
    versions = set(re.findall(r'name="version" value="(\d+)"', response.content.decode()))
    assert len(versions) == 1, versions
    return int(versions.pop())


def keep_theirs_url(response):
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Keep theirs</a>', response.content.decode())
    return html.unescape(link.group(1))


# -- A stale save is a 409 with the conflict view, and changes nothing ---------


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_save_answers_the_conflict_view_in_place(client, saved_by_bob, htmx, kind):
    item = saved_by_bob(kind)
    revisions = item.revisions()
    client.force_login(item.editor)

    response = client.post(item.url, item.data(MINE, 1), **htmx)

    assert_partial(response, item.container, status=409)
    page = response.content.decode()
    assert "Not saved: bob changed this while you were editing" in page
    assert "Saved by bob" in page
    assert f'<pre class="conflict-text">{THEIRS}</pre>' in page  # the text now saved
    assert "<del>" in page and "<ins>" in page  # the diff from theirs to mine
    escaped = "Typed by me later, with &lt;care&gt; &amp; attention."
    assert re.search(rf"<textarea[^>]*>\s*{re.escape(escaped)}</textarea>", page) or (
        f'value="{escaped}"' in page  # a paper's title is a one-line input
    )
    assert "<care>" not in page
    for button in ("Save merged text", "Keep mine", "Keep theirs"):
        assert button in page
    assert posted_version(response) == 2
    assert item.text == THEIRS
    assert item.obj.version == 2
    assert item.revisions() == revisions


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_save_without_javascript_is_a_full_page_409(client, saved_by_bob, kind):
    item = saved_by_bob(kind)
    client.force_login(item.editor)

    response = client.post(item.url, item.data(MINE, 1))

    assert response.status_code == 409
    page = response.content.decode()
    assert "<html" in page
    assert 'class="conflict stack-sm"' in page
    assert f'<pre class="conflict-text">{THEIRS}</pre>' in page
    assert "Typed by me later, with &lt;care&gt; &amp; attention." in page
    assert item.text == THEIRS and item.obj.version == 2


@pytest.mark.parametrize("kind", KINDS)
def test_keep_mine_saves_my_text_over_theirs(client, saved_by_bob, htmx, kind):
    item = saved_by_bob(kind)
    client.force_login(item.editor)
    conflict = client.post(item.url, item.data(MINE, 1), **htmx)

    response = client.post(item.url, item.data(MINE, posted_version(conflict)), **htmx)

    assert response.status_code == 200
    assert "conflict" not in response.content.decode()
    assert item.text == MINE
    assert item.obj.version == 3 and item.obj.edited_by == item.editor


@pytest.mark.parametrize("kind", KINDS)
def test_a_merged_text_saves_without_javascript(client, saved_by_bob, kind):
    item = saved_by_bob(kind)
    client.force_login(item.editor)
    conflict = client.post(item.url, item.data(MINE, 1))

    response = client.post(item.url, item.data("Merged by hand.", posted_version(conflict)))

    assert response.status_code == 302
    assert item.text == "Merged by hand."


@pytest.mark.parametrize("kind", KINDS)
def test_keep_theirs_shows_the_saved_text_and_changes_nothing(client, saved_by_bob, htmx, kind):
    item = saved_by_bob(kind)
    client.force_login(item.editor)
    conflict = client.post(item.url, item.data(MINE, 1), **htmx)

    response = client.get(keep_theirs_url(conflict), **htmx)

    assert_partial(response, item.container)
    page = response.content.decode()
    assert THEIRS in page and "Not saved" not in page and "Typed by me" not in page
    assert item.text == THEIRS and item.obj.version == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_version_is_a_422_that_changes_nothing(client, saved_by_bob, htmx, kind):
    item = saved_by_bob(kind)
    client.force_login(item.editor)
    data = item.data(MINE, 1)
    del data["version"]

    response = client.post(item.url, data, **htmx)

    assert response.status_code == 422
    assert "This form is out of date: reload the page" in response.content.decode()
    assert item.text == THEIRS and item.obj.version == 2


def test_a_version_that_never_was_is_a_conflict(client, saved_by_bob, htmx):
    item = saved_by_bob("note")
    client.force_login(item.editor)
    response = client.post(item.url, item.data(MINE, 99), **htmx)
    assert response.status_code == 409
    assert item.text == THEIRS


def test_saving_what_is_already_saved_is_no_conflict(client, saved_by_bob, htmx):
    """Both fixed the same typo: the stale save undoes nothing, so it just succeeds."""
    item = saved_by_bob("note")
    client.force_login(item.editor)
    response = client.post(item.url, item.data(THEIRS, 1), **htmx)
    assert response.status_code == 200
    assert item.text == THEIRS and item.obj.version == 2


def test_the_conflict_view_of_a_choice_shows_labels_and_a_select(client, log, paper, bob, htmx):
    actions.paper_edit(paper, by=bob, version=1, status=Paper.Status.READING)
    client.force_login(paper.added_by)
    url = reverse("paper_field_edit", args=[log.slug, paper.number, "status"])

    response = client.post(url, {"version": 1, "status": "read"}, **htmx)

    assert_partial(response, "field-status", status=409)
    page = response.content.decode()
    assert "<del>Reading</del><ins>Read</ins>" in page
    assert f'<select name="status" id="conflict-paper-{paper.pk}-status">' in page
    assert '<option value="read" selected>Read</option>' in page
    assert Paper.objects.get(pk=paper.pk).status == Paper.Status.READING


def test_the_conflict_view_keeps_the_other_posted_fields(client, log, paper, bob, carol, htmx):
    """A stale note keeps its anchor in the form; a field that agrees goes hidden."""
    note = make_note(paper, by=carol, body="Original.", anchor_kind="figure", anchor_label="Fig 2")
    actions.note_edit(
        note, by=bob, version=1, body=THEIRS, anchor_kind="figure", anchor_label="Fig 2"
    )
    client.force_login(carol)
    data = {"version": 1, "body": MINE, "anchor_kind": "figure", "anchor_label": "Fig 2"}

    response = client.post(reverse("note_edit", args=[log.slug, note.pk]), data, **htmx)

    page = response.content.decode()
    assert '<input type="hidden" name="anchor_label" value="Fig 2">' in page
    assert f'id="conflict-note-{note.pk}-body"' in page
    assert f'<label for="conflict-note-{note.pk}-body">Your note (edit to merge)</label>' in page


# -- A paper: only the fields a form edits are written -------------------------


def test_two_people_editing_different_fields_of_a_paper_both_keep_their_change(
    client, log, paper, bob, carol, htmx
):
    client.force_login(bob)
    title = client.post(
        reverse("paper_field_edit", args=[log.slug, paper.number, "title"]),
        {"version": 1, "title": "Bob's title"},
        **htmx,
    )
    client.force_login(carol)
    status = client.post(
        reverse("paper_field_edit", args=[log.slug, paper.number, "status"]),
        {"version": 1, "status": "reading"},
        **htmx,
    )
    tags = client.post(
        reverse("paper_field_edit", args=[log.slug, paper.number, "tags"]),
        {"version": 1, "tag_names": "nlp"},
        **htmx,
    )

    assert (title.status_code, status.status_code, tags.status_code) == (200, 200, 200)
    paper = Paper.objects.get(pk=paper.pk)
    assert paper.title == "Bob's title"
    assert paper.status == Paper.Status.READING
    assert [t.name for t in paper.tags.all()] == ["nlp"]
    assert paper.version == 4


def test_a_stale_save_of_the_same_paper_field_is_a_409(client, log, paper, bob, carol, htmx):
    url = reverse("paper_field_edit", args=[log.slug, paper.number, "authors"])
    client.force_login(bob)
    client.post(url, {"version": 1, "authors": "Vaswani et al.", "year": "2017"}, **htmx)
    client.force_login(carol)

    response = client.post(url, {"version": 1, "authors": "A. Vaswani", "year": "2017"}, **htmx)

    assert_partial(response, "field-authors", status=409)
    assert Paper.objects.get(pk=paper.pk).authors == "Vaswani et al."


def test_an_edit_does_not_undo_a_hide_or_a_resolve_made_after_its_form_loaded(
    client, log, paper, alice, bob, carol, htmx
):
    comment = make_comment(paper, by=carol, body="Original comment.")
    question = make_question(paper, by=carol, body="Original question?")
    client.force_login(alice)
    comment_form = client.get(reverse("comment_edit", args=[log.slug, comment.pk]), **htmx)
    client.force_login(carol)
    question_form = client.get(reverse("question_edit", args=[log.slug, question.pk]), **htmx)
    actions.comment_set_hidden(comment, True, by=bob)
    actions.question_resolve(question, by=bob, resolution="Scaling.")

    client.force_login(alice)
    comment_save = client.post(
        reverse("comment_edit", args=[log.slug, comment.pk]),
        {"version": posted_version(comment_form), "body": "Curated."},
        **htmx,
    )
    client.force_login(carol)
    question_save = client.post(
        reverse("question_edit", args=[log.slug, question.pk]),
        {"version": posted_version(question_form), "body": "Better question?"},
        **htmx,
    )

    assert (comment_save.status_code, question_save.status_code) == (200, 200)
    comment.refresh_from_db()
    question.refresh_from_db()
    assert comment.hidden and comment.body == "Curated."
    assert question.status == question.Status.RESOLVED and question.body == "Better question?"
    assert question.resolution == "Scaling."
