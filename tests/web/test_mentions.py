"""@mentions (issue #10, item 2): links to members, plain text for anyone else, told once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from papers.models import Comment, Membership, Mention, Note, Notification, Paper, Question, User
from tests.conftest import (
    at_once,
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)
from tests.test_concurrent_edits import post


def member_link(log, user):
    membership = Membership.objects.get(log=log, user=user)
    url = reverse("log_members", args=[log.slug]) + f"#member-{membership.pk}"
    return f'<a href="{url}" class="mention">@{user.username}</a>'


def mentions_of(user):
    return list(Notification.objects.filter(recipient=user, kind=Notification.Kind.MENTION))


def add_note(client, paper, body, **headers):
    url = reverse("note_add", args=[paper.log.slug, paper.number])
    return client.post(url, {"body": body}, **headers)


def test_a_note_links_a_mentioned_member_and_tells_them(client, carol, bob, paper):
    client.force_login(carol)
    add_note(client, paper, "Figure 2: @bob, is this the encoder?")
    note = Note.objects.get()
    assert member_link(paper.log, bob) in note.body_html
    [notification] = mentions_of(bob)
    assert notification.actor == carol and notification.url == note.get_absolute_url()
    page = client.get(paper.get_absolute_url()).content.decode()
    assert member_link(paper.log, bob) in page
    bob.refresh_from_db()
    assert bob.unread_notifications == 1


def test_a_comment_added_with_htmx_mentions_once_and_the_reply_is_not_told_twice(
    client, carol, bob, paper, htmx
):
    note = make_note(paper, by=bob, body="The encoder has six layers.")
    client.force_login(carol)
    url = reverse("comment_add", args=["group", "note", note.pk])
    response = client.post(url, {"body": "@bob six? I count @bob's figure as eight."}, **htmx)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    comment = Comment.objects.get()
    assert comment.body_html.count('class="mention"') == 2
    # A comment on bob's note that mentions him: one notification, the mention.
    assert [n.kind for n in Notification.objects.filter(recipient=bob)] == ["mention"]


def test_editing_does_not_tell_again_but_a_new_mention_does(client, carol, bob, dave, paper):
    client.force_login(carol)
    add_note(client, paper, "Ask @bob.")
    note = Note.objects.get()
    edit = reverse("note_edit", args=["group", note.pk])
    assert client.post(edit, {"version": 1, "body": "Ask @bob, really."}).status_code == 302
    assert len(mentions_of(bob)) == 1
    assert client.post(edit, {"version": 2, "body": "Ask @bob and @dave."}).status_code == 302
    assert len(mentions_of(bob)) == 1
    [told] = mentions_of(dave)
    assert told.actor == carol
    assert Mention.objects.filter(kind="note", object_id=note.pk).count() == 2


def test_an_author_is_not_told_of_their_own_mention(client, carol, paper):
    client.force_login(carol)
    add_note(client, paper, "Note to self, @carol: read section 4.")
    assert member_link(paper.log, carol) in Note.objects.get().body_html
    assert mentions_of(carol) == []


def test_non_members_and_unknown_names_render_the_same_plain_text(client, carol, mallory, paper):
    client.force_login(carol)
    add_note(client, paper, "Hi @mallory")
    add_note(client, paper, "Hi @nobody1")
    first, second = Note.objects.order_by("pk")
    assert first.body_html == "<p>Hi @mallory</p>"
    assert second.body_html == "<p>Hi @nobody1</p>"
    assert mentions_of(mallory) == [] and not Mention.objects.exists()


def test_code_links_and_email_addresses_are_left_alone(client, carol, bob, paper):
    client.force_login(carol)
    body = "`@bob` and bob@example.org and https://x.org/@bob and [@bob](https://x.org)\n\n```\n@bob\n```"
    add_note(client, paper, body)
    html = Note.objects.get().body_html
    assert 'class="mention"' not in html
    assert "<code>@bob</code>" in html and "bob@example.org" in html
    assert mentions_of(bob) == []


def test_a_trailing_full_stop_is_not_part_of_the_name(client, carol, bob, paper):
    client.force_login(carol)
    add_note(client, paper, "Thanks @bob.")
    assert Note.objects.get().body_html == f"<p>Thanks {member_link(paper.log, bob)}.</p>"


def test_an_author_cannot_forge_a_mention_link(client, carol, paper):
    client.force_login(carol)
    add_note(client, paper, '<a class="mention" href="/logs/group/members/">@alice</a>')
    assert 'class="mention"' not in Note.objects.get().body_html


def test_a_question_a_change_log_entry_and_a_tldr_mention(client, alice, bob, carol, dave, paper):
    client.force_login(bob)
    ask = reverse("question_ask", args=["group", paper.number])
    client.post(ask, {"body": "What does @carol think?"})
    question = Question.objects.get()
    assert member_link(paper.log, carol) in question.body_html
    client.post(
        reverse("changelog_add", args=["group"]), {"date": "2024-08-31", "text": "@dave joined"}
    )
    paper.refresh_from_db()
    edit = reverse("paper_field_edit", args=["group", paper.number, "tldr"])
    client.post(edit, {"version": paper.version, "tldr": "Attention, says @alice."})
    assert member_link(paper.log, alice) in Paper.objects.get().tldr_html
    told = {
        (n.recipient.username, n.url.split("#")[0])
        for n in Notification.objects.filter(kind="mention")
    }
    assert told == {
        ("carol", paper.get_absolute_url()),
        ("dave", reverse("log_changelog", args=["group"])),
        ("alice", paper.get_absolute_url()),
    }


def test_a_resolution_that_mentions_the_asker_tells_them_once(client, bob, carol, paper):
    question = make_question(paper, by=carol)
    client.force_login(bob)
    url = reverse("question_resolve", args=["group", question.pk])
    client.post(url, {"resolution": "See section 3.2, @carol."})
    question.refresh_from_db()
    assert member_link(paper.log, carol) in question.resolution_html
    assert [n.kind for n in Notification.objects.filter(recipient=carol)] == ["mention"]


def test_a_removed_members_links_become_plain_text(client, alice, bob, carol, paper):
    note = make_note(paper, by=carol, body="Ask @bob or @alice.")
    comment = make_comment(note, by=alice, body="@bob knows")
    client.force_login(alice)
    membership = Membership.objects.get(log=paper.log, user=bob)
    assert client.post(reverse("member_remove", args=["group", membership.pk])).status_code == 302
    note.refresh_from_db()
    comment.refresh_from_db()
    assert note.body_html == f"<p>Ask @bob or {member_link(paper.log, alice)}.</p>"
    assert comment.body_html == "<p>@bob knows</p>"
    assert note.version == 1  # only the rendering changed


def test_the_members_page_has_the_rows_mentions_link_to(client, carol, bob, paper):
    client.force_login(carol)
    membership = Membership.objects.get(log=paper.log, user=bob)
    page = client.get(reverse("log_members", args=["group"])).content.decode()
    assert f'id="member-{membership.pk}"' in page


def test_members_fetch_the_names_to_suggest_and_others_cannot(client, carol, dave, mallory, paper):
    url = reverse("member_names", args=["group"])
    client.force_login(carol)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'data-mention-names="{url}"' in page
    assert client.get(url).json() == {"names": ["alice", "bob", "carol", "dave"]}
    client.force_login(dave)  # a viewer writes nothing
    assert "data-mention-names" not in client.get(paper.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 403
    client.force_login(mallory)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_mentions_survive_export_and_import(client, alice, bob, carol, paper, tmp_path):
    make_note(paper, by=carol, body="Ask @bob about `@x` and mail bob@example.org.")
    client.force_login(alice)
    backup = client.get(reverse("log_export_json", args=["group"]))
    markdown = client.get(reverse("log_export_markdown", args=["group"]))
    (tmp_path / "log.json").write_bytes(backup.content)
    (tmp_path / "log.md").write_bytes(markdown.content)
    call_command("import_log", str(tmp_path / "log.json"), "--format", "json", "--log", "copy")
    copy = Note.objects.get(paper__log__slug="copy")
    assert copy.body == "Ask @bob about `@x` and mail bob@example.org."
    assert member_link(copy.paper.log, bob) in copy.body_html
    other = make_log(alice, slug="other", members=[(bob, "member")])
    call_command("import_log", str(tmp_path / "log.md"), "--owner", "alice", "--log", other.slug)
    imported = Note.objects.get(paper__log=other)
    assert imported.body == "Ask @bob about `@x` and mail bob@example.org."
    assert member_link(other, bob) in imported.body_html
    # Imports record the mentions, so a later edit does not tell bob, but notify nobody now.
    assert len(mentions_of(bob)) == 1
    assert Mention.objects.filter(kind="note", object_id=imported.pk, user=bob).exists()


def test_a_name_with_username_characters_and_a_huge_text_stay_cheap(
    client, carol, paper, django_assert_max_num_queries
):
    odd = make_user("b.o+b-1@x")
    Membership.objects.create(log=paper.log, user=odd, role="viewer")
    client.force_login(carol)
    add_note(client, paper, "cc @b.o+b-1@x.")
    assert member_link(paper.log, odd) in Note.objects.get().body_html
    with django_assert_max_num_queries(40):
        response = add_note(client, paper, " ".join(f"@n{i}" for i in range(7000)))
    assert response.status_code == 302


def test_the_demo_has_mentions_for_alice_and_bob(db, client):
    call_command("load_demo", stdout=StringIO())
    told = Notification.objects.filter(kind=Notification.Kind.MENTION)
    assert sorted(told.values_list("recipient__username", "actor__username")) == [
        ("alice", "bob"),
        ("bob", "carol"),
    ]
    client.force_login(User.objects.get(username="bob"))
    page = client.get(told.get(recipient__username="bob").url.split("#")[0]).content.decode()
    assert 'class="mention">@bob</a> the authors' in page


@pytest.mark.django_db(transaction=True)
def test_curators_saving_the_same_new_mention_at_once_tell_dave_once(log, paper, carol, dave):
    """PostgreSQL, threads: text_edit's row lock orders the saves; the later ones see the rows."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so there is no race")
    editors = [make_user(f"curator{i}") for i in range(6)]
    for user in editors:
        Membership.objects.create(log=log, user=user, role="curator")
    note = make_note(paper, by=carol, body="Ask someone.")
    url = reverse("note_edit", args=[log.slug, note.pk])
    clients = [Client() for _ in editors]
    for client, user in zip(clients, editors, strict=True):
        client.force_login(user)
    # The same text from the same version is no conflict: every save succeeds.
    statuses = at_once(*(post(c, url, {"version": 1, "body": "Ask @dave."}) for c in clients))
    assert statuses == [200] * len(editors)
    assert len(mentions_of(dave)) == 1
    assert Mention.objects.filter(kind="note", object_id=note.pk, user=dave).count() == 1


def test_the_preview_links_members_as_the_saved_text_will(client, carol, bob, mallory, log):
    client.force_login(carol)
    url = reverse("markdown_preview", args=["group"])
    html = client.post(url, {"body": "Hi @bob and @mallory"}).content.decode()
    assert html == f"<p>Hi {member_link(log, bob)} and @mallory</p>"


def test_a_merge_copying_a_tldr_tells_nobody_again(admin_user, carol, bob, log):
    kept = make_paper(log, by=carol, title="Attention Is All You Need", url="")
    duplicate = make_paper(log, by=carol, title="Attention (dup)", tldr="Ask @bob.")
    assert len(mentions_of(bob)) == 1
    admin = Client()
    admin.force_login(admin_user)
    url = reverse("admin:papers_paper_changelist")
    data = {"action": "merge_papers", "_selected_action": [kept.pk, duplicate.pk]}
    assert admin.post(url, {**data, "apply": "1", "confirm": "on"}).status_code == 302
    kept.refresh_from_db()
    assert member_link(log, bob) in kept.tldr_html
    assert len(mentions_of(bob)) == 1


def test_bob_reads_the_mention_on_his_notifications_page(client, carol, bob, paper):
    client.force_login(carol)
    add_note(client, paper, "Figure 4: @bob, is this the decoder?")
    client.force_login(bob)
    page = client.get(reverse("notification_list")).content.decode()
    assert "<strong>carol</strong> mentioned you" in page and "is this the decoder?" in page
