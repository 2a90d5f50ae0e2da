"""Home for a signed-in member: what changed in each log since the last visit, with links,
and the questions waiting for them (issue #10, item 8)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from papers import actions
from papers.models import Membership, ReadingLog, Role
from tests.conftest import (
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)
from tests.web.conftest import assert_partial


def visited(user, when=None):
    Membership.objects.filter(user=user).update(last_visited_at=when or timezone.now())


def test_each_count_links_to_what_changed(client, log, alice, bob, carol):
    old = make_paper(log, by=alice, title="Read last month")
    quiet = make_paper(log, by=alice, title="Nothing happened here")
    visited(carol)
    new = make_paper(log, by=bob, title="Mamba")
    make_note(old, by=bob)
    question = make_question(old, by=alice)
    make_comment(new, by=alice)
    actions.question_resolve(question, by=bob, resolution="Done.")
    client.force_login(carol)

    html = client.get(reverse("home")).text

    assert (
        'href="/logs/group/?sort=-number"><span class="badge badge-new">1</span> new paper' in html
    )
    assert 'href="/logs/group/?sort=activity"><span class="badge badge-new">1</span> note' in html
    assert 'href="/logs/group/questions/?status=open"' in html
    assert (
        'href="/logs/group/questions/?status=resolved"><span class="badge">1</span> resolved'
        in html
    )
    assert f'href="{new.get_absolute_url()}">[{new.number}] Mamba</a>' in html
    assert f'href="{old.get_absolute_url()}">[{old.number}] Read last month</a>' in html
    assert quiet.title not in html


@pytest.mark.parametrize("on", ["paper", "note", "question"])
def test_a_comment_by_another_on_a_paper_note_or_question_makes_it_news(
    client, log, alice, bob, carol, on
):
    paper = make_paper(log, by=alice, title="Quiet until a comment")
    target = {"paper": paper, "note": make_note(paper, by=carol), "question": None}[on]
    target = target or make_question(paper, by=carol)
    visited(carol)
    client.force_login(carol)
    news = f'href="{paper.get_absolute_url()}">[{paper.number}] Quiet until a comment'
    make_comment(target, by=carol, body="My own comment is not news.")
    assert news not in client.get(reverse("home")).text

    make_comment(target, by=bob, body="A comment from bob.")

    assert news in client.get(reverse("home")).text


def test_papers_only_the_member_touched_are_not_news(client, log, alice, carol):
    paper = make_paper(log, by=alice, title="Carol's own doing")
    visited(carol)
    make_note(paper, by=carol)
    make_paper(log, by=carol, title="Added by carol")
    client.force_login(carol)

    html = client.get(reverse("home")).text

    assert "Carol's own doing" not in html and "Added by carol" not in html
    assert "Nothing new since your last visit" in html


def test_a_log_lists_its_three_most_recently_active_papers(client, log, alice, carol):
    visited(carol, timezone.now() - timedelta(days=1))
    for n in range(5):
        make_paper(log, by=alice, title=f"Paper {n}")
    client.force_login(carol)

    html = client.get(reverse("home")).text

    assert "Paper 4" in html and "Paper 3" in html and "Paper 2" in html
    assert "Paper 1" not in html and "Paper 0" not in html
    assert "5</span> new papers" in html


def test_questions_waiting_for_you_across_logs_with_a_count(client, log, alice, bob, carol):
    other = make_log(alice, title="Other group", slug="other", members=[(carol, Role.MEMBER)])
    left = make_log(alice, title="Left group", slug="left", members=[(carol, Role.MEMBER)])
    for where in (log, other, left):
        paper = make_paper(where, by=alice, title=f"Paper of {where.slug}")
        make_note(paper, by=carol)
        make_question(paper, by=alice, body=f"Unanswered in {where.slug}")
    answered = make_question(paper, by=alice, body="Already answered")
    make_comment(answered, by=bob)
    unrelated = make_paper(log, by=alice, title="No notes of carol")
    make_question(unrelated, by=alice, body="Not for carol")
    Membership.objects.get(user=carol, log=left).remove()
    for n in range(6):
        make_question(
            Membership.objects.get(user=carol, log=log).log.papers.first(), by=bob, body=f"More {n}"
        )
    client.force_login(carol)

    html = client.get(reverse("home")).text

    assert 'id="waiting-for-you"' in html
    assert '<span class="badge badge-open">8</span>' in html  # 2 + 6 more, newest 5 shown
    assert "More 5" in html and "More 1" in html and "More 0" not in html
    assert "Unanswered in left" not in html and "Already answered" not in html
    assert "Not for carol" not in html
    assert "8 in all" in html


def test_nothing_waiting_shows_no_section(client, log, carol):
    client.force_login(carol)
    assert 'id="waiting-for-you"' not in client.get(reverse("home")).text


def test_htmx_paging_of_open_questions_gets_the_list_only(
    client, carol, paper, htmx, django_assert_num_queries
):
    for n in range(12):
        make_question(paper, by=carol, body=f"Question {n:02d}")
    client.force_login(carol)
    # session, user, count of her open questions, the page of them
    with django_assert_num_queries(4):
        response = client.get(reverse("home") + "?page=2", **htmx)
    assert_partial(response, "my-questions")
    assert 'id="waiting-for-you"' not in response.text


def _fill(owner, carol, bob, n_logs, n_papers):
    for i in range(n_logs):
        log = make_log(
            owner,
            title=f"Log {i}",
            slug=f"log-{i}",
            members=[(carol, Role.MEMBER), (bob, Role.MEMBER)],
        )
        visited(carol, timezone.now() - timedelta(days=1))
        for _ in range(n_papers):
            paper = make_paper(log, by=owner)
            make_note(paper, by=carol)
            make_note(paper, by=owner)
            make_question(paper, by=bob)
            make_question(paper, by=carol)
            make_comment(paper, by=owner)


@pytest.mark.parametrize(("logs", "papers"), [(1, 2), (5, 12)])
def test_home_costs_the_same_for_one_log_or_five(
    client, db, django_assert_num_queries, logs, papers
):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    _fill(alice, carol, bob, logs, papers)
    make_log(alice, title="Public", slug="public", visibility=ReadingLog.Visibility.PUBLIC)
    client.force_login(carol)
    # 1 session, 2 user, 3 count of her open questions, 4 one page of them,
    # 5 questions waiting for her with their count, 6 memberships with their change
    # counts, 7 the papers that changed in each log, 8 public logs she is not in.
    with django_assert_num_queries(8):
        html = client.get(reverse("home")).text
    assert html.count('class="list changed-papers"') == logs
    assert 'id="waiting-for-you"' in html
