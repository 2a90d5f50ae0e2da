import pytest
from django.urls import reverse

from papers.models import Paper, ReadingLog, Tag
from tests.conftest import make_comment, make_note, make_paper, make_question
from tests.web.conftest import assert_partial


def url(paper):
    return reverse("paper_detail", args=[paper.log.slug, paper.number])


def edit_url(paper, field):
    return reverse("paper_field_edit", args=[paper.log.slug, paper.number, field])


def test_it_shows_the_paper_notes_and_neighbours(client, carol, log, paper):
    make_paper(log, by=carol, title="Next one")
    make_note(
        paper,
        by=carol,
        body="Figure 1: the encoder.",
        anchor_kind="figure",
        anchor_label="Figure 1",
    )
    client.force_login(carol)
    html = client.get(url(paper)).content.decode()
    assert "Attention Is All You Need" in html
    assert 'class="chip chip-anchor"' in html and "Figure 1" in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert 'id="paper-poller"' in html


def test_it_links_to_the_previous_paper(client, carol, log, paper):
    second = make_paper(log, by=carol, title="Second")
    client.force_login(carol)
    html = client.get(url(second)).content.decode()
    assert f'href="{url(paper)}"' in html and 'rel="prev"' in html


def test_it_hides_a_private_paper_from_outsiders(client, mallory, paper):
    client.force_login(mallory)
    response = client.get(url(paper))
    assert response.status_code == 404
    assert b"Attention" not in response.content


def test_it_needs_login_for_a_private_log(client, paper):
    assert client.get(url(paper)).status_code == 404


def test_anyone_reads_a_paper_of_a_public_log_without_edit_links(client, log, paper):
    ReadingLog.objects.filter(pk=log.pk).update(visibility="public")
    response = client.get(url(paper))
    assert response.status_code == 200
    assert b"field-edit" not in response.content
    assert b'id="note-form"' not in response.content


def test_an_unknown_number_is_404(client, carol, log):
    client.force_login(carol)
    assert client.get(reverse("paper_detail", args=["group", 99])).status_code == 404


@pytest.mark.parametrize(("notes", "comments"), [(1, 1), (8, 4)])
def test_paper_page_runs_a_fixed_number_of_queries(
    client, carol, bob, paper, notes, comments, django_assert_num_queries
):
    paper.tags.add(Tag.objects.create(log=paper.log, name="nlp"))
    for n in range(notes):
        note = make_note(paper, by=carol, body=f"Note {n}")
        question = make_question(paper, by=carol, body=f"Q {n}")
        for _ in range(comments):
            first = make_comment(note, by=bob)
            make_comment(question, by=carol, parent=make_comment(question, by=bob))
            make_comment(paper, by=carol, parent=first)
    client.force_login(carol)
    # session, user, log, membership, the paper with previous/next numbers,
    # its tags, notes with authors, questions with authors, every comment of
    # the page with authors, the membership's last visit (UPDATE), and the
    # log's open-question count for the log nav's badge.
    with django_assert_num_queries(11):
        response = client.get(url(paper))
    assert response.status_code == 200


def test_the_adder_edits_the_title_in_place(client, carol, paper, htmx):
    client.force_login(carol)
    form = client.get(edit_url(paper, "title"), **htmx)
    assert_partial(form, "field-title")
    assert b'name="title"' in form.content
    response = client.post(edit_url(paper, "title"), {"version": 1, "title": "Attention!"}, **htmx)
    assert_partial(response, "field-title")
    assert b"Attention!" in response.content and b'name="title"' not in response.content
    paper.refresh_from_db()
    assert (paper.title, paper.updated_by) == ("Attention!", carol)


def test_editing_a_field_bumps_last_activity(client, carol, paper):
    before = paper.last_activity_at
    client.force_login(carol)
    client.post(edit_url(paper, "status"), {"version": 1, "status": "reading"})
    paper.refresh_from_db()
    assert paper.status == "reading" and paper.last_activity_at > before


def test_editing_a_field_without_htmx_redirects(client, carol, paper):
    client.force_login(carol)
    response = client.post(
        edit_url(paper, "tldr"), {"version": 1, "tldr": "Attention is **enough**."}
    )
    assert response.status_code == 302 and response.url == paper.get_absolute_url()
    paper.refresh_from_db()
    assert paper.tldr_html == "<p>Attention is <strong>enough</strong>.</p>"


def test_the_edit_page_works_without_js(client, carol, paper):
    client.force_login(carol)
    response = client.get(edit_url(paper, "authors"))
    assert response.status_code == 200
    assert b"<html" in response.content and b'name="authors"' in response.content


def test_tags_are_edited_as_comma_separated_names(client, carol, paper):
    client.force_login(carol)
    client.post(edit_url(paper, "tags"), {"version": 1, "tag_names": "nlp, attention, nlp"})
    assert sorted(t.name for t in paper.tags.all()) == ["attention", "nlp"]


def test_an_invalid_field_rerenders_with_errors(client, carol, paper, htmx):
    client.force_login(carol)
    response = client.post(edit_url(paper, "link"), {"version": 1, "url": "not a link"}, **htmx)
    assert_partial(response, "field-link", status=422)
    assert b"not a link" in response.content and b"errorlist" in response.content
    paper.refresh_from_db()
    assert paper.url == "https://arxiv.org/abs/1706.03762"


def test_an_unknown_field_is_404(client, carol, paper):
    client.force_login(carol)
    assert client.get(edit_url(paper, "number")).status_code == 404


def test_a_member_cannot_edit_someone_elses_paper(client, carol, alice, log):
    paper = make_paper(log, by=alice)
    client.force_login(carol)
    assert client.post(edit_url(paper, "title"), {"version": 1, "title": "X"}).status_code == 403


def test_a_curator_edits_any_paper(client, bob, paper):
    client.force_login(bob)
    assert client.post(edit_url(paper, "title"), {"version": 1, "title": "X"}).status_code == 302
    assert Paper.objects.get(pk=paper.pk).title == "X"


def test_a_viewer_cannot_edit_a_paper(client, dave, paper):
    client.force_login(dave)
    assert client.get(edit_url(paper, "title")).status_code == 403


def test_an_outsider_cannot_edit_a_paper(client, mallory, paper):
    client.force_login(mallory)
    assert client.get(edit_url(paper, "title")).status_code == 404


def test_editing_requires_login(client, paper):
    response = client.get(edit_url(paper, "title"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_paper_page_records_the_members_visit(client, carol, log, paper):
    from papers.models import Membership

    Membership.objects.filter(log=log, user=carol).update(last_visited_at=None)
    client.force_login(carol)
    client.get(url(paper))
    assert Membership.objects.get(log=log, user=carol).last_visited_at is not None


def test_the_log_nav_shows_the_logs_open_question_count(client, carol, log, paper):
    other = make_paper(log, by=carol, title="Other")
    make_question(paper, by=carol, body="Why?")
    make_question(other, by=carol, body="How?")
    client.force_login(carol)
    html = client.get(url(paper)).content.decode()
    badge = html.split('id="lognav-question-badge"', 1)[1].split("</a>", 1)[0]
    assert ">2<" in badge
    assert "questions-changed from:body" in badge


def test_the_notes_region_refreshes_itself_from_the_page_url(client, carol, paper):
    client.force_login(carol)
    html = client.get(url(paper)).content.decode()
    region = html.split('id="note-list"', 1)[1].split(">", 1)[0]
    assert f'hx-get="{url(paper)}"' in region
    assert 'hx-trigger="notes-changed from:body"' in region


def test_htmx_asks_the_page_for_the_notes_partial(client, carol, paper, htmx):
    make_note(paper, by=carol, body="Figure 2: the decoder.")
    client.force_login(carol)
    response = client.get(url(paper), HTTP_HX_TARGET="note-list", **htmx)
    assert_partial(response, "note-list")
    assert "the decoder" in response.content.decode()
    assert 'id="question-list"' not in response.content.decode()


def test_htmx_asks_the_page_for_the_questions_panel(client, carol, paper, htmx):
    make_question(paper, by=carol, body="Why divide by the root?")
    client.force_login(carol)
    response = client.get(url(paper), HTTP_HX_TARGET="question-list", **htmx)
    assert_partial(response, "question-list")
    html = response.content.decode()
    assert "Why divide by the root?" in html
    assert 'id="note-list"' not in html


def test_a_public_log_paper_page_loads_the_nav_badge_for_anonymous_readers(client, log, paper):
    ReadingLog.objects.filter(pk=log.pk).update(visibility="public")
    html = client.get(url(paper)).content.decode()
    assert 'id="lognav-question-badge"' in html


def test_the_nav_badge_fragment_counts_open_questions(client, dave, log, paper, htmx):
    make_question(paper, by=dave, body="Open one")
    resolved = make_question(paper, by=dave, body="Done one")
    resolved.status = "resolved"
    resolved.save()
    client.force_login(dave)
    badge_url = reverse("log_question_badge", args=[log.slug])
    response = client.get(badge_url, **htmx)
    assert_partial(response, "lognav-question-badge")
    assert ">1<" in response.content.decode()


def test_the_nav_badge_without_htmx_goes_to_the_questions_page(client, dave, log):
    client.force_login(dave)
    response = client.get(reverse("log_question_badge", args=[log.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("log_questions", args=[log.slug])


def test_the_nav_badge_is_hidden_from_outsiders(client, mallory, log):
    client.force_login(mallory)
    assert client.get(reverse("log_question_badge", args=[log.slug])).status_code == 404


def test_the_day_a_paper_was_read_is_set_with_its_status_and_shown(client, carol, paper, htmx):
    client.force_login(carol)
    form = client.get(edit_url(paper, "status"), **htmx)
    assert b'type="date"' in form.content and b'name="read_on"' in form.content
    response = client.post(
        edit_url(paper, "status"), {"version": 1, "status": "read", "read_on": "2024-03-05"}, **htmx
    )
    assert_partial(response, "field-status")
    assert b'<time datetime="2024-03-05">5 Mar 2024</time>' in response.content
    paper.refresh_from_db()
    assert str(paper.read_on) == "2024-03-05"


def test_a_day_that_is_no_date_is_refused_and_changes_nothing(client, carol, paper, htmx):
    client.force_login(carol)
    response = client.post(
        edit_url(paper, "status"), {"version": 1, "status": "read", "read_on": "2024-02-30"}, **htmx
    )
    assert response.status_code == 422 and b"Enter a valid date" in response.content
    paper.refresh_from_db()
    assert (paper.status, paper.read_on) == ("to_read", None)


# -- issue #11: the composer, the shortcuts, the phone's state line and empty fields --


def test_the_composer_is_one_line_with_its_anchor_folded_and_no_preview_yet(client, carol, paper):
    client.force_login(carol)
    html = client.get(url(paper)).content.decode()
    composer = html[
        html.index('id="note-form"') : html.index("</form>", html.index('id="note-form"'))
    ]
    assert 'rows="1"' in composer and "data-composer" in composer
    assert '<details class="composer-anchor">' in composer  # folded
    assert "data-composer-preview" in composer and "hidden data-composer-preview" in composer


def test_after_a_note_the_empty_composer_takes_the_focus_back(client, carol, paper, htmx):
    client.force_login(carol)
    add = reverse("note_add", args=[paper.log.slug, paper.number])
    response = client.post(add, {"body": "Figure 2: the decoder."}, **htmx)
    assert_partial(response, "note-form")
    html = response.content.decode()
    textarea = html[html.index('<textarea id="note-body"') : html.index("</textarea>")]
    assert "data-focus" in textarea and textarea.endswith(">")  # empty, and focused
    assert '<li id="note-' in html and 'class="note" data-focus' not in html
    assert 'data-announce="Note added"' in html


def preview(client, paper, **data):
    return client.post(reverse("markdown_preview", args=[paper.log.slug]), data)


def test_the_composer_preview_shows_the_anchor_the_note_will_get(client, carol, paper):
    client.force_login(carol)
    typed = preview(client, paper, body="Figure 3: the *map*", anchor_kind="", anchor_label="")
    html = typed.content.decode()
    assert '<span class="chip chip-anchor">Figure 3</span>' in html
    assert "<em>map</em>" in html and "Figure 3:" not in html

    chosen = preview(client, paper, body="Scores.", anchor_kind="table", anchor_label="Table 2")
    assert '<span class="chip chip-anchor">Table 2</span>' in chosen.content.decode()

    # Other boxes (comments, questions) send no anchor: no chip.
    comment = preview(client, paper, body="Figure 3: the map")
    assert "chip-anchor" not in comment.content.decode()

    hostile = preview(client, paper, body="x", anchor_kind="figure", anchor_label="<b>F</b>")
    assert "<b>F</b>" not in hostile.content.decode()


def test_the_shortcuts_dialog_lists_the_keys_the_user_has(client, carol, dave, paper):
    client.force_login(carol)
    html = client.get(url(paper)).content.decode()
    assert (
        '<dialog id="shortcuts"' in html
        and "Write a note" in html
        and "data-shortcuts-open" in html
    )
    client.force_login(dave)
    html = client.get(url(paper)).content.decode()
    assert '<dialog id="shortcuts"' in html and "Write a note" not in html


def test_the_state_line_says_status_curiosity_and_open_questions(client, carol, paper):
    paper.status, paper.curiosity = "read", "high"
    paper.save()
    for body in ["Why?", "How?", "Where?"]:
        make_question(paper, by=carol, body=body)
    resolved = make_question(paper, by=carol, body="When?")
    resolved.status = resolved.Status.RESOLVED
    resolved.save()
    client.force_login(carol)
    html = client.get(url(paper)).content.decode()
    assert 'class="paper-state meta">Read · High · 3 open questions</p>' in html


@pytest.mark.parametrize("tags", [0, 3])
def test_empty_fields_are_marked_for_viewers_only(
    client, carol, dave, paper, tags, django_assert_num_queries
):
    paper.authors = ""
    paper.save()
    for n in range(tags):
        paper.tags.add(Tag.objects.create(log=paper.log, name=f"tag{n}"))
    client.force_login(dave)
    with django_assert_num_queries(11):
        html = client.get(url(paper)).content.decode()
    assert 'class="paper-field paper-field-authors is-empty"' in html
    assert 'class="paper-field paper-field-tldr is-empty"' in html
    assert ('class="paper-field paper-field-tags is-empty"' in html) is (tags == 0)
    assert 'class="paper-field paper-field-link"' in html  # it has a link
    client.force_login(carol)  # who added it: sees "Authors —" to fill it
    assert "is-empty" not in client.get(url(paper)).content.decode()


def test_the_live_update_brings_the_state_line_with_the_new_count(client, carol, paper):
    client.force_login(carol)
    make_question(paper, by=carol, body="Why six layers?")
    since = reverse("paper_updates", args=[paper.log.slug, paper.number]) + "?since=0"
    html = client.get(since).content.decode()
    assert 'id="paper-state"' in html and "· 1 open question</p>" in html
    page = client.get(url(paper)).content.decode()
    assert "#paper-state" in page[page.index('id="paper-poller"') :]
