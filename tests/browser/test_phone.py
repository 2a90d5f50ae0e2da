"""The paper page on a 390 px phone (issue #11, item 7): title, a line of its state,
the notes, then the questions; the fields folded into "Details"; nothing empty for
viewers; the log nav's current tab in view. Wider, the two columns stay as they were.
"""

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in
from tests.conftest import (
    PASSWORD,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paper(transactional_db):
    alice, dave = make_user("alice"), make_user("dave")
    log = make_log(alice, members=[(dave, Role.VIEWER)])
    paper = make_paper(log, by=alice, title="Attention Is All You Need", url="", status="read")
    paper.curiosity = "high"
    paper.save()
    for i in range(6):
        make_note(paper, by=alice, body=f"Note {i}: the encoder has six layers, " * 5)
    for i in range(3):
        make_question(paper, by=alice, body=f"Why is it {i}?")
    return paper


def top(page, selector):
    return page.locator(selector).first.evaluate("el => el.getBoundingClientRect().top")


def test_the_paper_page_on_a_phone(new_page, paper):
    page = new_page(width=390, height=844)
    log_in(page, "dave", PASSWORD)
    page.goto(paper.get_absolute_url())

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    state = page.locator("#paper-state")
    expect(state).to_be_visible()
    expect(state).to_have_text("Read · High · 3 open questions")

    order = [
        top(page, s)
        for s in [
            "#paper-title",
            "#paper-state",
            ".paper-details",
            "#notes-heading",
            "#questions-heading",
            ".paper-comments",
        ]
    ]
    assert order == sorted(order), order
    # Anything else (the papers citing it, say) comes after them.
    cited = make_paper(paper.log, by=paper.added_by, title="Citing it")
    make_note(cited, by=paper.added_by, body=f"Builds on [[{paper.number}]].")
    page.reload()
    assert top(page, "#questions-heading") < top(page, ".cited-in")
    # The notes start on the first screen.
    assert top(page, "#note-list li.note") < 844

    # The fields are folded; opened, the empty ones are not there for a viewer.
    expect(page.locator(".paper-fields")).to_be_hidden()
    page.get_by_text("Details", exact=True).click()
    expect(page.locator("#field-status")).to_be_visible()
    for empty in ["#field-authors", "#field-tags", "#field-tldr", "#field-link"]:
        expect(page.locator(empty)).to_be_hidden()
    shown = page.locator(".paper-fields").inner_text()
    assert "No TL;DR yet" not in shown and "No tags" not in shown, shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_owner_still_sees_empty_fields_to_fill(new_page, paper):
    page = new_page(width=390, height=844)
    log_in(page, "alice", PASSWORD)
    page.goto(paper.get_absolute_url())
    page.get_by_text("Details", exact=True).click()
    expect(page.locator("#field-tldr")).to_contain_text("No TL;DR yet")
    expect(page.locator("#field-tags")).to_contain_text("No tags")


def test_the_active_tab_is_scrolled_into_view(new_page, paper):
    page = new_page(width=390, height=844)
    log_in(page, "alice", PASSWORD)
    page.goto("/logs/group/settings/")
    tab = page.locator(".lognav [aria-current=page]")
    box = tab.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box


def test_the_desktop_layout_keeps_its_two_columns(new_page, paper):
    page = new_page(width=1280, height=900)
    log_in(page, "dave", PASSWORD)
    page.goto(paper.get_absolute_url())
    expect(page.locator("#paper-state")).to_be_hidden()
    expect(page.locator(".paper-details-summary")).to_be_hidden()
    expect(page.locator(".paper-fields")).to_be_visible()
    expect(page.locator("#field-tags")).to_contain_text("No tags")
    side = page.locator(".paper-side").bounding_box()
    main = page.locator(".paper-main").bounding_box()
    assert side["x"] > main["x"] + main["width"] - 1
