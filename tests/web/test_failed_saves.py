"""A save that fails on the server says it was not saved (issue #7, item 6)."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from papers import actions
from papers.views.errors import server_error
from tests.web.conftest import HTMX


@pytest.fixture
def broken_comments(monkeypatch):
    """Make adding a comment fail with a bug."""

    def fail(*args, **kwargs):
        raise RuntimeError("a bug in comment_add")

    monkeypatch.setattr(actions, "comment_add", fail)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_post_that_fails_on_the_server_says_it_was_not_saved(
    client, log, paper, carol, broken_comments, headers
):
    client.force_login(carol)
    client.raise_request_exception = False
    url = reverse("comment_add", args=[log.slug, "paper", paper.pk])

    response = client.post(url, {"body": "A long comment I typed"}, **headers)

    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>Not saved · Readinglog</title>" in html
    assert "What you just sent was <strong>not saved</strong>" in html
    assert "your text may still be in the form. Copy it somewhere safe" in html
    assert "is safe" not in html
    assert paper.comments.count() == 0


def test_a_page_that_fails_to_load_asks_to_try_again_without_talking_of_saving():
    response = server_error(RequestFactory().get("/logs/group/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Please try again in a moment." in html
    assert "saved" not in html


def test_the_page_without_a_request_says_what_was_being_sent_was_not_saved():
    # As Django's own handler renders it, with no context.
    html = render_to_string("500.html")
    assert "If you were sending something" in html and "<strong>not saved</strong>" in html


@pytest.mark.django_db
def test_the_error_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        server_error(RequestFactory().post("/logs/group/comments/on/paper/1/"))
