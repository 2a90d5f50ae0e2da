import pytest
from django.db import IntegrityError, transaction

from papers.models import Comment, Membership, Paper, Role
from tests.conftest import make_comment, make_note, make_paper, make_question


def test_paper_numbers_are_assigned_in_order(log, carol):
    first = make_paper(log, by=carol, title="One")
    second = make_paper(log, by=carol, title="Two")
    assert (first.number, second.number) == (1, 2)


def test_paper_number_is_unique_per_log(log, carol):
    make_paper(log, by=carol, number=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.create(log=log, number=3, title="Duplicate")


def test_membership_is_one_per_user_and_log(log, carol):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=carol, log=log, role=Role.VIEWER)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("paper", {"status": "finished"}),
        ("paper", {"curiosity": "extreme"}),
        ("membership", {"role": "king"}),
    ],
)
def test_invalid_choices_are_refused_by_the_database(log, carol, model, fields):
    target = make_paper(log, by=carol) if model == "paper" else log.memberships.get(user=carol)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(target).objects.filter(pk=target.pk).update(**fields)


def test_a_comment_belongs_to_exactly_one_target(paper, carol):
    note = make_note(paper, by=carol)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(log=paper.log, paper=paper, note=note, body="x", author=carol)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(log=paper.log, body="x", author=carol)


def test_markdown_is_rendered_when_saved(paper, carol):
    note = make_note(paper, by=carol, body="**bold** <script>alert(1)</script>")
    assert note.body_html == "<p><strong>bold</strong> </p>"
    assert note.body == "**bold** <script>alert(1)</script>"


def test_resolving_a_question_records_who_and_when(paper, bob, carol):
    from papers import actions

    question = make_question(paper, by=carol)
    reply = make_comment(question, by=bob, body="Because the variance grows with d_k.")
    actions.question_resolve(question, by=carol, answer=reply)
    question.refresh_from_db()
    assert question.status == "resolved"
    assert question.resolved_by == carol and question.resolved_at is not None
    assert question.answer == reply
    assert paper.log.changelog.filter(kind="question_resolved").count() == 1
    actions.question_reopen(question, by=bob)
    question.refresh_from_db()
    assert (question.status, question.answer, question.resolved_at) == ("open", None, None)


def test_every_model_has_a_readable_str_and_a_working_url(client, log, paper, carol, bob):
    from papers.models import ChangeLogEntry, Invitation, Membership, Tag

    note = make_note(paper, by=carol, body="the encoder", anchor_label="Figure 1")
    question = make_question(paper, by=carol)
    comment = make_comment(note, by=bob)
    objects = [
        log,
        Membership.objects.get(user=carol, log=log),
        Invitation.objects.create(log=log, role=Role.MEMBER),
        paper,
        Tag.objects.create(log=log, name="transformers"),
        note,
        question,
        comment,
        ChangeLogEntry.objects.create(log=log, text="Started the log"),
    ]
    client.force_login(log.created_by)
    for obj in objects:
        assert str(obj).strip(), type(obj)
        url = obj.get_absolute_url()
        response = client.get(url, follow=True)
        assert response.status_code == 200, (type(obj).__name__, url, response.status_code)
    assert str(paper) == "[1] Attention Is All You Need"
    assert str(note) == "Figure 1: the encoder"


def test_the_same_paper_is_found_by_arxiv_id_of_any_version_doi_or_title(log, alice):
    attention = make_paper(
        log, by=alice, title="Attention Is All You Need", arxiv_id="1706.03762v5"
    )
    resnet = make_paper(log, by=alice, title="Deep Residual Learning", doi="10.1109/CVPR.2016.90")
    papers = log.papers.all()

    assert list(papers.same_as(arxiv_id="1706.03762")) == [attention]
    assert list(papers.same_as(arxiv_id="1706.03762v1")) == [attention]
    assert list(papers.same_as(arxiv_id="1706.0376")) == []
    assert list(papers.same_as(doi="10.1109/cvpr.2016.90")) == [resnet]
    assert list(papers.same_as(title="attention is  all you need!")) == [attention]
    assert list(papers.same_as(title="Attention")) == []
    assert list(papers.same_as()) == []
