"""The log page's "Watching" control in a browser: a change saves it in place; no-JS, a button."""

import pytest
from playwright.sync_api import expect

from papers.models import Membership, Role
from tests.browser.conftest import log_in, watch_navigations
from tests.conftest import PASSWORD, make_log, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_daily_saves_it_without_a_reload(new_page):
    alice, dave = make_user("alice"), make_user("dave")
    make_log(alice, members=[(dave, Role.VIEWER)])
    page = new_page()
    log_in(page, "dave", PASSWORD)
    page.goto("/logs/group/")
    navigations = watch_navigations(page)

    page.get_by_label("Watching:").focus()
    page.get_by_label("Watching:").select_option("daily")

    expect(page.locator("#log-watch [role=status]")).to_have_text("Saved.")
    expect(page.get_by_label("Watching:")).to_have_value("daily")
    expect(page.get_by_label("Watching:")).to_be_focused()  # htmx keeps focus on an id'd field
    navigations.assert_none()
    assert Membership.objects.get(user=dave).digest == "daily"


def test_without_javascript_the_button_saves_it(new_page):
    alice, carol = make_user("alice"), make_user("carol")
    make_log(alice, members=[(carol, Role.MEMBER)])
    page = new_page(java_script_enabled=False)
    log_in(page, "carol", PASSWORD)
    page.goto("/logs/group/")

    page.get_by_label("Watching:").select_option("off")
    page.locator("#log-watch").get_by_role("button", name="Save").click()

    expect(page.locator(".messages")).to_contain_text("You get no digest of Group reading log.")
    expect(page.get_by_label("Watching:")).to_have_value("off")
    assert Membership.objects.get(user=carol).digest == "off"
