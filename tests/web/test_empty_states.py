"""Every list says what to do next when it is empty, and times read as "how long ago"."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from papers.templatetags.timeago import ago
from tests.conftest import make_paper, make_question


def test_a_log_without_questions_says_where_to_ask(client, carol, log):
    client.force_login(carol)
    html = client.get(reverse("log_questions", args=[log.slug])).content.decode()
    assert "No questions yet." in html
    assert reverse("log_detail", args=[log.slug]) in html


def test_filtered_questions_with_no_match_offer_to_clear(client, carol, log, paper):
    make_question(paper, by=carol)
    client.force_login(carol)
    response = client.get(reverse("log_questions", args=[log.slug]), {"status": "resolved"})
    html = response.content.decode()
    assert "No questions match these filters." in html
    assert "No questions yet." not in html


def test_an_empty_change_log_tells_curators_they_can_write(client, bob, dave, log):
    changelog = reverse("log_changelog", args=[log.slug])
    client.force_login(bob)
    assert "you can write a dated entry above" in client.get(changelog).content.decode()
    client.force_login(dave)
    html = client.get(changelog).content.decode()
    assert "Nothing in the change log yet." in html
    assert "you can write" not in html


def test_home_without_logs_offers_to_start_or_import_one(client, mallory):
    client.force_login(mallory)
    html = client.get(reverse("home")).content.decode()
    assert "You are not in any log yet." in html
    assert reverse("log_create") in html
    assert reverse("log_import_new") in html


def test_the_log_page_hides_the_filters_until_there_is_a_paper(client, carol, log):
    client.force_login(carol)
    assert (
        'class="toolbar paper-filters" hidden'
        in client.get(reverse("log_detail", args=[log.slug])).content.decode()
    )
    make_paper(log, by=carol)
    assert (
        'class="toolbar paper-filters" hidden'
        not in client.get(reverse("log_detail", args=[log.slug])).content.decode()
    )


def test_ago_says_the_largest_unit_only():
    now = timezone.now()
    assert ago(now) == "just now"
    assert ago(now - timedelta(days=3, hours=5)) == "3\xa0days ago"
    assert ago(None) == ""
