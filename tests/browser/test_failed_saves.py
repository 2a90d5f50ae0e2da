"""A comment whose save fails says "Not saved" and keeps what was typed (issue #7, item 6)."""

import pytest
from playwright.sync_api import expect

from papers import actions
from papers.models import Role
from tests.browser.conftest import log_in, watch_navigations
from tests.conftest import PASSWORD, make_log, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Section 3.2 assumes the keys are normalised; is that why the scaling works?"


@pytest.fixture
def paper_page(new_page):
    """Open carol's paper page with the comment box filled in; return (page, paper)."""

    def open_page(allow_console):
        alice, carol = make_user("alice"), make_user("carol")
        paper = make_paper(make_log(alice, members=[(carol, Role.MEMBER)]), by=alice)
        page = new_page(allow_console=allow_console)
        log_in(page, "carol", PASSWORD)
        page.goto(paper.get_absolute_url())
        page.locator(f"#comment-body-paper-{paper.pk}").fill(TEXT)
        return page, paper

    return open_page


def send_comment(page, paper):
    form = page.locator(f"#comment-form-paper-{paper.pk}")
    form.get_by_role("button", name="Comment").click()


def test_a_comment_that_fails_on_the_server_says_not_saved_and_stays_in_the_form(
    paper_page, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("a bug in comment_add")

    monkeypatch.setattr(actions, "comment_add", fail)  # the live server runs in this process
    # Chromium and htmx log the failed request as console errors: "… 500 …".
    page, paper = paper_page(allow_console="500")
    navigations = watch_navigations(page)

    send_comment(page, paper)

    expect(page.locator("#messages [role=alert]")).to_have_text(
        "Not saved: something went wrong on our side (error 500). "
        "Your text is still in the form. Try again in a moment."
    )
    expect(page.locator(f"#comment-body-paper-{paper.pk}")).to_have_value(TEXT)
    navigations.assert_none()
    assert paper.comments.count() == 0


def test_a_comment_that_cannot_be_sent_says_not_saved_and_stays_in_the_form(paper_page):
    # Chromium logs the aborted request, htmx its sendError and afterRequest events.
    page, paper = paper_page(allow_console=r"net::ERR_FAILED|htmx:(sendError|afterRequest)")
    page.route("**/comments/on/**", lambda route: route.abort())

    send_comment(page, paper)

    expect(page.locator("#messages [role=alert]")).to_have_text(
        "Not saved: Readinglog could not be reached. "
        "Your text is still in the form. Check your connection and try again."
    )
    expect(page.locator(f"#comment-body-paper-{paper.pk}")).to_have_value(TEXT)
    assert paper.comments.count() == 0
