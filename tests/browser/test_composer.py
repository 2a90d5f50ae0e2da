"""The paper page as fast as a markdown file (issue #11, item 6): keys to reach the
boxes, Ctrl+Enter to send, the composer keeps the focus, the shortcuts dialog.
"""

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group(transactional_db):
    alice, carol = make_user("alice"), make_user("carol")
    log = make_log(alice, members=[(carol, Role.MEMBER)])
    make_paper(log, by=alice, title="Attention Is All You Need")
    make_paper(log, by=alice, title="BERT: Pre-training")
    return log


def test_three_notes_without_touching_the_mouse(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")
    composer = page.locator("#note-body")
    # One line to start with, no preview, the anchor folded away.
    assert composer.evaluate("el => el.getBoundingClientRect().height") < 50
    expect(page.locator("[data-composer-preview]")).to_be_hidden()
    expect(page.locator("#id_anchor_kind")).to_be_hidden()

    page.keyboard.press("n")
    expect(composer).to_be_focused()
    expect(composer).to_have_value("")  # the key itself is not typed
    notes = ["Figure 1: the encoder stack.", "Scaled by $\\sqrt{d_k}$.", "Table 2: BLEU 28.4."]
    for i, text in enumerate(notes, start=1):
        page.keyboard.type(text)
        page.keyboard.press("Control+Enter")
        expect(page.locator("#note-list li.note")).to_have_count(i)
        expect(page.locator("#note-body")).to_be_focused()
        expect(page.locator("#note-body")).to_have_value("")
    expect(page.locator("#note-list li.note").first.locator(".chip-anchor")).to_have_text(
        "Figure 1"
    )
    expect(page.locator("#note-list .chip-anchor").last).to_have_text("Table 2")
    expect(page.locator("#announcer")).to_have_text("Note added")


def test_the_composer_grows_previews_with_its_anchor_and_toggles(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")
    composer = page.locator("#note-body")
    one_line = composer.evaluate("el => el.getBoundingClientRect().height")
    composer.click()
    page.keyboard.type("Figure 3: the *attention* map\nsecond line\nthird line\nfourth line")
    assert composer.evaluate("el => el.getBoundingClientRect().height") > one_line * 2

    preview = page.locator("#note-preview")
    expect(preview.locator(".chip-anchor")).to_have_text("Figure 3")
    expect(preview.locator("em")).to_have_text("attention")
    expect(preview).not_to_contain_text("Figure 3:")

    page.get_by_role("button", name="Preview", exact=True).click()
    expect(composer).to_be_hidden()
    expect(preview).to_be_visible()
    expect(page.get_by_role("button", name="Preview", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("button", name="Write", exact=True).click()
    expect(composer).to_be_visible()
    expect(composer).to_be_focused()
    # "n" from the preview goes back to writing too.
    page.get_by_role("button", name="Preview", exact=True).click()
    page.keyboard.press("n")
    expect(composer).to_be_focused()

    # Emptied again: no preview, no toggle.
    composer.fill("")
    expect(page.locator("[data-composer-preview]")).to_be_hidden()
    expect(page.get_by_role("button", name="Preview", exact=True)).to_be_hidden()

    # The anchor toggle holds the select and label.
    page.locator(".composer-anchor summary").click()
    expect(page.locator("#id_anchor_kind")).to_be_visible()


def test_keys_reach_the_boxes_and_are_off_while_typing(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")

    page.keyboard.press("Alt+n")  # with a modifier, a key is the browser's
    expect(page.locator("#note-body")).not_to_be_focused()
    page.keyboard.press("q")
    expect(page.locator("#question-body")).to_be_focused()
    page.keyboard.type("nq?/")  # typed, not shortcuts
    expect(page.locator("#question-body")).to_have_value("nq?/")
    expect(page.locator("#shortcuts")).to_be_hidden()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#open-questions")).to_contain_text("nq?/")

    page.locator("#question-body").blur()
    page.keyboard.press("/")
    page.wait_for_url("**/logs/group/#search")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("BERT")
    expect(page.locator("#paper-list")).not_to_contain_text("Attention Is All")


def test_ctrl_enter_sends_a_comment_box_too(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")
    box = page.locator(".paper-comments textarea").first
    box.fill("A comment sent from the keyboard.")
    box.press("Control+Enter")
    expect(page.locator(".paper-comments")).to_contain_text("A comment sent from the keyboard.")


def test_the_shortcuts_dialog_by_keyboard(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/papers/1/")
    button = page.get_by_role("button", name="Keyboard shortcuts")
    button.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Write a note")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()

    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    page.keyboard.press("n")  # keys are off while the dialog is open
    expect(page.locator("#note-body")).not_to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
