"""The questions panel of the paper page and the log's questions page.

Who may do what: members ask; whoever asked a question, or a curator,
resolves and reopens it; its author, or a curator, edits, deletes or turns it
into a note.
"""

import pytest
from django.urls import reverse

from papers.models import ChangeLogEntry, Note, Question, ReadingLog, Role
from tests.conftest import make_comment, make_log, make_paper, make_question
from tests.web.conftest import HTMX, assert_partial


@pytest.fixture
def question(paper, carol):
    return make_question(paper, by=carol)


@pytest.fixture
def bobs_question(paper, bob):
    return make_question(paper, by=bob, body="What is layer norm for?")


def url(name, log, *args):
    return reverse(name, args=[log.slug, *args])


def ask_url(log, paper):
    return url("question_ask", log, paper.number)


# -- Asking ---------------------------------------------------------------------


def test_a_member_asks_a_question_and_goes_back_to_it(client, carol, log, paper):
    client.force_login(carol)
    response = client.post(ask_url(log, paper), {"body": "What is *d_k*?"})
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url() + f"#question-{question.pk}"
    assert question.author == carol and question.is_open
    assert "<em>d_k</em>" in question.body_html


def test_asking_with_htmx_appends_the_question_and_updates_the_badges(client, carol, log, paper):
    make_question(paper, by=carol)
    client.force_login(carol)
    response = client.post(ask_url(log, paper), {"body": "Another one?"}, **HTMX)
    question = Question.objects.latest("pk")
    assert_partial(response, "question-form")
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#open-questions"' in html
    assert f'id="question-{question.pk}"' in html and "data-focus" in html
    assert '<span id="open-question-badge" class="badge badge-open" hx-swap-oob="true">2' in html
    assert "Question asked" in response["HX-Trigger"]
    assert "questions-changed" in response["HX-Trigger"]
    assert "Another one?" not in html.split('id="question-form"')[1].split("</form>")[0]


def test_an_empty_question_is_refused_with_422_and_the_form(client, carol, log, paper):
    client.force_login(carol)
    response = client.post(ask_url(log, paper), {"body": "   "}, **HTMX)
    assert_partial(response, "question-form", status=422)
    assert "errorlist" in response.content.decode()
    assert not Question.objects.exists()


def test_an_empty_question_without_htmx_shows_a_page_with_the_error(client, carol, log, paper):
    client.force_login(carol)
    response = client.post(ask_url(log, paper), {"body": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and "errorlist" in html and 'id="question-form"' in html


def test_asking_needs_a_login(client, log, paper):
    response = client.post(ask_url(log, paper), {"body": "Why?"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_viewer_cannot_ask(client, dave, log, paper):
    client.force_login(dave)
    assert client.post(ask_url(log, paper), {"body": "Why?"}).status_code == 403
    assert not Question.objects.exists()


def test_an_outsider_gets_404_on_a_private_log(client, mallory, log, paper):
    client.force_login(mallory)
    response = client.post(ask_url(log, paper), {"body": "Why?"})
    assert response.status_code == 404
    assert log.title not in response.content.decode()


def test_asking_on_a_missing_paper_is_404(client, carol, log, paper):
    client.force_login(carol)
    assert client.post(url("question_ask", log, 99), {"body": "Why?"}).status_code == 404


def test_asking_is_a_post(client, carol, log, paper):
    client.force_login(carol)
    assert client.get(ask_url(log, paper)).status_code == 405


# -- Resolving and reopening ----------------------------------------------------


def test_the_asker_resolves_with_a_text_and_it_is_recorded(client, carol, log, paper, question):
    client.force_login(carol)
    response = client.post(
        url("question_resolve", log, question.pk), {"resolution": "It keeps *variance* at 1."}
    )
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()
    question.refresh_from_db()
    assert question.status == Question.Status.RESOLVED
    assert question.resolved_by == carol
    assert "<em>variance</em>" in question.resolution_html
    entry = log.changelog.get(kind=ChangeLogEntry.Kind.QUESTION_RESOLVED)
    assert entry.author == carol and entry.paper == paper


def test_resolving_by_picking_a_reply(client, bob, carol, log, paper, question):
    reply = make_comment(question, by=bob, body="Scaling keeps softmax out of saturation.")
    client.force_login(bob)
    response = client.post(url("question_resolve", log, question.pk), {"answer": reply.pk}, **HTMX)
    assert_partial(response, f"question-{question.pk}")
    html = response.content.decode()
    assert f'href="#comment-{reply.pk}"' in html and "the reply by bob" in html
    assert "Question resolved" in response["HX-Trigger"]
    assert '<span id="open-question-badge" class="badge badge-zero" hx-swap-oob="true">0' in html
    assert 'id="log-open-question-badge"' not in html  # the paper page has none
    assert "questions-changed" in response["HX-Trigger"]
    question.refresh_from_db()
    assert question.answer == reply and question.resolved_by == bob


def test_picking_a_reply_to_another_question_is_refused(client, carol, log, paper, question):
    other = make_question(paper, by=carol, body="Another question")
    stray = make_comment(other, by=carol, body="Not an answer to the first")
    client.force_login(carol)
    response = client.post(
        url("question_resolve", log, question.pk),
        {"answer": stray.pk, "resolution": "kept text"},
        **HTMX,
    )
    assert_partial(response, f"question-{question.pk}", status=422)
    html = response.content.decode()
    assert "Pick one of the replies to this question." in html
    assert "kept text" in html
    question.refresh_from_db()
    assert question.is_open
    assert not log.changelog.filter(kind=ChangeLogEntry.Kind.QUESTION_RESOLVED).exists()


def test_a_bad_answer_without_htmx_shows_a_page_with_the_error(client, carol, log, question):
    client.force_login(carol)
    response = client.post(url("question_resolve", log, question.pk), {"answer": "nope"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and "Pick one of the replies" in html


def test_a_member_cannot_resolve_someone_elses_question(client, carol, log, bobs_question):
    client.force_login(carol)
    response = client.post(url("question_resolve", log, bobs_question.pk), {"resolution": "x"})
    assert response.status_code == 403
    bobs_question.refresh_from_db()
    assert bobs_question.is_open


def test_a_curator_resolves_anyones_question(client, bob, log, question):
    client.force_login(bob)
    client.post(url("question_resolve", log, question.pk), {"resolution": "Done"})
    question.refresh_from_db()
    assert question.resolved_by == bob


def test_a_viewer_cannot_resolve(client, dave, log, question):
    client.force_login(dave)
    assert client.post(url("question_resolve", log, question.pk)).status_code == 403


def test_an_outsider_cannot_resolve_on_a_private_log(client, mallory, log, question):
    client.force_login(mallory)
    assert client.post(url("question_resolve", log, question.pk)).status_code == 404


def test_resolving_needs_a_login(client, log, question):
    response = client.post(url("question_resolve", log, question.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_question_of_another_log_is_404(client, alice, carol, log, question):
    other_log = make_log(alice, slug="other", members=[(carol, Role.MEMBER)])
    client.force_login(carol)
    assert client.post(url("question_resolve", other_log, question.pk)).status_code == 404


def test_reopening_clears_the_resolution(client, carol, log, question):
    question.resolve(by=carol, resolution="old")
    client.force_login(carol)
    response = client.post(url("question_reopen", log, question.pk), **HTMX)
    assert_partial(response, f"question-{question.pk}")
    assert "Question reopened" in response["HX-Trigger"]
    assert '<span id="open-question-badge" class="badge badge-open" hx-swap-oob="true">1' in (
        response.content.decode()
    )
    question.refresh_from_db()
    assert question.is_open and question.resolution == ""


def test_reopening_without_htmx_redirects(client, bob, log, question):
    question.resolve(by=bob)
    client.force_login(bob)
    response = client.post(url("question_reopen", log, question.pk))
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()


def test_a_member_cannot_reopen_someone_elses_question(client, carol, bob, log, bobs_question):
    bobs_question.resolve(by=bob)
    client.force_login(carol)
    assert client.post(url("question_reopen", log, bobs_question.pk)).status_code == 403


def test_reopening_is_404_for_an_outsider_and_needs_a_login(client, mallory, log, question):
    assert client.post(url("question_reopen", log, question.pk)).status_code == 302
    client.force_login(mallory)
    assert client.post(url("question_reopen", log, question.pk)).status_code == 404


# -- Editing, deleting, turning into a note ---------------------------------------


def test_the_author_gets_the_edit_form_in_place(client, carol, log, question, htmx):
    client.force_login(carol)
    response = client.get(url("question_edit", log, question.pk), **htmx)
    assert_partial(response, f"question-{question.pk}")
    html = response.content.decode()
    assert "<textarea" in html and question.body in html


def test_the_edit_form_without_htmx_is_a_page(client, carol, log, question):
    client.force_login(carol)
    response = client.get(url("question_edit", log, question.pk))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_saving_an_edit_swaps_the_question(client, carol, log, question, htmx):
    client.force_login(carol)
    response = client.post(
        url("question_edit", log, question.pk), {"version": 1, "body": "New *text*"}, **htmx
    )
    assert_partial(response, f"question-{question.pk}")
    assert "<em>text</em>" in response.content.decode()
    question.refresh_from_db()
    assert question.body == "New *text*" and question.updated_by == carol


def test_saving_an_edit_without_htmx_redirects(client, bob, log, question):
    client.force_login(bob)
    response = client.post(
        url("question_edit", log, question.pk), {"version": 1, "body": "Curated"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.body == "Curated"


def test_an_empty_edit_is_refused_and_changes_nothing(client, carol, log, question, htmx):
    client.force_login(carol)
    response = client.post(
        url("question_edit", log, question.pk), {"version": 1, "body": ""}, **htmx
    )
    assert_partial(response, f"question-{question.pk}", status=422)
    assert "errorlist" in response.content.decode()
    question.refresh_from_db()
    assert question.body == "Why divide by sqrt(d_k)?"


def test_a_member_cannot_edit_someone_elses_question(client, carol, log, bobs_question):
    client.force_login(carol)
    response = client.post(
        url("question_edit", log, bobs_question.pk), {"version": 1, "body": "Mine now"}
    )
    assert response.status_code == 403


def test_editing_needs_a_login_and_is_404_for_an_outsider(client, mallory, log, question):
    assert client.get(url("question_edit", log, question.pk)).status_code == 302
    client.force_login(mallory)
    assert client.get(url("question_edit", log, question.pk)).status_code == 404


def test_a_viewer_cannot_edit(client, dave, log, question):
    client.force_login(dave)
    assert client.get(url("question_edit", log, question.pk)).status_code == 403


def test_cancel_shows_the_question_again(client, carol, log, question, htmx):
    client.force_login(carol)
    response = client.get(url("question_detail", log, question.pk), **htmx)
    assert_partial(response, f"question-{question.pk}")


def test_the_question_url_without_htmx_goes_to_the_paper_page(client, carol, log, question):
    client.force_login(carol)
    response = client.get(url("question_detail", log, question.pk))
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()


def test_a_question_is_404_for_an_outsider(client, mallory, log, question):
    client.force_login(mallory)
    assert client.get(url("question_detail", log, question.pk)).status_code == 404


def test_anyone_reads_a_question_of_a_public_log(client, log, question, htmx):
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    response = client.get(url("question_detail", log, question.pk), **htmx)
    assert_partial(response, f"question-{question.pk}")
    assert "Mark resolved" not in response.content.decode()


def test_deleting_removes_the_question_and_updates_the_badges(client, carol, log, question):
    client.force_login(carol)
    response = client.post(url("question_delete", log, question.pk), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="question-{question.pk}"' not in html
    assert 'id="open-question-badge"' in html and 'hx-swap-oob="true"' in html
    assert not Question.objects.exists()


def test_deleting_without_htmx_redirects_to_the_panel(client, bob, log, paper, question):
    client.force_login(bob)
    response = client.post(url("question_delete", log, question.pk))
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url() + "#question-list"


def test_a_member_cannot_delete_someone_elses_question(client, carol, log, bobs_question):
    client.force_login(carol)
    assert client.post(url("question_delete", log, bobs_question.pk)).status_code == 403
    assert Question.objects.filter(pk=bobs_question.pk).exists()


def test_deleting_needs_a_login_and_is_404_for_an_outsider(client, mallory, log, question):
    assert client.post(url("question_delete", log, question.pk)).status_code == 302
    client.force_login(mallory)
    assert client.post(url("question_delete", log, question.pk)).status_code == 404


def test_turning_a_question_into_a_note_keeps_its_replies(client, bob, carol, log, question):
    reply = make_comment(question, by=bob)
    client.force_login(carol)
    response = client.post(url("question_to_note", log, question.pk), **HTMX)
    note = Note.objects.get()
    assert_partial(response, f"question-{question.pk}")
    html = response.content.decode()
    assert note.get_absolute_url() in html
    assert "notes-changed" in response["HX-Trigger"]
    assert note.body == question.body and note.author == carol
    reply.refresh_from_db()
    assert reply.note == note
    assert not Question.objects.exists()


def test_turning_into_a_note_without_htmx_redirects_to_the_note(client, bob, log, question):
    client.force_login(bob)
    response = client.post(url("question_to_note", log, question.pk))
    assert response.status_code == 302
    assert response["Location"] == Note.objects.get().get_absolute_url()


def test_a_member_cannot_turn_someone_elses_question_into_a_note(client, carol, log, bobs_question):
    client.force_login(carol)
    assert client.post(url("question_to_note", log, bobs_question.pk)).status_code == 403


def test_turning_into_a_note_needs_a_login_and_is_404_for_an_outsider(
    client, mallory, log, question
):
    assert client.post(url("question_to_note", log, question.pk)).status_code == 302
    client.force_login(mallory)
    assert client.post(url("question_to_note", log, question.pk)).status_code == 404


# -- The panel on the paper page -------------------------------------------------


def test_the_panel_lists_open_questions_first_with_the_resolved_ones_after(
    client, bob, carol, log, paper
):
    resolved = make_question(paper, by=carol, body="Resolved one")
    resolved.resolve(by=bob, resolution="Because")
    make_question(paper, by=carol, body="Still open")
    client.force_login(carol)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'id="question-list"' in html
    assert html.index("Still open") < html.index("Resolved one")
    assert "Resolved by bob" in html
    assert 'id="question-form"' in html


def test_a_viewer_sees_the_panel_without_the_ask_form(client, dave, log, paper, question):
    client.force_login(dave)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'id="question-list"' in html and question.body in html
    assert 'id="question-form"' not in html and "Mark resolved" not in html


# -- The questions page ------------------------------------------------------------


def test_the_questions_page_lists_open_questions_first(client, bob, carol, log, paper):
    other = make_paper(log, by=carol, title="BERT")
    done = make_question(paper, by=carol, body="Done already")
    done.resolve(by=bob)
    make_question(other, by=bob, body="Open on BERT")
    client.force_login(carol)
    response = client.get(url("log_questions", log))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Open on BERT") < html.index("Done already")
    assert "[2] BERT" in html
    assert '<span id="log-open-question-badge" class="badge badge-open">1' in html


def test_the_questions_page_filters_by_status_paper_and_asker(client, bob, carol, log, paper):
    other = make_paper(log, by=carol, title="BERT")
    make_question(paper, by=carol, body="Carol on attention")
    make_question(other, by=bob, body="Bob on BERT")
    done = make_question(other, by=carol, body="Carol on BERT, resolved")
    done.resolve(by=carol)
    client.force_login(carol)
    page = url("log_questions", log)

    def shown(**params):
        html = client.get(page, params, **HTMX).content.decode()
        return {b for b in ("Carol on attention", "Bob on BERT", "Carol on BERT") if b in html}

    assert shown(status="open") == {"Carol on attention", "Bob on BERT"}
    assert shown(paper=2) == {"Bob on BERT", "Carol on BERT"}
    assert shown(asker="carol") == {"Carol on attention", "Carol on BERT"}
    assert shown(status="resolved", asker="carol") == {"Carol on BERT"}
    assert shown(status="nonsense") == {"Carol on attention", "Bob on BERT", "Carol on BERT"}


def test_the_filter_form_keeps_its_choices_in_the_url(client, carol, log, paper, question):
    client.force_login(carol)
    html = client.get(url("log_questions", log), {"status": "open", "asker": "carol"}).content
    html = html.decode()
    assert '<option value="open" selected>' in html
    assert '<option value="carol" selected>' in html
    assert 'hx-push-url="true"' in html


def test_the_questions_page_with_htmx_returns_the_results(client, carol, log, question, htmx):
    client.force_login(carol)
    response = client.get(url("log_questions", log), {"status": "open"}, **htmx)
    assert_partial(response, "question-results")
    assert f'id="question-{question.pk}"' in response.content.decode()


def test_the_questions_page_is_paginated_by_50(client, carol, log, paper):
    for n in range(51):
        make_question(paper, by=carol, body=f"Question number {n}")
    client.force_login(carol)
    first = client.get(url("log_questions", log)).content.decode()
    assert first.count('class="card question question-row') == 50
    assert "Page 1 of 2" in first
    second = client.get(url("log_questions", log), {"page": 2}).content.decode()
    assert second.count('class="card question question-row') == 1


def test_the_questions_page_shows_the_resolve_form_to_the_asker_and_curators_only(
    client, bob, carol, dave, log, paper, question, bobs_question
):
    page = url("log_questions", log)
    resolve = url("question_resolve", log, question.pk)
    resolve_bobs = url("question_resolve", log, bobs_question.pk)
    client.force_login(carol)
    html = client.get(page).content.decode()
    assert resolve in html and resolve_bobs not in html
    client.force_login(bob)
    html = client.get(page).content.decode()
    assert resolve in html and resolve_bobs in html
    client.force_login(dave)
    html = client.get(page).content.decode()
    assert resolve not in html


def test_resolving_from_the_questions_page_swaps_the_row(client, carol, log, question):
    client.force_login(carol)
    response = client.post(
        url("question_resolve", log, question.pk),
        {"resolution": "Found it", "from": "questions", "next": "/ignored"},
        **HTMX,
    )
    assert_partial(response, f"question-{question.pk}")
    html = response.content.decode()
    assert "question-row" in html and "Found it" in html
    assert (
        '<span id="log-open-question-badge" class="badge badge-zero" hx-swap-oob="true">0' in html
    )


def test_resolving_from_the_questions_page_without_htmx_goes_back_to_the_filters(
    client, carol, log, question
):
    client.force_login(carol)
    back = url("log_questions", log) + "?status=open"
    response = client.post(
        url("question_resolve", log, question.pk), {"from": "questions", "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back


def test_resolving_never_redirects_to_another_site(client, carol, log, question):
    client.force_login(carol)
    response = client.post(
        url("question_resolve", log, question.pk), {"next": "https://evil.example/"}
    )
    assert response["Location"] == question.get_absolute_url()


def test_the_questions_page_is_404_for_an_outsider(client, mallory, log, question):
    client.force_login(mallory)
    response = client.get(url("log_questions", log))
    assert response.status_code == 404
    assert log.title not in response.content.decode()


def test_the_questions_page_of_a_public_log_needs_no_login(client, log, question):
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    response = client.get(url("log_questions", log))
    assert response.status_code == 200
    assert question.body in response.content.decode()
    assert "Mark resolved" not in response.content.decode()


def test_the_questions_page_of_a_private_log_needs_a_login(client, log):
    assert client.get(url("log_questions", log)).status_code == 404


def _fill(log, paper, users, n):
    for i in range(n):
        question = make_question(paper, by=users[i % len(users)], body=f"Question {i}")
        make_comment(question, by=users[(i + 1) % len(users)])
        if i % 3 == 0:
            question.resolve(by=users[0])


@pytest.mark.parametrize("size", [2, 30])
def test_the_questions_page_runs_a_fixed_number_of_queries(
    client, alice, bob, carol, log, paper, size, django_assert_num_queries
):
    other = make_paper(log, by=carol, title="BERT")
    _fill(log, paper, [carol, bob], size)
    _fill(log, other, [bob, alice], size)
    client.force_login(carol)
    # 1 session, 2 user, 3 log, 4 membership (role), 5 count of the questions,
    # 6 the page of questions with paper, author and resolver, 7 their replies
    # with authors, 8 the papers that have questions (filter), 9 the askers
    # (filter), 10 the log's open-question count.
    with django_assert_num_queries(10):
        response = client.get(url("log_questions", log))
    assert response.status_code == 200


def test_with_many_papers_the_paper_filter_asks_for_a_number(client, log, carol, monkeypatch):
    from papers.views import questions as views

    monkeypatch.setattr(views, "PAPER_CHOICES_LIMIT", 2)
    for title in ("One", "Two", "Three"):
        make_question(make_paper(log, by=carol, title=title), by=carol, body=f"About {title}?")
    client.force_login(carol)
    url = reverse("log_questions", args=[log.slug])
    html = client.get(url).content.decode()
    assert 'type="number" id="filter-paper"' in html and '<select id="filter-paper"' not in html
    html = client.get(url, {"paper": 2}).content.decode()
    assert "About Two?" in html and "About One?" not in html
    assert 'value="2"' in html
