"""A curator merges two papers of a log in the app (issue #11, item 2)."""

import pytest
from django.urls import reverse

from papers.models import ChangeLogEntry, Paper
from tests.conftest import make_comment, make_note, make_paper, make_question


def merge_url(number, log="group"):
    return reverse("paper_merge", args=[log, number])


@pytest.fixture
def twins(log, carol):
    first = make_paper(log, by=carol, title="Attention Is All You Need", url="")
    second = make_paper(log, by=carol, title="Attention (arXiv v7)", arxiv_id="1706.03762v7",
                        authors="Ashish Vaswani et al.")  # fmt: skip
    make_note(second, by=carol, body="Kept note")
    make_question(second, by=carol, body="Kept question?")
    make_comment(second, by=carol, body="Kept comment")
    return first, second


def test_a_curator_merges_after_a_confirm_step(client, bob, log, twins):
    first, second = twins
    client.force_login(bob)
    assert b"Merge into paper number" in client.get(merge_url(2)).content
    response = client.post(merge_url(2), {"into": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "[1] Attention Is All You Need</a> is kept." in html
    assert "1 note, 1 question,\n      1 comment" in html
    assert Paper.objects.filter(log=log).count() == 2  # nothing merged before the confirm
    response = client.post(merge_url(2), {"into": "1", "confirm": "on"})
    assert response.status_code == 302 and response.url == first.get_absolute_url()
    assert list(Paper.objects.filter(log=log).values_list("number", flat=True)) == [1]
    first.refresh_from_db()
    assert first.authors == "Ashish Vaswani et al." and first.arxiv_id == "1706.03762v7"
    assert [n.body for n in first.notes.all()] == ["Kept note"]
    assert [q.body for q in first.questions.all()] == ["Kept question?"]
    assert [c.body for c in first.comments.all()] == ["Kept comment"]
    assert ChangeLogEntry.objects.filter(paper=first, text="Merged [2] into [1]").exists()
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Kept note" in page and "Merged [2] into [1]." in page


def test_merging_from_the_lower_number_keeps_it_too(client, bob, log, twins):
    first, _ = twins
    client.force_login(bob)
    client.post(merge_url(1), {"into": "2", "confirm": "on"})
    assert list(Paper.objects.filter(log=log).values_list("pk", flat=True)) == [first.pk]


@pytest.mark.parametrize("into", ["", "0", "1", "99", "x", "9" * 40])
def test_a_bad_number_is_refused_with_a_message(client, bob, log, twins, into):
    client.force_login(bob)
    response = client.post(merge_url(1), {"into": into, "confirm": "on"})
    assert response.status_code == 422
    assert b'class="errorlist' in response.content
    assert Paper.objects.filter(log=log).count() == 2


def test_only_curators_merge(client, carol, dave, log, twins):
    for user in (carol, dave):
        client.force_login(user)
        assert client.post(merge_url(2), {"into": "1", "confirm": "on"}).status_code == 403
    assert Paper.objects.filter(log=log).count() == 2
    page = client.get(twins[1].get_absolute_url()).content.decode()
    assert merge_url(2) not in page


def test_the_paper_page_offers_the_merge_to_curators(client, bob, log, twins):
    client.force_login(bob)
    assert merge_url(2) in client.get(twins[1].get_absolute_url()).content.decode()
