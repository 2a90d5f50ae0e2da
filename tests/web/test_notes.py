import pytest
from django.urls import reverse

from papers.models import Note, Question
from tests.conftest import make_comment, make_note, make_question
from tests.web.conftest import assert_partial


def add_url(paper):
    return reverse("note_add", args=[paper.log.slug, paper.number])


def note_url(name, note):
    return reverse(name, args=[note.paper.log.slug, note.pk])


def test_a_member_adds_a_note_with_an_anchor_from_its_first_words(client, carol, paper):
    client.force_login(carol)
    response = client.post(add_url(paper), {"body": "Figure 3: attention maps."})
    note = Note.objects.get()
    assert response.status_code == 302 and response.url == note.get_absolute_url()
    assert (note.anchor_kind, note.anchor_label, note.body) == (
        "figure",
        "Figure 3",
        "attention maps.",
    )
    assert note.author == carol


def test_a_picked_anchor_wins_over_the_body(client, carol, paper):
    client.force_login(carol)
    client.post(add_url(paper), {"body": "Figure 3: x", "anchor_kind": "table"})
    note = Note.objects.get()
    assert (note.anchor_kind, note.anchor_label, note.body) == ("table", "Table", "Figure 3: x")


def test_adding_a_note_with_htmx_returns_a_fresh_form_and_the_list(client, carol, paper, htmx):
    client.force_login(carol)
    response = client.post(add_url(paper), {"body": "A **note**"}, **htmx)
    assert_partial(response, "note-form")
    html = response.content.decode()
    assert 'id="note-list" class="note-list stack" hx-swap-oob="true"' in html
    assert "<strong>note</strong>" in html and "data-focus" in html


def test_an_empty_note_rerenders_with_errors(client, carol, paper, htmx):
    client.force_login(carol)
    response = client.post(add_url(paper), {"body": "  ", "anchor_label": "Fig 9"}, **htmx)
    assert_partial(response, "note-form", status=422)
    assert b"Fig 9" in response.content and b"errorlist" in response.content
    assert not Note.objects.exists()


def test_a_viewer_cannot_add_a_note(client, dave, paper):
    client.force_login(dave)
    assert client.post(add_url(paper), {"body": "x"}).status_code == 403


def test_an_outsider_cannot_add_a_note(client, mallory, paper):
    client.force_login(mallory)
    assert client.post(add_url(paper), {"body": "x"}).status_code == 404


def test_adding_a_note_requires_login(client, paper):
    assert client.post(add_url(paper), {"body": "x"}).status_code == 302


def test_carol_edits_her_note_in_place(client, carol, paper, htmx):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    form = client.get(note_url("note_edit", note), **htmx)
    assert_partial(form, f"note-content-{note.pk}")
    assert b"data-keep" in form.content
    response = client.post(note_url("note_edit", note), {"version": 1, "body": "Better"}, **htmx)
    assert_partial(response, f"note-content-{note.pk}")
    note.refresh_from_db()
    assert note.body == "Better" and note.updated_by == carol


def test_editing_a_note_without_htmx_redirects(client, carol, paper):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    response = client.post(note_url("note_edit", note), {"version": 1, "body": "Better"})
    assert response.status_code == 302


def test_the_note_edit_page_works_without_js(client, carol, paper):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    response = client.get(note_url("note_edit", note))
    assert b"<html" in response.content and f"note-edit-body-{note.pk}".encode() in response.content


def test_an_empty_edit_rerenders_with_errors(client, carol, paper, htmx):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    response = client.post(note_url("note_edit", note), {"version": 1, "body": ""}, **htmx)
    assert_partial(response, f"note-content-{note.pk}", status=422)
    note.refresh_from_db()
    assert note.body == "Figure 1 shows the encoder."


def test_carol_cannot_edit_bobs_note(client, carol, bob, paper):
    note = make_note(paper, by=bob)
    client.force_login(carol)
    assert (
        client.post(note_url("note_edit", note), {"version": 1, "body": "Mine"}).status_code == 403
    )
    assert client.post(note_url("note_delete", note)).status_code == 403


def test_bob_the_curator_edits_carols_note(client, carol, bob, paper):
    note = make_note(paper, by=carol)
    client.force_login(bob)
    assert (
        client.post(note_url("note_edit", note), {"version": 1, "body": "Fixed"}).status_code == 302
    )
    note.refresh_from_db()
    assert note.body == "Fixed" and note.updated_by == bob


def test_an_outsider_gets_404_on_a_note(client, mallory, carol, paper):
    note = make_note(paper, by=carol)
    client.force_login(mallory)
    assert client.get(note_url("note_edit", note)).status_code == 404


def test_deleting_a_note_returns_the_list(client, carol, paper, htmx):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    response = client.post(note_url("note_delete", note), **htmx)
    assert_partial(response, "note-list")
    assert response["HX-Retarget"] == "#note-list"
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("direction", "order"), [("up", ["b", "a", "c"]), ("down", ["a", "c", "b"])]
)
def test_notes_move_up_and_down(client, carol, paper, direction, order):
    notes = {body: make_note(paper, by=carol, body=body) for body in "abc"}
    client.force_login(carol)
    response = client.post(note_url("note_move", notes["b"]), {"direction": direction})
    assert response.status_code == 302
    assert [n.body for n in paper.notes.order_by("position", "pk")] == order


def test_moving_with_htmx_returns_the_list(client, carol, paper, htmx):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    response = client.post(note_url("note_move", note), {"direction": "up"}, **htmx)
    assert_partial(response, "note-list")


def test_a_bad_direction_is_refused(client, carol, paper):
    note = make_note(paper, by=carol)
    client.force_login(carol)
    assert client.post(note_url("note_move", note), {"direction": "sideways"}).status_code == 422


def test_a_note_turns_into_a_question_with_its_comments(client, carol, bob, paper, htmx):
    note = make_note(paper, by=carol, anchor_label="Figure 1")
    make_comment(note, by=bob)
    client.force_login(carol)
    response = client.post(note_url("note_to_question", note), **htmx)
    assert_partial(response, "note-list")
    assert "questions-changed" in response["HX-Trigger"]
    question = Question.objects.get()
    assert question.body.startswith("Figure 1: ") and question.comments.count() == 1
    assert not Note.objects.exists()


def test_a_viewer_cannot_turn_a_note_into_a_question(client, dave, carol, paper):
    note = make_note(paper, by=carol)
    client.force_login(dave)
    assert client.post(note_url("note_to_question", note)).status_code == 403


def test_a_note_turned_into_a_question_refreshes_the_questions_panel(client, carol, paper, htmx):
    note = make_note(paper, by=carol, body="Why six layers?")
    client.force_login(carol)
    response = client.post(note_url("note_to_question", note), **htmx)
    assert "questions-changed" in response["HX-Trigger"]
    # The panel comes along out of band (focus on the new question), so it needs
    # no second request; the page URL still answers it to whoever asks.
    assert 'id="question-list" class="questions stack-sm"' in response.content.decode()
    assert "Why six layers?" in response.content.decode()
    page = reverse("paper_detail", args=[paper.log.slug, paper.number])
    panel = client.get(page, HTTP_HX_TARGET="question-list", **htmx)
    assert_partial(panel, "question-list")
    assert "Why six layers?" in panel.content.decode()


def test_a_question_turned_into_a_note_refreshes_the_notes_list(client, carol, paper, htmx):
    question = make_question(paper, by=carol, body="Figure 4: what is on the y axis?")
    client.force_login(carol)
    to_note = reverse("question_to_note", args=[paper.log.slug, question.pk])
    response = client.post(to_note, **htmx)
    assert "notes-changed" in response["HX-Trigger"]
    # The notes list hears `notes-changed` and asks the page URL for itself.
    page = reverse("paper_detail", args=[paper.log.slug, paper.number])
    notes = client.get(page, HTTP_HX_TARGET="note-list", **htmx)
    assert_partial(notes, "note-list")
    assert "what is on the y axis?" in notes.content.decode()
    assert 'hx-trigger="notes-changed from:body"' in notes.content.decode()


def test_a_note_is_a_compact_bullet_with_its_actions_in_a_menu(client, carol, bob, paper):
    note = make_note(paper, by=carol, body="Figure 1: the encoder.")
    make_comment(note, by=bob)
    client.force_login(carol)
    page = reverse("paper_detail", args=[paper.log.slug, paper.number])
    html = client.get(page).content.decode()
    item = html.split(f'id="note-{note.pk}"', 1)[1].split("</li>", 1)[0]
    assert 'aria-label="Note actions"' in item
    assert 'class="inline-form note-to-question"' in item
    assert f'id="thread-note-{note.pk}"' in item and "Comments 0" not in item
    assert f'id="comment-count-note-{note.pk}"' in item
