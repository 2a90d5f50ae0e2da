from django.urls import reverse

from papers.models import ReadingLog
from tests.conftest import make_comment, make_note


def url(paper, since):
    return reverse("paper_updates", args=[paper.log.slug, paper.number]) + f"?since={since}"


def since_of(paper):
    paper.refresh_from_db()
    return int(paper.last_activity_at.timestamp() * 1000)


def test_nothing_changed_costs_one_query(client, carol, paper, django_assert_num_queries):
    poll = url(paper, since_of(paper))
    client.force_login(carol)
    # session, user (auth), then one query: the paper's last activity joined
    # with its log's visibility and carol's role.
    with django_assert_num_queries(3):
        response = client.get(poll)
    assert response.status_code == 204


def test_a_new_comment_comes_back_as_fresh_regions(client, carol, bob, paper):
    since = since_of(paper)
    note = make_note(paper, by=bob)
    make_comment(note, by=bob, body="Seen from afar")
    client.force_login(carol)
    response = client.get(url(paper, since))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Seen from afar" in html
    assert 'id="note-list"' in html and f'id="comment-list-paper-{paper.pk}"' in html
    assert f"since={since_of(paper)}" in html
    assert "data-focus" not in html  # a live update never steals focus


def test_since_can_be_an_iso_datetime(client, carol, paper):
    paper.refresh_from_db()
    client.force_login(carol)
    assert (
        client.get(url(paper, paper.last_activity_at.isoformat().replace("+", "%2B"))).status_code
        == 204
    )
    assert client.get(url(paper, "garbage")).status_code == 200


def test_an_outsider_gets_404_even_when_nothing_changed(client, mallory, paper):
    client.force_login(mallory)
    assert client.get(url(paper, since_of(paper))).status_code == 404
    assert client.get(url(paper, 0)).status_code == 404


def test_an_anonymous_visitor_polls_a_public_log(client, log, paper):
    ReadingLog.objects.filter(pk=log.pk).update(visibility="public")
    assert client.get(url(paper, since_of(paper))).status_code == 204
    assert client.get(url(paper, 0)).status_code == 200


def test_an_anonymous_visitor_gets_404_on_a_private_log(client, paper):
    assert client.get(url(paper, 0)).status_code == 404


def test_an_unknown_paper_is_404(client, carol, log):
    client.force_login(carol)
    assert client.get(reverse("paper_updates", args=["group", 9]) + "?since=0").status_code == 404
