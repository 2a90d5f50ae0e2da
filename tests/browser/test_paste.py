"""A paper from one paste, in a real browser: the preview, the add, the duplicate (issue #11).

The live server runs in the test's process, so respx answers its lookups with
tests/recorded_metadata.py: no network.
"""

import pytest
from playwright.sync_api import expect

from papers.models import Paper, Role
from tests.browser.conftest import log_in, watch_navigations
from tests.conftest import PASSWORD, make_log, make_user
from tests.recorded_metadata import answer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group(transactional_db, respx_mock):
    respx_mock.route().mock(side_effect=answer)
    alice, carol = make_user("alice"), make_user("carol")
    return make_log(alice, members=[(carol, Role.MEMBER)])


def test_paste_an_arxiv_id_preview_add_then_the_duplicate_is_named(new_page, group):
    page = new_page()
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/")
    loads = watch_navigations(page)

    page.fill("#id_url", "1706.03762")
    preview = page.locator("#paper-add-preview")
    expect(preview).to_contain_text("Attention Is All You Need")
    expect(preview).to_contain_text("Ashish Vaswani, Noam Shazeer, Niki Parmar · 2017")
    assert not Paper.objects.exists()  # a preview adds nothing

    page.get_by_role("button", name="Add paper").click()
    expect(page.locator("#paper-add .alert-success")).to_contain_text(
        "[1] Attention Is All You Need"
    )
    expect(page.locator("#paper-rows")).to_contain_text("Attention Is All You Need")
    paper = Paper.objects.get(log=group)
    assert (paper.title, paper.year) == ("Attention Is All You Need", 2017)
    assert paper.authors == "Ashish Vaswani, Noam Shazeer, Niki Parmar"

    # The same paper again, another version: the preview and the form name it.
    page.fill("#id_url", "arXiv:1706.03762v7")
    expect(preview).to_contain_text("Already in this log as [1] Attention Is All You Need")
    page.get_by_role("button", name="Add paper").click()
    duplicate = page.locator("#paper-add .paper-duplicate")
    expect(duplicate).to_contain_text("Already in this log as [1] Attention Is All You Need")
    expect(duplicate.get_by_role("link")).to_have_attribute("href", "/logs/group/papers/1/")
    assert Paper.objects.count() == 1
    loads.assert_none()

    # "Add it anyway" adds it.
    duplicate.get_by_label("Add it anyway").check()
    page.get_by_role("button", name="Add paper").click()
    expect(page.locator("#paper-add .alert-success")).to_contain_text("[2]")
    assert Paper.objects.count() == 2
