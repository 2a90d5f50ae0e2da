"""manage.py backup and restore: the whole site out to one file and back, row for row.

Each test builds a site, backs it up and empties the real test database with
`flush` (as a new server's database is empty), so these need real commits.
"""

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from papers import actions
from papers.models import (
    CrossLink,
    DigestSent,
    Invitation,
    MetadataLookup,
    Paper,
    ReadingLog,
    Role,
    User,
    membership_visited,
)
from papers.transfer import export_json
from tests.conftest import (
    PASSWORD,
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)


def build_site():
    """Make two logs with a bit of everything: edits, hidden comments, the trash, groups."""
    alice = make_user("alice", is_staff=True, is_superuser=True, first_name="Alice")
    bob = make_user("bob", is_staff=True)
    carol, dave = make_user("carol"), make_user("dave", is_active=False)
    log = make_log(alice, members=[(bob, Role.CURATOR), (carol, Role.MEMBER), (dave, Role.VIEWER)])
    theory = make_log(
        bob, title="Théorie", slug="theory", visibility="public", members=[(carol, Role.CURATOR)]
    )
    membership_visited(log, carol)
    Invitation.objects.create(log=log, role=Role.MEMBER, created_by=alice)
    used = Invitation.objects.create(log=theory, role=Role.VIEWER, created_by=bob, max_uses=5)
    used.accept(dave)
    used.revoke()

    paper = make_paper(log, by=carol, authors="Vaswani et al.", year=2017, tldr="*Attention*")
    actions.paper_edit(paper, by=bob, version=paper.version, title="Attention!", tags=["nlp", "ml"])
    note = make_note(paper, by=carol)
    actions.note_edit(note, by=bob, version=note.version, body="Figure 1: the *encoder*.")
    question = make_question(paper, by=carol)
    answer = make_comment(question, by=bob, body="To keep the softmax from saturating.")
    actions.question_resolve(question, by=carol, answer=answer)
    reply = make_comment(answer, by=carol, body="Thanks!", parent=answer)
    actions.comment_set_hidden(make_comment(note, by=dave, body="spam"), True, by=bob)
    actions.comment_edit(
        reply, by=carol, version=reply.version, body="Thanks, @bob!"
    )  # a Mention row
    MetadataLookup.objects.create(
        key="arxiv:1706.03762", found=True, data={"title": "Attention Is All You Need"}
    )
    CrossLink.objects.create(
        log=log, kind="note", object_id=note.pk, source_paper=paper, target=paper
    )
    DigestSent.objects.create(
        user=carol,
        log=log,
        period_start=datetime(2024, 6, 24, tzinfo=UTC),
        period_end=datetime(2024, 7, 1, tzinfo=UTC),
        items=3,
    )
    entry = actions.changelog_write(log, by=bob, date=date(2024, 7, 1), text="Tidied")
    actions.changelog_edit(entry, by=bob, version=entry.version, date=entry.date, text="Tidy")

    doomed = make_note(paper, by=carol, body="A note deleted with its comments")
    make_comment(doomed, by=bob)
    actions.note_delete(doomed, by=carol)
    gone = make_paper(theory, by=bob, title="A paper in the trash")
    make_question(gone, by=carol)
    actions.trash(gone, by=bob)
    make_comment(make_paper(theory, by=carol, title="Kept"), by=carol, body="ünïcode ✓")

    editors = Group.objects.create(name="editors")
    editors.permissions.add(Permission.objects.get(codename="change_paper"))
    bob.groups.add(editors)
    carol.user_permissions.add(Permission.objects.get(codename="view_paper"))


def compared_models():
    """Every table of the app (the user table and many-to-many tables included), and groups."""
    papers = apps.get_app_config("papers").get_models(include_auto_created=True)
    return [*papers, Group, Group.permissions.through]


def rows(model):
    """Return every row of a model's table as values, in a stable order."""
    names = []
    for field in model._meta.concrete_fields:
        if model._meta.auto_created and field.primary_key:
            continue  # a many-to-many row's own id is not data
        if field.related_model is Permission:
            names.append(f"{field.name}__codename")  # ids of permissions differ between sites
        else:
            names.append(field.attname)
    return list(model._base_manager.order_by(*names).values_list(*names))


def snapshot():
    return {model._meta.db_table: rows(model) for model in compared_models()}


def back_up(tmp_path):
    path = tmp_path / "site.json"
    call_command("backup", str(path), stdout=StringIO())
    return path


def restore(path):
    out = StringIO()
    call_command("restore", str(path), stdout=out)
    return out.getvalue()


def empty_the_database():
    call_command("flush", interactive=False)
    assert not any(snapshot().values())


def test_a_restored_site_has_every_row_of_every_table_as_it_was(tmp_path):
    build_site()
    before = snapshot()
    ours = {t for t in connection.introspection.table_names() if t.startswith("papers_")}
    assert ours <= before.keys(), "every table of the app is compared"
    assert [table for table, values in before.items() if not values] == [], (
        "build_site() puts rows in every table, so that the comparison means something"
    )
    assert Paper._base_manager.filter(trashed__isnull=False).exists()
    path = back_up(tmp_path)
    empty_the_database()

    assert "Restored" in restore(path)

    after = snapshot()
    for table, values in before.items():
        assert after[table] == values, table


def test_everyone_logs_in_as_before_and_new_rows_get_fresh_ids(tmp_path, client):
    build_site()
    highest = {model: model._base_manager.order_by("-pk").first().pk for model in compared_models()}
    path = back_up(tmp_path)
    empty_the_database()
    restore(path)

    response = client.post(reverse("login"), {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user.username == "carol"
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert client.get("/admin/").status_code == 200
    assert not client.login(username="dave", password=PASSWORD)  # still inactive

    # PostgreSQL's sequences were set past the restored ids (a flushed one starts at 1).
    log = ReadingLog.objects.get(slug="group")
    paper = make_paper(log, by=User.objects.get(username="carol"), title="After the restore")
    comment = make_comment(paper, by=User.objects.get(username="bob"))
    assert paper.pk > highest[Paper]
    assert comment.pk > highest[type(comment)]
    assert make_user("erin").pk > highest[User]


def test_restore_refuses_a_database_with_rows_and_changes_nothing(tmp_path):
    build_site()
    path = back_up(tmp_path)
    before = snapshot()

    with pytest.raises(CommandError, match="only goes into an empty database") as error:
        restore(path)

    assert "papers_user" in str(error.value)
    assert snapshot() == before


def with_record(lines, record):
    """Return the backup's text with one more record line at its end."""
    return "".join([*lines[:-2], lines[-2].rstrip("\n") + ",\n", record + "\n", lines[-1]])


def damaged(text):
    """Return the ways a backup file can be damaged or not a backup at all: (name, text, error)."""
    lines = text.splitlines(keepends=True)
    header = json.loads(lines[0] + "]}")
    records = [json.loads(line.rstrip(",\n")) for line in lines[1:-1]]
    note = next(i for i, r in enumerate(records, start=1) if r["model"] == "papers.note")
    dangling = {**records[note - 1]}
    dangling["fields"] = {**dangling["fields"], "paper": 999_999}
    older = {**header, "migrations": {**header["migrations"], "papers": ["0001_initial"]}}
    return [
        ("cut short", "".join(lines[:-1]), "ends before its last line"),
        ("cut mid-line", text[: len(text) // 2], "line "),
        ("not JSON", "hello\n", "is not a Readinglog site backup"),
        ("a log export", json.dumps(export_json(ReadingLog.objects.first())), "site backup"),
        ("another kind", text.replace("readinglog-site-backup", "other", 1), "site backup"),
        ("a later version", text.replace('"version": 1', '"version": 9', 1), "version 9"),
        (
            "another migration state",
            json.dumps(older)[:-1] + ', "objects": [\n' + "".join(lines[1:]),
            "manage.py migrate papers 0001_initial",
        ),
        (
            "a row of another app",
            text.replace('"model": "papers.note"', '"model": "sessions.session"', 1),
            "'sessions.session' is not something a backup holds",
        ),
        (
            "an unknown field",
            text.replace('"body": ', '"bodyy": ', 1),
            "has no field named 'bodyy'",
        ),
        (
            "a bad value",
            text.replace('"times_used": 0', '"times_used": "many"', 1),
            "must be an integer",
        ),
        ("a row twice", with_record(lines, lines[1].rstrip(",\n")), "line "),
        (
            "a key to nothing",
            with_record(lines, json.dumps(dangling | {"pk": 999_998})),
            "points to rows it does not hold",
        ),
        ("more after the end", text + "{}\n", "goes on after its last line"),
    ]


def test_a_damaged_or_foreign_file_is_refused_with_a_clear_error_and_writes_nothing(tmp_path):
    build_site()
    path = back_up(tmp_path)
    cases = damaged(path.read_text(encoding="utf-8"))
    empty_the_database()

    cases.append(("binary", None, "is not a text file"))
    for name, text, message in cases:
        bad = tmp_path / "bad.json"
        bad.write_bytes(text.encode() if text is not None else b"\x00\x9f\xff")
        with pytest.raises(CommandError) as error:
            restore(bad)
        assert "Nothing was restored" in str(error.value), name
        assert message in str(error.value), name
        assert not any(snapshot().values()), f"{name} wrote rows"
