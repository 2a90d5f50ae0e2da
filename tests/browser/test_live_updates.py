"""Live updates people notice (issue #10, item 6), in a real browser: what a poll
brings is highlighted, keeps a "new" marker until scrolled past and is announced;
the log nav's question count follows on every page; a hidden tab polls slowly and
catches up when shown.
"""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Role
from tests.browser.conftest import log_in, watch_navigations
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

HIDE = """() => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def group(transactional_db):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    log = make_log(alice, members=[(bob, Role.MEMBER), (carol, Role.MEMBER)])
    paper = make_paper(log, by=alice)
    return log, paper, bob, carol


def test_what_arrives_is_highlighted_announced_and_marked_new_until_scrolled_past(new_page, group):
    log, paper, bob, carol = group
    # Enough notes that the page scrolls on a phone.
    notes = [make_note(paper, by=bob, body=f"Figure {n}: the encoder, part {n}.") for n in range(8)]
    first = notes[0]
    page = new_page(width=390, height=640)
    log_in(page, "bob", PASSWORD)
    page.goto(paper.get_absolute_url())
    loads = watch_navigations(page)

    # A reply on bob's first note, whose thread is folded: its summary says "new".
    reply = make_comment(first, by=carol, body="Is it not the decoder?")
    summary = page.locator(f"#thread-note-{first.pk} > summary")
    expect(summary.locator(".new-marker")).to_have_text("new", timeout=10_000)
    expect(summary).to_have_class(re.compile(r"\bis-new\b"))
    # It is on bob's note, so it is also a notification for him: both are said.
    expect(page.locator("#announcer")).to_have_text(
        f"1 new reply on [{paper.number}]. 1 unread notification"
    )

    # Two comments on the paper itself, in one poll: highlighted, marked, announced together.
    comments = [make_comment(paper, by=carol, body=f"On the paper, {n}") for n in (1, 2)]
    for comment in comments:
        item = page.locator(f"#comment-{comment.pk}")
        expect(item).to_have_class(re.compile(r"\bis-new\b"), timeout=10_000)
        expect(item.locator(".new-marker")).to_have_text("new")
    expect(page.locator("#announcer")).to_have_text(f"2 new comments on [{paper.number}]")

    # That later poll re-rendered bob's notes: the folded reply is still new to him.
    # Opening the thread moves the marker from its summary to the reply itself.
    summary.click()
    expect(summary.locator(".new-marker")).to_have_count(0)
    item = page.locator(f"#comment-{reply.pk}")
    expect(item.locator(".new-marker")).to_have_text("new")

    # In view, then scrolled past: the marker goes; the others, never seen, keep theirs.
    item.scroll_into_view_if_needed()
    expect(item).to_have_attribute("data-seen", "")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(item.locator(".new-marker")).to_have_count(0)
    expect(item).not_to_have_class(re.compile(r"\bhas-new\b"))
    loads.assert_none()


def test_the_question_badge_follows_on_another_page_of_the_log(new_page, group):
    log, paper, bob, carol = group
    page = new_page()
    log_in(page, "bob", PASSWORD)
    answers = []
    page.on("response", lambda r: "/updates/" in r.url and answers.append(r.status))
    page.goto(f"/logs/{log.slug}/changelog/")
    loads = watch_navigations(page)
    badge = page.locator("#lognav-question-badge")
    expect(badge).to_have_text("")
    make_question(paper, by=carol)
    expect(badge).to_have_text(re.compile(r"^1 open$"), timeout=10_000)
    expect(badge).to_have_class(re.compile(r"\bis-new\b"))
    # The fresh badge is dated (data-since): the next polls are 204s again.
    expect(badge).to_have_attribute("data-since", re.compile(r"^\d+$"))
    answers.clear()
    page.wait_for_timeout(3500)
    assert answers and set(answers) == {204}, answers
    loads.assert_none()


def test_a_hidden_tab_polls_slowly_and_catches_up_when_shown(new_page, group):
    log, paper, bob, carol = group
    page = new_page()
    log_in(page, "bob", PASSWORD)
    polls = []
    page.on("request", lambda request: "/updates/" in request.url and polls.append(request.url))
    page.goto(f"/logs/{log.slug}/")
    page.wait_for_timeout(3500)
    assert len(polls) >= 1  # every 3 s while visible

    page.evaluate(HIDE)
    hidden_since = len(polls)
    make_question(paper, by=carol)
    page.wait_for_timeout(7000)  # two polls or more if it were visible
    assert len(polls) == hidden_since, polls

    with page.expect_request(re.compile(r"/updates/\?")) as shown:
        page.evaluate(SHOW)  # at once, not 3 s later
    assert "questions=0" in shown.value.url and f"log={log.slug}" in shown.value.url
    expect(page.locator("#lognav-question-badge")).to_have_text(re.compile(r"^1 open$"))


def test_a_hidden_paper_page_polls_slowly_too(new_page, group):
    log, paper, bob, carol = group
    note = make_note(paper, by=bob)
    page = new_page()
    log_in(page, "bob", PASSWORD)
    polls = []
    page.on("request", lambda request: "/updates/" in request.url and polls.append(request.url))
    page.goto(paper.get_absolute_url())
    page.evaluate(HIDE)
    hidden_since = len(polls)
    comment = make_comment(note, by=carol, body="Arrived while you were away")
    page.wait_for_timeout(7000)
    assert len(polls) == hidden_since, polls
    assert all(f"/papers/{paper.number}/updates/" in url for url in polls)
    page.evaluate(SHOW)
    expect(page.locator(f"#comment-{comment.pk}")).to_be_attached(timeout=2_000)
    expect(page.locator(f"#thread-note-{note.pk} > summary .new-marker")).to_have_count(1)


def test_with_reduced_motion_nothing_flashes_but_the_new_marker_stays(new_page, group):
    log, paper, bob, carol = group
    page = new_page()
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "bob", PASSWORD)
    page.goto(paper.get_absolute_url())
    comment = make_comment(paper, by=carol, body="Seen without motion")
    item = page.locator(f"#comment-{comment.pk}")
    expect(item.locator(".new-marker")).to_be_visible(timeout=10_000)
    duration = item.evaluate("el => parseFloat(getComputedStyle(el).animationDuration)")
    assert duration < 0.001  # the 4 s flash is cut to nothing
    assert item.evaluate("el => getComputedStyle(el).boxShadow") != "none"  # the bar stays


def test_a_poll_answered_after_back_restored_the_page_is_dropped_quietly(new_page, group):
    """A poll in flight when Back restores the page from htmx's history belongs to the
    poller that was replaced: its answer must not be swapped (htmx would find none of
    its targets from a detached element and log an error); the next poll brings it."""
    log, paper, bob, carol = group
    page = new_page()
    log_in(page, "bob", PASSWORD)
    page.goto(log.get_absolute_url())
    page.locator("#id_q").press_sequentially("attention", delay=20)
    expect(page).to_have_url(re.compile(r"[?&]q=attention\b"))
    answered = []

    def slow(route):
        page.wait_for_timeout(1500)
        answered.append(route.request.url)
        route.continue_()

    page.route("**/updates/**", slow)
    # The page claims a stale count, so the poll is answered 200 with the counts to swap.
    page.evaluate("""() => {
      document.getElementById("nav-notifications").setAttribute("data-unread", "7");
      htmx.trigger(document.getElementById("page-poller"), "poll");
    }""")
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"[?&]q=attention\b"))
    page.wait_for_timeout(2500)
    assert answered, "the slow poll was answered"
    page.unroute_all(behavior="ignoreErrors")
