"""Headers every response carries: no caching of private pages, features off, own images only."""

import runpy

from django.urls import reverse

import readinglog.settings


def test_a_signed_in_members_pages_are_never_cached(client, carol, paper):
    client.force_login(carol)
    response = client.get(reverse("paper_detail", args=[paper.log.slug, paper.number]))
    assert response["Cache-Control"] == "private, no-store"


def test_htmx_fragments_are_never_cached(client, paper, htmx):
    paper.log.visibility = "public"
    paper.log.save()
    url = reverse("paper_detail", args=[paper.log.slug, paper.number])
    assert client.get(url, **htmx)["Cache-Control"] == "private, no-store"


def test_an_anonymous_visitors_public_page_may_be_cached(client, paper):
    paper.log.visibility = "public"
    paper.log.save()
    response = client.get(reverse("paper_detail", args=[paper.log.slug, paper.number]))
    assert response.status_code == 200 and "Cache-Control" not in response


def test_the_login_page_and_errors_of_signed_in_people_are_not_cached(client, mallory, log):
    client.force_login(mallory)
    response = client.get(reverse("log_detail", args=[log.slug]))
    assert response.status_code == 404 and response["Cache-Control"] == "private, no-store"


def test_browser_features_the_app_never_uses_are_turned_off(client):
    policy = client.get(reverse("login"))["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


def content_policy(response):
    return dict(d.split(" ", 1) for d in response["Content-Security-Policy"].split("; "))


def test_images_load_only_from_the_site_and_data_urls(client):
    assert content_policy(client.get(reverse("login")))["img-src"] == "'self' data:"


def test_remote_images_load_when_the_setting_allows_them(client, monkeypatch, settings):
    monkeypatch.setenv("READINGLOG_REMOTE_IMAGES", "1")
    # The policy as the settings module reads it from this environment.
    fresh = runpy.run_path(readinglog.settings.__file__)
    settings.CONTENT_SECURITY_POLICY = fresh["CONTENT_SECURITY_POLICY"]
    policy = content_policy(client.get(reverse("login")))
    assert policy["img-src"] == "'self' data: https: http:"
