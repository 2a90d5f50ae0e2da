"""Notifications in two browsers: carol comments on bob's note, or mentions him; bob,
with the paper or another page of the log open, sees his unread count rise without
reloading, opens the notification and lands on the comment, highlighted. Without
JavaScript the notifications page and the settings work with full page loads.
"""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in, watch_navigations
from tests.conftest import PASSWORD, make_comment, make_log, make_note, make_paper, make_user

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


def test_carol_mentions_bob_who_sees_it_on_another_page_and_lands_on_the_comment(
    new_page, transactional_db
):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    log = make_log(alice, members=[(bob, Role.MEMBER), (carol, Role.MEMBER)])
    paper = make_paper(log, by=alice)
    for n in range(6):  # a long page, so landing on the comment means scrolling to it
        make_note(paper, by=alice, body=f"Figure {n}: part {n} of the model.")
    note = make_note(paper, by=alice, body="Figure 7: the attention maps.")

    bob_page = new_page()
    log_in(bob_page, "bob", PASSWORD)
    bob_page.goto(f"/logs/{log.slug}/")  # the log page, not the paper
    link = bob_page.locator("#nav-notifications")
    expect(link).to_have_text("Notifications")
    loads = watch_navigations(bob_page)

    carol_page = new_page()
    log_in(carol_page, "carol", PASSWORD)
    carol_page.goto(paper.get_absolute_url())
    carol_page.locator(f"#note-{note.pk} summary.thread-summary").click()
    carol_page.locator(f"#note-{note.pk} textarea[name=body]").fill(
        "@bob do these maps match your reading?"
    )
    carol_page.locator(f"#note-{note.pk} form:has(textarea[name=body]) [type=submit]").click()
    expect(carol_page.locator(f"#note-{note.pk} .comment")).to_have_count(1)

    # Bob's header counts it within a poll or two, and the tab's title too, no reload.
    expect(link.locator(".badge")).to_have_text("1", timeout=10_000)
    expect(link).to_have_class(re.compile(r"\bis-new\b"))
    expect(bob_page.locator("#announcer")).to_have_text("1 unread notification")
    expect(bob_page).to_have_title(re.compile(r"^\(1\) "))
    loads.assert_none()

    link.click()
    bob_page.get_by_role("link", name=re.compile("carol mentioned you")).click()
    expect(bob_page).to_have_url(re.compile(r"#comment-\d+$"))
    comment = bob_page.locator(bob_page.url[bob_page.url.rindex("#") :])
    expect(comment).to_contain_text("do these maps match your reading?")
    # Its folded thread was opened, it was scrolled to, and it is marked as the target.
    expect(comment).to_be_visible()
    expect(comment).to_be_in_viewport()
    assert comment.evaluate("el => el.matches(':target')")
    assert comment.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    expect(bob_page.locator("#nav-notifications .badge")).to_have_count(0)


def test_without_javascript_notifications_and_settings_work_with_full_page_loads(
    new_page, transactional_db
):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    log = make_log(alice, members=[(bob, Role.MEMBER), (carol, Role.MEMBER)])
    paper = make_paper(log, by=alice)
    note = make_note(paper, by=bob, body="Figure 1: the encoder stack.")
    make_comment(note, by=carol, body="Isn't it the decoder?")
    make_comment(paper, by=carol, body="@bob see my comment on your note")

    page = new_page(java_script_enabled=False)
    log_in(page, "bob", PASSWORD)
    page.goto("/")
    expect(page.locator("#nav-notifications .badge")).to_have_text("2")
    expect(page).to_have_title(re.compile(r"^\(2\) "))
    page.locator("#nav-notifications").click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator(".notification.is-unread")).to_have_count(2)

    page.get_by_role("link", name=re.compile("carol commented on your note")).click()
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    comment = page.locator(page.url[page.url.rindex("#") :])
    expect(comment).to_contain_text("Isn't it the decoder?")
    expect(page.locator("#nav-notifications .badge")).to_have_text("1")

    page.goto("/notifications/")
    expect(page.locator(".notification.is-unread")).to_have_count(1)
    page.get_by_role("button", name="Mark all read").click()
    expect(page).to_have_url(re.compile(r"/notifications/"))
    expect(page.locator(".notification.is-unread")).to_have_count(0)
    expect(page.locator("#nav-notifications .badge")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)

    # Settings: a plain form, saved by a full page load.
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.select_option("select[name=delivery_mention]", "off")
    page.get_by_role("button", name="Save settings").click()
    page.goto("/account/")
    expect(page.locator("select[name=delivery_mention]")).to_have_value("off")
