"""The account settings page (/account/): email address, per-kind notification delivery,
resetting the private feed links; plain forms that work without JavaScript."""

import re

import pytest
from django.urls import reverse

from papers.models import Notification

URL = "/account/"


def form_data(user, **changes):
    """What the page's form posts when nothing is changed, with `changes` applied."""
    data = {"email": user.email}
    for kind in Notification.Kind:
        data[f"delivery_{kind.value}"] = Notification.delivery_for(user, kind.value)
    return {**data, **changes}


def test_the_page_shows_the_email_and_each_kinds_current_delivery(client, carol):
    carol.notification_delivery = {"reply": "off"}
    carol.save()
    client.force_login(carol)

    page = client.get(reverse("account_settings")).content.decode()

    assert reverse("account_settings") == URL
    assert 'value="carol@example.org"' in page
    for kind in Notification.Kind:
        assert f'name="delivery_{kind.value}"' in page
        assert f"When someone {kind.label}" in page
    reply = re.search(r'<select name="delivery_reply".*?</select>', page, re.S).group()
    assert re.search(r'<option value="off" selected>', reply)
    mention = re.search(r'<select name="delivery_mention".*?</select>', page, re.S).group()
    assert re.search(r'<option value="email" selected>', mention)
    assert "<script" not in re.sub(r'<script src="[^"]+"( defer)?></script>', "", page)


def test_saving_with_a_plain_form_post_keeps_every_choice_and_redirects(client, carol):
    client.force_login(carol)

    response = client.post(
        URL,
        form_data(carol, email="carol@lab.example", delivery_reply="site", delivery_joined="off"),
        follow=True,
    )

    carol.refresh_from_db()
    assert response.redirect_chain == [(URL, 302)]
    assert "Settings saved." in response.text
    assert carol.email == "carol@lab.example"
    assert Notification.delivery_for(carol, "reply") == "site"
    assert Notification.delivery_for(carol, "joined") == "off"
    assert Notification.delivery_for(carol, "mention") == "email"
    assert set(carol.notification_delivery) == set(Notification.Kind.values)


@pytest.mark.parametrize(
    "changes",
    [
        {"delivery_reply": "sometimes"},
        {"delivery_answer": "email" * 10_000},
        {"delivery_mention": ""},
        {"email": "not an address"},
        {"email": "a" * 300 + "@example.org"},
        {"email": "x@" + "b" * 100_000 + ".org"},
    ],
)
def test_bad_input_is_refused_with_422_and_saves_nothing(client, carol, changes):
    carol.notification_delivery = {"reply": "site"}
    carol.save()
    client.force_login(carol)

    response = client.post(URL, form_data(carol, **{"delivery_reply": "off", **changes}))

    carol.refresh_from_db()
    assert response.status_code == 422
    assert "Nothing was saved" in response.text
    assert 'class="errorlist' in response.text
    assert carol.notification_delivery == {"reply": "site"}
    assert carol.email == "carol@example.org"


def test_an_empty_email_is_allowed_and_means_no_email(client, carol):
    client.force_login(carol)
    assert client.post(URL, form_data(carol, email="")).status_code == 302
    carol.refresh_from_db()
    assert carol.email == ""


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.post(reverse("feed_token_reset")).status_code == 302


def test_settings_are_linked_from_the_user_menu_and_the_notifications_page(client, carol):
    client.force_login(carol)
    for page in (reverse("home"), reverse("notification_list")):
        assert f'href="{URL}"' in client.get(page).text


def test_resetting_the_feed_links_changes_the_secret_and_says_old_links_stop(client, carol):
    old = carol.get_feed_token()
    client.force_login(carol)

    page = client.get(URL).text
    assert "every old link stops working" in page
    response = client.post(reverse("feed_token_reset"), follow=True)

    carol.refresh_from_db()
    assert response.redirect_chain == [(URL, 302)]
    assert "The old ones no longer work" in response.text
    assert carol.feed_token and carol.feed_token != old
    assert client.get(reverse("feed_token_reset")).status_code == 405


def test_the_page_runs_a_fixed_number_of_queries(client, carol, django_assert_num_queries):
    client.force_login(carol)
    client.get(URL)
    with django_assert_num_queries(2):  # session, user
        client.get(URL)
    with django_assert_num_queries(3):  # session, user, the save
        client.post(URL, form_data(carol, delivery_reply="off"))
