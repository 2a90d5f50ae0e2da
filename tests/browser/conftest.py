"""Playwright against pytest-django's live_server, on Debian's Chromium.

We never download a browser (`playwright install` cannot work here): the tests
use /usr/bin/chromium, or $CHROMIUM. Without it they are skipped with a clear
message, except where READINGLOG_REQUIRE_BROWSER=1 (CI), where that fails.
"""

import os
import re
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


NO_CHROMIUM = "no Chromium found (apt-get install chromium, or set CHROMIUM=/path)"
skipped_key = pytest.StashKey[int]()


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
        skip = pytest.mark.skip(reason=NO_CHROMIUM)
        for item in browser_items:
            item.add_marker(skip)
        config.stash[skipped_key] = len(browser_items)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # The header line below only shows when pytest starts in tests/browser; this
    # one also ends a whole `make test` run.
    skipped = config.stash.get(skipped_key, 0)
    if skipped:
        terminalreporter.write_sep(
            "=", f"{skipped} browser tests SKIPPED: {NO_CHROMIUM}", yellow=True
        )


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


# Chromium logs every 4xx answer as a console error; a 422 is how a form shows its errors.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 422")


def watch_errors(page, errors, allow_console=None):
    """Collect uncaught exceptions and console errors of a page into `errors`.

    `allow_console` is a pattern (re.search) a test expects in console errors (e.g. "403").
    """
    page.on("pageerror", lambda error: errors.append(f"{page.url}: uncaught {error}"))

    def on_console(message):
        if message.type != "error" or EXPECTED_CONSOLE.search(message.text):
            return
        if allow_console and re.search(allow_console, message.text):
            return
        errors.append(f"{page.url}: console error: {message.text}")

    page.on("console", on_console)


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (separate cookies), closed after the test.

    Fails the test when a page has a JavaScript error or logs a console error.
    """
    contexts = []
    errors = []

    def make(*, java_script_enabled=True, width=1280, height=900, allow_console=None):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=java_script_enabled,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch_errors(page, errors, allow_console)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, "JavaScript errors:\n" + "\n".join(errors)


class NavigationWatch:
    """Tell whether a page did a full load since it was made (see watch_navigations)."""

    def __init__(self, page):
        self.page = page
        self.loads = []
        page.evaluate("window.__no_full_load = 1")
        page.on("request", self._on_request)

    def _on_request(self, request):
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.loads.append(request.url)

    def assert_none(self):
        assert self.loads == [], f"full page loads: {self.loads}"
        # A full load makes a fresh window object, which has lost the marker.
        assert self.page.evaluate("window.__no_full_load") == 1, "the page was reloaded"


def watch_navigations(page):
    """Mark the page's window and watch its requests; .assert_none() checks no full load."""
    return NavigationWatch(page)


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")
    page.wait_for_load_state()
