"""What is in the trash shows up nowhere: pages, counts, badges, search, exports, live updates.

Each test deletes something, looks where it used to show, and (where it
matters) restores it and looks again.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from papers import actions
from papers.models import ChangeLogEntry, Membership, TrashItem
from papers.transfer import export_json, export_markdown, import_json
from tests.conftest import make_comment, make_note, make_paper, make_question, make_user


@pytest.fixture
def scene(log, carol, bob, alice):
    """[1] kept, with something of everything deleted; [2] deleted whole; [3] kept.

    Words only deleted things hold: "zebra" (a note of [1]), "quokka" (a
    question of [1]), "wombat" (the title of [2]), "okapi" (a comment on [1]).
    """
    erin = make_user("erin")
    Membership.objects.create(log=log, user=erin, role="member")
    kept = make_paper(log, by=carol, title="Kept paper")
    gone = make_paper(log, by=carol, title="The wombat paper")
    last = make_paper(log, by=carol, title="Last paper")
    make_note(kept, by=carol, body="A note that stays")
    make_question(kept, by=carol, body="Still open?")
    deleted = SimpleNamespace(
        note=make_note(kept, by=carol, body="zebra stripes"),
        question=make_question(kept, by=erin, body="Why quokka?"),
        comment=make_comment(kept, by=bob, body="okapi remark"),
    )
    make_note(gone, by=carol, body="A note on the wombat paper")
    make_question(gone, by=erin, body="Wombat question?")
    make_comment(gone, by=bob, body="Wombat comment")
    for item in vars(deleted).values():
        actions.trash(item, by=bob)
    actions.trash(gone, by=bob)
    return SimpleNamespace(kept=kept, gone=gone, last=last, erin=erin, **vars(deleted))


def page(client, name, *args, **query):
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


DELETED_WORDS = ["zebra", "quokka", "wombat", "Wombat", "okapi"]


def assert_nothing_deleted(html):
    for word in DELETED_WORDS:
        assert word not in html, word


# -- The log page -----------------------------------------------------------------


def test_the_log_page_lists_counts_and_badges_only_what_is_not_in_the_trash(
    client, carol, log, scene
):
    client.force_login(carol)
    html = page(client, "log_detail", log.slug)
    assert_nothing_deleted(html)
    assert "Kept paper" in html and "Last paper" in html
    assert "2 papers" in html
    # [1] has "Still open?" open; "Why quokka?" is in the trash.
    assert 'title="1 open question"' in html
    assert 'id="lognav-question-badge"' in html and '>1<span class="visually-hidden"> open' in html


def test_the_open_questions_filter_and_sort_leave_out_trashed_questions(client, carol, log, scene):
    only_trashed = make_paper(log, by=carol, title="Only a trashed question")
    actions.trash(make_question(only_trashed, by=carol, body="Trashed?"), by=carol)
    client.force_login(carol)
    html = page(client, "log_detail", log.slug, open="on")
    assert "Kept paper" in html and "Only a trashed question" not in html
    papers = client.get(reverse("log_detail", args=[log.slug]), {"sort": "open"}).context["papers"]
    assert {p.title: p.open_question_count for p in papers} == {
        "Kept paper": 1,
        "Last paper": 0,
        "Only a trashed question": 0,
    }


@pytest.mark.parametrize("word", ["zebra", "quokka", "wombat"])
def test_search_does_not_find_what_only_trashed_things_hold(client, carol, log, scene, word):
    client.force_login(carol)
    html = page(client, "log_detail", log.slug, q=word)
    assert "Kept paper" not in html and "The wombat paper" not in html


def test_search_finds_a_restored_note_again(client, carol, log, scene):
    actions.trash_restore(TrashItem.objects.get(kind="note"), by=carol)
    client.force_login(carol)
    assert "Kept paper" in page(client, "log_detail", log.slug, q="zebra")


# -- The paper page and its live updates -----------------------------------------------


def test_the_paper_page_leaves_out_trashed_notes_questions_and_comments(client, carol, log, scene):
    client.force_login(carol)
    html = page(client, "paper_detail", log.slug, scene.kept.number)
    assert_nothing_deleted(html)
    assert "A note that stays" in html and "Still open?" in html


def test_a_trashed_paper_is_a_404_and_the_pager_skips_it(client, carol, log, scene):
    client.force_login(carol)
    assert client.get(reverse("paper_detail", args=[log.slug, 2])).status_code == 404
    assert client.get(reverse("paper_history", args=[log.slug, 2])).status_code == 404
    first = page(client, "paper_detail", log.slug, 1)
    assert f'rel="next" href="{reverse("paper_detail", args=[log.slug, 3])}"' in first
    last = page(client, "paper_detail", log.slug, 3)
    assert f'rel="prev" href="{reverse("paper_detail", args=[log.slug, 1])}"' in last


def test_the_pages_of_trashed_items_are_404(client, bob, log, scene):
    client.force_login(bob)
    for name, pk in [
        ("note_history", scene.note.pk),
        ("note_edit", scene.note.pk),
        ("question_detail", scene.question.pk),
        ("question_edit", scene.question.pk),
        ("comment_edit", scene.comment.pk),
        ("comment_reply", scene.comment.pk),
    ]:
        assert client.get(reverse(name, args=[log.slug, pk])).status_code == 404, name


def test_the_live_update_poll_of_a_trashed_paper_is_a_404(client, carol, log, scene):
    client.force_login(carol)
    url = reverse("paper_updates", args=[log.slug, 2])
    assert client.get(url, {"since": 0}).status_code == 404


def test_the_live_update_poll_drops_a_note_deleted_meanwhile(client, carol, bob, log, scene):
    note = make_note(scene.kept, by=carol, body="Soon deleted by bob")
    client.force_login(carol)
    url = reverse("paper_updates", args=[log.slug, scene.kept.number])
    since = client.get(reverse("paper_detail", args=[log.slug, 1])).context["since"]
    assert client.get(url, {"since": since}).status_code == 204
    actions.note_delete(note, by=bob)
    response = client.get(url, {"since": since})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="note-list"' in html and "Soon deleted by bob" not in html
    assert_nothing_deleted(html)


def test_an_answer_in_the_trash_is_not_linked_and_comes_back_with_a_restore(
    client, carol, bob, log, paper
):
    question = make_question(paper, by=carol)
    reply = make_comment(question, by=bob, body="Because of the variance.")
    actions.question_resolve(question, by=carol, answer=reply)
    item = actions.trash(reply, by=bob)
    client.force_login(carol)
    html = page(client, "paper_detail", log.slug, paper.number)
    assert "Answered by" not in html and "Because of the variance." not in html
    assert "Resolved by carol" in html
    actions.trash_restore(item, by=bob)
    html = page(client, "paper_detail", log.slug, paper.number)
    assert f'Answered by <a href="#comment-{reply.pk}">the reply by bob</a>' in html


# -- Questions page, change log, home ----------------------------------------------------


def test_the_questions_page_its_filters_and_badge_leave_out_the_trash(client, carol, log, scene):
    client.force_login(carol)
    response = client.get(reverse("log_questions", args=[log.slug]))
    html = response.content.decode()
    assert_nothing_deleted(html)
    assert "Still open?" in html and "1 question" in html
    assert [p.number for p in response.context["papers"]] == [1]
    assert [u.username for u in response.context["askers"]] == ["carol"]  # not erin
    assert response.context["log_open_question_count"] == 1
    badge = client.get(reverse("log_question_badge", args=[log.slug]), HTTP_HX_REQUEST="true")
    assert ">1<" in badge.content.decode()


def test_the_change_log_leaves_out_entries_about_a_trashed_paper_until_it_is_back(
    client, carol, bob, log, scene
):
    ChangeLogEntry.objects.create(log=log, text="Discussed the wombat", paper=scene.gone)
    client.force_login(carol)
    html = page(client, "log_changelog", log.slug)
    assert "Added [1] Kept paper" in html
    assert "wombat" not in html
    actions.trash_restore(TrashItem.objects.get(kind="paper"), by=bob)
    html = page(client, "log_changelog", log.slug)
    assert "Added [2] The wombat paper" in html and "Discussed the wombat" in html


def test_home_counts_and_open_questions_leave_out_the_trash(client, alice, bob, log):
    for user in (alice, bob):  # others' doings are news to them
        Membership.objects.filter(log=log, user=user).update(
            last_visited_at=timezone.now() - timedelta(days=1)
        )
    erin = make_user("erin")
    Membership.objects.create(log=log, user=erin, role="member")
    kept = make_paper(log, by=erin, title="Kept")
    gone = make_paper(log, by=erin, title="Gone")
    for paper in (kept, gone):
        make_note(paper, by=erin)
        question = make_question(paper, by=alice)
        make_comment(question, by=erin)
    deleted = [make_note(kept, by=erin), make_question(kept, by=alice), make_comment(kept, by=erin)]
    for item in [*deleted, gone]:
        actions.trash(item, by=bob)

    membership = Membership.objects.with_changes_since_last_visit().get(user=alice)
    counts = (membership.new_papers, membership.new_notes, membership.new_comments)
    assert counts == (1, 1, 1)
    assert Membership.objects.with_changes_since_last_visit().get(user=bob).new_questions == 1
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert [q.paper.title for q in response.context["questions_page"]] == ["Kept"]


# -- Exports ------------------------------------------------------------------------------


def test_the_markdown_export_leaves_out_the_trash(client, bob, log, scene):
    ChangeLogEntry.objects.create(log=log, text="Read the wombat", paper=scene.gone)
    ChangeLogEntry.objects.create(log=log, text="Read the rest")
    text = export_markdown(log)
    assert_nothing_deleted(text)
    assert "Kept paper" in text and "A note that stays" in text and "Read the rest" in text
    client.force_login(bob)
    response = client.get(reverse("log_export_markdown", args=[log.slug]))
    assert "Kept paper" in response.content.decode()
    assert_nothing_deleted(response.content.decode())


def test_the_json_export_leaves_out_the_trash_and_imports_again(log, bob, carol, paper, scene):
    question = make_question(paper, by=carol, body="Answered then?")
    reply = make_comment(question, by=bob, body="By a reply now in the trash")
    actions.question_resolve(question, by=carol, answer=reply, resolution="Yes.")
    actions.trash(reply, by=bob)
    data = export_json(log)
    text = json.dumps(data)
    assert_nothing_deleted(text)
    assert "By a reply now in the trash" not in text
    assert [p["title"] for p in data["papers"]] == [
        "Attention Is All You Need",
        "Kept paper",
        "Last paper",
    ]
    exported = next(q for q in data["questions"] if q["body"] == "Answered then?")
    assert (exported["status"], exported["answer"], exported["resolution"]) == (
        "resolved",
        None,
        "Yes.",
    )
    assert not [e for e in data["changelog"] if "wombat" in e["text"]]

    copy = import_json(data, slug="copy")
    assert list(copy.papers.values_list("title", flat=True)) == [
        "Attention Is All You Need",
        "Kept paper",
        "Last paper",
    ]
