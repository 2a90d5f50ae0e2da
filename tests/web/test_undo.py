"""Undo an import, a merge or a renumbering from the change log (curators), over HTTP.

Imports go through the browser's upload → preview → confirm, merges and
renumberings through Django admin's actions; the undo is the change log's
Undo button, with HTMX and without.
"""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from papers import actions
from papers.models import ChangeLogEntry, Comment, Note, Paper, Tag, TrashItem
from tests.conftest import make_comment, make_note, make_paper, make_question
from tests.web.conftest import assert_partial

Kind = ChangeLogEntry.Kind

FILE = """\
# Small log

### [1] Attention Is All You Need

- Figure 1: shows the encoder.
- Plain note.

#### I haven't understood

- Why divide by sqrt(d_k)?
  - To keep the softmax soft.
  - Another reply.

### [2] Scaling Laws for Neural Language Models

- Loss falls as a power law.

## Change log

- 2024-08-11: Created this log
"""


def upload(text, name="log.md"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/markdown")


def browser_import(client, log, text):
    """Upload, preview and confirm a markdown file in the log, as a curator's browser does."""
    preview = client.post(reverse("log_import", args=[log.slug]), {"file": upload(text)})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]
    response = client.post(reverse("log_import_confirm", args=[log.slug]), {"token": token})
    assert response.status_code == 302, response.content[:300]


def undo_url(entry):
    return reverse("changelog_undo", args=[entry.log.slug, entry.pk])


def changelog(client, log):
    return client.get(reverse("log_changelog", args=[log.slug])).content.decode()


def last_import(log):
    return log.changelog.filter(kind=Kind.IMPORTED).latest("pk")


def message_of(response):
    """Return the last message the response left for the next page."""
    return [str(m) for m in response.wsgi_request._messages][-1]


def _today():
    """Return today as undo messages say it: 1 December 2026."""
    today = timezone.localdate()
    return f"{today.day} {today:%B %Y}"


@pytest.fixture
def admin(admin_user):
    """A second browser, signed in to Django admin as a site admin."""
    browser = Client()
    browser.force_login(admin_user)
    return browser


def admin_action(admin, model, action, objects, **extra):
    url = reverse(f"admin:papers_{model._meta.model_name}_changelist")
    data = {"action": action, "_selected_action": [o.pk for o in objects], **extra}
    response = admin.post(url, data)
    assert response.status_code == 302, response.content[:500]
    return response


# -- Undoing an import ---------------------------------------------------------------


def test_a_curator_undoes_an_import_and_its_papers_go_to_the_trash(client, bob, log):
    client.force_login(bob)
    browser_import(client, log, FILE)
    entry = last_import(log)
    assert 'action="' + undo_url(entry) + '"' in changelog(client, log)

    response = client.post(undo_url(entry))

    assert response.status_code == 302
    assert response["Location"] == entry.get_absolute_url()
    assert message_of(response) == "Import undone: 2 papers moved to the trash."
    assert not log.papers.exists()
    assert not Note.objects.filter(paper__log=log).exists()
    assert not Comment.objects.filter(log=log).exists()
    trash = TrashItem.objects.filter(log=log)
    assert sorted(trash.values_list("kind", "summary")) == [
        ("paper", "[1] Attention Is All You Need"),
        ("paper", "[2] Scaling Laws for Neural Language Models"),
    ]
    assert {t.reason for t in trash} == {f"import of {_today()} undone"}
    # The change-log entry copied from the file goes; the import's own entry says it was undone.
    assert not log.changelog.filter(text="Created this log").exists()
    entry.refresh_from_db()
    assert entry.undone_by == bob and entry.undone_at is not None
    html = changelog(client, log)
    assert "Undone by bob" in html
    assert undo_url(entry) not in html


def test_an_undone_import_comes_back_from_the_trash_whole(client, bob, log):
    client.force_login(bob)
    browser_import(client, log, FILE)
    client.post(undo_url(last_import(log)))
    item = TrashItem.objects.get(summary="[1] Attention Is All You Need")

    response = client.post(reverse("trash_restore", args=[log.slug, item.pk]))

    assert response.status_code == 302
    paper = log.papers.get()
    assert [n.body for n in paper.notes.order_by("position")] == [
        "shows the encoder.",
        "Plain note.",
    ]
    question = paper.questions.get()
    assert [c.body for c in question.comments.order_by("pk")] == [
        "To keep the softmax soft.",
        "Another reply.",
    ]


def test_undoing_an_import_with_htmx_swaps_the_entry(client, bob, log, htmx):
    client.force_login(bob)
    browser_import(client, log, FILE)
    entry = last_import(log)

    response = client.post(undo_url(entry), **htmx)

    assert_partial(response, f"entry-{entry.pk}")
    html = response.content.decode()
    assert "Import undone: 2 papers moved to the trash." in html
    assert "Undone by bob" in html
    assert "↶ Undo" not in html
    assert "announce" in response["HX-Trigger"]
    assert not log.papers.exists()


def test_an_import_into_a_log_with_papers_trashes_only_what_it_added(
    client, bob, carol, log, paper
):
    kept_note = make_note(paper, by=carol, body="Carol's own note.")
    client.force_login(bob)
    browser_import(client, log, FILE)
    assert log.papers.count() == 2

    response = client.post(undo_url(last_import(log)))

    assert (
        message_of(response) == "Import undone: 1 paper, 1 question and 2 notes moved to the trash."
    )
    assert list(log.papers.all()) == [paper]
    assert list(paper.notes.all()) == [kept_note]
    assert not paper.questions.exists()
    # One trash item per paper, and one per note or question added to a paper already there.
    assert sorted(TrashItem.objects.filter(log=log).values_list("kind", flat=True)) == [
        "note",
        "note",
        "paper",
        "question",
    ]


def test_an_import_cannot_be_undone_twice(client, bob, log, htmx):
    client.force_login(bob)
    browser_import(client, log, FILE)
    entry = last_import(log)
    client.post(undo_url(entry))

    response = client.post(undo_url(entry))
    assert response.status_code == 302
    assert message_of(response) == f"This was undone already, by bob on {_today()}."

    response = client.post(undo_url(entry), **htmx)
    assert_partial(response, f"entry-{entry.pk}", status=409)
    assert "This was undone already" in response.content.decode()
    assert TrashItem.objects.filter(log=log).count() == 2


def test_an_import_whose_papers_are_all_deleted_already_says_so(client, bob, log):
    client.force_login(bob)
    browser_import(client, log, FILE)
    entry = last_import(log)
    for paper in log.papers.all():
        actions.trash(paper, by=bob)

    response = client.post(undo_url(entry))

    assert message_of(response) == (
        "Nothing this import added is still in the log: it is all in the trash already, "
        "or deleted for good."
    )
    entry.refresh_from_db()
    assert entry.can_undo


def test_a_written_entry_has_nothing_to_undo(client, bob, log):
    entry = ChangeLogEntry.objects.create(log=log, text="Read [1] together.", author=bob)
    client.force_login(bob)
    assert undo_url(entry) not in changelog(client, log)
    response = client.post(undo_url(entry))
    assert message_of(response) == "This entry records nothing that can be undone."


def test_only_curators_undo(client, bob, carol, dave, mallory, log):
    client.force_login(bob)
    browser_import(client, log, FILE)
    entry = last_import(log)
    for user, status in [(carol, 403), (dave, 403), (mallory, 404)]:
        client.force_login(user)
        assert (
            undo_url(entry)
            not in client.get(reverse("log_changelog", args=[log.slug])).content.decode()
        )
        assert client.post(undo_url(entry)).status_code == status
    client.logout()
    assert client.post(undo_url(entry)).status_code == 302  # to the login page
    client.force_login(bob)
    assert client.get(undo_url(entry)).status_code == 405
    assert log.papers.count() == 2


def test_the_command_line_import_is_undone_the_same_way(client, bob, log, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "log.md"
    path.write_text(FILE)
    call_command("import_log", str(path), log=log.slug, owner="bob", stdout=None)
    client.force_login(bob)

    client.post(undo_url(last_import(log)))

    assert not log.papers.exists()


def test_the_undo_data_of_a_large_import_stays_small(bob, log):
    from papers.transfer import import_markdown

    papers = "".join(f"### [{n}] Paper {n}\n\n- A note.\n- Another.\n\n" for n in range(1, 301))
    import_markdown("# Big\n\n" + papers, owner=bob, log=log)

    undo = last_import(log).undo["import"]
    assert undo["papers"] == [[undo["papers"][0][0], undo["papers"][0][0] + 299]]
    assert undo["notes"][0][1] - undo["notes"][0][0] == 599


# -- Undoing a merge -----------------------------------------------------------------


@pytest.fixture
def duplicates(log, carol):
    kept = make_paper(log, by=carol, title="Attention Is All You Need", url="")
    duplicate = make_paper(log, by=carol, title="Attention is all you need (dup)")
    duplicate.tags.add(Tag.objects.create(log=log, name="transformers"))
    make_note(kept, by=carol, body="first")
    make_note(duplicate, by=carol, body="second")
    make_note(duplicate, by=carol, body="third")
    make_question(duplicate, by=carol, body="Why sqrt(d_k)?")
    make_comment(duplicate, by=carol, body="On the duplicate.")
    return kept, duplicate


def test_undoing_a_merge_brings_the_paper_back_as_it_was(client, admin, bob, log, duplicates):
    kept, duplicate = duplicates
    admin_action(admin, Paper, "merge_papers", [kept, duplicate], apply="1", confirm="on")
    kept.refresh_from_db()
    assert kept.url == "https://arxiv.org/abs/1706.03762"
    assert [n.body for n in kept.notes.order_by("position")] == ["first", "second", "third"]
    entry = log.changelog.get(text="Merged [2] into [1]")
    client.force_login(bob)
    assert undo_url(entry) in changelog(client, log)

    response = client.post(undo_url(entry))

    assert message_of(response) == "Merge undone: [2] is back."
    duplicate = Paper.objects.get(pk=duplicate.pk)
    assert not duplicate.in_trash and duplicate.number == 2
    assert [(n.body, n.position) for n in duplicate.notes.order_by("position")] == [
        ("second", 0),
        ("third", 1),
    ]
    assert [q.body for q in duplicate.questions.all()] == ["Why sqrt(d_k)?"]
    assert [c.body for c in duplicate.comments.all()] == ["On the duplicate."]
    assert list(duplicate.tags.values_list("name", flat=True)) == ["transformers"]
    assert duplicate.changelog_entries.filter(kind=Kind.PAPER_ADDED).exists()
    kept.refresh_from_db()
    assert kept.url == ""
    assert not kept.tags.exists()
    assert [n.body for n in kept.notes.all()] == ["first"]
    assert not TrashItem.objects.filter(log=log).exists()
    # The merged fields stay in the kept paper's history.
    history = client.get(reverse("paper_history", args=[log.slug, kept.number])).content.decode()
    assert "https://arxiv.org/abs/1706.03762" in history


def test_a_merge_undo_keeps_a_field_edited_since(client, admin, bob, log, duplicates):
    kept, duplicate = duplicates
    admin_action(admin, Paper, "merge_papers", [kept, duplicate], apply="1", confirm="on")
    kept.refresh_from_db()
    client.force_login(bob)
    client.post(
        reverse("paper_field_edit", args=[log.slug, kept.number, "link"]),
        {
            "version": kept.version,
            "url": "https://example.org/attention",
            "arxiv_id": kept.arxiv_id,
        },
    )
    kept.refresh_from_db()
    assert kept.url == "https://example.org/attention"

    response = client.post(undo_url(log.changelog.get(text="Merged [2] into [1]")))

    assert (
        message_of(response)
        == "Merge undone: [2] is back; [1] keeps its url as edited since the merge."
    )
    kept.refresh_from_db()
    assert kept.url == "https://example.org/attention"


def test_a_merge_whose_paper_was_purged_cannot_be_undone(client, admin, bob, log, duplicates):
    kept, duplicate = duplicates
    admin_action(admin, Paper, "merge_papers", [kept, duplicate], apply="1", confirm="on")
    client.force_login(bob)
    client.post(reverse("trash_empty", args=[log.slug]))
    entry = log.changelog.get(text="Merged [2] into [1]")

    response = client.post(undo_url(entry))

    assert message_of(response) == "[2] was deleted for good since the merge: it cannot come back."
    assert [n.body for n in kept.notes.order_by("position")] == ["first", "second", "third"]
    entry.refresh_from_db()
    assert entry.undone_at is None


# -- Undoing a renumbering -----------------------------------------------------------


def test_undoing_a_renumber_gives_the_old_number_back(client, admin, bob, log, carol, htmx):
    paper = make_paper(log, by=carol)
    admin_action(admin, Paper, "renumber_paper", [paper], apply="1", number="7")
    entry = log.changelog.get(text="Renumbered [1] to [7]")
    client.force_login(bob)

    response = client.post(undo_url(entry), **htmx)

    assert_partial(response, f"entry-{entry.pk}")
    assert (
        "Renumbering undone: “Attention Is All You Need” is [1] again." in response.content.decode()
    )
    paper.refresh_from_db()
    assert paper.number == 1


def test_a_renumber_whose_old_number_was_taken_since_is_refused(
    client, admin, bob, log, carol, htmx
):
    first = make_paper(log, by=carol, title="First")
    second = make_paper(log, by=carol, title="Second")
    admin_action(admin, Paper, "renumber_paper", [first], apply="1", number="7")
    admin_action(admin, Paper, "renumber_paper", [second], apply="1", number="1")
    entry = log.changelog.get(text="Renumbered [1] to [7]")
    client.force_login(bob)

    response = client.post(undo_url(entry), **htmx)

    assert_partial(response, f"entry-{entry.pk}", status=409)
    message = "[1] is taken by “Second” now, so the old numbers cannot come back."
    assert message in response.content.decode()
    response = client.post(undo_url(entry))
    assert message_of(response) == message
    first.refresh_from_db()
    assert first.number == 7
    # Undoing the later renumbering first frees the number.
    client.post(undo_url(log.changelog.get(text="Renumbered [2] to [1]")))
    client.post(undo_url(entry))
    first.refresh_from_db()
    assert first.number == 1


def test_a_paper_renumbered_again_since_is_refused(client, admin, bob, log, carol):
    paper = make_paper(log, by=carol)
    admin_action(admin, Paper, "renumber_paper", [paper], apply="1", number="7")
    admin_action(admin, Paper, "renumber_paper", [paper], apply="1", number="9")
    client.force_login(bob)

    response = client.post(undo_url(log.changelog.get(text="Renumbered [1] to [7]")))

    assert message_of(response) == (
        "“Attention Is All You Need” was renumbered again since (it is [9] now): undo that first."
    )


def test_undoing_a_renumbering_of_the_whole_log(client, admin, bob, log, carol, duplicates):
    kept, duplicate = duplicates
    third = make_paper(log, by=carol, title="Third", number=5)
    admin_action(admin, Paper, "merge_papers", [kept, duplicate], apply="1", confirm="on")
    admin_action(admin, type(log), "renumber_papers", [log])
    # [2] is in the trash, kept for a restore: the others go around it.
    assert list(log.papers.values_list("number", flat=True)) == [1, 3]
    client.force_login(bob)

    response = client.post(undo_url(log.changelog.get(text="Renumbered papers 1 to 3")))

    assert message_of(response) == "Renumbering undone: “Third” is [5] again."
    third.refresh_from_db()
    assert third.number == 5
    client.post(undo_url(log.changelog.get(text="Merged [2] into [1]")))
    assert list(log.papers.values_list("number", flat=True)) == [1, 2, 5]


# -- The page ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 6])
def test_undoable_entries_keep_the_query_count(
    client, admin, bob, carol, log, size, django_assert_num_queries
):
    for n in range(size):
        first = make_paper(log, by=carol, title=f"Paper {n}")
        second = make_paper(log, by=carol, title=f"Paper {n} (dup)")
        admin_action(admin, Paper, "merge_papers", [first, second], apply="1", confirm="on")
        admin_action(admin, Paper, "renumber_paper", [first], apply="1", number=str(100_000 - n))
    client.force_login(bob)
    browser_import(client, log, FILE)
    client.post(undo_url(last_import(log)))
    ChangeLogEntry.objects.filter(log=log).update(date=timezone.localdate() - timedelta(days=1))
    # 1 session, 2 user, 3 log, 4 membership (role), 5 count of the entries,
    # 6 the page of entries with their author, editor, paper and undoer,
    # 7 the log's open questions (the log nav's badge).
    with django_assert_num_queries(7):
        response = client.get(reverse("log_changelog", args=[log.slug]))
    assert response.content.decode().count("↶ Undo") == 2 * size
