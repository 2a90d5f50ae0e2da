"""Notifications in two browsers: carol comments on bob's note; bob, with the paper
open, sees his unread count rise without reloading, opens the notification and
lands on the comment.
"""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in, watch_navigations
from tests.conftest import PASSWORD, make_log, make_note, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_bob_sees_a_comment_on_his_note_arrive_and_opens_it(new_page, transactional_db):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    log = make_log(alice, members=[(bob, Role.MEMBER), (carol, Role.MEMBER)])
    paper = make_paper(log, by=alice)
    note = make_note(paper, by=bob, body="Figure 1: the encoder stack.")

    bob_page = new_page(width=390, height=844)
    log_in(bob_page, "bob", PASSWORD)
    bob_page.goto(paper.get_absolute_url())
    link = bob_page.locator("#nav-notifications")
    expect(link).to_have_text("Notifications")
    loads = watch_navigations(bob_page)

    carol_page = new_page()
    log_in(carol_page, "carol", PASSWORD)
    carol_page.goto(paper.get_absolute_url())
    carol_page.locator(f"#note-{note.pk} summary").first.click()
    box = carol_page.locator(f"#note-{note.pk} textarea[name=body]").first
    box.fill("Isn't it the decoder in Figure 1?")
    carol_page.locator(f"#note-{note.pk} form:has(textarea[name=body]) [type=submit]").first.click()

    # The poll brings bob's new count: the header and the tab title, no reload.
    expect(link.locator(".badge")).to_have_text("1", timeout=10_000)
    expect(bob_page).to_have_title(re.compile(r"^\(1\) "))
    loads.assert_none()

    link.click()
    bob_page.get_by_role("link", name=re.compile("carol commented on your note")).click()
    expect(bob_page).to_have_url(re.compile(r"#comment-\d+$"))
    comment_id = bob_page.url.rsplit("#", 1)[1]
    expect(bob_page.locator(f"#{comment_id}")).to_contain_text("decoder in Figure 1")
    expect(bob_page.locator("#nav-notifications .badge")).to_have_count(0)
