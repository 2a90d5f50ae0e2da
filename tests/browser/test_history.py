"""Leaving a page whose URL htmx changed, and coming back, shows the whole page."""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_back_after_a_live_search_and_a_click_shows_the_full_log_page(new_page):
    alice, carol = make_user("alice"), make_user("carol")
    log = make_log(alice, members=[(carol, Role.MEMBER)])
    for title in ["Attention Is All You Need", "BERT: Pre-training"]:
        make_paper(log, by=alice, title=title)
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/")
    page.locator("#id_q").press_sequentially("attention", delay=20)
    expect(page).to_have_url(re.compile(r"[?&]q=attention\b"))
    expect(page.locator("#paper-rows tr")).to_have_count(1)

    page.get_by_role("link", name="Attention Is All You Need").click()
    expect(page.locator("h1")).to_contain_text("Attention Is All You Need")
    page.go_back()

    expect(page).to_have_url(re.compile(r"[?&]q=attention\b"))
    expect(page.locator("header.site-header")).to_be_visible()  # the page, not the fragment
    expect(page.locator("#paper-rows tr")).to_have_count(1)
