"""Two members edit the same note in two browsers: the second save shows the conflict view."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from papers.models import Note, Role
from tests.browser.conftest import log_in, watch_navigations
from tests.browser.test_accessibility import BLOCKING, report
from tests.conftest import PASSWORD, make_log, make_note, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def open_note_editor(page, note):
    """Open the paper page and the note's in-place edit form; return the note's container."""
    page.goto(note.get_absolute_url())
    # No live updates: on the tests' in-memory SQLite a poll that reads while the
    # other page saves fails with "database table is locked" (a file in WAL mode,
    # as served, lets readers and a writer run at once).
    page.locator("#paper-poller").evaluate("poller => poller.remove()")
    content = page.locator(f"#note-content-{note.pk}")
    content.locator("details.note-menu > summary").click()
    content.get_by_role("link", name="✎ Edit").click()
    expect(content.locator("textarea[name=body]")).to_be_focused()
    return content


def settle(page):
    """Wait for the CSS transitions to end: colours fade when the colour scheme changes.

    (A loop of evaluate, not wait_for_function, which the page's CSP refuses.)
    """
    running = "document.getAnimations().some(a => a instanceof CSSTransition)"
    for _ in range(100):
        if not page.evaluate(running):
            return
        page.wait_for_timeout(20)
    raise AssertionError("CSS transitions still running after 2 s")


def test_the_second_save_of_a_note_shows_the_conflict_view_and_keep_mine_saves(new_page):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    log = make_log(alice, members=[(bob, Role.CURATOR), (carol, Role.MEMBER)])
    paper = make_paper(log, by=carol)
    note = make_note(paper, by=carol, body="The encoder has six layers.")
    carols, bobs = new_page(allow_console="status of 409"), new_page()
    log_in(carols, "carol", PASSWORD)
    log_in(bobs, "bob", PASSWORD)
    mine = open_note_editor(carols, note)
    theirs = open_note_editor(bobs, note)

    theirs.locator("textarea[name=body]").fill("The encoder and the decoder have six layers.")
    theirs.get_by_role("button", name="Save").click()
    expect(theirs.locator(".note-body")).to_contain_text("the decoder have six layers")

    loads = watch_navigations(carols)
    mine.locator("textarea[name=body]").fill("The encoder has six identical layers.")
    mine.get_by_role("button", name="Save").click()

    conflict = mine.locator("section.conflict")
    expect(conflict.get_by_role("heading", level=3)).to_have_text(
        "Not saved: bob changed this while you were editing"
    )
    expect(conflict.get_by_role("heading", level=3)).to_be_focused()
    expect(conflict.locator(".conflict-theirs")).to_contain_text(
        "The encoder and the decoder have six layers."
    )
    expect(conflict.locator(".diff ins")).to_contain_text(["identical"])
    expect(conflict.get_by_label("Your note (edit to merge)")).to_have_value(
        "The encoder has six identical layers."
    )
    assert Note.objects.get(pk=note.pk).body == "The encoder and the decoder have six layers."
    for scheme in ("light", "dark"):  # contrast of the tinted box and the diff included
        carols.emulate_media(color_scheme=scheme)
        settle(carols)
        found = Axe().run(carols, context="section.conflict").response["violations"]
        violations = [v for v in found if v["impact"] in BLOCKING]
        assert not violations, f"{scheme}:\n{report(violations)}"

    conflict.get_by_role("button", name="Keep mine").click()

    expect(mine.locator(".note-body")).to_contain_text("The encoder has six identical layers.")
    expect(mine.locator("section.conflict")).to_have_count(0)
    loads.assert_none()
    note.refresh_from_db()
    assert (note.body, note.version, note.edited_by) == (
        "The encoder has six identical layers.",
        3,
        carol,
    )
