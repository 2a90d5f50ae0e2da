"""Texts and titles have a size limit, refused with 422 and a clear message (issue #8)."""

import pytest
from django.urls import reverse

from papers.markdown import MAX_TEXT, MAX_TITLE
from papers.models import ChangeLogEntry, Comment, Note, Paper, Question
from tests.conftest import make_question
from tests.web.conftest import HTMX, assert_partial

TOO_LONG = "x" * (MAX_TEXT + 1)
SAID = "can be at most 50,000 characters; this one has 50,001."


def test_the_title_limit_is_the_models():
    assert Paper._meta.get_field("title").max_length == MAX_TITLE


def test_a_note_at_the_limit_is_saved(client, carol, paper):
    client.force_login(carol)
    response = client.post(
        reverse("note_add", args=["group", paper.number]), {"body": "x" * MAX_TEXT}
    )
    assert response.status_code == 302
    assert len(Note.objects.get().body) == MAX_TEXT


def test_a_longer_note_is_refused_with_the_form(client, carol, paper, htmx):
    client.force_login(carol)
    url = reverse("note_add", args=["group", paper.number])
    response = client.post(url, {"body": TOO_LONG}, **htmx)
    assert_partial(response, "note-form", status=422)
    assert f"A note {SAID}" in response.content.decode()
    response = client.post(url, {"body": TOO_LONG})
    assert response.status_code == 422 and f"A note {SAID}" in response.content.decode()
    assert not Note.objects.exists()


def test_a_longer_question_is_refused(client, carol, paper):
    client.force_login(carol)
    url = reverse("question_ask", args=["group", paper.number])
    response = client.post(url, {"body": TOO_LONG}, **HTMX)
    assert response.status_code == 422 and f"A question {SAID}" in response.content.decode()
    assert not Question.objects.exists()


def test_a_longer_resolution_is_refused(client, carol, paper):
    question = make_question(paper, by=carol)
    client.force_login(carol)
    url = reverse("question_resolve", args=["group", question.pk])
    response = client.post(url, {"resolution": TOO_LONG}, **HTMX)
    assert response.status_code == 422 and f"A resolution {SAID}" in response.content.decode()
    question.refresh_from_db()
    assert question.is_open


def test_a_longer_comment_is_refused(client, carol, paper):
    client.force_login(carol)
    url = reverse("comment_add", args=["group", "paper", paper.pk])
    response = client.post(url, {"body": TOO_LONG}, **HTMX)
    assert response.status_code == 422 and f"A comment {SAID}" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_longer_change_log_entry_is_refused(client, bob, log):
    client.force_login(bob)
    url = reverse("changelog_add", args=["group"])
    response = client.post(url, {"date": "2024-08-31", "text": TOO_LONG}, **HTMX)
    assert response.status_code == 422
    assert f"A change-log entry {SAID}" in response.content.decode()
    assert not ChangeLogEntry.objects.filter(kind=ChangeLogEntry.Kind.WRITTEN).exists()


def test_a_longer_tldr_is_refused(client, carol, paper):
    client.force_login(carol)
    url = reverse("paper_field_edit", args=["group", paper.number, "tldr"])
    response = client.post(url, {"version": 1, "tldr": TOO_LONG}, **HTMX)
    assert response.status_code == 422 and f"A TL;DR {SAID}" in response.content.decode()


@pytest.mark.parametrize("where", ["add", "edit"])
def test_a_title_over_500_characters_is_refused(client, carol, paper, where):
    client.force_login(carol)
    if where == "add":
        url, data = reverse("paper_add", args=["group"]), {"title": "t" * 501}
    else:
        url = reverse("paper_field_edit", args=["group", paper.number, "title"])
        data = {"version": 1, "title": "t" * 501}
    response = client.post(url, data, **HTMX)
    assert response.status_code == 422
    assert "A title can be at most 500 characters; this one has 501." in response.content.decode()
    assert list(Paper.objects.values_list("title", flat=True)) == [paper.title]


def test_the_preview_refuses_a_longer_text(client, carol, paper):
    client.force_login(carol)
    url = reverse("markdown_preview", args=["group"])
    response = client.post(url, {"body": TOO_LONG}, **HTMX)
    assert response.status_code == 422
    assert response.content.decode() == f'<p class="alert">A text {SAID}</p>'
    response = client.post(url, {"body": "*" + "x" * (MAX_TEXT - 2) + "*"}, **HTMX)
    assert response.status_code == 200 and response.content.startswith(b"<p><em>x")
