"""Atom feeds of a log's change log and activity (issue #10, item 5)."""

from datetime import date

import feedparser
import pytest
from django.urls import reverse

from papers import actions
from papers.models import Membership, ReadingLog
from tests.conftest import make_note, make_paper, make_question

SITE = "https://reading.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def feed_url(name, log, key=None):
    url = reverse(name, args=[log.slug])
    return f"{url}?key={key}" if key else url


def parse(response):
    """Parse a feed as a reader would; fail on anything that is not well-formed Atom."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def make_public(log):
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)


@pytest.fixture
def activity(log, paper, carol, bob):
    note = make_note(paper, by=carol, body="Figure 2: *the decoder*.")
    question = make_question(paper, by=carol, body="Why sqrt(d_k)?")
    actions.question_resolve(question, by=bob, resolution="To keep the **variance** at 1.")
    return note, question


# -- What the feeds hold -------------------------------------------------------


def test_the_activity_feed_of_a_public_log_is_valid_atom_with_absolute_links(
    client, log, paper, activity
):
    make_public(log)
    feed = parse(client.get(feed_url("activity_feed", log)))
    note, question = activity
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "bob resolved a question on [1] Attention Is All You Need",
        "carol asked on [1] Attention Is All You Need",
        "carol wrote a note on [1] Attention Is All You Need",
        "carol added [1] Attention Is All You Need",
    ]
    resolved, asked, noted, added = feed.entries
    assert noted.link == f"{SITE}/logs/group/papers/1/#note-{note.pk}"
    assert asked.link == f"{SITE}/logs/group/papers/1/#question-{question.pk}"
    assert noted.content[0].value == "<p>Figure 2: <em>the decoder</em>.</p>"
    assert "<strong>variance</strong>" in resolved.content[0].value
    assert noted.author == "carol" and resolved.author == "bob"
    assert noted.id.startswith("tag:reading.example.org,") and noted.id.endswith(f"note/{note.pk}")
    assert all(entry.updated_parsed for entry in feed.entries)
    assert feed.feed.link == f"{SITE}/logs/group/"
    assert feed.feed.title == "Group reading log: activity"


def test_links_within_the_site_in_the_content_resolve_to_it(client, log, paper, carol):
    make_public(log)
    make_note(paper, by=carol, body="See [the papers](/logs/group/).")
    (note, _) = parse(client.get(feed_url("activity_feed", log))).entries
    assert f'href="{SITE}/logs/group/"' in note.content[0].value


def test_entry_ids_stay_the_same_when_a_paper_is_renamed(client, log, paper, carol, activity):
    make_public(log)
    before = [e.id for e in parse(client.get(feed_url("activity_feed", log))).entries]
    actions.text_edit(paper, by=carol, version=paper.version, title="Attention, renamed")
    after = parse(client.get(feed_url("activity_feed", log)))
    assert [e.id for e in after.entries] == before
    assert "Attention, renamed" in after.entries[0].title


def test_the_activity_feed_leaves_out_the_trash(client, log, paper, carol, activity):
    make_public(log)
    other = make_paper(log, by=carol, title="BERT")
    make_note(other, by=carol, body="A note on BERT")
    gone = make_note(paper, by=carol, body="A note carol deleted")
    actions.trash(gone, by=carol)
    actions.trash(other, by=carol)
    feed = parse(client.get(feed_url("activity_feed", log)))
    text = " ".join(e.title + e.content[0].value for e in feed.entries)
    assert "BERT" not in text and "deleted" not in text
    assert len(feed.entries) == 4


def test_the_change_log_feed_holds_visible_entries_with_their_html(client, log, paper, bob):
    make_public(log)
    written = actions.changelog_write(log, by=bob, date=date(2024, 8, 30), text="Read **SAM**")
    hidden = actions.changelog_write(log, by=bob, date=date(2024, 8, 31), text="Secret plan")
    hidden.set_hidden(True, by=bob)
    feed = parse(client.get(feed_url("changelog_feed", log)))
    titles = [e.title for e in feed.entries]
    assert "30 August 2024: Read **SAM**" in titles
    assert not any("Secret" in title for title in titles)
    assert any("(paper added)" in title for title in titles)  # what the app recorded
    entry = next(e for e in feed.entries if e.title.startswith("30 August"))
    assert entry.content[0].value == "<p>Read <strong>SAM</strong></p>"
    assert entry.link == f"{SITE}/logs/group/changelog/#entry-{written.pk}"
    assert entry.author == "bob"
    only_written = parse(client.get(feed_url("changelog_feed", log), {"show": "written"}))
    assert [e.title for e in only_written.entries] == ["30 August 2024: Read **SAM**"]


def test_a_feed_holds_the_latest_50_items(client, log, paper, carol):
    make_public(log)
    for n in range(60):
        make_note(paper, by=carol, body=f"Note {n}")
    feed = parse(client.get(feed_url("activity_feed", log)))
    assert len(feed.entries) == 50
    assert feed.entries[0].content[0].value == "<p>Note 59</p>"


def test_an_empty_log_has_a_valid_empty_feed(client, log):
    make_public(log)
    assert parse(client.get(feed_url("changelog_feed", log))).entries == []


# -- Who reads them --------------------------------------------------------------


@pytest.mark.parametrize("name", ["activity_feed", "changelog_feed"])
def test_a_private_log_feed_is_404_without_a_key(client, log, paper, name):
    response = client.get(feed_url(name, log))
    assert response.status_code == 404
    assert log.title not in response.content.decode()


@pytest.mark.parametrize("name", ["activity_feed", "changelog_feed"])
def test_a_member_key_opens_a_private_feed_without_a_session(client, log, dave, activity, name):
    feed = parse(client.get(feed_url(name, log, dave.feed_key)))
    assert feed.entries
    assert "sessionid" not in client.cookies


@pytest.mark.parametrize(
    "key",
    [
        "nonsense",
        "1-" + "0" * 40,
        "x" * 10_000,
        "99999999999999999999-" + "a" * 40,
        "٣-" + "a" * 40,
    ],
)
def test_a_bad_key_is_404_with_no_hint(client, log, paper, key):
    response = client.get(feed_url("activity_feed", log), {"key": key})
    assert response.status_code == 404
    assert log.title not in response.content.decode()


def test_an_outsider_key_is_404(client, log, paper, mallory):
    assert client.get(feed_url("activity_feed", log, mallory.feed_key)).status_code == 404


def test_a_key_stops_working_when_the_member_leaves(client, log, paper, dave):
    key = dave.feed_key
    assert client.get(feed_url("activity_feed", log, key)).status_code == 200
    Membership.objects.get(log=log, user=dave).remove()
    assert client.get(feed_url("activity_feed", log, key)).status_code == 404


def test_a_key_stops_working_when_the_member_resets_it(client, log, paper, dave):
    old = dave.feed_key
    dave.reset_feed_token()
    assert dave.feed_key != old
    assert client.get(feed_url("activity_feed", log, old)).status_code == 404
    assert client.get(feed_url("activity_feed", log, dave.feed_key)).status_code == 200


def test_one_log_key_does_not_open_another_log_of_the_same_slug_owner(client, log, paper, carol):
    other = ReadingLog.objects.create(title="Carol's secret", slug="secret", created_by=carol)
    assert client.get(feed_url("activity_feed", other, carol.feed_key)).status_code == 404


def test_a_signed_in_member_reads_a_private_feed_without_a_key(client, log, carol, paper):
    client.force_login(carol)
    assert parse(client.get(feed_url("activity_feed", log))).entries


def test_a_key_on_a_public_log_must_still_be_right(client, log, paper):
    make_public(log)
    assert client.get(feed_url("activity_feed", log), {"key": "wrong"}).status_code == 404


# -- Where the links are -----------------------------------------------------------


def test_a_public_log_page_links_its_plain_feeds(client, log, paper):
    make_public(log)
    html = client.get(reverse("log_detail", args=[log.slug])).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Group reading log: activity" '
        'href="/logs/group/activity/feed/">' in html
    )
    assert 'href="/logs/group/changelog/feed/" type="application/atom+xml">change log</a>' in html
    assert "?key=" not in html


def test_a_member_of_a_private_log_sees_their_secret_links(client, log, paper, carol):
    client.force_login(carol)
    html = client.get(reverse("log_detail", args=[log.slug])).content.decode()
    key = carol.feed_key
    assert f'href="/logs/group/activity/feed/?key={key}"' in html
    assert f'href="/logs/group/changelog/feed/?key={key}" type="application/atom+xml">' in html
    assert "Private: anyone with this link can read the feed." in html
    assert '<details class="log-feeds">' in html


def test_the_change_log_page_has_alternate_links(client, log, carol):
    client.force_login(carol)
    html = client.get(reverse("log_changelog", args=[log.slug])).content.decode()
    assert f'href="/logs/group/changelog/feed/?key={carol.feed_key}">' in html
    assert 'rel="alternate" type="application/atom+xml"' in html


# -- Cost ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 30])
def test_the_feeds_run_a_fixed_number_of_queries(
    client, log, carol, bob, size, django_assert_num_queries
):
    for n in range(size):
        paper = make_paper(log, by=carol, title=f"Paper {n}")
        make_note(paper, by=carol)
        question = make_question(paper, by=carol)
        actions.question_resolve(question, by=bob)
        actions.changelog_write(log, by=bob, date=date(2024, 1, 1), text=f"Entry {n}")
    key = carol.feed_key
    # 1 the log, 2 the key's membership with its user, 3 papers, 4 notes, 5 questions asked,
    # 6 questions resolved (each with its author and paper).
    with django_assert_num_queries(6):
        assert client.get(feed_url("activity_feed", log, key)).status_code == 200
    # 1 the log, 2 the key's membership with its user, 3 the entries with their authors.
    with django_assert_num_queries(3):
        assert client.get(feed_url("changelog_feed", log, key)).status_code == 200
