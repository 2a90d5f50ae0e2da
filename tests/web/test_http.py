"""HTTP behaviour every page shares."""

from django.urls import reverse


def test_pages_and_their_fragments_vary_on_the_htmx_header(client, log, carol):
    # Without Vary, Back after a live search shows the cached fragment, unstyled.
    client.force_login(carol)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(reverse("log_detail", args=[log.slug]), **headers)
        assert "HX-Request" in response["Vary"]


def test_a_wrong_password_is_422_and_keeps_the_username(client, carol):
    response = client.post(reverse("login"), {"username": "carol", "password": "nope"})
    assert response.status_code == 422
    assert 'value="carol"' in response.content.decode()


def test_a_wrong_old_password_is_422_and_changes_nothing(client, carol):
    from tests.conftest import PASSWORD

    client.force_login(carol)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "x" * 12 + "9Q",
            "new_password2": "x" * 12 + "9Q",
        },
    )
    assert response.status_code == 422
    carol.refresh_from_db()
    assert carol.check_password(PASSWORD)


def test_sign_in_labels_have_no_colons_like_the_rest_of_the_app(client):
    html = client.get(reverse("login")).content.decode()
    assert ">Username</label>" in html and ">Username:</label>" not in html


def test_not_found_is_a_friendly_page_that_never_names_a_private_log(client, log, mallory):
    client.force_login(mallory)
    response = client.get(reverse("log_detail", args=[log.slug]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Nothing here" in html and log.title not in html


def test_forbidden_says_why_and_what_to_do(client, log, dave):
    client.force_login(dave)
    response = client.post(reverse("paper_add", args=[log.slug]), {"title": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "You need to be a member to do that." in html
    assert "Members page" in html


def test_server_errors_get_a_calm_page():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "app.css" in html


def test_every_response_carries_a_strict_content_security_policy(client, log, carol):
    client.force_login(carol)
    for url in (reverse("home"), reverse("log_detail", args=[log.slug]), "/admin/login/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy


def test_the_favicon_is_found_where_browsers_look(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_logging_out_says_so(client, carol):
    client.force_login(carol)
    response = client.post(reverse("logout"), follow=True)
    assert "You are logged out." in response.content.decode()
    assert "_auth_user_id" not in client.session
