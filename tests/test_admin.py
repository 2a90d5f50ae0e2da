"""Admin curation: every model's pages render, and each curator action works."""

import pytest
from django.urls import reverse

from papers import actions
from papers.models import (
    ChangeLogEntry,
    Comment,
    Invitation,
    Membership,
    Note,
    Paper,
    Question,
    ReadingLog,
    Revision,
    Tag,
    TrashItem,
    User,
)
from tests.conftest import make_comment, make_note, make_paper, make_question

MODELS = [
    ReadingLog,
    Membership,
    Invitation,
    Paper,
    Tag,
    Note,
    Question,
    Comment,
    ChangeLogEntry,
    User,
]


@pytest.fixture
def curated(log, paper, carol, bob):
    """One of everything, so each admin page has a row to show."""
    note = make_note(paper, by=carol)
    question = make_question(paper, by=carol)
    make_comment(note, by=bob)
    make_comment(question, by=bob)
    Tag.objects.create(log=log, name="transformers")
    Invitation.objects.create(log=log, created_by=log.created_by)
    ChangeLogEntry.objects.create(log=log, text="Written by hand")
    return log


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_change_and_add_pages_render(admin_client, curated, model):
    response = admin_client.get(_url(model, "changelist"), {"q": "a"})
    assert response.status_code == 200
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200
    assert admin_client.get(_url(model, "add")).status_code == 200


def test_non_staff_cannot_use_admin(client, carol):
    client.force_login(carol)
    response = client.get(_url(Paper, "changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _action(admin_client, model, action, objects, **extra):
    data = {"action": action, "_selected_action": [o.pk for o in objects], **extra}
    return admin_client.post(_url(model, "changelist"), data)


def test_resolve_and_reopen_questions(admin_client, paper, carol, admin_user):
    question = make_question(paper, by=carol)
    _action(admin_client, Question, "resolve", [question])
    question.refresh_from_db()
    assert question.status == "resolved" and question.resolved_by == admin_user
    assert paper.log.changelog.filter(kind="question_resolved").exists()
    _action(admin_client, Question, "reopen", [question])
    question.refresh_from_db()
    assert question.status == "open" and question.resolved_at is None


def test_hide_and_unhide_comments(admin_client, paper, carol, admin_user):
    comment = make_comment(paper, by=carol)
    _action(admin_client, Comment, "hide", [comment])
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_by == admin_user
    _action(admin_client, Comment, "unhide", [comment])
    comment.refresh_from_db()
    assert not comment.hidden and comment.hidden_by is None


# -- Deleting goes to the trash ---------------------------------------------------


def test_the_delete_page_says_it_goes_to_the_trash_and_does_so(
    admin_client, paper, carol, bob, admin_user
):
    note = make_note(paper, by=carol)
    comment = make_comment(note, by=bob)
    page = admin_client.get(_url(Note, "delete", note.pk)).content.decode()
    assert "Nothing is deleted for good:" in page and "trash" in page
    response = admin_client.post(_url(Note, "delete", note.pk), {"post": "yes"})
    assert response.status_code == 302
    item = TrashItem.objects.get()
    assert (item.kind, item.object_id, item.deleted_by) == ("note", note.pk, admin_user)
    assert Note.objects_with_deleted.get(pk=note.pk).trashed == item
    assert Comment.objects_with_deleted.get(pk=comment.pk).trashed == item
    assert not admin_client.get(_url(Note, "changelist")).context["cl"].result_list
    assert admin_client.get(_url(Note, "change", note.pk)).status_code == 302  # gone: to the list
    actions.trash_restore(item, by=bob)
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_deleting_a_paper_in_the_admin_moves_it_with_everything_under_it(
    admin_client, paper, carol, bob
):
    note = make_note(paper, by=carol)
    question = make_question(paper, by=carol)
    make_comment(question, by=bob)
    admin_client.post(_url(Paper, "delete", paper.pk), {"post": "yes"})
    item = TrashItem.objects.get()
    assert (item.kind, item.summary) == ("paper", "[1] Attention Is All You Need")
    assert not Paper.objects.exists() and not Note.objects.exists()
    assert not Question.objects.exists() and not Comment.objects.exists()
    actions.trash_restore(item, by=bob)
    assert Note.objects.get().pk == note.pk and Comment.objects.count() == 1


def test_delete_selected_says_it_goes_to_the_trash_and_does_so(admin_client, paper, carol, bob):
    top = make_comment(paper, by=carol, body="Top")
    reply = make_comment(paper, by=bob, body="Reply", parent=top)
    other = make_comment(paper, by=bob, body="Other")
    page = _action(admin_client, Comment, "delete_selected", [top, reply, other])
    assert "Nothing is deleted for good:" in page.content.decode()
    assert Comment.objects.count() == 3
    response = _action(admin_client, Comment, "delete_selected", [top, reply, other], post="yes")
    assert response.status_code == 302
    assert not Comment.objects.exists()
    # The reply went with its parent (one item), not on its own as well.
    items = TrashItem.objects.order_by("pk")
    assert [(i.kind, i.object_id) for i in items] == [("comment", top.pk), ("comment", other.pk)]
    actions.trash_restore(items[0], by=bob)
    assert set(Comment.objects.values_list("pk", flat=True)) == {top.pk, reply.pk}


def test_the_admin_refuses_the_number_of_a_paper_in_the_trash(admin_client, log, paper, carol):
    actions.trash(paper, by=carol)
    response = admin_client.post(
        _url(Paper, "add"),
        {"log": log.pk, "number": 1, "title": "Again", "status": "to_read",
         "notes-TOTAL_FORMS": 0, "notes-INITIAL_FORMS": 0,
         "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "[1] belongs to a paper in this log&#x27;s trash." in response.content.decode()
    assert Paper.objects_with_deleted.count() == 1


def test_admin_counts_leave_out_the_trash(admin_client, log, paper, carol, bob):
    make_paper(log, by=carol, title="Second")
    question = make_question(paper, by=carol)
    actions.trash(make_comment(question, by=bob), by=bob)
    actions.trash(make_paper(log, by=carol, title="Deleted"), by=carol)
    logs = admin_client.get(_url(ReadingLog, "changelist")).context["cl"].result_list
    assert [row.paper_count for row in logs] == [2]
    no_replies = admin_client.get(_url(Question, "changelist"), {"replies": "no"})
    assert list(no_replies.context["cl"].result_list) == [question]


def test_merge_asks_for_confirmation_then_merges_into_lowest_number(admin_client, log, carol):
    kept = make_paper(log, by=carol, title="Attention Is All You Need", url="")
    duplicate = make_paper(log, by=carol, title="Attention is all you need (dup)")
    make_note(kept, by=carol, body="first")
    make_note(duplicate, by=carol, body="second")
    make_question(duplicate, by=carol)
    make_comment(duplicate, by=carol)

    response = _action(admin_client, Paper, "merge_papers", [kept, duplicate])
    assert response.status_code == 200
    assert b"Merge papers" in response.content
    assert Paper.objects.count() == 2

    _action(admin_client, Paper, "merge_papers", [kept, duplicate], apply="1", confirm="on")
    assert list(Paper.objects.values_list("pk", flat=True)) == [kept.pk]
    kept.refresh_from_db()
    assert [n.body for n in kept.notes.order_by("position")] == ["first", "second"]
    assert kept.questions.count() == 1 and kept.comments.count() == 1
    assert kept.url == "https://arxiv.org/abs/1706.03762"


def test_merge_refuses_papers_of_different_logs(admin_client, log, carol, alice):
    from tests.conftest import make_log

    other_log = make_log(alice, slug="other")
    a = make_paper(log, by=carol)
    b = make_paper(other_log, by=alice)
    response = _action(admin_client, Paper, "merge_papers", [a, b], apply="1", confirm="on")
    assert response.status_code == 302
    assert Paper.objects.count() == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Pick two or more papers of the same log to merge."]


def test_renumber_paper_to_a_free_number(admin_client, log, carol):
    paper = make_paper(log, by=carol)
    response = _action(admin_client, Paper, "renumber_paper", [paper])
    assert response.status_code == 200 and b"New number" in response.content
    _action(admin_client, Paper, "renumber_paper", [paper], apply="1", number="7")
    paper.refresh_from_db()
    assert paper.number == 7


def test_renumber_to_a_taken_number_shows_an_error(admin_client, log, carol):
    first = make_paper(log, by=carol)
    make_paper(log, by=carol)
    response = _action(admin_client, Paper, "renumber_paper", [first], apply="1", number="2")
    assert response.status_code == 200
    assert b"[2] is already taken in this log." in response.content
    first.refresh_from_db()
    assert first.number == 1


def test_renumber_log_closes_gaps(admin_client, log, carol):
    make_paper(log, by=carol, number=3)
    make_paper(log, by=carol, number=8)
    _action(admin_client, ReadingLog, "renumber_papers", [log])
    assert list(log.papers.values_list("number", flat=True)) == [1, 2]


def test_revoke_invitations(admin_client, log):
    invitation = Invitation.objects.create(log=log)
    _action(admin_client, Invitation, "revoke", [invitation])
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.is_usable


def test_hide_changelog_entries(admin_client, log):
    entry = ChangeLogEntry.objects.create(log=log, text="Oops")
    _action(admin_client, ChangeLogEntry, "hide", [entry])
    entry.refresh_from_db()
    assert entry.hidden


def test_duplicate_paper_number_in_admin_is_a_form_error(admin_client, log, carol):
    make_paper(log, by=carol, number=1)
    response = admin_client.post(
        _url(Paper, "add"),
        {"log": log.pk, "number": 1, "title": "Again", "status": "to_read",
         "notes-TOTAL_FORMS": 0, "notes-INITIAL_FORMS": 0,
         "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert Paper.objects.count() == 1


def test_export_log_as_markdown_downloads_one_log_and_refuses_several(admin_client, log, carol):
    make_paper(log, by=carol)
    response = _action(admin_client, ReadingLog, "export_as_markdown", [log])
    assert response["Content-Disposition"] == 'attachment; filename="group.md"'
    assert "Attention Is All You Need" in response.content.decode()

    other = ReadingLog.objects.create(title="Other", slug="other")
    response = _action(admin_client, ReadingLog, "export_as_markdown", [log, other])
    assert response.status_code == 302
    assert "Pick one log to export." in admin_client.get(response["Location"]).content.decode()


def _change(admin_client, obj, data):
    return admin_client.post(_url(type(obj), "change", obj.pk), data)


def test_editing_in_the_admin_records_who_changed_it(admin_client, paper, carol, admin_user):
    note = make_note(paper, by=carol)
    data = {"paper": paper.pk, "position": 0, "anchor_kind": "", "anchor_label": "",
            "body": "Edited by the admin", "author": carol.pk}  # fmt: skip
    response = _change(admin_client, note, data)
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.body, note.author, note.updated_by) == ("Edited by the admin", carol, admin_user)
    assert note.body_html == "<p>Edited by the admin</p>"


def test_resolving_a_question_by_hand_records_who_and_when(admin_client, paper, carol, admin_user):
    question = make_question(paper, by=carol)
    data = {"paper": paper.pk, "position": 0, "section": "", "body": question.body,
            "author": carol.pk, "resolution": "Answered at the meeting."}  # fmt: skip
    _change(admin_client, question, {**data, "status": "resolved"})
    question.refresh_from_db()
    assert question.resolved_by == admin_user and question.resolved_at is not None
    _change(admin_client, question, {**data, "status": "open"})
    question.refresh_from_db()
    assert question.resolved_by is None and question.resolved_at is None


def test_an_answer_from_another_question_is_a_form_error(admin_client, paper, carol, bob):
    question = make_question(paper, by=carol)
    other = make_question(paper, by=carol, body="Another one?")
    reply = make_comment(other, by=bob)
    response = _change(
        admin_client,
        question,
        {"paper": paper.pk, "position": 0, "body": question.body, "author": carol.pk,
         "status": "resolved", "answer": reply.pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"The answer must be a reply to this question." in response.content
    question.refresh_from_db()
    assert question.answer is None and question.status == "open"


def test_a_comment_cannot_point_into_another_log(admin_client, log, paper, carol, alice):
    from tests.conftest import make_log

    other_log = make_log(alice, slug="other")
    response = admin_client.post(
        _url(Comment, "add"), {"log": other_log.pk, "paper": paper.pk, "body": "x"}
    )
    assert response.status_code == 200
    assert b"in another log" in response.content
    assert Comment.objects.count() == 0


def test_paper_fields_are_validated_in_the_admin(admin_client, log, carol):
    paper = make_paper(log, by=carol)
    data = {"log": log.pk, "number": 0, "title": paper.title, "status": "to_read",
            "arxiv_id": "not an id", "doi": "doi.org/x", "year": "99999",
            "notes-TOTAL_FORMS": 0, "notes-INITIAL_FORMS": 0,
            "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0}  # fmt: skip
    response = _change(admin_client, paper, data)
    assert response.status_code == 200
    html = response.content.decode()
    for message in ("Enter an arXiv id like 2407.12687", "Enter a DOI like 10.1145",
                    "less than or equal to 2999", "greater than or equal to 1"):  # fmt: skip
        assert message in html
    paper.refresh_from_db()
    assert paper.number == 1 and paper.arxiv_id == ""


def test_a_reserved_slug_is_refused(admin_client):
    response = admin_client.post(
        _url(ReadingLog, "add"),
        {"title": "New", "slug": "new", "visibility": "private",
         "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "is the address of a page" in response.content.decode()
    assert not ReadingLog.objects.exists()


def test_renumbering_to_an_impossible_number_is_a_form_error(admin_client, log, carol):
    paper = make_paper(log, by=carol)
    response = _action(admin_client, Paper, "renumber_paper", [paper], apply="1",
                       number="99999999999999")  # fmt: skip
    assert response.status_code == 200
    assert b"less than or equal to" in response.content
    paper.refresh_from_db()
    assert paper.number == 1


def test_unhide_changelog_entries(admin_client, log, admin_user):
    entry = ChangeLogEntry.objects.create(log=log, text="Oops", hidden=True)
    response = _action(admin_client, ChangeLogEntry, "unhide", [entry])
    entry.refresh_from_db()
    assert not entry.hidden and entry.updated_by == admin_user
    assert "Showed 1 entries again." in [str(m) for m in response.wsgi_request._messages]


def test_tag_urls_are_encoded(log):
    tag = Tag.objects.create(log=log, name="R&D #1")
    assert tag.get_absolute_url() == "/logs/group/?tag=R%26D+%231"


def test_an_admin_edit_keeps_a_revision_and_shows_the_edited_mark(
    admin_client, client, log, paper, carol, admin_user
):
    note = make_note(paper, by=carol, body="Carol's words")
    data = {"paper": paper.pk, "position": 0, "anchor_kind": "", "anchor_label": "",
            "body": "The admin's words", "author": carol.pk}  # fmt: skip
    assert _change(admin_client, note, data).status_code == 302
    note.refresh_from_db()
    assert (note.version, note.edited_by, note.edited_at is not None) == (2, admin_user, True)
    revisions = Revision.objects.of(note).order_by("version")
    assert [(r.version, r.created_by, r.data["body"]) for r in revisions] == [
        (1, carol, "Carol's words"),
        (2, admin_user, "The admin's words"),
    ]
    client.force_login(carol)
    page = client.get(reverse("paper_detail", args=[log.slug, paper.number])).content.decode()
    history_url = reverse("note_history", args=[log.slug, note.pk])
    assert f'<a class="edited-mark" href="{history_url}"' in page
    assert "edited by root" in page
    history = client.get(history_url).content.decode()
    assert "<del>Carol&#x27;s</del><ins>The admin&#x27;s</ins> words" in history


def test_an_admin_edit_of_a_paper_keeps_its_fields_and_tags_as_a_revision(
    admin_client, log, paper, admin_user
):
    tag = Tag.objects.create(log=log, name="transformers")
    data = {"log": log.pk, "number": paper.number, "title": "Attention, revisited",
            "url": paper.url, "status": "read", "tags": [tag.pk],
            "notes-TOTAL_FORMS": 0, "notes-INITIAL_FORMS": 0,
            "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0}  # fmt: skip
    assert _change(admin_client, paper, data).status_code == 302
    paper.refresh_from_db()
    assert (paper.title, paper.status, paper.edited_by) == (
        "Attention, revisited",
        "read",
        admin_user,
    )
    assert list(paper.tags.values_list("name", flat=True)) == ["transformers"]
    latest = Revision.objects.of(paper).get(version=2)
    assert latest.created_by == admin_user
    assert (latest.data["title"], latest.data["status"], latest.data["tags"]) == (
        "Attention, revisited",
        "read",
        ["transformers"],
    )
    assert Revision.objects.of(paper).get(version=1).data["tags"] == []


def test_an_admin_edit_of_a_change_log_entry_shows_the_edited_mark(
    admin_client, client, log, bob, admin_user
):
    entry = ChangeLogEntry.objects.create(log=log, text="Written by hand", author=bob)
    data = {"log": log.pk, "date": entry.date.isoformat(), "text": "Written by hand, fixed",
            "kind": "written", "author": bob.pk}  # fmt: skip
    assert _change(admin_client, entry, data).status_code == 302
    entry.refresh_from_db()
    assert (entry.version, entry.edited_by) == (2, admin_user)
    assert Revision.objects.of(entry).count() == 2
    client.force_login(bob)
    page = client.get(reverse("log_changelog", args=[log.slug])).content.decode()
    history_url = reverse("entry_history", args=[log.slug, entry.pk])
    assert f'<a class="edited-mark" href="{history_url}"' in page


def test_an_invitation_shows_who_used_it(admin_client, log, mallory):
    invitation = Invitation.objects.create(log=log, max_uses=3)
    invitation.accept(mallory)
    page = admin_client.get(_url(Invitation, "change", invitation.pk)).content.decode()
    assert f'<a href="{_url(User, "change", mallory.pk)}">mallory</a>' in page  # the uses inline
    listing = admin_client.get(_url(Invitation, "changelist")).content.decode()
    assert '<td class="field-max_uses">3</td>' in listing
