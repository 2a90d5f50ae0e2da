"""@mention suggestions in a real browser: carol types "@b" in a comment box, picks bob
with the keyboard, posts, and the comment links to bob, who has one unread notification.
"""

import pytest
from playwright.sync_api import expect

from papers.models import Role, User
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_carol_picks_bob_from_the_suggestions_with_the_keyboard(new_page, transactional_db):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    bea, dave = make_user("bea"), make_user("dave")
    make_user("bert")  # has an account, is no member: never offered
    members = [(bob, Role.MEMBER), (carol, Role.MEMBER), (bea, Role.MEMBER), (dave, Role.VIEWER)]
    log = make_log(alice, members=members)
    paper = make_paper(log, by=alice)

    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto(paper.get_absolute_url())
    box = page.locator(".paper-comments textarea[name=body]").last
    box.click()
    box.press_sequentially("Ask @b")

    options = page.locator("#mention-list [role=option]")
    expect(options).to_have_text(["@bea", "@bob"])
    expect(box).to_have_attribute("aria-activedescendant", "mention-option-0")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "mention-option-1")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.locator("#mention-list")).to_have_count(0)
    expect(box).to_have_value("Ask @bob ")
    box.press_sequentially("about Figure 2.")

    box.press_sequentially(" @z")  # nobody: no list; Escape closes one that is open
    expect(page.locator("#mention-list")).to_have_count(0)
    box.press("Backspace")
    expect(options).to_have_count(5)  # every member, the viewer and carol too
    box.press("Escape")
    expect(page.locator("#mention-list")).to_have_count(0)
    box.press("Backspace")
    box.press("Backspace")

    page.locator(".paper-comments form:has(textarea[name=body]) [type=submit]").last.click()
    link = page.locator(".paper-comments a.mention")
    expect(link).to_have_text("@bob")
    expect(link).to_have_attribute(
        "href", f"/logs/{log.slug}/members/#member-{bob.memberships.get().pk}"
    )
    assert User.objects.get(username="bob").unread_notifications == 1
    assert User.objects.get(username="bea").unread_notifications == 0
