"""History pages and restores (papers/views/history.py), driven through HTTP.

Every edit here goes through the app's own edit views with the form's
`version`, as a browser sends it; the history page is then read as HTML.
"""

import re
import time
from datetime import date

import pytest
from django.urls import reverse

from papers import actions
from papers.conflicts import word_diff
from papers.models import ChangeLogEntry, Comment, Note, Paper, ReadingLog, Revision
from tests.conftest import make_comment, make_note, make_question


def url(name, log, *args):
    return reverse(name, args=[log.slug, *args])


def edit_note(client, note, body, **fields):
    version = Note.objects.get(pk=note.pk).version
    data = {"version": version, "body": body, "anchor_kind": "", "anchor_label": "", **fields}
    response = client.post(url("note_edit", note.paper.log, note.pk), data)
    assert response.status_code == 302, response.content[:300]


def edit_paper(client, paper, field, **data):
    version = Paper.objects.get(pk=paper.pk).version
    response = client.post(
        url("paper_field_edit", paper.log, paper.number, field), {"version": version, **data}
    )
    assert response.status_code == 302, response.content[:300]


def history_items(html):
    """Return the history page's items as (version, html of the item), in page order."""
    found = re.findall(r'<li class="history-item[^"]*" id="version-(\d+)">(.*?)</li>', html, re.S)
    return [(int(version), item) for version, item in found]


@pytest.fixture
def note(paper, carol):
    return make_note(paper, by=carol, body="The encoder has six layers.")


# -- What the page shows ---------------------------------------------------------------


def test_edits_are_listed_newest_first_with_a_word_diff(client, bob, carol, log, note):
    client.force_login(carol)
    edit_note(client, note, "The encoder has eight layers.")
    client.force_login(bob)
    edit_note(client, note, "The encoder has eight wide layers.")
    client.force_login(carol)
    response = client.get(url("note_history", log, note.pk))
    assert response.status_code == 200
    items = history_items(response.content.decode())
    assert [version for version, _ in items] == [3, 2, 1]
    newest, middle, original = (item for _, item in items)
    assert "Edited by bob" in newest and "eight <ins>wide </ins>layers." in newest
    assert "current" in newest
    assert "Edited by carol" in middle and "<del>six</del><ins>eight</ins>" in middle
    assert "Written by carol" in original and "original" in original
    assert "The encoder has six layers." in original and "<ins>" not in original


def test_the_first_edit_keeps_the_original_text_and_its_author(client, bob, carol, log, note):
    client.force_login(bob)
    edit_note(client, note, "Rewritten by the curator.")
    original, edited = Revision.objects.of(note).order_by("version")
    assert (original.version, original.created_by, original.data["body"]) == (
        1,
        carol,
        "The encoder has six layers.",
    )
    assert original.created_at == note.created_at
    assert (edited.version, edited.created_by, edited.data["body"]) == (
        2,
        bob,
        "Rewritten by the curator.",
    )


def test_html_in_a_text_is_escaped_in_the_diff(client, carol, log, paper):
    note = make_note(paper, by=carol, body="Plain <b>bold</b> text")
    client.force_login(carol)
    edit_note(client, note, 'Plain <script>alert("x")</script> text')
    html = client.get(url("note_history", log, note.pk)).content.decode()
    history = html[html.index('<ol class="history') :]
    assert "<script>" not in history and "<b>" not in history
    assert "<ins>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</ins>" in history
    assert "<del>&lt;b&gt;bold&lt;/b&gt;</del>" in history


def test_an_item_never_edited_has_an_empty_history(client, carol, log, note):
    client.force_login(carol)
    response = client.get(url("note_history", log, note.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not edited since it was written" in html and "history-item" not in html


def test_paper_history_shows_title_tags_and_status_changes(client, bob, carol, log, paper):
    client.force_login(carol)
    edit_paper(client, paper, "title", title="Attention Is Really All You Need")
    edit_paper(client, paper, "tags", tag_names="transformers, nlp")
    client.force_login(bob)
    edit_paper(client, paper, "status", status="reading")
    html = client.get(url("paper_history", log, paper.number)).content.decode()
    items = dict(history_items(html))
    assert list(items) == [4, 3, 2, 1]
    assert "<dt>Status</dt>" in items[4] and "<del>To read</del><ins>Reading</ins>" in items[4]
    assert "Edited by bob" in items[4]
    assert "<dt>Tags</dt>" in items[3] and "<ins>nlp, transformers</ins>" in items[3]
    assert "<dt>Title</dt>" in items[2] and "Attention Is<ins> Really</ins> All" in items[2]
    assert "<dt>Status</dt>" not in items[2] and "<dt>Tags</dt>" not in items[2]
    assert "Added by carol" in items[1] and "Attention Is All You Need" in items[1]


def test_change_log_entry_history(client, bob, carol, log):
    entry = actions.changelog_write(log, by=bob, date=date(2024, 8, 30), text="Read two papers")
    client.force_login(bob)
    response = client.post(
        url("changelog_edit", log, entry.pk),
        {"version": 1, "date": "2024-08-31", "text": "Read three papers"},
    )
    assert response.status_code == 302
    client.force_login(carol)
    html = client.get(url("entry_history", log, entry.pk)).content.decode()
    items = dict(history_items(html))
    assert "<dt>Date</dt>" in items[2] and "<del>30</del><ins>31</ins> Aug 2024" in items[2]
    assert "Read <del>two</del><ins>three</ins> papers" in items[2]
    assert 'aria-current="page">Change log' in html
    assert "Restore this version" not in html  # carol is no curator


@pytest.mark.parametrize(
    ("kind", "tab"), [("note", "Papers"), ("question", "Questions"), ("paper", "Papers")]
)
def test_the_log_nav_marks_the_tab_the_item_belongs_to(client, carol, log, paper, kind, tab):
    key = {
        "note": lambda: make_note(paper, by=carol).pk,
        "question": lambda: make_question(paper, by=carol).pk,
        "paper": lambda: paper.number,
    }[kind]()
    client.force_login(carol)
    html = client.get(url(f"{kind}_history", log, key)).content.decode()
    assert f'aria-current="page">{tab}' in html


# -- Restoring -------------------------------------------------------------------------


def test_the_author_restores_an_earlier_text_as_a_new_revision(client, bob, carol, log, note):
    client.force_login(bob)
    edit_note(client, note, "Bob's version.")
    client.force_login(carol)
    response = client.post(url("note_revision_restore", log, note.pk, 1))
    assert response.status_code == 302 and response.url == url("note_history", log, note.pk)
    note.refresh_from_db()
    assert note.body == "The encoder has six layers." and note.version == 3
    assert (note.edited_by, note.body_html) == (carol, "<p>The encoder has six layers.</p>")
    restored = Revision.objects.of(note).get(version=3)
    assert (restored.restored_from, restored.created_by) == (1, carol)
    html = client.get(response.url).content.decode()
    assert "Version 1 restored" in html
    newest = history_items(html)[0][1]
    assert "Restored from" in newest and 'href="#version-1"' in newest


def test_a_curator_restores_someone_elses_text(client, bob, carol, log, paper, note):
    client.force_login(carol)
    edit_note(client, note, "Carol changed her mind.")
    client.force_login(bob)
    html = client.get(url("note_history", log, note.pk)).content.decode()
    assert url("note_revision_restore", log, note.pk, 1) in html
    assert url("note_revision_restore", log, note.pk, 2) not in html  # the current one
    client.post(url("note_revision_restore", log, note.pk, 1))
    note.refresh_from_db()
    assert (note.body, note.edited_by) == ("The encoder has six layers.", bob)
    assert Revision.objects.of(note).get(version=3).restored_from == 1


def test_a_curator_restores_a_paper_with_its_tags(client, bob, carol, log, paper):
    client.force_login(carol)
    edit_paper(client, paper, "tags", tag_names="nlp")
    edit_paper(client, paper, "status", status="read")
    client.force_login(bob)
    client.post(url("paper_revision_restore", log, paper.number, 1))
    paper.refresh_from_db()
    assert paper.status == "to_read" and not paper.tags.exists()
    assert Revision.objects.of(paper).get(version=4).restored_from == 1


def test_restoring_the_current_text_changes_nothing(client, carol, log, note):
    client.force_login(carol)
    edit_note(client, note, "Second text.")
    edit_note(client, note, "The encoder has six layers.")
    response = client.post(url("note_revision_restore", log, note.pk, 1), follow=True)
    assert "is the current text already" in response.content.decode()
    assert Revision.objects.of(note).count() == 3


def test_another_member_cannot_restore(client, bob, carol, log, paper):
    note = make_note(paper, by=bob, body="Bob's note")
    client.force_login(bob)
    edit_note(client, note, "Bob's better note")
    client.force_login(carol)
    assert (
        "Restore this version" not in client.get(url("note_history", log, note.pk)).content.decode()
    )
    assert client.post(url("note_revision_restore", log, note.pk, 1)).status_code == 403
    assert Note.objects.get(pk=note.pk).body == "Bob's better note"


def test_a_viewer_cannot_restore(client, carol, dave, log, note):
    client.force_login(carol)
    edit_note(client, note, "Changed")
    client.force_login(dave)
    assert client.get(url("note_history", log, note.pk)).status_code == 200
    assert client.post(url("note_revision_restore", log, note.pk, 1)).status_code == 403


def test_only_curators_restore_a_change_log_entry(client, alice, bob, carol, log):
    entry = actions.changelog_write(log, by=bob, date=date(2024, 8, 30), text="First")
    actions.changelog_edit(entry, by=bob, version=1, date=entry.date, text="Second")
    client.force_login(carol)
    assert client.post(url("entry_revision_restore", log, entry.pk, 1)).status_code == 403
    client.force_login(alice)
    assert client.post(url("entry_revision_restore", log, entry.pk, 1)).status_code == 302
    assert ChangeLogEntry.objects.get(pk=entry.pk).text == "First"


def test_whoever_added_a_paper_restores_it_and_other_members_cannot(client, alice, carol, log):
    paper = actions.paper_add(log, by=alice, title="Owned by alice")
    actions.paper_edit(paper, by=alice, version=1, title="Renamed")
    client.force_login(carol)
    assert client.post(url("paper_revision_restore", log, paper.number, 1)).status_code == 403
    client.force_login(alice)
    assert client.post(url("paper_revision_restore", log, paper.number, 1)).status_code == 302
    assert Paper.objects.get(pk=paper.pk).title == "Owned by alice"


def test_restoring_a_version_that_never_was_is_a_404(client, carol, log, note):
    client.force_login(carol)
    edit_note(client, note, "Changed")
    assert client.post(url("note_revision_restore", log, note.pk, 9)).status_code == 404


def test_restoring_needs_a_post_and_a_login(client, carol, log, note):
    client.force_login(carol)
    edit_note(client, note, "Changed")
    assert client.get(url("note_revision_restore", log, note.pk, 1)).status_code == 405
    client.logout()
    response = client.post(url("note_revision_restore", log, note.pk, 1))
    assert response.status_code == 302 and "/login/" in response.url


# -- Who may read it ---------------------------------------------------------------------


def test_a_hidden_comment_has_its_history_for_curators_only(client, bob, carol, dave, log, note):
    comment = make_comment(note, by=carol, body="Off topic")
    actions.comment_edit(comment, by=carol, version=1, body="Off topic again")
    comment.hide(by=bob)
    history = url("comment_history", log, comment.pk)
    for user in (carol, dave):  # its author included
        client.force_login(user)
        assert client.get(history).status_code == 404
    client.force_login(carol)
    assert client.post(url("comment_revision_restore", log, comment.pk, 1)).status_code == 404
    client.force_login(bob)
    assert "Off topic<ins> again</ins>" in client.get(history).content.decode()


def test_a_hidden_change_log_entry_has_its_history_for_curators_only(client, bob, carol, log):
    entry = actions.changelog_write(log, by=bob, date=date(2024, 8, 30), text="Oops")
    entry.set_hidden(True, by=bob)
    client.force_login(carol)
    assert client.get(url("entry_history", log, entry.pk)).status_code == 404
    client.force_login(bob)
    assert client.get(url("entry_history", log, entry.pk)).status_code == 200


def test_an_outsider_gets_a_404(client, carol, mallory, log, note):
    client.force_login(carol)
    edit_note(client, note, "Private words")
    client.force_login(mallory)
    assert client.get(url("note_history", log, note.pk)).status_code == 404
    assert client.post(url("note_revision_restore", log, note.pk, 1)).status_code == 404
    client.logout()
    assert client.get(url("note_history", log, note.pk)).status_code == 404


def test_anyone_reads_the_history_of_a_public_log_without_restoring(client, carol, log, note):
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    client.force_login(carol)
    edit_note(client, note, "The encoder has six public layers.")
    client.logout()
    response = client.get(url("note_history", log, note.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "six <ins>public </ins>layers" in html and "Restore this version" not in html


def test_an_item_in_the_trash_has_no_history_page(client, carol, log, note):
    client.force_login(carol)
    edit_note(client, note, "Soon deleted")
    actions.note_delete(note, by=carol)
    assert client.get(url("note_history", log, note.pk)).status_code == 404


def test_another_logs_item_is_a_404(client, alice, carol, log, note):
    from tests.conftest import make_log

    make_log(carol, slug="carols")
    client.force_login(carol)
    assert client.get(reverse("note_history", args=["carols", note.pk])).status_code == 404


# -- The edited marks link here ----------------------------------------------------------


def test_the_edited_marks_link_to_the_history(client, bob, carol, log, paper, note):
    question = make_question(paper, by=carol)
    comment = make_comment(paper, by=carol)
    client.force_login(bob)
    edit_note(client, note, "Bob edited the note")
    client.post(url("question_edit", log, question.pk), {"version": 1, "body": "Why sqrt?"})
    client.post(url("comment_edit", log, comment.pk), {"version": 1, "body": "Good point!"})
    html = client.get(url("paper_detail", log, paper.number)).content.decode()
    for name, pk in (("note", note.pk), ("question", question.pk), ("comment", comment.pk)):
        href = url(f"{name}_history", log, pk)
        assert re.search(rf'<a class="edited-mark" href="{href}"[^>]*>edited by bob', html), name


def test_an_edited_change_log_entry_is_marked_with_a_link_to_its_history(client, bob, log):
    entry = actions.changelog_write(log, by=bob, date=date(2024, 8, 30), text="First")
    untouched = actions.changelog_write(log, by=bob, date=date(2024, 8, 29), text="Untouched")
    client.force_login(bob)
    client.post(
        url("changelog_edit", log, entry.pk), {"version": 1, "date": "2024-08-30", "text": "Fixed"}
    )
    html = client.get(url("log_changelog", log)).content.decode()
    chunk = html[html.index(f'id="entry-{entry.pk}"') :]
    chunk = chunk[: chunk.index("</li>")]
    href = url("entry_history", log, entry.pk)
    assert re.search(rf'<a class="edited-mark" href="{href}"[^>]*>edited by bob', chunk)
    rest = html[html.index(f'id="entry-{untouched.pk}"') :]
    assert "edited-mark" not in rest[: rest.index("</li>")]


def test_the_paper_page_links_to_the_papers_history(client, bob, carol, log, paper):
    client.force_login(carol)
    html = client.get(url("paper_detail", log, paper.number)).content.decode()
    assert f'href="{url("paper_history", log, paper.number)}"' in html
    assert "Edited by" not in html
    client.force_login(bob)
    edit_paper(client, paper, "status", status="read")
    html = client.get(url("paper_detail", log, paper.number)).content.decode()
    region = html[html.index('id="paper-history"') :]
    assert "Edited by bob" in region[: region.index("</p>")]


@pytest.mark.parametrize("edited", [1, 5])
def test_edited_marks_cost_no_query_per_item(
    client, bob, carol, log, paper, edited, django_assert_num_queries
):
    question = make_question(paper, by=carol)
    client.force_login(bob)
    for n in range(edited):
        note = make_note(paper, by=carol)
        client.post(url("note_edit", log, note.pk), {"version": 1, "body": f"Edited {n}"})
        for target in (paper, question):
            comment = make_comment(target, by=carol)
            client.post(url("comment_edit", log, comment.pk), {"version": 1, "body": f"Edited {n}"})
    client.force_login(carol)
    # 1 session, 2 user, 3 log, 4 membership, 5 the paper with its neighbours,
    # adder and editor, 6 its tags, 7 notes, 8 questions, 9 every comment of the
    # page (each with its author and editor), 10 last visit, 11 open questions.
    with django_assert_num_queries(11):
        html = client.get(url("paper_detail", log, paper.number)).content.decode()
    assert html.count('class="edited-mark"') == 3 * edited


# -- Queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("edits", [1, 19])
def test_the_history_page_runs_a_fixed_number_of_queries(
    client, bob, carol, log, paper, note, edits, django_assert_num_queries
):
    for n in range(edits):
        editor = bob if n % 2 else carol
        actions.note_edit(note, by=editor, version=n + 1, body=f"Text number {n}")
    assert Revision.objects.of(note).count() == edits + 1  # 2 and 20 revisions
    client.force_login(bob)
    # 1 session, 2 user, 3 log, 4 membership (role), 5 the note with its paper and
    # author, 6 its revisions with their authors, 7 the log's open questions (log nav).
    with django_assert_num_queries(7):
        response = client.get(url("note_history", log, note.pk))
    assert len(history_items(response.content.decode())) == edits + 1


@pytest.mark.parametrize("edits", [1, 19])
def test_the_comment_history_page_runs_a_fixed_number_of_queries(
    client, bob, carol, log, note, edits, django_assert_num_queries
):
    comment = make_comment(note, by=carol)
    for n in range(edits):
        actions.comment_edit(comment, by=bob, version=n + 1, body=f"Reply {n}")
    client.force_login(carol)
    # 1 session, 2 user, 3 log, 4 membership, 5 the comment with its author and
    # its note's paper, 6 revisions with authors, 7 the log nav's open questions.
    with django_assert_num_queries(7):
        response = client.get(url("comment_history", log, comment.pk))
    assert response.status_code == 200
    assert Comment.objects.get(pk=comment.pk).get_absolute_url() in response.content.decode()


def test_a_rewritten_sentence_reads_as_one_removal_and_one_addition():
    html = word_diff("The cat sat on the mat.", "A dog lay under a rug.")
    assert html == "<del>The cat sat on the mat.</del><ins>A dog lay under a rug.</ins>"


def test_a_diff_of_two_texts_at_the_size_limit_stays_quick():
    started = time.process_time()
    word_diff("x " * 25_000, "y " * 25_000)
    assert time.process_time() - started < 1
