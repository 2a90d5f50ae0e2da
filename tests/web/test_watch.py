"""The log page's "Watching: Weekly ▾": how often a member gets the log's digest (issue #10)."""

import pytest
from django.urls import reverse

from papers.models import Membership, ReadingLog
from tests.web.conftest import assert_partial


def watch_url(log):
    return reverse("log_watch", args=[log.slug])


def digest_of(user, log):
    return Membership.objects.get(user=user, log=log).digest


def test_the_log_page_shows_a_member_their_digest_setting(client, dave, log):
    client.force_login(dave)
    Membership.objects.filter(user=dave).update(digest=Membership.Digest.DAILY)

    html = client.get(log.get_absolute_url()).text

    assert 'id="log-watch"' in html and "Watching:" in html
    assert '<option value="daily" selected>Daily</option>' in html
    assert f'action="{watch_url(log)}"' in html and 'hx-trigger="change"' in html


def test_visitors_of_a_public_log_see_no_watching_control(client, mallory, log):
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    assert 'id="log-watch"' not in client.get(log.get_absolute_url()).text
    client.force_login(mallory)
    assert 'id="log-watch"' not in client.get(log.get_absolute_url()).text


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave"])
def test_any_member_sets_it_without_javascript(client, log, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)

    response = client.post(watch_url(log), {"digest": "off"}, follow=True)

    assert response.redirect_chain == [(log.get_absolute_url(), 302)]
    assert digest_of(user, log) == "off"
    assert "You get no digest of Group reading log." in response.text
    assert '<option value="off" selected>Off</option>' in response.text


def test_with_htmx_a_change_swaps_the_control(client, carol, log, htmx):
    client.force_login(carol)

    response = client.post(watch_url(log), {"digest": "daily"}, **htmx)

    assert_partial(response, "log-watch")
    assert '<option value="daily" selected>Daily</option>' in response.text
    assert "Saved." in response.text
    assert digest_of(carol, log) == "daily"


@pytest.mark.parametrize("value", ["hourly", "", "x" * 100_000])
def test_a_bad_value_is_refused_with_422_and_changes_nothing(client, carol, log, htmx, value):
    client.force_login(carol)

    page = client.post(watch_url(log), {"digest": value})
    fragment = client.post(watch_url(log), {"digest": value}, **htmx)

    assert page.status_code == 422 and 'id="paper-list"' in page.text
    assert_partial(fragment, "log-watch", status=422)
    assert "errorlist" in fragment.text
    assert digest_of(carol, log) == "weekly"


def test_outsiders_cannot_watch(client, mallory, log):
    client.force_login(mallory)
    assert client.post(watch_url(log), {"digest": "daily"}).status_code == 404
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    assert client.post(watch_url(log), {"digest": "daily"}).status_code == 403
    assert not Membership.objects.filter(user=mallory).exists()


def test_it_needs_a_login_and_a_post(client, carol, log):
    assert client.post(watch_url(log), {"digest": "daily"}).status_code == 302
    client.force_login(carol)
    assert client.get(watch_url(log)).status_code == 405
