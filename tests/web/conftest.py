"""Shared helpers for the web tests (tests/web/test_<area>.py).

    def test_it_swaps_the_form(client, carol, log, htmx):
        client.force_login(carol)
        response = client.post(url, data, **htmx)        # an HTMX request
        assert_partial(response, "comment-form")         # no <html, root id present

Personas (alice owner, bob curator, carol member, dave viewer, mallory
outsider), `log`, `paper` and the make_* helpers come from tests/conftest.py.
"""

import pytest

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def htmx():
    """Return headers that make a test request look like htmx's: `client.get(url, **htmx)`."""
    return dict(HTMX)


def assert_partial(response, root_id, status=200):
    """Assert the response is a fragment (not a page) whose markup has id=root_id."""
    assert response.status_code == status, response.content[:500]
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="{root_id}"' in html
