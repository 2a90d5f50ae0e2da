"""Math in the live preview and a [[N]] cross-link with its backlink, in a real browser (issue #11).

Chromium draws MathML itself: the server sends it, no script renders it.
"""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def setup():
    alice, carol = make_user("alice"), make_user("carol")
    log = make_log(alice, members=[(carol, Role.MEMBER)])
    first = make_paper(log, by=alice)
    second = make_paper(log, by=alice, title="Sharpness-Aware Minimization", url="")
    return log, first, second


def test_the_live_preview_shows_math_and_the_note_keeps_it(new_page, transactional_db):
    _, paper, _ = setup()
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto(paper.get_absolute_url())
    box = page.locator("#note-body")
    box.click()
    box.press_sequentially(r"Scaled by $\sqrt{d_k}$, not $5 and $10.")
    preview = page.locator("#note-preview")
    expect(preview.locator('math[display="inline"] msqrt')).to_have_count(1)
    expect(preview).to_contain_text("not $5 and $10.")
    box.press("Control+Enter")
    note = page.locator(".note-list .note").last
    expect(note.locator("math msqrt")).to_have_count(1)
    size = note.locator("math").bounding_box()
    assert size and size["width"] > 10  # drawn, not an empty element


def test_a_cross_link_leads_to_the_paper_whose_page_cites_the_note(new_page, transactional_db):
    _, paper, sam = setup()
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto(paper.get_absolute_url())
    box = page.locator("#note-body")
    box.click()
    box.press_sequentially("The flat minima of [[2|the SAM paper]], and [[9999]].")
    box.press("Control+Enter")
    link = page.locator(".note-list a.crosslink")
    expect(link).to_have_text("the SAM paper")
    expect(link).to_have_attribute("title", "[2] Sharpness-Aware Minimization")
    expect(page.locator(".note-list .crosslink-missing")).to_have_text("[[9999]]")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(sam.get_absolute_url()) + "$"))
    cited = page.locator("section.cited-in")
    expect(cited.get_by_role("heading", name="Cited in")).to_be_visible()
    expect(cited).to_contain_text("The flat minima of [[2|the SAM paper]]")
    cited.get_by_role("link", name="[1] Attention Is All You Need").click()
    expect(page).to_have_url(re.compile(re.escape(paper.get_absolute_url()) + r"#note-\d+$"))
