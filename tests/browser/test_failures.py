"""A request the server refuses says so on the page, instead of doing nothing."""

import pytest
from playwright.sync_api import expect

from papers.models import Membership, Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)

# Chromium and htmx log the refused request as console errors; those are expected.
ALLOW_403 = "403"


def test_an_action_refused_after_losing_a_role_shows_a_message(new_page):
    alice, carol = make_user("alice"), make_user("carol")
    log = make_log(alice, members=[(carol, Role.MEMBER)])
    paper = make_paper(log, by=alice)
    page = new_page(allow_console=ALLOW_403)
    log_in(page, "carol", PASSWORD)
    page.goto(paper.get_absolute_url())

    Membership.objects.filter(user=carol).update(role=Role.VIEWER)  # an owner demotes her
    page.locator("#note-body").fill("Figure 1: a note she may no longer add")
    page.get_by_role("button", name="Add note").click()

    alert = page.locator("#messages [role=alert]")
    expect(alert).to_have_text("You are not allowed to do that in this log.")
    assert paper.notes.count() == 0
