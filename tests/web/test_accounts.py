"""Accounts (Django's auth views, our templates), home, creating a log, its settings."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from papers.models import Membership, ReadingLog, Role, membership_visited
from tests.conftest import (
    PASSWORD,
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)
from tests.web.conftest import assert_partial

# -- Auth ----------------------------------------------------------------------


def test_login_page_is_styled_and_logs_in_to_home(client, carol):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'class="card auth-card"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_with_a_wrong_password_shows_the_error_and_keeps_the_username(client, carol):
    response = client.post(reverse("login"), {"username": "carol", "password": "nope"})
    html = response.content.decode()
    assert "errorlist" in html
    assert 'value="carol"' in html
    assert "_auth_user_id" not in client.session


def test_login_comes_back_to_the_page_asked_for(client, carol, log):
    url = reverse("log_members", args=[log.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    response = client.post(
        reverse("login"), {"username": "carol", "password": PASSWORD, "next": url}
    )
    assert response["Location"] == url


def test_logout_needs_a_post(client, carol):
    client.force_login(carol)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_user_menu_offers_password_change_and_logout_and_admin_only_to_staff(
    client, carol, admin_user
):
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert reverse("password_change") in html
    assert reverse("logout") in html
    assert reverse("admin:index") not in html
    client.force_login(admin_user)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_password_change_requires_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_change_changes_the_password(client, carol):
    client.force_login(carol)
    assert client.get(reverse("password_change")).status_code == 200
    new = "a much longer new passphrase"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response["Location"] == reverse("password_change_done")
    carol.refresh_from_db()
    assert carol.check_password(new)
    assert "Password changed" in client.get(reverse("password_change_done")).content.decode()


def test_password_change_with_a_wrong_old_password_shows_errors(client, carol):
    client.force_login(carol)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x" * 12, "new_password2": "x" * 12},
    )
    assert "errorlist" in response.content.decode()
    carol.refresh_from_db()
    assert carol.check_password(PASSWORD)


def test_password_reset_mails_a_link_that_sets_a_new_password(client, carol):
    response = client.post(reverse("password_reset"), {"email": "carol@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert "Check your email" in client.get(reverse("password_reset_done")).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Choose a new Readinglog password"
    link = next(line for line in message.body.splitlines() if "/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new = "another long passphrase here"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done["Location"] == reverse("password_reset_complete")
    carol.refresh_from_db()
    assert carol.check_password(new)


def test_password_reset_with_a_bad_link_says_so(client, db):
    url = reverse("password_reset_confirm", args=["MQ", "bad-token"])
    assert "This link no longer works" in client.get(url).content.decode()


# -- Home ----------------------------------------------------------------------


def test_home_welcomes_anonymous_visitors_with_public_logs_only(client, alice):
    make_log(alice, title="Open group", slug="open", visibility=ReadingLog.Visibility.PUBLIC)
    make_log(alice, title="Secret group", slug="secret")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Read papers together" in html
    assert reverse("login") in html
    assert "Open group" in html
    assert "Secret group" not in html


def test_home_lists_the_users_logs_with_their_role(client, carol, log, alice):
    make_log(alice, title="Not carols", slug="other")
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert log.title in html
    assert "pill-member" in html
    assert "Not carols" not in html


def test_home_counts_what_others_did_since_the_last_visit(client, carol, bob, alice, log):
    Membership.objects.filter(user=carol).update(last_visited_at=timezone.now())
    paper = make_paper(log, by=bob, title="New one")
    make_note(paper, by=bob)
    make_note(paper, by=alice)
    question = make_question(paper, by=alice)
    make_comment(paper, by=bob)
    reply = make_comment(question, by=bob)
    make_comment(paper, by=carol)  # her own: not news to her
    question.resolve(by=alice, answer=reply)
    membership = Membership.objects.with_changes_since_last_visit().get(user=carol)
    assert (
        membership.new_papers,
        membership.new_notes,
        membership.new_questions,
        membership.new_comments,
        membership.new_resolved,
    ) == (1, 2, 1, 2, 1)
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert "new paper" in html
    assert "2</span> notes" in html


def test_visiting_the_log_resets_the_counts(client, carol, bob, log):
    Membership.objects.filter(user=carol).update(last_visited_at=timezone.now() - timedelta(days=1))
    make_paper(log, by=bob)
    assert Membership.objects.with_changes_since_last_visit().get(user=carol).new_papers == 1
    membership_visited(log, carol)
    membership = Membership.objects.with_changes_since_last_visit().get(user=carol)
    assert membership.new_papers == 0
    client.force_login(carol)
    assert "Nothing new since your last visit" in client.get(reverse("home")).content.decode()


def test_membership_visited_ignores_anonymous_users(log):
    from django.contrib.auth.models import AnonymousUser

    membership_visited(log, AnonymousUser())  # no error, nothing to record


def test_home_lists_only_the_users_open_questions(client, carol, bob, paper):
    mine = make_question(paper, by=carol, body="Why layer norm first?")
    resolved = make_question(paper, by=carol, body="What is d_model?")
    resolved.resolve(by=bob, resolution="512")
    make_question(paper, by=bob, body="Bob wonders about dropout")
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert mine.body in html
    assert "What is d_model?" not in html
    assert "Bob wonders" not in html


def test_home_pages_the_open_questions_and_htmx_gets_the_list_only(client, carol, paper, htmx):
    for n in range(12):
        make_question(paper, by=carol, body=f"Question number {n:02d}")
    client.force_login(carol)
    first = client.get(reverse("home")).content.decode()
    assert "Question number 11" in first
    assert "Question number 01" not in first
    response = client.get(reverse("home") + "?page=2", **htmx)
    assert_partial(response, "my-questions")
    assert "Question number 01" in response.content.decode()


def test_home_hides_questions_from_logs_the_user_left(client, carol, paper):
    make_question(paper, by=carol, body="Left behind")
    Membership.objects.filter(user=carol).delete()
    client.force_login(carol)
    assert "Left behind" not in client.get(reverse("home")).content.decode()


def _fill(owner, others, n_logs, n_papers):
    for i in range(n_logs):
        log = make_log(owner, title=f"Log {i}", slug=f"log-{i}", members=others)
        for _ in range(n_papers):
            paper = make_paper(log, by=owner)
            make_note(paper, by=owner)
            make_question(paper, by=others[0][0])
            make_comment(paper, by=owner)


@pytest.mark.parametrize("size", [1, 4])
def test_home_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, size):
    alice, carol = make_user("alice"), make_user("carol")
    _fill(alice, [(carol, Role.MEMBER)], n_logs=size, n_papers=size)
    make_log(alice, title="Public", slug="public", visibility=ReadingLog.Visibility.PUBLIC)
    client.force_login(carol)
    # 1 session, 2 user, 3 count of her open questions, 4 one page of them, 5 questions
    # waiting for her, 6 memberships with their change counts (subqueries), 7 the papers
    # that changed in each log, 8 public logs she is not in.
    with django_assert_num_queries(8):
        response = client.get(reverse("home"))
    assert response.status_code == 200


# -- Create a log ----------------------------------------------------------------


def test_log_create_requires_login(client):
    response = client.get(reverse("log_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_log_create_makes_the_creator_its_owner(client, mallory):
    client.force_login(mallory)
    assert client.get(reverse("log_create")).status_code == 200
    response = client.post(
        reverse("log_create"),
        {"title": "Mallory's papers", "description": "*Mine*", "visibility": "private"},
    )
    log = ReadingLog.objects.get(title="Mallory's papers")
    assert response["Location"] == reverse("log_members", args=[log.slug])
    assert log.role_of(mallory) == Role.OWNER
    assert log.created_by == mallory
    assert "<em>Mine</em>" in log.description_html


def test_log_create_without_a_title_is_422_and_keeps_the_input(client, mallory):
    client.force_login(mallory)
    response = client.post(
        reverse("log_create"), {"title": "", "description": "keep me", "visibility": "private"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "errorlist" in html
    assert "keep me" in html
    assert not ReadingLog.objects.exists()


# -- Settings and delete ------------------------------------------------------------


def test_settings_are_for_owners(client, log, alice, bob, mallory):
    url = reverse("log_settings", args=[log.slug])
    assert client.get(url).status_code == 302
    client.force_login(mallory)
    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 403
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert log.title in response.content.decode()


def test_settings_save_title_description_and_visibility(client, log, alice):
    client.force_login(alice)
    response = client.post(
        reverse("log_settings", args=[log.slug]),
        {"title": "Renamed", "description": "Hello **all**", "visibility": "public"},
    )
    assert response["Location"] == reverse("log_settings", args=[log.slug])
    log.refresh_from_db()
    assert (log.title, log.is_public) == ("Renamed", True)
    assert "<strong>all</strong>" in log.description_html


def test_settings_invalid_is_422_and_changes_nothing(client, log, alice):
    client.force_login(alice)
    response = client.post(
        reverse("log_settings", args=[log.slug]),
        {"title": "", "description": "typed", "visibility": "secret"},
    )
    assert response.status_code == 422
    assert "typed" in response.content.decode()
    log.refresh_from_db()
    assert log.title == "Group reading log"


def test_settings_with_htmx_swap_the_form(client, log, alice, htmx):
    client.force_login(alice)
    url = reverse("log_settings", args=[log.slug])
    ok = client.post(url, {"title": "T", "description": "", "visibility": "private"}, **htmx)
    assert_partial(ok, "settings-form")
    assert "Settings saved" in ok.content.decode()
    bad = client.post(url, {"title": "", "visibility": "private"}, **htmx)
    assert_partial(bad, "settings-form", status=422)


def test_delete_needs_the_slug_typed(client, log, alice, htmx):
    client.force_login(alice)
    url = reverse("log_delete", args=[log.slug])
    response = client.post(url, {"confirm": "nope"})
    assert response.status_code == 422
    assert "exactly" in response.content.decode()
    assert_partial(client.post(url, {"confirm": "nope"}, **htmx), "delete-form", status=422)
    assert ReadingLog.objects.filter(pk=log.pk).exists()


def test_delete_removes_the_log_and_goes_home(client, log, alice):
    client.force_login(alice)
    response = client.post(reverse("log_delete", args=[log.slug]), {"confirm": log.slug})
    assert response["Location"] == reverse("home")
    assert not ReadingLog.objects.filter(pk=log.pk).exists()


def test_delete_with_htmx_redirects_the_whole_page(client, log, alice, htmx):
    client.force_login(alice)
    response = client.post(reverse("log_delete", args=[log.slug]), {"confirm": log.slug}, **htmx)
    assert response["HX-Redirect"] == reverse("home")


def test_delete_is_for_owners_only(client, log, bob, mallory):
    url = reverse("log_delete", args=[log.slug])
    client.force_login(mallory)
    assert client.post(url, {"confirm": log.slug}).status_code == 404
    client.force_login(bob)
    assert client.post(url, {"confirm": log.slug}).status_code == 403
    assert ReadingLog.objects.filter(pk=log.pk).exists()


def test_opening_the_log_page_records_the_visit(client, carol, log):
    client.force_login(carol)
    client.get(reverse("log_detail", args=[log.slug]))
    visited = Membership.objects.get(log=log, user=carol).last_visited_at
    assert visited is not None
    assert timezone.now() - visited < timedelta(minutes=1)


def test_htmx_is_told_to_swap_422_responses(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '"code": "422", "swap": true' in html
    assert '"includeIndicatorStyles": false' in html


def test_a_log_titled_new_does_not_hide_behind_the_create_page(client, mallory):
    client.force_login(mallory)
    client.post(reverse("log_create"), {"title": "New", "visibility": "private"})
    log = ReadingLog.objects.get(title="New")
    assert log.slug != "new"
    assert client.get(reverse("log_detail", args=[log.slug])).status_code == 200


def test_a_member_who_never_visited_sees_what_happened_since_joining(client, carol):
    make_log(carol, slug="fresh")
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert "Nothing new since you joined." in html
    assert "Nothing new since your last visit" not in html
