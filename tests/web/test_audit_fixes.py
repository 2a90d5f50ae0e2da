"""Fixes from the web app's acceptance audit: focus targets, one message per error,
labels without colons, consistent dates, "edited" marks, a server-rendered nav badge,
and the resolve / reopen responses that re-order the questions at once."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from papers.models import Membership, Note, Question
from tests.conftest import make_comment, make_note, make_question
from tests.web.conftest import HTMX, assert_partial


def url(name, *args):
    return reverse(name, args=args)


# -- 4. The log nav's Questions badge is rendered with the page ------------------


def test_the_log_nav_badge_is_rendered_with_the_page_not_fetched_after_it(
    client, carol, log, paper
):
    make_question(paper, by=carol)
    make_question(paper, by=carol)
    client.force_login(carol)
    for name in ("log_detail", "log_changelog", "log_members"):
        html = client.get(url(name, log.slug)).content.decode()
        badge = re.search(r'<span id="lognav-question-badge".*?</span></span>', html, re.S)
        assert badge, name
        assert ">2<" in badge.group(0), name
        assert 'hx-trigger="questions-changed from:body"' in badge.group(0), name
        assert "load," not in badge.group(0), name


# -- 2. A blank note says so once ------------------------------------------------


def test_a_blank_note_shows_one_error(client, carol, log, paper):
    client.force_login(carol)
    for body in ("", "   "):
        response = client.post(url("note_add", log.slug, paper.number), {"body": body}, **HTMX)
        html = response.content.decode()
        assert response.status_code == 422
        assert html.count("Write the note first.") == 1
        assert "This field is required." not in html
    assert not Note.objects.exists()


# -- 6. Labels: no colons, friendly names -------------------------------------------


def test_in_place_forms_have_friendly_labels_without_colons(client, carol, log, paper):
    client.force_login(carol)
    html = client.get(url("paper_field_edit", log.slug, paper.number, "link"), **HTMX)
    html = html.content.decode()
    assert ">Link</label>" in html and ">arXiv id</label>" in html and ">DOI</label>" in html
    assert ":</label>" not in html
    html = client.get(url("paper_field_edit", log.slug, paper.number, "title"), **HTMX)
    assert ">Title</label>" in html.content.decode()


# -- 1. Focus goes somewhere sensible after each action -------------------------------


def test_each_in_place_editor_focuses_its_first_field(client, carol, log, paper):
    client.force_login(carol)
    firsts = {
        "title": "title",
        "link": "url",
        "authors": "authors",
        "status": "status",
        "curiosity": "curiosity",
        "tags": "tag_names",
        "tldr": "tldr",
    }
    for field, first in firsts.items():
        response = client.get(url("paper_field_edit", log.slug, paper.number, field), **HTMX)
        html = response.content.decode()
        assert html.count("autofocus") == 1, field
        assert re.search(rf'name="{first}"[^>]*autofocus', html), field


def test_adding_a_paper_inline_focuses_a_fresh_title_field(client, carol, log, paper):
    client.force_login(carol)
    response = client.post(url("paper_add", log.slug), {"title": "BERT", "url": ""}, **HTMX)
    assert_partial(response, "paper-add")
    html = response.content.decode()
    assert re.search(r'<input[^>]*name="title"[^>]*data-focus', html)
    assert 'value="BERT"' not in html
    assert 'data-announce="Added paper 2"' in html


def test_deleting_a_comment_focuses_its_thread(client, carol, log, paper):
    note = make_note(paper, by=carol)
    comment = make_comment(note, by=carol)
    client.force_login(carol)
    response = client.post(url("comment_delete", log.slug, comment.pk), **HTMX)
    html = response.content.decode()
    assert re.search(rf'id="comment-list-note-{note.pk}"[^>]*data-focus', html)
    assert 'tabindex="-1"' in html


def test_turning_a_note_into_a_question_focuses_the_new_question(client, carol, log, paper):
    note = make_note(paper, by=carol, body="Why is it so?")
    client.force_login(carol)
    response = client.post(url("note_to_question", log.slug, note.pk), **HTMX)
    html = response.content.decode()
    question = Question.objects.get()
    assert re.search(r'id="question-list"[^>]*hx-swap-oob="true"', html)
    assert re.search(rf'id="question-{question.pk}"[^>]*data-focus', html)


def test_changing_a_role_or_removing_a_member_focuses_the_member_list(
    client, alice, carol, dave, log
):
    client.force_login(alice)
    member = Membership.objects.get(log=log, user=dave)
    response = client.post(
        url("member_role", log.slug, member.pk), {f"m{member.pk}-role": "member"}, **HTMX
    )
    html = response.content.decode()
    assert re.search(rf'id="member-{member.pk}"[^>]*data-focus', html)
    member = Membership.objects.get(log=log, user=carol)
    response = client.post(url("member_remove", log.slug, member.pk), **HTMX)
    html = response.content.decode()
    assert re.search(r'id="members-title"[^>]*data-focus', html) or re.search(
        r'data-focus[^>]*id="members-title"', html
    )


# -- 7. Dates read the same everywhere ----------------------------------------------


def test_the_members_page_writes_dates_like_the_rest_of_the_app(client, alice, log):
    client.force_login(alice)
    html = client.get(url("log_members", log.slug)).content.decode()
    today = timezone.localdate()
    assert f"joined {today.day} {today:%b %Y}" in html


# -- 8. Notes and questions say when someone edited them ------------------------------


def test_a_note_edited_by_someone_else_says_edited_by_whom(client, bob, carol, log, paper):
    note = make_note(paper, by=carol, body="First words")
    untouched = make_note(paper, by=carol, body="Never edited")
    client.force_login(bob)
    response = client.post(
        url("note_edit", log.slug, note.pk), {"version": note.version, "body": "Better words"}
    )
    assert response.status_code == 302
    client.force_login(carol)
    html = client.get(url("paper_detail", log.slug, paper.number)).content.decode()
    chunk = html[html.index(f'id="note-{note.pk}"') : html.index(f'id="note-{untouched.pk}"')]
    assert "edited by bob" in chunk and url("note_history", log.slug, note.pk) in chunk
    rest = html[html.index(f'id="note-{untouched.pk}"') :]
    assert "edited by" not in rest[: rest.index("</li>")]


def test_a_question_edited_later_says_edited(client, carol, log, paper):
    question = make_question(paper, by=carol)
    Question.objects.filter(pk=question.pk).update(
        edited_by=carol, edited_at=question.created_at + timedelta(hours=2)
    )
    client.force_login(carol)
    html = client.get(url("paper_detail", log.slug, paper.number)).content.decode()
    assert "edited by carol" in html


def test_resolving_or_moving_is_not_an_edit_but_any_text_change_is(client, carol, bob, log, paper):
    question = make_question(paper, by=carol)
    note = make_note(paper, by=carol, body="First")
    second = make_note(paper, by=carol, body="Second")
    client.force_login(bob)
    client.post(url("question_resolve", log.slug, question.pk), {"resolution": "Done"})
    client.post(url("question_reopen", log.slug, question.pk))
    client.post(url("note_move", log.slug, second.pk), {"direction": "up"})
    question.refresh_from_db()
    note.refresh_from_db()
    assert not question.was_edited and not note.was_edited
    client.force_login(carol)
    client.post(url("note_edit", log.slug, note.pk), {"version": 1, "body": "First, typo fixed"})
    note.refresh_from_db()
    assert note.was_edited and note.edited_by == carol and note.version == 2


# -- 3. Resolving re-orders the panel at once ---------------------------------------


def test_resolving_in_the_panel_answers_the_whole_list_in_its_new_order(client, carol, log, paper):
    first = make_question(paper, by=carol, body="First")
    second = make_question(paper, by=carol, body="Second")
    client.force_login(carol)
    response = client.post(url("question_resolve", log.slug, first.pk), **HTMX)
    assert_partial(response, "question-list")
    assert response["HX-Retarget"] == "#question-list"
    html = response.content.decode()
    resolved_at = html.index('id="resolved-questions"')
    assert html.index(f'id="question-{second.pk}"') < resolved_at
    assert html.index(f'id="question-{first.pk}"') > resolved_at
    assert re.search(rf'id="question-{first.pk}"[^>]*data-focus', html)
    assert html.count("data-focus") == 1
    response = client.post(url("question_reopen", log.slug, first.pk), **HTMX)
    html = response.content.decode()
    assert 'id="resolved-questions"' not in html


def test_resolving_on_the_open_questions_page_marks_it_and_updates_the_count(
    client, carol, log, paper
):
    first = make_question(paper, by=carol, body="First")
    make_question(paper, by=carol, body="Second")
    client.force_login(carol)
    back = url("log_questions", log.slug) + "?status=open"
    response = client.post(
        url("question_resolve", log.slug, first.pk),
        {"from": "questions", "next": back},
        **HTMX,
    )
    html = response.content.decode()
    assert_partial(response, f"question-{first.pk}")
    assert "No longer open" in html
    assert re.search(r'id="question-count"[^>]*hx-swap-oob="true"[^>]*>.*1 question\b', html, re.S)
