"""A paper from one paste and duplicates caught, through HTTP (issue #11, items 1 and 2).

arXiv and Crossref answer from tests/recorded_metadata.py (respx): no network.
"""

import re

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from papers import metadata
from papers.models import MetadataLookup, Paper, Role
from tests.conftest import at_once, make_log, make_paper, make_user
from tests.recorded_metadata import answer
from tests.web.conftest import assert_partial


def add_url(log="group"):
    return reverse("paper_add", args=[log])


def preview_url(log="group"):
    return reverse("paper_add_preview", args=[log])


@pytest.fixture
def sites(respx_mock):
    return respx_mock.route().mock(side_effect=answer)


@pytest.fixture
def offline(respx_mock):
    return respx_mock.route().mock(side_effect=httpx.ConnectError("offline"))


@pytest.mark.parametrize(
    "pasted",
    [
        "1706.03762",
        "arXiv:1706.03762v3",
        "https://arxiv.org/abs/1706.03762v7",
        "https://arxiv.org/pdf/1706.03762v2.pdf",
    ],
)
def test_an_arxiv_id_alone_adds_the_paper_filled(client, carol, log, sites, pasted):
    client.force_login(carol)
    response = client.post(add_url(), {"title": "", "url": pasted})
    paper = Paper.objects.get(log=log)
    assert response.status_code == 302 and response.url == paper.get_absolute_url()
    assert paper.title == "Attention Is All You Need"
    assert paper.authors == "Ashish Vaswani, Noam Shazeer, Niki Parmar"
    assert paper.year == 2017 and paper.abstract.startswith("A sequence transduction")
    assert paper.arxiv_id.startswith("1706.03762")
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "<summary>Abstract</summary><p>A sequence transduction model" in page


@pytest.mark.parametrize("pasted", ["10.1038/nature14539", "https://doi.org/10.1038/nature14539"])
def test_a_doi_alone_adds_the_paper_filled_from_crossref(client, carol, log, sites, pasted):
    client.force_login(carol)
    client.post(add_url(), {"url": pasted})
    paper = Paper.objects.get(log=log)
    assert (paper.title, paper.year, paper.doi) == ("Deep learning", 2015, "10.1038/nature14539")
    assert paper.authors == "Yann LeCun, Yoshua Bengio, Geoffrey Hinton"


def test_what_was_typed_is_kept(client, carol, log, sites):
    client.force_login(carol)
    client.post(add_url(), {"title": "Transformers paper", "url": "1706.03762"})
    paper = Paper.objects.get(log=log)
    assert paper.title == "Transformers paper" and paper.year == 2017


def test_offline_the_paper_is_added_with_its_id_and_the_page_says_why(
    client, carol, log, offline, htmx
):
    client.force_login(carol)
    response = client.post(add_url(), {"url": "1706.03762"}, **htmx)
    assert_partial(response, "paper-add")
    paper = Paper.objects.get(log=log)
    assert paper.title == "1706.03762" and not paper.authors
    html = response.content.decode()
    assert "Nothing was filled in from its id: The site could not be reached" in html
    assert reverse("paper_fetch", args=[log.slug, paper.number]) in html
    # Back online (after the hour a failure is kept), "Fetch details" fills it.
    MetadataLookup.objects.all().delete()
    offline.mock(side_effect=answer)
    response = client.post(reverse("paper_fetch", args=[log.slug, paper.number]))
    paper.refresh_from_db()
    assert response.status_code == 302
    assert paper.title == "Attention Is All You Need" and paper.year == 2017
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Filled in title, authors, year, abstract." in page


def test_offline_without_htmx_the_paper_page_says_why(client, carol, log, offline):
    client.force_login(carol)
    response = client.post(add_url(), {"url": "10.1038/nature14539"}, follow=True)
    assert "Nothing was filled in from its id: The site could not be reached" in (
        response.content.decode()
    )
    assert Paper.objects.get(log=log).title == "10.1038/nature14539"


def test_fetch_details_never_overwrites_an_edit(client, carol, log, sites):
    paper = make_paper(log, by=carol, title="My own title", arxiv_id="1706.03762",
                       authors="Me")  # fmt: skip
    client.force_login(carol)
    client.post(
        reverse("paper_fetch", args=[log.slug, paper.number]), **{"HTTP_HX_REQUEST": "true"}
    )
    paper.refresh_from_db()
    assert (paper.title, paper.authors, paper.year) == ("My own title", "Me", 2017)


def test_fetch_details_is_for_who_can_edit_the_paper(client, bob, carol, dave, log, sites):
    paper = make_paper(log, by=bob, arxiv_id="1706.03762")
    url = reverse("paper_fetch", args=[log.slug, paper.number])
    client.force_login(carol)
    assert client.post(url).status_code == 403
    client.force_login(dave)
    assert client.post(url).status_code == 403
    client.force_login(bob)
    assert 'action="' + url in client.get(paper.get_absolute_url()).content.decode()


def test_neither_title_nor_link_is_refused(client, carol, log):
    client.force_login(carol)
    response = client.post(add_url(), {"title": " ", "url": ""})
    assert response.status_code == 422
    assert b"Give the paper a title, or paste its arXiv id or DOI." in response.content
    response = client.post(add_url(), {"url": "https://example.org/paper"})
    assert b"Give the paper a title: only an arXiv id or DOI fills it in." in response.content
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ({"url": "1706.03762v1"}, {"url": "https://arxiv.org/pdf/1706.03762v7"}),
        ({"url": "10.1038/NATURE14539"}, {"url": "https://doi.org/10.1038/nature14539"}),
        ({"title": "Attention is all you need!"}, {"title": "ATTENTION IS ALL YOU NEED"}),
        ({"title": "Attention Is All You Need"}, {"url": "1706.03762"}),
    ],
)
def test_a_paper_already_in_the_log_is_not_added_again(client, carol, log, sites, first, again):
    client.force_login(carol)
    client.post(add_url(), first)
    kept = Paper.objects.get(log=log)
    response = client.post(add_url(), again, HTTP_HX_REQUEST="true")
    assert_partial(response, "paper-add", status=422)
    html = response.content.decode()
    assert (
        f'Already in this log as <a href="{kept.get_absolute_url()}">[1] {kept.title}</a>' in html
    )
    assert 'name="add_anyway"' in html
    assert Paper.objects.filter(log=log).count() == 1
    response = client.post(add_url(), {**again, "add_anyway": "on"})
    assert response.status_code == 302
    assert Paper.objects.filter(log=log).count() == 2


def test_a_paper_in_the_trash_is_not_a_duplicate(client, carol, log, sites):
    client.force_login(carol)
    paper = make_paper(log, by=carol)
    client.post(reverse("paper_delete", args=[log.slug, paper.number]))
    assert client.post(add_url(), {"url": "1706.03762"}).status_code == 302


def test_the_preview_shows_what_a_pasted_id_finds(client, carol, log, sites, htmx):
    client.force_login(carol)
    response = client.post(preview_url(), {"title": "", "url": "arXiv:1706.03762"}, **htmx)
    assert_partial(response, "paper-add-preview")
    html = response.content.decode()
    assert "<strong>Attention Is All You Need</strong>" in html
    assert "Ashish Vaswani, Noam Shazeer, Niki Parmar · 2017" in html
    assert not Paper.objects.exists()


def test_the_preview_names_the_duplicate(client, carol, log, sites, htmx):
    paper = make_paper(log, by=carol, title="Attention Is All You Need", url="")
    client.force_login(carol)
    html = client.post(preview_url(), {"url": "1706.03762"}, **htmx).content.decode()
    assert f'Already in this log as <a href="{paper.get_absolute_url()}">[1]' in html


def test_the_preview_says_why_nothing_was_found(client, carol, log, offline, htmx):
    client.force_login(carol)
    html = client.post(preview_url(), {"url": "1706.03762"}, **htmx).content.decode()
    assert "Nothing found for this id: The site could not be reached" in html
    assert "with its id as the title" in html


def test_past_the_sites_pace_of_lookups_nobody_is_asked_and_the_paper_is_still_added(
    client, carol, log, sites, htmx
):
    MetadataLookup.objects.bulk_create(
        MetadataLookup(key=f"arxiv:2401.{n:05}") for n in range(metadata.LOOKUPS_PER_MINUTE)
    )
    client.force_login(carol)

    html = client.post(preview_url(), {"url": "1706.03762"}, **htmx).content.decode()
    response = client.post(add_url(), {"title": "", "url": "1706.03762"})

    assert "Too many lookups on this site just now" in html
    assert response.status_code == 302 and not sites.called
    assert Paper.objects.get().title == "1706.03762"
    assert not MetadataLookup.objects.filter(key="arxiv:1706.03762").exists()


def test_the_preview_of_bad_input_is_empty_not_an_error(client, carol, log, htmx):
    client.force_login(carol)
    for data in ({"url": "not a link"}, {"url": "x" * 5000}, {"title": "t" * 5000}):
        response = client.post(preview_url(), data, **htmx)
        assert_partial(response, "paper-add-preview")


def test_crafted_answers_are_plain_text_on_the_page(client, carol, log, respx_mock):
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id>'
        "<title>&lt;img src=x onerror=alert(1)&gt;Evil</title><summary>s</summary>"
        "<published>2020-01-01</published></entry></feed>"
    )
    respx_mock.route().mock(return_value=httpx.Response(200, text=atom))
    client.force_login(carol)
    client.post(add_url(), {"url": "2001.00001"})
    paper = Paper.objects.get(log=log)
    assert paper.title == "Evil"
    assert "onerror" not in client.get(paper.get_absolute_url()).content.decode()


@pytest.mark.parametrize("known", [1, 20])
def test_adding_costs_the_same_queries_however_many_papers(
    client, carol, log, sites, django_assert_num_queries, known
):
    for n in range(known):
        make_paper(log, by=carol, title=f"Paper {n}", url="")
    client.force_login(carol)
    client.post(add_url(), {"url": "1706.03762"}, HTTP_HX_REQUEST="true")  # fills the cache
    with django_assert_num_queries(QUERIES_TO_ADD):
        client.post(add_url(), {"url": "1706.03762", "add_anyway": "on"}, HTTP_HX_REQUEST="true")


QUERIES_TO_ADD = 24


@pytest.mark.parametrize(
    "heading",
    [
        "### [7] Attention is all you need!\n",  # the title, written another way
        "### [7] Transformers\nhttps://arxiv.org/pdf/1706.03762v7\n",  # the arXiv id, v7
    ],
)
def test_an_import_adds_to_the_paper_already_in_the_log(client, bob, carol, log, heading):
    paper = make_paper(log, by=carol, title="Attention Is All You Need", arxiv_id="1706.03762v1")
    client.force_login(bob)
    text = f"# Group\n\n{heading}\n- A note from the file.\n"
    upload = SimpleUploadedFile("log.md", text.encode(), content_type="text/markdown")
    response = client.post(reverse("log_import", args=[log.slug]), {"file": upload})
    assert "is [1] in this log; what is new in the file was added to it." in (
        response.content.decode()
    )
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]
    client.post(reverse("log_import_confirm", args=[log.slug]), {"token": token})
    assert Paper.objects.filter(log=log).count() == 1
    assert [n.body for n in paper.notes.all()] == ["A note from the file."]


@pytest.mark.django_db(transaction=True)
def test_the_same_paper_added_twice_at_once_is_added_once(sites):
    """A double click, or two members pasting the same id together (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    alice, carol = make_user("alice"), make_user("carol")
    log = make_log(alice, members=[(carol, Role.MEMBER)])
    metadata.lookup(arxiv_id="1706.03762")  # both find the title in the cache

    def add():
        client = Client()
        client.force_login(carol)
        return client.post(add_url(log.slug), {"url": "1706.03762"}).status_code

    assert sorted(at_once(add, add, add)) == [302, 422, 422]
    assert Paper.objects.filter(log=log).count() == 1
