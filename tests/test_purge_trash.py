"""manage.py purge_trash: what has been in the trash longer than 30 days goes for good."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from papers import actions
from papers.models import Comment, Note, Paper, Revision, TrashItem
from tests.conftest import make_comment, make_note


def purge(*args):
    out = StringIO()
    call_command("purge_trash", *args, stdout=out)
    return out.getvalue()


def _deleted_days_ago(item, days):
    TrashItem.objects.filter(pk=item.pk).update(deleted_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def old_and_new(log, paper, carol, bob):
    """A note carol deleted 31 days ago (with bob's comment and a revision), and one of today."""
    old = make_note(paper, by=carol, body="Old note")
    old = actions.note_edit(old, by=carol, version=1, body="Old note, edited")
    make_comment(old, by=bob)
    old_item = actions.trash(old, by=carol)
    _deleted_days_ago(old_item, 31)
    new_item = actions.trash(make_note(paper, by=carol, body="New note"), by=carol)
    return old, old_item, new_item


def test_purge_trash_deletes_for_good_what_is_older_than_30_days(old_and_new):
    old, old_item, new_item = old_and_new
    out = purge()
    assert out.splitlines() == [
        f"Purged from group: note “Old note, edited”, deleted by carol on "
        f"{old_item.deleted_at - timedelta(days=31):%Y-%m-%d}",
        "Purged 1 trash item deleted more than 30 days ago.",
    ]
    assert list(TrashItem.objects.values_list("pk", flat=True)) == [new_item.pk]
    assert not Note.objects_with_deleted.filter(pk=old.pk).exists()
    assert not Comment.objects_with_deleted.exists()
    assert not Revision.objects.filter(kind="note", object_id=old.pk).exists()
    assert Note.objects_with_deleted.filter(body="New note").exists()


def test_purge_trash_dry_run_says_what_would_go_and_keeps_it(old_and_new):
    out = purge("--dry-run")
    assert out.startswith("Would purge from group: note “Old note, edited”")
    assert out.endswith("Would purge 1 trash item deleted more than 30 days ago.\n")
    assert TrashItem.objects.count() == 2
    assert Note.objects_with_deleted.count() == 2


def test_purge_trash_days_sets_the_age(old_and_new):
    assert purge("--days", "40").endswith("Purged 0 trash items deleted more than 40 days ago.\n")
    assert TrashItem.objects.count() == 2
    assert purge("--days", "0").endswith("Purged 2 trash items deleted more than 0 days ago.\n")
    assert not TrashItem.objects.exists() and not Note.objects_with_deleted.exists()


def test_purge_trash_refuses_negative_days(db):
    with pytest.raises(CommandError, match="cannot be negative"):
        purge("--days", "-1")


def test_purging_a_paper_takes_along_what_was_deleted_from_it_before(log, paper, carol, bob):
    note_item = actions.trash(make_note(paper, by=carol), by=carol)
    paper_item = actions.trash(paper, by=bob)
    _deleted_days_ago(paper_item, 31)
    purge()
    assert not TrashItem.objects.filter(pk__in=[note_item.pk, paper_item.pk]).exists()
    assert not Paper.objects_with_deleted.exists() and not Note.objects_with_deleted.exists()
