"""Focus after each in-place action lands on something sensible, never on <body>;
resolving re-orders the questions at once; the live poll pauses in a hidden tab."""

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in
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
    paper = make_paper(log, by=carol, title="Attention Is All You Need")
    make_question(paper, by=carol, body="First question")
    make_question(paper, by=carol, body="Second question")
    note = make_note(paper, by=carol, body="Figure 1 shows the encoder.")
    make_comment(note, by=carol, body="A comment to delete")
    return log


def focused_id(page):
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def test_focus_follows_each_in_place_action(new_page, group):
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "carol", PASSWORD)

    # A paper added inline: a fresh, focused title field for the next one, and it is announced.
    page.goto("/logs/group/")
    page.fill("#id_title", "BERT")
    page.locator("#paper-add [type=submit]").click()
    expect(page.locator("#paper-rows")).to_contain_text("BERT")
    expect(page.locator("#id_title")).to_be_focused()
    expect(page.locator("#id_title")).to_have_value("")
    expect(page.locator("#announcer")).to_have_text("Added paper 2")

    # The in-place editor of the link focuses its first field.
    page.goto("/logs/group/papers/1/")
    page.get_by_role("link", name="Edit Link").click()
    expect(page.locator("#field-link #id_url")).to_be_focused()
    expect(page.locator("#field-link label").first).to_have_text("Link")

    # Resolving moves the question under "Resolved" at once, and keeps focus on it.
    first = page.locator("#open-questions li.question").first
    first_id = first.get_attribute("id")
    first.locator("summary", has_text="Mark resolved").click()
    first.get_by_role("button", name="Resolve").click()
    expect(page.locator(f"#resolved-questions #{first_id}")).to_be_visible()
    expect(page.locator(f"#{first_id}")).to_be_focused()
    expect(page.locator("#open-question-badge")).to_have_text("1 open")

    # Deleting a comment focuses its thread.
    note = page.locator("#note-list li.note").first
    note.locator("summary.thread-summary").click()
    note.get_by_role("button", name="Delete").click()
    thread = note.locator("ol.thread")
    expect(thread).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Comment deleted")

    # A note turned into a question: focus on the new question in the panel.
    note.locator("summary.menu-button").click()
    note.get_by_role("button", name="Make it a question").click()
    expect(page.locator("#open-questions li.question[data-focus]")).to_be_focused()
    assert focused_id(page).startswith("question-")


def test_the_live_poll_pauses_while_the_tab_is_hidden(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/updates/" in r.url else None)
    page.evaluate(
        """() => {
          window.__hidden = true;
          Object.defineProperty(document, 'hidden', {
            configurable: true, get: () => window.__hidden});
          Object.defineProperty(document, 'visibilityState', {configurable: true,
            get: () => window.__hidden ? 'hidden' : 'visible'});
          document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    page.wait_for_timeout(3500)  # one "every 3s" tick passes while hidden
    assert polls == []
    with page.expect_response(lambda r: "/updates/" in r.url):
        page.evaluate(
            "window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))"
        )


def test_changing_a_role_or_removing_a_member_keeps_focus_in_the_list(new_page, group):
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "alice", PASSWORD)
    page.goto("/logs/group/members/")
    row = page.locator("tr", has_text="carol")
    row_id = row.get_attribute("id")
    row.locator("select").select_option("curator")
    row.get_by_role("button", name="Change").click()
    expect(page.locator(f"#{row_id}")).to_be_focused()
    page.locator(f"#{row_id}").get_by_role("button", name="Remove").click()
    expect(page.locator("#members-title")).to_be_focused()
    expect(page.locator("#members")).not_to_contain_text("carol")
