"""The live poll of every page (views/updates.py): the header's unread count and the
log nav's open-question badge stay right without a reload, for almost nothing."""

import re

import pytest
from django.urls import reverse

from papers.models import ReadingLog, User
from tests.conftest import make_log, make_note, make_paper, make_question, make_user


def poll(client, **params):
    return client.get(reverse("updates"), params, HTTP_HX_REQUEST="true")


def shown_since(client, log):
    """Poll as a fresh page does (its badge not dated yet): return the badge's data-since."""
    html = poll(client, log=log.slug, questions=0).content.decode()
    return re.search(r'data-since="(\d+)"', html).group(1)


def page_poller(html):
    return re.search(r'<div id="page-poller"[^>]*>', html)


def test_every_page_of_a_log_and_home_carry_the_poller(client, carol, log, paper):
    client.force_login(carol)
    for url in (
        reverse("home"),
        reverse("notification_list"),
        reverse("log_detail", args=[log.slug]),
        reverse("log_questions", args=[log.slug]),
        reverse("log_changelog", args=[log.slug]),
        reverse("log_members", args=[log.slug]),
        reverse("log_trash", args=[log.slug]),
    ):
        html = client.get(url).content.decode()
        poller = page_poller(html)
        assert poller, url
        assert 'hx-trigger="poll"' in poller.group() and "data-poll" in poller.group()
    # The log nav's badge says which log and what count the page shows.
    html = client.get(reverse("log_detail", args=[log.slug])).content.decode()
    assert f'data-log="{log.slug}" data-count="0"' in html


def test_the_paper_page_polls_its_own_view_not_the_counts(client, carol, paper):
    client.force_login(carol)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert not page_poller(html)
    poller = re.search(r'<div id="paper-poller"[^>]*>', html, re.S).group()
    assert "data-poll" in poller and "#lognav-question-badge" in poller


def test_an_anonymous_visitor_of_a_public_log_polls_its_badge_only(client, log, paper):
    ReadingLog.objects.filter(pk=log.pk).update(visibility="public")
    html = client.get(reverse("log_detail", args=[log.slug])).content.decode()
    assert page_poller(html) and 'id="nav-notifications"' not in html
    since = shown_since(client, log)
    assert poll(client, log=log.slug, questions=0, log_since=since).status_code == 204
    make_question(paper, by=make_user("erin"))
    response = poll(client, log=log.slug, questions=0, log_since=since)
    assert response.status_code == 200
    assert 'id="lognav-question-badge"' in response.content.decode()
    assert 'id="nav-notifications"' not in response.content.decode()


def test_nothing_new_is_204_with_one_query_for_the_log(
    client, carol, log, paper, django_assert_num_queries
):
    make_question(paper, by=carol)
    client.force_login(carol)
    since = shown_since(client, log)
    # session and user (auth), then one: the log, carol's role and its latest activity.
    with django_assert_num_queries(3):
        response = poll(client, unread=0, log=log.slug, questions=1, log_since=since)
    assert response.status_code == 204
    # Without a log, the unread count is on the user row: nothing more.
    with django_assert_num_queries(2):
        assert poll(client, unread=0).status_code == 204


@pytest.mark.parametrize("questions", [1, 30])
def test_the_query_count_does_not_grow_with_the_log(
    client, alice, carol, log, questions, django_assert_num_queries
):
    for number in range(3):
        paper = make_paper(log, by=alice, title=f"Paper {number}")
        for _ in range(questions):
            make_question(paper, by=alice)
    client.force_login(carol)
    since = shown_since(client, log)
    with django_assert_num_queries(3):
        response = poll(client, unread=0, log=log.slug, questions=3 * questions, log_since=since)
    assert response.status_code == 204
    # The log moved since the page's badge was counted: one more query counts again.
    with django_assert_num_queries(4):
        response = poll(client, unread=0, log=log.slug, questions=3 * questions, log_since=0)
    assert f"{3 * questions}<span" in response.content.decode()


def test_a_new_unread_count_comes_back_as_the_header_link(client, bob, carol, paper):
    note = make_note(paper, by=carol)
    client.force_login(bob)
    url = reverse("comment_add", args=[paper.log.slug, "note", note.pk])
    client.post(url, {"body": "Is it not the decoder?"})

    client.force_login(carol)
    assert poll(client, unread=1).status_code == 204
    response = poll(client, unread=0)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="nav-notifications"' in html and 'data-unread="1"' in html
    assert 'aria-label="1 unread"' in html
    assert "lognav-question-badge" not in html  # no log asked about


def test_a_new_open_question_comes_back_as_the_badge(client, bob, carol, log, paper):
    client.force_login(carol)
    since = shown_since(client, log)
    assert poll(client, unread=0, log=log.slug, questions=0, log_since=since).status_code == 204
    client.force_login(bob)
    client.post(reverse("question_ask", args=[log.slug, paper.number]), {"body": "Why sqrt(d_k)?"})
    client.force_login(carol)
    response = poll(client, unread=0, log=log.slug, questions=0, log_since=since)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lognav-question-badge"' in html and 'data-count="1"' in html
    assert 'hx-get="' + reverse("log_question_badge", args=[log.slug]) in html
    assert 'id="nav-notifications"' in html and 'data-unread="0"' in html
    newer = re.search(r'data-since="(\d+)"', html).group(1)
    assert int(newer) > int(since)
    assert poll(client, unread=0, log=log.slug, questions=1, log_since=newer).status_code == 204


def test_a_paper_sent_to_the_trash_takes_its_questions_off_the_badge(
    client, alice, carol, log, paper
):
    make_question(paper, by=carol)
    client.force_login(carol)
    since = shown_since(client, log)
    assert poll(client, log=log.slug, questions=1, log_since=since).status_code == 204
    client.force_login(alice)
    client.post(reverse("paper_delete", args=[log.slug, paper.number]))
    client.force_login(carol)
    html = poll(client, log=log.slug, questions=1, log_since=since).content.decode()
    assert 'data-count="0"' in html


def test_a_non_member_gets_404_for_a_private_logs_counts(client, mallory, carol, log):
    client.force_login(mallory)
    assert poll(client, unread=0, log=log.slug, questions=0).status_code == 404
    assert poll(client, unread=0, log=log.slug, questions=7, log_since=0).status_code == 404
    client.logout()
    assert poll(client, log=log.slug, questions=0).status_code == 404
    # A log of carol's that mallory is not in is a 404 too, like one that does not exist.
    other = make_log(carol, slug="carols")
    client.force_login(mallory)
    assert poll(client, log=other.slug, questions=0).status_code == 404
    assert poll(client, log="nope", questions=0).status_code == 404


def test_a_former_member_stops_getting_counts(client, carol, log, paper):
    client.force_login(carol)
    since = shown_since(client, log)
    assert poll(client, log=log.slug, questions=0, log_since=since).status_code == 204
    log.memberships.filter(user=carol).delete()
    assert poll(client, log=log.slug, questions=0, log_since=since).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"unread": "x" * 5000},
        {"unread": "-1", "questions": "9" * 400, "log": "group", "log_since": "9" * 400},
        {"log": "g" * 81, "questions": "0"},
        {"log": "", "questions": ""},
        {"log": "../../etc", "unread": "1e9"},
        {"log": "gro\x00up", "questions": "0"},
        {"log": "group", "questions": "0", "log_since": "2024-02-30T00:00:00Z"},
    ],
)
def test_crafted_counts_never_500(client, carol, log, params):
    client.force_login(carol)
    assert poll(client, **params).status_code in (200, 204, 400, 404)


def test_only_get(client, carol):
    client.force_login(carol)
    assert client.post(reverse("updates"), {"unread": 0}).status_code == 405


def test_the_paper_poll_brings_the_badge_when_another_paper_gets_a_question(
    client, alice, carol, log, paper
):
    other = make_paper(log, by=alice, title="Another paper")
    paper.refresh_from_db()
    since = int(paper.last_activity_at.timestamp() * 1000)
    url = reverse("paper_updates", args=[log.slug, paper.number])
    client.force_login(carol)
    shown = {"since": since, "questions": 0, "unread": 0, "log_since": shown_since(client, log)}
    assert client.get(url, shown).status_code == 204
    make_question(other, by=alice)
    response = client.get(url, shown)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lognav-question-badge"' in html and 'data-count="1"' in html
    # The paper itself did not change: only the counts come back, not its regions.
    assert 'id="note-list"' not in html and 'id="paper-poller"' not in html


def test_the_paper_poll_dates_the_badge_when_the_paper_changes(client, bob, carol, paper):
    url = reverse("paper_updates", args=[paper.log.slug, paper.number])
    client.force_login(carol)
    make_question(paper, by=bob)
    html = client.get(url, {"since": 0, "questions": 0}).content.decode()
    assert 'id="note-list"' in html and 'id="paper-poller"' in html
    assert re.search(r'id="lognav-question-badge"[^>]*data-count="1" data-since="\d+"', html)


def test_an_unread_count_on_the_user_row_is_read_without_a_query(client, carol):
    User.objects.filter(pk=carol.pk).update(unread_notifications=4)
    client.force_login(carol)
    html = poll(client, unread=3).content.decode()
    assert 'data-unread="4"' in html
