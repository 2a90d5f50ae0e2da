from django.urls import reverse

from papers.models import Comment, Question, TrashItem
from tests.conftest import make_comment, make_note, make_question
from tests.web.conftest import assert_partial


def add_url(kind, target, log="group"):
    return reverse("comment_add", args=[log, kind, target.pk])


def comment_url(name, comment):
    return reverse(name, args=[comment.log.slug, comment.pk])


def test_a_member_comments_on_the_paper(client, carol, paper):
    client.force_login(carol)
    response = client.post(add_url("paper", paper), {"body": "Nice *paper*"})
    comment = Comment.objects.get()
    assert response.status_code == 302 and response.url == comment.get_absolute_url()
    assert comment.paper == paper and comment.author == carol


def test_commenting_with_htmx_returns_the_form_list_and_count(client, carol, paper, htmx):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    response = client.post(add_url("note", note), {"body": "Hello"}, **htmx)
    assert_partial(response, f"comment-form-note-{note.pk}")
    html = response.content.decode()
    assert f'id="comment-list-note-{note.pk}" hx-swap-oob="true"' in html
    assert f'id="comment-count-note-{note.pk}" class="badge" hx-swap-oob="true">1<' in html
    assert 'data-announce="Comment posted"' in html


def test_an_empty_comment_rerenders_with_errors(client, carol, paper, htmx):
    question = make_question(paper, by=carol)
    client.force_login(carol)
    response = client.post(add_url("question", question), {"body": " "}, **htmx)
    assert_partial(response, f"comment-form-question-{question.pk}", status=422)
    assert b"errorlist" in response.content
    assert not Comment.objects.exists()


def test_an_empty_comment_without_js_shows_the_page(client, carol, paper):
    client.force_login(carol)
    response = client.post(add_url("paper", paper), {"body": ""})
    assert response.status_code == 422 and b"<html" in response.content


def test_commenting_on_another_logs_note_is_404(client, carol, alice, paper):
    from tests.conftest import make_log, make_paper

    other = make_note(make_paper(make_log(alice, slug="other"), by=alice), by=alice)
    client.force_login(carol)
    assert client.post(add_url("note", other), {"body": "x"}).status_code == 404
    assert client.post(add_url("log", paper), {"body": "x"}).status_code == 404


def test_a_viewer_cannot_comment(client, dave, paper):
    client.force_login(dave)
    assert client.post(add_url("paper", paper), {"body": "x"}).status_code == 403


def test_an_outsider_cannot_comment(client, mallory, paper):
    client.force_login(mallory)
    assert client.post(add_url("paper", paper), {"body": "x"}).status_code == 404


def test_commenting_requires_login(client, paper):
    assert client.post(add_url("paper", paper), {"body": "x"}).status_code == 302


def test_replies_thread_under_their_top_level_comment(client, carol, bob, paper):
    top = make_comment(paper, by=bob, body="top")
    reply = make_comment(paper, by=carol, body="reply", parent=top)
    make_comment(paper, by=bob, body="deeper", parent=reply)
    client.force_login(carol)
    html = client.get(paper.get_absolute_url()).content.decode()
    replies = html[html.index('class="replies"') :]
    assert "reply" in replies and "deeper" in replies and "replying to @carol" in replies


def test_a_member_replies_with_htmx(client, carol, bob, paper, htmx):
    question = make_question(paper, by=carol)
    top = make_comment(question, by=bob)
    client.force_login(carol)
    form = client.get(comment_url("comment_reply", top), **htmx)
    assert_partial(form, f"reply-form-{top.pk}")
    response = client.post(comment_url("comment_reply", top), {"body": "Because"}, **htmx)
    assert_partial(response, f"comment-list-question-{question.pk}")
    assert response["HX-Retarget"] == f"#comment-list-question-{question.pk}"
    reply = Comment.objects.get(body="Because")
    assert reply.parent == top and reply.question == question


def test_an_empty_reply_rerenders_the_reply_form(client, carol, bob, paper, htmx):
    top = make_comment(paper, by=bob)
    client.force_login(carol)
    response = client.post(comment_url("comment_reply", top), {"body": ""}, **htmx)
    assert_partial(response, f"reply-form-{top.pk}", status=422)


def test_the_reply_page_works_without_js(client, carol, bob, paper):
    top = make_comment(paper, by=bob)
    client.force_login(carol)
    page = client.get(comment_url("comment_reply", top))
    assert b"<html" in page.content and f"reply-form-{top.pk}".encode() in page.content
    response = client.post(comment_url("comment_reply", top), {"body": "Yes"})
    assert response.status_code == 302


def test_carol_edits_her_comment(client, carol, paper, htmx):
    comment = make_comment(paper, by=carol)
    client.force_login(carol)
    form = client.get(comment_url("comment_edit", comment), **htmx)
    assert_partial(form, f"comment-{comment.pk}")
    response = client.post(
        comment_url("comment_edit", comment), {"version": 1, "body": "Edited"}, **htmx
    )
    assert_partial(response, f"comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.body == "Edited"


def test_an_empty_edit_keeps_the_comment(client, carol, paper, htmx):
    comment = make_comment(paper, by=carol)
    client.force_login(carol)
    response = client.post(comment_url("comment_edit", comment), {"version": 1, "body": ""}, **htmx)
    assert_partial(response, f"comment-{comment.pk}", status=422)
    comment.refresh_from_db()
    assert comment.body == "Good point."


def test_carol_cannot_edit_or_delete_bobs_comment(client, carol, bob, paper):
    comment = make_comment(paper, by=bob)
    client.force_login(carol)
    assert (
        client.post(comment_url("comment_edit", comment), {"version": 1, "body": "x"}).status_code
        == 403
    )
    assert client.post(comment_url("comment_delete", comment)).status_code == 403


def test_bob_the_curator_edits_carols_comment(client, carol, bob, paper):
    comment = make_comment(paper, by=carol)
    client.force_login(bob)
    assert (
        client.post(
            comment_url("comment_edit", comment), {"version": 1, "body": "tidy"}
        ).status_code
        == 302
    )


def test_deleting_a_comment_moves_it_and_its_replies_to_the_trash(client, carol, bob, paper, htmx):
    top = make_comment(paper, by=carol)
    reply = make_comment(paper, by=bob, parent=top)
    client.force_login(carol)
    response = client.post(comment_url("comment_delete", top), **htmx)
    assert_partial(response, f"comment-list-paper-{paper.pk}")
    assert not Comment.objects.filter(pk__in=[top.pk, reply.pk]).exists()
    kept = Comment.objects_with_deleted.filter(pk__in=[top.pk, reply.pk])
    assert {c.trashed_id for c in kept} == {TrashItem.objects.get().pk}


def test_deleting_without_js_redirects(client, carol, paper):
    comment = make_comment(paper, by=carol)
    client.force_login(carol)
    assert client.post(comment_url("comment_delete", comment)).status_code == 302


def test_hiding_is_for_curators_only(client, carol, dave, paper):
    comment = make_comment(paper, by=carol)
    for user in (carol, dave):
        client.force_login(user)
        assert client.post(comment_url("comment_hide", comment)).status_code == 403
    assert not Comment.objects.get().hidden


def test_a_curator_hides_and_unhides_a_comment(client, carol, bob, paper, htmx):
    comment = make_comment(paper, by=carol, body="off topic")
    client.force_login(bob)
    response = client.post(comment_url("comment_hide", comment), {"hidden": "1"}, **htmx)
    assert_partial(response, f"comment-{comment.pk}")
    assert b"is-hidden" in response.content
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_by == bob
    client.force_login(carol)
    assert b"off topic" not in client.get(paper.get_absolute_url()).content
    client.force_login(bob)
    assert b"off topic" in client.get(paper.get_absolute_url()).content
    client.post(comment_url("comment_hide", comment), {"hidden": "0"})
    comment.refresh_from_db()
    assert not comment.hidden


def test_an_outsider_cannot_touch_comments(client, mallory, carol, paper):
    comment = make_comment(paper, by=carol)
    client.force_login(mallory)
    for name in ("comment_edit", "comment_reply", "comment_move"):
        assert client.get(comment_url(name, comment)).status_code == 404


def test_a_curator_moves_a_reply_to_another_question(client, carol, bob, paper):
    first, second = make_question(paper, by=carol), make_question(paper, by=carol, body="Other")
    top = make_comment(first, by=bob)
    reply = make_comment(first, by=carol, parent=top)
    client.force_login(bob)
    assert client.get(comment_url("comment_move", reply)).status_code == 200
    response = client.post(comment_url("comment_move", reply), {"target": f"question:{second.pk}"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.question == second and reply.parent is None


def test_a_curator_moves_a_comment_to_another_paper_by_number(client, carol, bob, log, paper):
    from tests.conftest import make_paper

    other = make_paper(log, by=carol, title="Other")
    comment = make_comment(paper, by=carol)
    client.force_login(bob)
    client.post(comment_url("comment_move", comment), {"paper_number": other.number})
    comment.refresh_from_db()
    assert comment.paper == other


def test_moving_nowhere_rerenders_with_errors(client, carol, bob, paper):
    comment = make_comment(paper, by=carol)
    client.force_login(bob)
    response = client.post(comment_url("comment_move", comment), {"paper_number": 99})
    assert response.status_code == 422 and b"errorlist" in response.content


def test_a_member_cannot_move_comments(client, carol, paper):
    comment = make_comment(paper, by=carol)
    client.force_login(carol)
    assert client.get(comment_url("comment_move", comment)).status_code == 403
    assert Question.objects.count() == 0
