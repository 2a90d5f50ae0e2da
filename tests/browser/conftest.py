"""Playwright against pytest-django's live_server, on Debian's Chromium.

We never download a browser (`playwright install` cannot work here): the tests
use /usr/bin/chromium, or $CHROMIUM. Without it they are skipped with a clear
message, except where READINGLOG_REQUIRE_BROWSER=1 (CI), where that fails.
"""

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-background-networking",  # this machine's network refuses Google's hosts
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "tests/browser/" in item.nodeid]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items and find_chromium() is None:
        if os.environ.get("READINGLOG_REQUIRE_BROWSER") == "1":
            raise pytest.UsageError(
                "Browser tests need Chromium and READINGLOG_REQUIRE_BROWSER=1: "
                "apt-get install chromium."
            )
        skip = pytest.mark.skip(
            reason="no Chromium found (apt-get install chromium, or set CHROMIUM=/path)"
        )
        for item in browser_items:
            item.add_marker(skip)


def pytest_report_header(config):
    path = find_chromium()
    if path:
        return f"browser tests: Chromium at {path}"
    return "browser tests: SKIPPED, no Chromium found (apt-get install chromium)"


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls our
    # tests make between browser steps are ordinary synchronous ones.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (separate cookies), closed after the test."""
    contexts = []

    def make(*, java_script_enabled=True, width=1280, height=900):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=java_script_enabled,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")
    page.wait_for_load_state()
