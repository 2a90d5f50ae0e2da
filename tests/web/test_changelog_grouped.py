"""A change log people read: recorded entries folded per day, person and kind (issue #10, 7)."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from papers import actions
from papers.models import ChangeLogEntry
from tests.conftest import make_note, make_paper, make_question


def page(client, log, **params):
    response = client.get(reverse("log_changelog", args=[log.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def summaries(html):
    """Return the folded lines of the page, as a reader sees them."""
    return re.findall(r'<span class="changelog-group-text">([^<]*)</span>', html)


@pytest.fixture
def busy_day(log, bob, carol):
    """Carol adds five papers; bob adds 7 notes to [3] and 5 to [5], then writes an entry."""
    papers = [make_paper(log, by=carol, title=f"Paper {n}") for n in range(1, 6)]
    for _ in range(7):
        make_note(papers[2], by=bob)
    for _ in range(5):
        make_note(papers[4], by=bob)
    actions.changelog_write(log, by=bob, date=timezone.localdate(), text="Tidied the *notes*")
    return papers


def test_recorded_entries_fold_into_one_line_per_person_and_kind(client, log, dave, busy_day):
    client.force_login(dave)
    assert summaries(page(client, log)) == [
        "carol added 5 papers: [1], [2], [3], [4] and [5]",
        "bob added 12 notes to [3] and [5]",
    ]


def test_written_entries_of_the_day_come_before_the_folded_lines(client, log, dave, busy_day):
    client.force_login(dave)
    html = page(client, log)
    assert html.index("Tidied the <em>notes</em>") < html.index("carol added 5 papers")
    assert html.count('class="changelog-day"') == 1


def test_a_folded_line_unfolds_to_its_entries_with_their_buttons(client, log, bob, busy_day):
    client.force_login(bob)
    html = page(client, log)
    start = html.index("bob added 12 notes")
    folded = html[start : html.index("</details>", start)]
    assert folded.count('<li id="entry-') == 12
    assert folded.count("⊘ Hide") == 12
    assert html[:start].rindex("<details>") > html[:start].rindex("</details>")


def test_days_persons_and_kinds_each_get_their_own_line(client, log, bob, carol, dave, paper):
    make_question(paper, by=carol)
    make_question(paper, by=bob)
    question = make_question(paper, by=carol)
    actions.question_resolve(question, by=bob)
    yesterday = timezone.localdate() - timedelta(days=1)
    ChangeLogEntry.objects.create(
        log=log, kind=ChangeLogEntry.Kind.NOTE_ADDED, text="Note added to [1]", author=bob,
        paper=paper, date=yesterday,
    )  # fmt: skip
    client.force_login(dave)
    assert summaries(page(client, log)) == [
        "carol added a paper: [1]",
        "carol asked 2 questions on [1]",
        "bob asked a question on [1]",
        "bob resolved a question on [1]",
        "bob added a note to [1]",  # yesterday, under its own day
    ]


def test_a_line_names_eight_papers_then_counts_the_rest(client, log, carol, dave):
    for n in range(11):
        make_paper(log, by=carol, title=f"Paper {n}")
    client.force_login(dave)
    (line,) = summaries(page(client, log))
    assert line == "carol added 11 papers: [1], [2], [3], [4], [5], [6], [7], [8] and 3 more papers"


def test_hidden_entries_are_not_counted_for_members(client, log, bob, carol, dave, paper):
    for _ in range(3):
        make_note(paper, by=bob)
    ChangeLogEntry.objects.filter(kind=ChangeLogEntry.Kind.NOTE_ADDED).first().set_hidden(
        True, by=bob
    )
    client.force_login(dave)
    assert "bob added 2 notes to [1]" in summaries(page(client, log))
    client.force_login(bob)
    assert "bob added 3 notes to [1]" in summaries(page(client, log))


def test_the_filter_shows_written_entries_only_or_everything(client, log, dave, busy_day):
    client.force_login(dave)
    written = page(client, log, show="written")
    assert "Tidied the <em>notes</em>" in written
    assert summaries(written) == [] and "Note added" not in written
    assert 'aria-current="page">Written entries only' in written
    for show in ("everything", "1", ""):
        html = page(client, log, show=show)
        assert len(summaries(html)) == 2 and "Tidied" in html
        assert 'aria-current="page">Everything' in html


def test_the_markdown_export_keeps_only_the_written_entries(client, log, dave, busy_day):
    client.force_login(dave)
    response = client.get(reverse("log_export_markdown", args=[log.slug]))
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    text = text.decode()
    assert "Tidied the *notes*" in text
    assert "Note added" not in text and "added 12 notes" not in text and "Added [1]" not in text


@pytest.mark.parametrize("size", [2, 30])
def test_the_grouped_change_log_runs_a_fixed_number_of_queries(
    client, log, bob, carol, size, django_assert_num_queries
):
    papers = [make_paper(log, by=carol, title=f"Paper {n}") for n in range(size)]
    for n, paper in enumerate(papers):
        make_note(paper, by=bob)
        make_question(paper, by=carol)
        actions.changelog_write(log, by=bob, date=date(2024, 1, 1) + timedelta(days=n), text="W")
    client.force_login(bob)
    # 1 session, 2 user, 3 log, 4 membership (role), 5 count of the days, 6 the entries of
    # the page's days with their author and paper, 7 the log's open questions (log nav badge).
    with django_assert_num_queries(7):
        html = page(client, log)
    assert f"bob added {size} notes to" in html
