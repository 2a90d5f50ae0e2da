"""The change log: curators' written entries and the ones the app records."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from papers import actions
from papers.models import ChangeLogEntry, ReadingLog
from tests.conftest import make_note, make_paper, make_question
from tests.web.conftest import HTMX, assert_partial

Kind = ChangeLogEntry.Kind


def url(name, log, *args):
    return reverse(name, args=[log.slug, *args])


def write(log, by, text="Organized the Transformer paper", day=None):
    return actions.changelog_write(log, by=by, date=day or timezone.localdate(), text=text)


@pytest.fixture
def entry(log, bob):
    return write(log, bob, day=date(2024, 8, 30))


# -- The page ------------------------------------------------------------------


def test_the_change_log_groups_entries_per_day_newest_first(client, bob, carol, log, paper):
    write(log, bob, "Created this website", day=date(2024, 8, 11))
    write(log, bob, "Added the SAM paper", day=date(2024, 8, 30))
    client.force_login(carol)
    response = client.get(url("log_changelog", log))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Friday 30 August 2024") < html.index("Sunday 11 August 2024")
    assert html.index("Added the SAM paper") < html.index("Created this website")
    # paper_added is recorded by the app, today (newest day first)
    assert html.index("Paper added") < html.index("Added the SAM paper")
    assert 'class="pill pill-written">Written' in html


def test_written_only_leaves_out_what_the_app_recorded(client, bob, carol, log, paper):
    write(log, bob, "By hand")
    client.force_login(carol)
    html = client.get(url("log_changelog", log), {"show": "written"}).content.decode()
    assert "By hand" in html and "Paper added" not in html
    assert 'aria-current="page">Written entries only' in html


def test_the_toggle_with_htmx_returns_the_entries(client, carol, log, paper, htmx):
    client.force_login(carol)
    response = client.get(url("log_changelog", log), {"show": "written"}, **htmx)
    assert_partial(response, "changelog-entries")


def test_hidden_entries_are_shown_greyed_to_curators_only(client, bob, carol, log, entry):
    entry.hidden = True
    entry.save()
    client.force_login(carol)
    assert entry.text not in client.get(url("log_changelog", log)).content.decode()
    client.force_login(bob)
    html = client.get(url("log_changelog", log)).content.decode()
    assert entry.text in html and "is-hidden" in html and "Unhide" in html


def test_only_curators_see_the_write_form(client, bob, carol, log):
    client.force_login(carol)
    assert 'id="entry-add-form"' not in client.get(url("log_changelog", log)).content.decode()
    client.force_login(bob)
    assert 'id="entry-add-form"' in client.get(url("log_changelog", log)).content.decode()


def test_the_write_form_defaults_to_today(client, bob, log):
    client.force_login(bob)
    html = client.get(url("log_changelog", log)).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html


def test_the_change_log_is_paginated_by_30_days(client, bob, log):
    ChangeLogEntry.objects.bulk_create(
        ChangeLogEntry(log=log, text=f"Entry {n}", date=date(2024, 1, 1) + timedelta(days=n % 31))
        for n in range(62)
    )
    client.force_login(bob)
    first = client.get(url("log_changelog", log)).content.decode()
    assert first.count('class="changelog-day"') == 30
    assert first.count('<li id="entry-') == 60  # a day is never cut by a page break
    assert "Page 1 of 2" in first
    second = client.get(url("log_changelog", log), {"page": 2}).content.decode()
    assert second.count('<li id="entry-') == 2
    assert "Monday 1 January 2024" in second


def test_the_change_log_is_404_for_an_outsider(client, mallory, log):
    client.force_login(mallory)
    response = client.get(url("log_changelog", log))
    assert response.status_code == 404
    assert log.title not in response.content.decode()


def test_the_change_log_of_a_public_log_needs_no_login(client, log, entry):
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    response = client.get(url("log_changelog", log))
    assert response.status_code == 200
    assert entry.text in response.content.decode()
    assert 'id="entry-add-form"' not in response.content.decode()


def test_the_change_log_of_a_private_log_is_404_without_a_login(client, log):
    assert client.get(url("log_changelog", log)).status_code == 404


@pytest.mark.parametrize("size", [2, 40])
def test_the_change_log_runs_a_fixed_number_of_queries(
    client, bob, carol, log, size, django_assert_num_queries
):
    for n in range(size):
        paper = make_paper(log, by=carol, title=f"Paper {n}")
        make_note(paper, by=carol)
        question = make_question(paper, by=carol)
        actions.question_resolve(question, by=bob)
        write(log, bob, f"Entry {n}", day=date(2024, 1, 1) + timedelta(days=n))
    client.force_login(bob)
    # 1 session, 2 user, 3 log, 4 membership (role), 5 count of the days,
    # 6 the entries of the page's days with their author and paper, 7 the log's open
    # questions (the log nav's badge).
    with django_assert_num_queries(7):
        response = client.get(url("log_changelog", log))
    assert response.status_code == 200


# -- Writing an entry -----------------------------------------------------------


def test_a_curator_writes_an_entry(client, bob, log):
    client.force_login(bob)
    response = client.post(url("changelog_add", log), {"date": "2024-08-31", "text": "Read *more*"})
    entry = ChangeLogEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("log_changelog", log) + f"#entry-{entry.pk}"
    assert entry.kind == Kind.WRITTEN and entry.author == bob
    assert entry.date == date(2024, 8, 31) and "<em>more</em>" in entry.text_html


def test_writing_with_htmx_returns_a_fresh_form_and_the_entries(client, bob, log):
    client.force_login(bob)
    response = client.post(
        url("changelog_add", log), {"date": "2024-08-31", "text": "Read more"}, **HTMX
    )
    entry = ChangeLogEntry.objects.get()
    assert_partial(response, "entry-add-form")
    html = response.content.decode()
    assert 'id="changelog-entries" class="changelog stack swap-region" hx-swap-oob="true"' in html
    assert f'id="entry-{entry.pk}"' in html and "data-focus" in html
    assert "Entry added" in response["HX-Trigger"]


def test_an_empty_entry_is_refused_and_keeps_the_date(client, bob, log):
    client.force_login(bob)
    response = client.post(url("changelog_add", log), {"date": "2024-08-31", "text": ""}, **HTMX)
    assert_partial(response, "entry-add-form", status=422)
    html = response.content.decode()
    assert "errorlist" in html and 'value="2024-08-31"' in html
    assert not ChangeLogEntry.objects.exists()


def test_a_bad_entry_without_htmx_shows_the_page_with_the_errors(client, bob, log):
    client.force_login(bob)
    response = client.post(url("changelog_add", log), {"date": "not a date", "text": "kept"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and "errorlist" in html and "kept" in html


def test_a_member_cannot_write_an_entry(client, carol, log):
    client.force_login(carol)
    response = client.post(url("changelog_add", log), {"date": "2024-08-31", "text": "x"})
    assert response.status_code == 403
    assert not ChangeLogEntry.objects.exists()


def test_writing_needs_a_login_and_is_404_for_an_outsider(client, mallory, log):
    response = client.post(url("changelog_add", log), {"date": "2024-08-31", "text": "x"})
    assert response.status_code == 302
    client.force_login(mallory)
    response = client.post(url("changelog_add", log), {"date": "2024-08-31", "text": "x"})
    assert response.status_code == 404


# -- Editing an entry in place -------------------------------------------------------


def test_a_curator_gets_the_edit_form_in_place(client, bob, log, entry, htmx):
    client.force_login(bob)
    response = client.get(url("changelog_edit", log, entry.pk), **htmx)
    assert_partial(response, f"entry-{entry.pk}")
    html = response.content.decode()
    assert 'value="2024-08-30"' in html and entry.text in html and "<textarea" in html


def test_the_edit_form_without_htmx_is_a_page(client, bob, log, entry):
    client.force_login(bob)
    response = client.get(url("changelog_edit", log, entry.pk))
    assert response.status_code == 200 and "<html" in response.content.decode()


def test_saving_an_edit_swaps_the_entry(client, bob, log, entry, htmx):
    client.force_login(bob)
    response = client.post(
        url("changelog_edit", log, entry.pk),
        {"version": 1, "date": "2024-09-01", "text": "Fixed **typo**"},
        **htmx,
    )
    assert_partial(response, f"entry-{entry.pk}")
    assert "<strong>typo</strong>" in response.content.decode()
    assert "Entry saved" in response["HX-Trigger"]
    entry.refresh_from_db()
    assert entry.date == date(2024, 9, 1)


def test_saving_an_edit_without_htmx_redirects_to_the_entry(client, bob, log, entry):
    client.force_login(bob)
    response = client.post(
        url("changelog_edit", log, entry.pk), {"version": 1, "date": "2024-09-01", "text": "x"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("log_changelog", log) + f"#entry-{entry.pk}"


def test_an_empty_edit_is_refused_and_changes_nothing(client, bob, log, entry, htmx):
    client.force_login(bob)
    response = client.post(
        url("changelog_edit", log, entry.pk),
        {"version": 1, "date": "2024-09-01", "text": ""},
        **htmx,
    )
    assert_partial(response, f"entry-{entry.pk}", status=422)
    assert "errorlist" in response.content.decode()
    entry.refresh_from_db()
    assert entry.date == date(2024, 8, 30) and entry.text == "Organized the Transformer paper"


def test_a_member_cannot_edit_an_entry(client, carol, log, entry):
    client.force_login(carol)
    assert client.get(url("changelog_edit", log, entry.pk)).status_code == 403
    response = client.post(
        url("changelog_edit", log, entry.pk), {"version": 1, "date": "2024-09-01", "text": "x"}
    )
    assert response.status_code == 403


def test_editing_needs_a_login_and_is_404_for_an_outsider(client, mallory, log, entry):
    assert client.get(url("changelog_edit", log, entry.pk)).status_code == 302
    client.force_login(mallory)
    assert client.get(url("changelog_edit", log, entry.pk)).status_code == 404


def test_cancel_shows_the_entry_again(client, carol, log, entry, htmx):
    client.force_login(carol)
    response = client.get(url("changelog_entry", log, entry.pk), **htmx)
    assert_partial(response, f"entry-{entry.pk}")


def test_the_entry_url_without_htmx_goes_to_its_place_on_the_page(client, carol, log, entry):
    client.force_login(carol)
    response = client.get(url("changelog_entry", log, entry.pk))
    assert response["Location"] == url("log_changelog", log) + f"#entry-{entry.pk}"


def test_a_hidden_entry_is_404_for_non_curators(client, carol, mallory, log, entry):
    entry.hidden = True
    entry.save()
    client.force_login(carol)
    assert client.get(url("changelog_entry", log, entry.pk), **HTMX).status_code == 404
    client.force_login(mallory)
    assert client.get(url("changelog_entry", log, entry.pk), **HTMX).status_code == 404


# -- Hiding ------------------------------------------------------------------------------


def test_a_curator_hides_and_unhides_an_entry(client, bob, log, entry, htmx):
    client.force_login(bob)
    response = client.post(url("changelog_hide", log, entry.pk), **htmx)
    assert_partial(response, f"entry-{entry.pk}")
    assert "is-hidden" in response.content.decode()
    entry.refresh_from_db()
    assert entry.hidden
    response = client.post(url("changelog_unhide", log, entry.pk))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert not entry.hidden


def test_a_member_cannot_hide_an_entry(client, carol, log, entry):
    client.force_login(carol)
    assert client.post(url("changelog_hide", log, entry.pk)).status_code == 403
    assert client.post(url("changelog_unhide", log, entry.pk)).status_code == 403


def test_hiding_needs_a_login_and_is_404_for_an_outsider(client, mallory, log, entry):
    assert client.post(url("changelog_hide", log, entry.pk)).status_code == 302
    assert client.post(url("changelog_unhide", log, entry.pk)).status_code == 302
    client.force_login(mallory)
    assert client.post(url("changelog_hide", log, entry.pk)).status_code == 404
    assert client.post(url("changelog_unhide", log, entry.pk)).status_code == 404


def test_hiding_is_a_post(client, bob, log, entry):
    client.force_login(bob)
    assert client.get(url("changelog_hide", log, entry.pk)).status_code == 405
