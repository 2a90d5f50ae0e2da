"""The trash: deleting a paper in the app, the trash page, restoring and purging.

What a trashed item no longer shows up in (pages, counts, search, exports,
live updates) is in test_trash_everywhere.py.
"""

import pytest
from django.urls import reverse

from papers import actions
from papers.models import Comment, Note, Paper, Question, Revision, TrashItem
from tests.conftest import make_comment, make_note, make_paper, make_question
from tests.web.conftest import assert_partial


def trash_url(log, **query):
    url = reverse("log_trash", args=[log.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def restore_url(item):
    return reverse("trash_restore", args=[item.log.slug, item.pk])


def purge_url(item):
    return reverse("trash_purge", args=[item.log.slug, item.pk])


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


# -- Deleting a paper ----------------------------------------------------------


def delete_url(paper):
    return reverse("paper_delete", args=[paper.log.slug, paper.number])


def test_whoever_added_a_paper_deletes_it_into_the_trash(client, carol, bob, log, paper):
    note = make_note(paper, by=carol)
    question = make_question(paper, by=carol)
    comments = [make_comment(paper, by=bob), make_comment(note, by=bob)]
    comments.append(make_comment(question, by=bob))
    client.force_login(carol)
    response = client.post(delete_url(paper))
    assert response.status_code == 302
    assert response["Location"] == reverse("log_detail", args=[log.slug])
    item = TrashItem.objects.get()
    assert (item.kind, item.object_id, item.deleted_by) == ("paper", paper.pk, carol)
    assert item.summary == "[1] Attention Is All You Need"
    assert not Paper.objects.exists() and not Note.objects.exists()
    assert not Question.objects.exists() and not Comment.objects.exists()
    held = Comment.objects_with_deleted.filter(trashed=item)
    assert set(held.values_list("pk", flat=True)) == {c.pk for c in comments}


def test_the_log_page_says_the_paper_is_in_the_trash_with_a_link_to_restore_it(
    client, carol, log, paper
):
    client.force_login(carol)
    response = client.post(delete_url(paper), follow=True)
    item = TrashItem.objects.get()
    html = response.content.decode()
    assert "[1] Attention Is All You Need is in the trash." in html
    assert f'<a href="{trash_url(log)}#trash-{item.pk}">Restore it</a>' in html
    assert f'href="{reverse("paper_detail", args=[log.slug, 1])}"' not in html


def test_a_curator_deletes_anyones_paper(client, bob, paper):
    client.force_login(bob)
    assert client.post(delete_url(paper)).status_code == 302
    assert TrashItem.objects.get().deleted_by == bob


def test_a_member_cannot_delete_a_paper_someone_else_added(client, carol, bob, log):
    paper = make_paper(log, by=bob)
    client.force_login(carol)
    assert client.post(delete_url(paper)).status_code == 403
    assert Paper.objects.filter(pk=paper.pk).exists()


def test_deleting_needs_a_post(client, carol, paper):
    client.force_login(carol)
    assert client.get(delete_url(paper)).status_code == 405


def test_a_paper_in_the_trash_cannot_be_deleted_again(client, carol, paper):
    actions.trash(paper, by=carol)
    client.force_login(carol)
    assert client.post(delete_url(paper)).status_code == 404
    assert TrashItem.objects.count() == 1


def test_the_paper_page_has_a_delete_form_for_who_may_delete(client, carol, bob, dave, log):
    paper = make_paper(log, by=bob)
    form = f'action="{delete_url(paper)}"'
    page = reverse("paper_detail", args=[log.slug, paper.number])
    client.force_login(bob)
    assert form in client.get(page).content.decode()
    for user in (carol, dave):
        client.force_login(user)
        assert form not in client.get(page).content.decode()


def test_restoring_a_paper_brings_back_everything_under_it_with_its_number(client, carol, bob, log):
    make_paper(log, by=carol, title="First")
    paper = make_paper(log, by=carol, title="Second")
    note = make_note(paper, by=carol, body="Figure 2: the decoder", anchor_kind="figure")
    question = make_question(paper, by=carol)
    reply = make_comment(question, by=bob, body="Scaling.")
    actions.question_resolve(question, by=carol, answer=reply)
    make_comment(note, by=bob)
    client.force_login(carol)
    client.post(delete_url(paper))
    make_paper(log, by=carol, title="Third")  # takes [3], not the trashed paper's [2]
    response = client.post(restore_url(TrashItem.objects.get()))
    assert response["Location"] == reverse("paper_detail", args=[log.slug, 2])
    assert list(log.papers.values_list("number", "title")) == [
        (1, "First"),
        (2, "Second"),
        (3, "Third"),
    ]
    html = client.get(response["Location"]).content.decode()
    assert "the decoder" in html and "Scaling." in html
    assert f'href="#comment-{reply.pk}">the reply by bob' in html
    question.refresh_from_db()
    assert (question.status, question.answer_id) == ("resolved", reply.pk)
    assert not TrashItem.objects.exists()


# -- The trash page --------------------------------------------------------------


@pytest.fixture
def deleted(log, paper, carol, bob):
    """A note carol deleted, and a question bob deleted."""
    note = make_note(paper, by=carol, body="Carol's note")
    question = make_question(paper, by=bob, body="Bob's question?")
    return actions.trash(note, by=carol), actions.trash(question, by=bob)


def test_a_curator_sees_everything_deleted_with_who_and_when(client, bob, log, deleted):
    client.force_login(bob)
    response = client.get(trash_url(log))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Carol&#x27;s note" in html and "Bob&#x27;s question?" in html
    assert "Deleted by carol" in html and "Deleted by bob" in html
    assert "on [1] Attention Is All You Need" in html
    for item in deleted:
        assert f'action="{restore_url(item)}"' in html
        assert f'action="{purge_url(item)}"' in html
    assert f'action="{reverse("trash_empty", args=[log.slug])}"' in html


def test_a_member_sees_only_what_they_deleted_and_cannot_purge(client, carol, log, deleted):
    client.force_login(carol)
    html = client.get(trash_url(log)).content.decode()
    assert "Carol&#x27;s note" in html
    assert "Bob&#x27;s question?" not in html
    assert f'action="{restore_url(deleted[0])}"' in html
    assert "Delete for good" not in html and "Empty the trash" not in html


def test_the_trash_page_requires_login(client, log, deleted):
    response = client.get(trash_url(log))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_outsider_gets_404(client, mallory, log, deleted):
    client.force_login(mallory)
    response = client.get(trash_url(log))
    assert response.status_code == 404
    assert b"Carol" not in response.content


def test_a_viewer_gets_403(client, dave, log, deleted):
    client.force_login(dave)
    assert client.get(trash_url(log)).status_code == 403


def test_an_empty_trash_says_so(client, bob, log):
    client.force_login(bob)
    html = client.get(trash_url(log)).content.decode()
    assert "The trash is empty." in html and "Empty the trash" not in html


def _fill(paper, user, count):
    for n in range(count):
        actions.trash(make_note(paper, by=user, body=f"Deleted note {n}"), by=user)


def test_htmx_pages_through_the_trash_list(client, bob, log, paper, htmx):
    _fill(paper, bob, 60)
    client.force_login(bob)
    response = client.get(trash_url(log, page=2), **htmx)
    assert_partial(response, "trash-list")
    html = response.content.decode()
    assert "Deleted note 9<" in html and "Deleted note 10<" not in html  # oldest last
    assert "<h1>Trash</h1>" not in html


@pytest.mark.parametrize("size", [10, 60])
def test_the_trash_page_runs_a_fixed_number_of_queries(
    client, bob, log, paper, size, django_assert_num_queries
):
    _fill(paper, bob, size)
    client.force_login(bob)
    # 1 session, 2 user, 3 log, 4 membership (role), 5 count of the items, 6 the page of
    # items with who deleted them, 7 the log's open questions (the log nav's badge).
    with django_assert_num_queries(7):
        response = client.get(trash_url(log))
    assert response.status_code == 200


# -- Restoring -------------------------------------------------------------------


def test_restoring_a_note_brings_back_its_place_anchor_and_everyones_comments(
    client, carol, bob, alice, paper
):
    first = make_note(paper, by=carol, body="First")
    note = make_note(
        paper, by=carol, body="the attention maps", anchor_kind="figure", anchor_label="Figure 3"
    )
    make_note(paper, by=carol, body="Last")
    top = make_comment(note, by=bob, body="A remark by bob")
    reply = make_comment(note, by=alice, body="Alice answers", parent=top)
    client.force_login(carol)
    client.post(reverse("note_delete", args=[paper.log.slug, note.pk]))
    assert list(paper.notes.values_list("body", flat=True)) == ["First", "Last"]
    assert not Comment.objects.filter(pk__in=[top.pk, reply.pk]).exists()

    response = client.post(restore_url(TrashItem.objects.get()))
    assert response["Location"] == note.get_absolute_url()
    assert messages_of(response) == ["Restored: Figure 3: the attention maps"]
    restored = Note.objects.get(pk=note.pk)
    assert (restored.position, restored.anchor_kind, restored.anchor_label) == (
        note.position,
        "figure",
        "Figure 3",
    )
    assert list(paper.notes.values_list("pk", flat=True))[:2] == [first.pk, note.pk]
    assert Comment.objects.get(pk=reply.pk).parent_id == top.pk
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "A remark by bob" in html and "Alice answers" in html


def test_restoring_a_question_keeps_its_status_and_answer(client, carol, bob, paper):
    question = make_question(paper, by=carol)
    reply = make_comment(question, by=bob, body="Because of the variance.")
    actions.question_resolve(question, by=carol, answer=reply, resolution="See the reply.")
    client.force_login(carol)
    client.post(reverse("question_delete", args=[paper.log.slug, question.pk]))
    client.post(restore_url(TrashItem.objects.get()))
    question = Question.objects.get(pk=question.pk)
    assert (question.status, question.answer_id, question.resolution) == (
        "resolved",
        reply.pk,
        "See the reply.",
    )
    assert Comment.objects.filter(pk=reply.pk).exists()


def test_restoring_a_comment_brings_back_its_replies(client, carol, bob, paper):
    top = make_comment(paper, by=carol, body="Top")
    reply = make_comment(paper, by=bob, body="Reply", parent=top)
    client.force_login(carol)
    client.post(reverse("comment_delete", args=[paper.log.slug, top.pk]))
    response = client.post(restore_url(TrashItem.objects.get()))
    assert response["Location"] == top.get_absolute_url()
    assert set(Comment.objects.values_list("pk", flat=True)) == {top.pk, reply.pk}


def test_a_note_whose_paper_is_in_the_trash_is_not_restored_and_it_says_so(
    client, carol, bob, log, paper
):
    note = make_note(paper, by=carol, body="Carol's note")
    note_item = actions.trash(note, by=carol)
    actions.trash(paper, by=bob)
    client.force_login(carol)
    response = client.post(restore_url(note_item))
    assert response["Location"] == trash_url(log)
    assert messages_of(response) == [
        "Not restored: it was on [1] Attention Is All You Need, which is in the trash too. "
        "Ask a curator to restore that first."
    ]
    assert TrashItem.objects.filter(pk=note_item.pk).exists()
    assert Note.objects_with_deleted.get(pk=note.pk).trashed_id == note_item.pk

    client.force_login(bob)
    client.post(restore_url(TrashItem.objects.get(kind="paper")))
    assert not Note.objects.filter(pk=note.pk).exists()  # deleted on its own, still in the trash
    client.force_login(carol)
    client.post(restore_url(note_item))
    assert Note.objects.filter(pk=note.pk).exists()


def test_whoever_deleted_the_holder_is_told_to_restore_it_first(client, bob, paper):
    comment = make_comment(paper, by=bob, body="Top")
    reply = make_comment(paper, by=bob, body="Reply", parent=comment)
    reply_item = actions.trash(reply, by=bob)
    actions.trash(comment, by=bob)
    client.force_login(bob)
    response = client.post(restore_url(reply_item))
    assert messages_of(response) == [
        "Not restored: it was on a comment “Top”, which is in the trash too. Restore that first."
    ]
    assert not Comment.objects.filter(pk=reply.pk).exists()


def test_restoring_what_was_purged_meanwhile_says_it_is_gone(client, bob, log, paper):
    note = make_note(paper, by=bob)
    item = actions.trash(note, by=bob)
    Note.objects_with_deleted.filter(pk=note.pk).delete()
    client.force_login(bob)
    response = client.post(restore_url(item))
    assert response["Location"] == trash_url(log)
    assert messages_of(response) == ["That is gone for good: nothing was restored."]


def test_a_member_cannot_restore_what_someone_else_deleted(client, carol, deleted):
    client.force_login(carol)
    assert client.post(restore_url(deleted[1])).status_code == 403
    assert TrashItem.objects.count() == 2


def test_a_curator_restores_what_a_member_deleted(client, bob, deleted):
    client.force_login(bob)
    assert client.post(restore_url(deleted[0])).status_code == 302
    assert Note.objects.filter(body="Carol's note").exists()


@pytest.mark.parametrize("name", ["trash_restore", "trash_purge"])
def test_restore_and_purge_keep_outsiders_and_viewers_out(client, mallory, dave, deleted, name):
    url = reverse(name, args=[deleted[0].log.slug, deleted[0].pk])
    assert client.post(url).status_code == 302  # to log in
    client.force_login(mallory)
    assert client.post(url).status_code == 404
    client.force_login(dave)
    assert client.post(url).status_code == 403
    assert TrashItem.objects.count() == 2


def test_a_trash_item_of_another_log_is_a_404(client, alice, bob, log, deleted):
    from tests.conftest import make_log

    other = make_log(bob, slug="other")
    client.force_login(bob)
    assert (
        client.post(reverse("trash_restore", args=[other.slug, deleted[0].pk])).status_code == 404
    )


# -- Purging ---------------------------------------------------------------------


def test_a_curator_purges_one_item_with_what_it_holds_and_its_revisions(
    client, bob, carol, paper, deleted
):
    note = make_note(paper, by=carol, body="Edited then deleted")
    note = actions.note_edit(note, by=carol, version=1, body="Edited once")
    make_comment(note, by=bob)
    item = actions.trash(note, by=carol)
    client.force_login(bob)
    response = client.post(purge_url(item))
    assert response["Location"] == trash_url(paper.log)
    assert messages_of(response) == ["Deleted for good: Edited once"]
    assert not Note.objects_with_deleted.filter(pk=note.pk).exists()
    assert not Comment.objects_with_deleted.exists()
    assert not Revision.objects.filter(kind="note", object_id=note.pk).exists()
    assert TrashItem.objects.count() == 2  # the others stay


def test_a_member_cannot_purge_even_what_they_deleted(client, carol, deleted):
    client.force_login(carol)
    assert client.post(purge_url(deleted[0])).status_code == 403
    assert client.post(reverse("trash_empty", args=[deleted[0].log.slug])).status_code == 403
    assert TrashItem.objects.count() == 2


def test_a_curator_empties_the_trash(client, bob, log, paper, deleted):
    other = make_paper(log, by=bob, title="Also deleted")
    actions.trash(other, by=bob)
    client.force_login(bob)
    response = client.post(reverse("trash_empty", args=[log.slug]))
    assert messages_of(response) == ["The trash is empty: 3 items deleted for good."]
    assert not TrashItem.objects.exists()
    assert list(Paper.objects_with_deleted.values_list("pk", flat=True)) == [paper.pk]
    assert not Note.objects_with_deleted.exists() and not Question.objects_with_deleted.exists()
