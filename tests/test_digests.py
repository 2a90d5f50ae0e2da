"""Email digests: `manage.py send_digests` (papers/digests.py, issue #10 item 4).

What happens "last week" is made now and moved back into the week that
ended last Monday (local midnight), the period a weekly digest is due for.
"""

from datetime import timedelta

import pytest
from django.core import mail as outbox
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from papers import actions, digests
from papers.models import (
    ChangeLogEntry,
    Comment,
    DigestSent,
    Membership,
    Note,
    Paper,
    Question,
    Role,
)
from tests.conftest import (
    at_once,
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)


def last_week():
    """Return (start, end) of the weekly period that ended last Monday at local midnight."""
    end = digests.period_end(Membership.Digest.WEEKLY, timezone.now())
    return end - timedelta(days=7), end


def move_back(when):
    """Move everything written so far to `when`; members joined a month before."""
    for manager in (
        Paper.objects_with_deleted,
        Note.objects_with_deleted,
        Question.objects_with_deleted,
        Comment.objects_with_deleted,
        ChangeLogEntry.objects,
    ):
        manager.update(created_at=when)
    Question.objects_with_deleted.filter(resolved_at__isnull=False).update(resolved_at=when)
    Membership.objects.update(created_at=when - timedelta(days=30))


def send():
    """Run the command; return the digests sent so far (it sends notification emails too)."""
    call_command("send_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return digests_sent()


def digests_sent():
    return [m for m in outbox.outbox if "digest" in m.subject]


def digest_for(user):
    mails = [m for m in digests_sent() if m.to == [user.email]]
    assert len(mails) == 1, [m.subject for m in outbox.outbox]
    return mails[0], mails[0].alternatives[0][0]


@pytest.fixture
def last_weeks_activity(log, alice, bob, carol, dave):
    """A week of the group: papers, notes, questions, a resolution, a reply, an entry."""
    first = make_paper(log, by=alice, title="Attention Is All You Need")
    second = make_paper(log, by=bob, title="Mamba")
    make_note(first, by=carol, body="Figure 1: the encoder.")
    make_note(first, by=carol, body="Figure 2: the decoder.")
    make_note(second, by=bob, body="Selective scan.")
    resolved = make_question(first, by=alice, body="Why sqrt(d_k)?")
    actions.question_resolve(resolved, by=bob, resolution="Variance.")
    replied = make_question(second, by=bob, body="What is Delta?")
    make_comment(replied, by=alice, body="The step size.")
    make_question(first, by=bob, body="Why sinusoids?")  # waits for carol: she wrote notes
    actions.changelog_write(log, by=bob, date=timezone.localdate(), text="Session 3 planned.")
    start, end = last_week()
    move_back(start + timedelta(days=3))
    return first, second


def test_a_weekly_digest_tells_each_member_what_others_did_last_week(
    last_weeks_activity, carol, settings
):
    first, second = last_weeks_activity
    send()

    message, html = digest_for(carol)
    text = message.body
    assert "Group reading log" in message.subject and "weekly digest" in message.subject
    assert "New papers (2)" in text
    assert f"{settings.SITE_URL}/logs/group/papers/{first.number}/" in text
    assert "[1] Attention Is All You Need" in text and "[2] Mamba" in text
    # New questions, answered or resolved, notes per paper, the written entry
    assert "Why sqrt(d_k)?" in text and "What is Delta?" in text
    assert "resolved by bob" in text and "1 new reply" in text
    assert "[2] Mamba: 1 note" in text
    assert "[1] Attention Is All You Need: 2 note" not in text  # carol's own notes
    assert "Session 3 planned." in text and "/logs/group/changelog/#entry-" in text
    assert "Waiting for you (1)" in text and "Why sinusoids?" in text
    assert "Added [1]" not in text  # automatic entries are the sections above
    # HTML part, absolute links, one-click unsubscribe of this log's digest
    assert f'href="{settings.SITE_URL}/logs/group/papers/2/"' in html
    assert "Waiting for you (1)" in html
    assert message.extra_headers["List-Unsubscribe"].startswith(
        f"<{settings.SITE_URL}/unsubscribe/"
    )
    assert "/unsubscribe/" in text


def test_every_member_gets_one_and_outsiders_none(last_weeks_activity, mallory):
    mails = send()
    assert sorted(m.to[0] for m in mails) == [
        f"{name}@example.org" for name in ("alice", "bob", "carol", "dave")
    ]
    assert DigestSent.objects.count() == 4


def test_running_it_twice_sends_each_period_once(last_weeks_activity, carol):
    send()
    assert len(send()) == 4
    sent = DigestSent.objects.get(user=carol)
    start, end = last_week()
    assert (sent.period_start, sent.period_end) == (start, end)
    assert Membership.objects.get(user=carol).digest_sent_until == end


def test_an_empty_period_is_recorded_but_not_mailed(log, carol):
    make_paper(log, by=carol)  # carol's own: nothing new for her; this week's for the others
    start, end = last_week()
    move_back(start + timedelta(days=1))
    Membership.objects.exclude(user=carol).update(digest=Membership.Digest.OFF)

    assert send() == []
    assert DigestSent.objects.get(user=carol).items == 0


def test_off_sends_nothing_and_daily_covers_yesterday(last_weeks_activity, log, alice, carol):
    Membership.objects.filter(user=alice).update(digest=Membership.Digest.OFF)
    Membership.objects.filter(user=carol).update(digest=Membership.Digest.DAILY)
    paper = make_paper(log, by=alice, title="Yesterday's paper")
    end = digests.period_end(Membership.Digest.DAILY, timezone.now())
    Paper.objects.filter(pk=paper.pk).update(created_at=end - timedelta(hours=2))

    send()

    assert [m for m in digests_sent() if m.to == [alice.email]] == []
    message, _ = digest_for(carol)
    assert "daily digest" in message.subject
    assert "Yesterday's paper" in message.body and "Mamba" not in message.body
    sent = DigestSent.objects.get(user=carol)
    assert (sent.period_start, sent.period_end) == (end - timedelta(days=1), end)


def test_nothing_trashed_hidden_or_from_before_joining(log, alice, bob, carol):
    kept = make_paper(log, by=alice, title="Kept")
    trashed = make_paper(log, by=alice, title="Trashed paper")
    actions.trash(trashed, by=alice)
    question = make_question(kept, by=bob, body="Hidden reply's question")
    comment = make_comment(question, by=alice, body="hidden")
    actions.comment_set_hidden(comment, True, by=bob)
    entry = actions.changelog_write(log, by=bob, date=timezone.localdate(), text="Hidden entry")
    entry.set_hidden(True, by=bob)
    start, end = last_week()
    move_back(start + timedelta(days=3))
    newcomer = make_user("erin")
    Membership.objects.create(user=newcomer, log=log, role=Role.MEMBER)
    Membership.objects.filter(user=newcomer).update(created_at=start + timedelta(days=4))

    send()

    text = digest_for(carol)[0].body
    assert "Kept" in text
    assert "Trashed paper" not in text and "Hidden entry" not in text
    assert "answered or resolved" not in text  # the only reply is hidden
    assert not [m for m in digests_sent() if m.to == [newcomer.email]]  # joined after it all
    assert DigestSent.objects.get(user=newcomer).period_start == start + timedelta(days=4)


def test_a_long_section_lists_twenty_and_says_how_many_more(log, alice, carol):
    for n in range(25):
        make_paper(log, by=alice, title=f"Paper number {n + 1}")
    start, end = last_week()
    move_back(start + timedelta(days=3))

    send()

    text = digest_for(carol)[0].body
    assert "New papers (25)" in text
    assert "Paper number 20\n" in text and "Paper number 21\n" not in text
    assert "and 5 more: http" in text


def test_a_digest_whose_email_fails_is_sent_by_the_next_run(last_weeks_activity, monkeypatch):
    real_send = EmailMultiAlternatives.send

    def fail(self, *args, **kwargs):
        raise OSError("SMTP server away")

    monkeypatch.setattr(EmailMultiAlternatives, "send", fail)
    assert send() == [] and DigestSent.objects.count() == 0

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert len(send()) == 4


def test_after_a_switch_to_daily_it_starts_where_the_last_digest_stopped(log, alice, carol):
    week_end = digests.period_end(Membership.Digest.WEEKLY, timezone.now())
    day_end = digests.period_end(Membership.Digest.DAILY, timezone.now())
    Membership.objects.update(created_at=week_end - timedelta(days=60))
    Membership.objects.filter(user=carol).update(
        digest=Membership.Digest.DAILY, digest_sent_until=week_end
    )
    membership = Membership.objects.get(user=carol)
    period = digests.period_for(membership, timezone.now())
    if day_end == week_end:  # a Monday: the weekly digest covered up to today
        assert period is None
    else:
        assert period == (week_end, day_end)


def test_it_also_sends_the_notification_emails_that_are_due(log, bob, carol):
    note = make_note(make_paper(log, by=bob), by=bob)
    make_comment(note, by=carol, body="Nice figure.")  # bob gets notification emails at once

    send()

    assert [m.to for m in outbox.outbox] == [[bob.email]]
    assert "Nice figure." in outbox.outbox[0].body


def test_a_member_who_left_gets_no_digest(last_weeks_activity, log, carol):
    Membership.objects.get(user=carol, log=log).remove()
    assert not [m for m in send() if m.to == [carol.email]]


@pytest.mark.django_db(transaction=True)
def test_two_servers_at_once_send_each_digest_once():
    """Two runs released together (threads, PostgreSQL): every member gets one digest."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    alice, bob, carol = (make_user(name) for name in ("alice", "bob", "carol"))
    log = make_log(alice, members=[(bob, Role.MEMBER), (carol, Role.MEMBER)])
    for n in range(5):
        make_paper(log, by=alice, title=f"Paper {n}")
    start, end = last_week()
    move_back(start + timedelta(days=3))
    results = [result for _round in range(3) for result in at_once(*[digests.send_due] * 3)]

    assert sorted(m.to[0] for m in digests_sent()) == ["bob@example.org", "carol@example.org"]
    assert sum(sent for sent, _ in results) == 2
    assert DigestSent.objects.filter(period_end=end).count() == 3  # alice's is empty
