"""Crafted input gets a 4xx, never a 500 (issue #8: found by probing as an attacker)."""

from django.urls import reverse

from papers.models import Invitation
from tests.conftest import make_question


def test_a_nul_in_the_path_is_a_bad_request(client, log, alice):
    Invitation.objects.create(log=log, created_by=alice)
    assert client.get("/invitations/%00/signup/").status_code == 400


def test_a_nul_in_a_query_or_form_is_a_bad_request(client, carol, paper):
    client.force_login(carol)
    url = reverse("log_detail", args=[paper.log.slug])
    assert client.get(url, {"q": "a\x00b"}).status_code == 400
    add = reverse("note_add", args=[paper.log.slug, paper.number])
    assert client.post(add, {"body": "x\x00"}).status_code == 400
    assert not paper.notes.exists()


def test_an_impossible_date_in_the_poll_is_read_as_no_date(client, carol, paper):
    client.force_login(carol)
    url = reverse("paper_updates", args=[paper.log.slug, paper.number])
    assert client.get(url, {"since": "2024-02-30T00:00:00Z"}).status_code == 200


def test_a_next_that_is_not_a_path_is_ignored(client, carol, paper):
    question = make_question(paper, by=carol)
    client.force_login(carol)
    url = reverse("question_reopen", args=[paper.log.slug, question.pk])
    response = client.post(url, {"next": "foo"})
    assert response.status_code == 302 and response.url.endswith(f"#question-{question.pk}")
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.url
