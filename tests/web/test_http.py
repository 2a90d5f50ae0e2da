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
