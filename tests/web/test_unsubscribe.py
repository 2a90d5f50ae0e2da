"""The signed unsubscribe link of every email (papers/mail.py): no login, GET asks, POST does it."""

from django.urls import reverse

from papers import mail
from papers.models import Membership, Notification
from tests.conftest import make_log


def test_the_link_asks_then_turns_that_kind_back_to_the_site_only(client, carol):
    url = reverse("unsubscribe", args=[mail.unsubscribe_token(carol, "kind:reply")])

    asked = client.get(url)
    carol.refresh_from_db()
    assert asked.status_code == 200
    assert "Stop sending emails when someone replied to your comment" in asked.text
    assert Notification.delivery_for(carol, "reply") == Notification.Delivery.EMAIL

    done = client.post(url)
    carol.refresh_from_db()
    assert done.status_code == 200
    assert Notification.delivery_for(carol, "reply") == Notification.Delivery.SITE
    assert Notification.delivery_for(carol, "mention") == Notification.Delivery.EMAIL


def test_a_digest_link_turns_off_that_logs_digest_only(client, log, alice, carol):
    other = make_log(alice, slug="other", members=[(carol, "member")])
    client.post(reverse("unsubscribe", args=[mail.unsubscribe_token(carol, f"digest:{log.pk}")]))
    digests = dict(Membership.objects.filter(user=carol).values_list("log__slug", "digest"))
    assert digests == {log.slug: "off", other.slug: "weekly"}


def test_all_turns_off_every_email_and_keeps_what_is_off(client, log, carol):
    carol.notification_delivery = {"joined": "off"}
    carol.save()
    client.post(reverse("unsubscribe", args=[mail.unsubscribe_token(carol, "all")]))
    carol.refresh_from_db()
    deliveries = {kind: Notification.delivery_for(carol, kind) for kind in Notification.Kind}
    assert "email" not in deliveries.values()
    assert deliveries["joined"] == "off"
    assert set(Membership.objects.filter(user=carol).values_list("digest", flat=True)) == {"off"}


def test_a_forged_or_cut_link_is_refused_and_changes_nothing(client, carol):
    token = mail.unsubscribe_token(carol, "all")
    for bad in [token[:-2], "x", token.replace(":", ";"), mail.unsubscribe_token(carol, "kind:x")]:
        response = client.post(reverse("unsubscribe", args=[bad]))
        assert response.status_code == 404
    carol.refresh_from_db()
    assert carol.notification_delivery == {}
