"""The change log's folded lines in a browser: unfold, act on an entry, land on a folded one."""

import pytest
from playwright.sync_api import expect

from papers.models import ChangeLogEntry, Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_note, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_curator_unfolds_a_line_hides_an_entry_and_a_link_opens_its_fold(new_page):
    alice, bob = make_user("alice"), make_user("bob")
    log = make_log(alice, members=[(bob, Role.CURATOR)])
    paper = make_paper(log, by=alice)
    for _ in range(3):
        make_note(paper, by=bob)
    first, *_ = ChangeLogEntry.objects.filter(kind=ChangeLogEntry.Kind.NOTE_ADDED).order_by("pk")
    page = new_page()
    log_in(page, "bob", PASSWORD)
    page.goto("/logs/group/changelog/")

    line = page.locator(".changelog-group").filter(has_text="bob added 3 notes to [1]")
    entry = page.locator(f"#entry-{first.pk}")
    expect(entry).to_be_hidden()
    line.locator("summary").click()
    expect(entry).to_be_visible()
    entry.get_by_role("button", name="Hide").click()
    expect(entry).to_have_class(r"changelog-entry is-recorded is-hidden")
    expect(entry).to_be_visible()  # swapped in place, its line still open

    page.goto("/logs/group/")
    page.goto(f"/logs/group/changelog/#entry-{first.pk}")
    expect(entry).to_be_visible()
    expect(entry.get_by_role("button", name="Unhide")).to_be_visible()
