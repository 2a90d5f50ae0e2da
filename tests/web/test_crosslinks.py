"""`[[N]]` links between a log's texts and its papers, and "Cited in" backlinks (issue #11, item 5).

A link shows the paper's title on hover; a number no paper has stays as
typed, marked; the paper page lists the texts elsewhere in the log that link
to it, each linking to the exact item. Edits, renumbering (in the admin)
and merges keep them right; import and export keep `[[N]]` as written.
"""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from papers import actions
from papers.models import CrossLink, Note, Paper, ReadingLog, TrashItem
from tests.conftest import make_comment, make_note, make_paper, make_question


@pytest.fixture
def sam(log, carol):
    return make_paper(log, by=carol, title="Sharpness-Aware Minimization", url="")


def note_url(name, note):
    return reverse(name, args=[note.paper.log.slug, note.pk])


def add_note(client, paper, body):
    url = reverse("note_add", args=[paper.log.slug, paper.number])
    response = client.post(url, {"body": body})
    assert response.status_code in (200, 302)
    return Note.objects.filter(paper=paper).latest("pk")


def cited_in(client, paper):
    page = client.get(paper.get_absolute_url()).content.decode()
    match = re.search(r'<section class="stack-sm cited-in".*?</section>', page, re.S)
    return match[0] if match else ""


def test_a_note_links_to_a_paper_with_its_title_on_hover(client, carol, paper, sam):
    client.force_login(carol)
    note = add_note(
        client, paper, f"Similar to [[{sam.number}]] and [[{sam.number}|the SAM paper]]."
    )
    url = sam.get_absolute_url()
    title = f"[{sam.number}] Sharpness-Aware Minimization"
    assert f'<a href="{url}" class="crosslink" title="{title}">[{sam.number}]</a>' in note.body_html
    assert f'title="{title}">the SAM paper</a>' in note.body_html
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'class="crosslink" title="{title}"' in page


def test_a_missing_paper_stays_as_typed_and_marked(client, carol, paper):
    client.force_login(carol)
    note = add_note(client, paper, "See [[9999]], and `[[1]]` in code is code.")
    assert (
        '<span class="crosslink-missing" title="No paper [9999] in this log">[[9999]]</span>'
        in (note.body_html)
    )
    assert "<code>[[1]]</code>" in note.body_html
    assert not CrossLink.objects.exists()


def test_the_linked_paper_lists_the_note_in_cited_in(client, carol, dave, paper, sam):
    client.force_login(carol)
    note = add_note(client, paper, f"The sharpness here is like [[{sam.number}]], Figure 1.")
    client.force_login(dave)  # a viewer sees backlinks too
    section = cited_in(client, sam)
    assert "Cited in" in section
    assert f'href="{paper.get_absolute_url()}#note-{note.pk}"' in section
    assert "[1] Attention Is All You Need" in section and "Note" in section
    assert "The sharpness here is like [[2]], Figure 1." in section
    assert cited_in(client, paper) == ""  # nothing links to paper 1


def test_every_kind_of_text_is_a_backlink_and_its_own_paper_is_not(
    client, log, bob, carol, paper, sam
):
    make_question(paper, by=carol, body="Is it [[2]]?")
    make_comment(paper, by=bob, body="Compare [[2]].")
    make_note(sam, by=carol, body="This paper is [[2]] itself.")
    actions.changelog_write(log, by=bob, date=datetime.date(2026, 1, 1), text="Read [[2]] today.")
    client.force_login(carol)
    section = cited_in(client, sam)
    assert "Question" in section and "Comment" in section and "Change log" in section
    assert "itself" not in section


def test_editing_the_text_updates_the_backlinks(client, carol, paper, sam, log):
    third = make_paper(log, by=carol, title="Third paper", url="")
    client.force_login(carol)
    note = add_note(client, paper, "Like [[2]].")
    assert "Like [[2]]" in cited_in(client, sam)
    response = client.post(note_url("note_edit", note), {"version": 1, "body": "Like [[3]] now."})
    assert response.status_code == 302
    assert cited_in(client, sam) == ""
    assert "Like [[3]] now." in cited_in(client, third)
    assert list(CrossLink.objects.values_list("target", flat=True)) == [third.pk]


def test_a_trashed_source_is_not_listed(client, carol, paper, sam):
    client.force_login(carol)
    note = add_note(client, paper, "Like [[2]].")
    client.post(note_url("note_delete", note))
    assert cited_in(client, sam) == ""
    assert CrossLink.objects.count() == 1  # kept for a restore


@pytest.mark.parametrize("size", [1, 6])
def test_the_paper_page_reads_backlinks_in_constant_queries(
    client, carol, bob, paper, sam, size, django_assert_num_queries
):
    for i in range(size):
        make_note(paper, by=carol, body=f"Note {i} on [[2]].")
        make_question(paper, by=carol, body=f"Question {i} on [[2]]?")
        make_comment(paper, by=bob, body=f"Comment {i} on [[2]].")
    client.force_login(carol)
    client.get(sam.get_absolute_url())
    # The page of a paper without backlinks (11, tests/web/test_paper_page.py),
    # plus the rows and one query per kind of linking text.
    with django_assert_num_queries(11 + 1 + 3):
        response = client.get(sam.get_absolute_url())
    assert response.content.decode().count("cited-in-excerpt") == 3 * size


def test_renumbering_a_paper_rewrites_the_links_to_it(admin_client, client, carol, paper, sam):
    note = make_note(paper, by=carol, body="Like [[2]] and [[2|SAM]], not [[1]].")
    data = {"action": "renumber_paper", "_selected_action": [sam.pk], "apply": "1", "number": "7"}
    admin_client.post(reverse("admin:papers_paper_changelist"), data)
    sam.refresh_from_db()
    note.refresh_from_db()
    assert sam.number == 7
    assert note.body == "Like [[7]] and [[7|SAM]], not [[1]]."
    assert f'href="{sam.get_absolute_url()}" class="crosslink"' in note.body_html
    assert note.version == 1 and note.edited_at is None  # a correction, not an edit
    client.force_login(carol)
    assert "Like [[7]]" in cited_in(client, sam)


def test_undoing_a_renumbering_puts_the_links_back(
    admin_client, client, bob, carol, log, paper, sam
):
    note = make_note(paper, by=carol, body="Like [[2]].")
    data = {"action": "renumber_paper", "_selected_action": [sam.pk], "apply": "1", "number": "7"}
    admin_client.post(reverse("admin:papers_paper_changelist"), data)
    entry = log.changelog.get(text="Renumbered [2] to [7]")
    client.force_login(bob)
    response = client.post(reverse("changelog_undo", args=[log.slug, entry.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    sam.refresh_from_db()
    assert sam.number == 2 and note.body == "Like [[2]]."
    assert f'href="{sam.get_absolute_url()}" class="crosslink"' in note.body_html


def test_renumbering_the_log_rewrites_every_moved_number_at_once(
    admin_client, log, carol, paper, sam
):
    third = make_paper(log, by=carol, title="Third paper", url="", number=5)
    fourth = make_paper(log, by=carol, title="Fourth paper", url="", number=9)
    note = make_note(paper, by=carol, body="[[9]], [[5]] and [[2]]")
    admin_client.post(
        reverse("admin:papers_readinglog_changelist"),
        {"action": "renumber_papers", "_selected_action": [log.pk]},
    )
    numbers = dict(Paper.objects.filter(log=log).values_list("pk", "number"))
    assert numbers == {paper.pk: 1, sam.pk: 2, third.pk: 3, fourth.pk: 4}
    note.refresh_from_db()
    assert note.body == "[[4]], [[3]] and [[2]]"
    assert 'title="[4] Fourth paper"' in note.body_html


def test_merging_a_paper_points_its_links_at_the_kept_one(client, bob, carol, log, paper):
    twin = make_paper(log, by=carol, title="Attention is all you need (copy)", url="")
    other = make_paper(log, by=carol, title="Another", url="")
    note = make_note(other, by=carol, body="See [[2]].")
    client.force_login(bob)
    response = client.post(
        reverse("paper_merge", args=[log.slug, twin.number]), {"into": "1", "confirm": "on"}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "See [[1]]."
    assert "See [[1]]." in cited_in(client, paper)


def test_a_paper_in_the_trash_is_linked_as_missing_until_it_is_restored(
    client, bob, carol, paper, sam
):
    note = make_note(paper, by=carol, body="Like [[2]].")
    client.force_login(bob)
    client.post(reverse("paper_delete", args=[sam.log.slug, sam.number]))
    note.refresh_from_db()
    assert '<span class="crosslink-missing" title="No paper [2] in this log">[[2]]</span>' in (
        note.body_html
    )
    entry = TrashItem.objects.get(object_id=sam.pk, kind="paper")
    client.post(reverse("trash_restore", args=[sam.log.slug, entry.pk]))
    note.refresh_from_db()
    assert 'class="crosslink" title="[2] Sharpness-Aware Minimization"' in note.body_html


def test_changing_the_title_updates_the_hover_of_links(client, carol, paper, sam):
    note = make_note(paper, by=carol, body="Like [[2]].")
    client.force_login(carol)
    url = reverse("paper_field_edit", args=[sam.log.slug, sam.number, "title"])
    response = client.post(url, {"version": sam.version, "title": "SAM, renamed"})
    assert response.status_code in (200, 302)
    note.refresh_from_db()
    assert 'title="[2] SAM, renamed"' in note.body_html


def test_import_links_and_records_and_export_keeps_the_text(log, paper, sam, carol, tmp_path):
    make_note(paper, by=carol, body="Like [[2|SAM]] and [[2]].")
    target = tmp_path / "log.md"
    call_command("export_log", log.slug, "--output", str(target))
    assert "Like [[2|SAM]] and [[2]]." in target.read_text()
    call_command("import_log", str(target), "--owner", "alice", "--log", "again", stdout=StringIO())
    again = ReadingLog.objects.get(slug="again")
    note = Note.objects.get(paper__log=again, body__contains="[[2")
    assert note.body == "Like [[2|SAM]] and [[2]]."
    linked = Paper.objects.get(log=again, number=2)
    assert f'href="{linked.get_absolute_url()}" class="crosslink"' in note.body_html
    assert CrossLink.objects.filter(log=again, target=linked, kind="note").count() == 1


def test_the_preview_links_papers(client, carol, log, paper, sam):
    client.force_login(carol)
    response = client.post(reverse("markdown_preview", args=[log.slug]), {"body": "See [[2]]"})
    assert 'class="crosslink" title="[2] Sharpness-Aware Minimization"' in response.content.decode()
