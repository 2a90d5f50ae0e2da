"""What only a real browser can check: search as you type with history, errors
shown in place, focus and announcements after a swap, and the phone layout.
"""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in, watch_navigations
from tests.conftest import (
    PASSWORD,
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group(transactional_db):
    alice, carol = make_user("alice"), make_user("carol")
    log = make_log(alice, members=[(carol, Role.MEMBER)])
    for title in ["Attention Is All You Need", "BERT: Pre-training", "Attention Free Transformer"]:
        make_paper(log, by=alice, title=title)
    return log


def rows(page):
    return page.locator("#paper-rows tr")


def test_search_filters_as_you_type_updates_the_url_and_back_restores_the_list(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/")
    expect(rows(page)).to_have_count(3)
    loads = watch_navigations(page)

    page.locator("#id_q").press_sequentially("attention", delay=20)
    expect(rows(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]q=attention\b"))
    expect(page.locator("[data-paper-count]")).to_contain_text("2 papers match")

    page.locator("#id_q").fill("")
    page.locator("#id_q").press_sequentially("bert", delay=20)
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text("BERT")
    expect(page).to_have_url(re.compile(r"[?&]q=bert\b"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]q=attention\b"))
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#id_q")).to_have_value("attention")
    loads.assert_none()


def test_an_empty_note_shows_its_error_in_place_and_keeps_what_was_typed(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")
    loads = watch_navigations(page)

    page.fill("#question-body", "A question half typed")
    page.locator(".composer-anchor summary").click()  # the anchor is behind a toggle
    page.fill("#id_anchor_label", "Figure 2")
    page.fill("#note-body", "   ")  # passes the browser's `required`, not the server
    page.get_by_role("button", name="Add note").click()

    form = page.locator("#note-form")
    expect(form).to_contain_text("Write the note first.")
    expect(page.locator("#note-body")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#note-body")).to_be_focused()
    expect(page.locator("#id_anchor_label")).to_have_value("Figure 2")
    expect(page.locator("#question-body")).to_have_value("A question half typed")
    expect(page.locator("#note-list")).to_contain_text("No notes yet.")
    loads.assert_none()

    # Fixing it adds the note with the label typed before.
    page.fill("#note-body", "The decoder masks future positions.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#note-list .chip-anchor").first).to_have_text("Figure 2")
    expect(page.locator("#note-form")).not_to_contain_text("Write the note first.")


def test_focus_stays_in_the_composer_after_a_note_and_it_is_announced(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")

    page.fill("#note-body", "Table 2: BLEU scores on WMT 2014.")
    page.get_by_role("button", name="Add note").click()
    note = page.locator("#note-list li.note").last
    expect(note).to_contain_text("BLEU scores")
    # The fresh, empty composer has the focus: the next note can be typed at once.
    expect(page.locator("#note-body")).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Note added")

    # The next poll brings the note list back (the page changed): focus stays put.
    with page.expect_response(lambda r: "/updates/" in r.url and r.status == 200):
        poll_now(page)
    expect(page.locator("#note-body")).to_be_focused()


def poll_now(page):
    """Make the paper page poll at once (it also polls when the tab shows again)."""
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def test_the_paper_page_fits_a_375px_phone_without_horizontal_scrolling(new_page, group):
    alice = group.created_by
    paper = make_paper(
        group,
        by=alice,
        title="A very long title about Transformers " * 4,
        url="https://example.org/" + "a-very-long-path-segment-" * 10,
        authors="Vaswani, Shazeer, Parmar, Uszkoreit, Jones, Gomez, Kaiser, Polosukhin",
    )
    note = make_note(
        paper, by=alice, body="Figure 1: `" + "x" * 120 + "` and " + "y" * 150 + " words"
    )
    make_comment(note, by=alice, body="https://example.org/" + "z" * 100)
    question = make_question(paper, by=alice, body="Why " + "q" * 120 + "?")
    make_comment(question, by=alice, body="Because.")

    page = new_page(width=375, height=800)
    log_in(page, "carol", PASSWORD)
    for url in [paper.get_absolute_url(), "/logs/group/"]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} scrolls sideways: {width}px wide"
