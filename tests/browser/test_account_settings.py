"""The settings page without JavaScript, and a notification email followed back to the site."""

import re
import time

import pytest
from django.core import mail as outbox
from playwright.sync_api import expect

from papers.models import Notification, Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_note, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def emails_to(user, wait=5):
    """The emails sent to user, waiting a little: the server sends them after its response."""
    deadline = time.monotonic() + wait
    while not (sent := [m for m in outbox.outbox if m.to == [user.email]]):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return sent


def test_settings_work_with_full_page_loads_and_no_javascript(new_page, transactional_db):
    bob = make_user("bob")
    page = new_page(java_script_enabled=False)
    log_in(page, "bob", PASSWORD)

    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.get_by_label("When someone replied to your comment").select_option("Off")
    page.get_by_label("When someone mentioned you").select_option("On the site only")
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Save settings").click()

    expect(page.locator(".alert-error")).to_contain_text("Nothing was saved")
    expect(page.locator(".errorlist")).to_contain_text("valid email")
    bob.refresh_from_db()
    assert bob.notification_delivery == {}

    page.get_by_label("Email").fill("bob@lab.example")
    page.get_by_role("button", name="Save settings").click()

    expect(page.locator(".messages")).to_contain_text("Settings saved.")
    expect(page.get_by_label("When someone replied to your comment")).to_have_value("off")
    bob.refresh_from_db()
    assert bob.email == "bob@lab.example"
    assert Notification.delivery_for(bob, "reply") == "off"
    assert Notification.delivery_for(bob, "mention") == "site"

    old = bob.get_feed_token()
    page.get_by_role("button", name="Reset your private feed links").click()
    expect(page.locator(".messages")).to_contain_text("The old ones no longer work")
    bob.refresh_from_db()
    assert bob.feed_token != old


def test_a_comment_in_the_browser_emails_bob_whose_link_lands_on_it(
    new_page, live_server, settings, transactional_db
):
    settings.SITE_URL = live_server.url
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    log = make_log(alice, members=[(bob, Role.MEMBER), (carol, Role.MEMBER)])
    paper = make_paper(log, by=alice)
    note = make_note(paper, by=bob, body="Figure 1: the encoder stack.")

    carol_page = new_page()
    log_in(carol_page, "carol", PASSWORD)
    carol_page.goto(paper.get_absolute_url())
    carol_page.locator(f"#note-{note.pk} summary").first.click()
    carol_page.locator(f"#note-{note.pk} textarea[name=body]").first.fill("Isn't it the decoder?")
    carol_page.locator(f"#note-{note.pk} form:has(textarea[name=body]) [type=submit]").first.click()
    expect(carol_page.locator(f"#note-{note.pk}")).to_contain_text("Isn't it the decoder?")

    [message] = emails_to(bob)
    [link] = re.findall(rf"{re.escape(live_server.url)}/notifications/\d+/", message.body)
    bob_page = new_page(java_script_enabled=False)
    log_in(bob_page, "bob", PASSWORD)
    bob_page.goto(link)

    expect(bob_page).to_have_url(re.compile(r"#comment-\d+$"))
    comment_id = bob_page.url.rsplit("#", 1)[1]
    expect(bob_page.locator(f"#{comment_id}")).to_contain_text("Isn't it the decoder?")
