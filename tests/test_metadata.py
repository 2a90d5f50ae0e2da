"""Lookups of a pasted arXiv id or DOI (papers/metadata.py), against recorded answers.

No test reaches the network: respx answers every httpx request.
"""

import threading
import time
from datetime import timedelta
from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from papers import metadata
from papers.models import MetadataLookup, ReadingLog
from tests.conftest import make_paper
from tests.recorded_metadata import answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(respx_mock):
    """arXiv and Crossref as recorded; returns the route to count calls."""
    return respx_mock.route().mock(side_effect=answer)


def test_an_arxiv_id_of_any_version_finds_the_paper_as_plain_text(sites):
    found = metadata.lookup(arxiv_id="1706.03762v5")
    assert found.found and found.key == "arxiv:1706.03762"
    assert found.data["title"] == "Attention Is All You Need"
    assert found.data["authors"] == "Ashish Vaswani, Noam Shazeer, Niki Parmar"
    assert found.data["year"] == 2017
    abstract = found.data["abstract"]
    assert abstract.startswith("A sequence transduction model built on attention alone")
    assert "<" not in abstract and "  " not in abstract
    assert sites.calls.last.request.url.params["id_list"] == "1706.03762"


def test_a_doi_finds_the_work_on_crossref(sites):
    found = metadata.lookup(doi="10.1038/NATURE14539")
    assert found.found and found.key == "doi:10.1038/nature14539"
    assert found.data["title"] == "Deep learning"
    assert found.data["authors"] == "Yann LeCun, Yoshua Bengio, Geoffrey Hinton"
    assert found.data["year"] == 2015
    assert found.data["abstract"].startswith("Models made of many processing layers")


def test_an_answer_found_is_kept_and_not_asked_again(sites):
    metadata.lookup(arxiv_id="1706.03762")
    MetadataLookup.objects.update(fetched_at=timezone.now() - timedelta(days=400))
    assert metadata.lookup(arxiv_id="1706.03762v2").found
    assert sites.call_count == 1


def test_an_unknown_id_is_a_reason_not_an_error(sites):
    assert metadata.lookup(arxiv_id="9999.99999").error == "arXiv has no paper 9999.99999."
    assert metadata.lookup(doi="10.1/missing").error == "Crossref has no DOI 10.1/missing."


def test_a_failure_is_asked_again_after_an_hour_only(respx_mock):
    route = respx_mock.route().mock(side_effect=httpx.ConnectError("offline"))
    failed = metadata.lookup(arxiv_id="1706.03762")
    assert not failed.found and "could not be reached" in failed.error
    metadata.lookup(arxiv_id="1706.03762")
    assert route.call_count == 1
    MetadataLookup.objects.update(fetched_at=timezone.now() - timedelta(minutes=61))
    route.mock(side_effect=answer)
    assert metadata.lookup(arxiv_id="1706.03762").found
    assert route.call_count == 2


def test_an_answer_over_a_megabyte_is_refused(respx_mock):
    respx_mock.route().mock(return_value=httpx.Response(200, text="<feed>" + "x" * 1_100_000))
    assert (
        metadata.lookup(arxiv_id="1706.03762").error == "The site's answer was too large to read."
    )


def test_entities_and_broken_markup_are_refused(respx_mock):
    bomb = '<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feed>&a;</feed>'
    respx_mock.route().mock(return_value=httpx.Response(200, text=bomb))
    assert "could not be read" in metadata.lookup(arxiv_id="1706.03762").error
    respx_mock.route().mock(return_value=httpx.Response(200, text="<feed><entry>"))
    assert "could not be read" in metadata.lookup(arxiv_id="1706.03763").error
    respx_mock.route().mock(return_value=httpx.Response(200, text="not json"))
    assert "could not be read" in metadata.lookup(doi="10.1/x").error


def test_a_server_error_is_said(respx_mock):
    respx_mock.route().mock(return_value=httpx.Response(503))
    assert metadata.lookup(doi="10.1/x").error == "The site answered 503; try again later."


def test_the_whole_request_has_a_deadline_not_each_read(respx_mock, monkeypatch):
    monkeypatch.setattr(metadata, "DEADLINE", 0.3)

    answered = threading.Event()

    def slow(request):
        time.sleep(1.5)
        answered.set()
        return httpx.Response(200, text="")

    route = respx_mock.route().mock(side_effect=slow)
    started = time.monotonic()
    found = metadata.lookup(arxiv_id="1706.03762")
    assert time.monotonic() - started < 1.2
    assert found.error == "The lookup took too long; try again later."
    # The abandoned request ends in its thread, recorded here, not in the next test.
    answered.wait(5)
    while not route.call_count and time.monotonic() - started < 5:
        time.sleep(0.01)


def test_fill_never_replaces_what_was_typed(sites):
    found = metadata.lookup(arxiv_id="1706.03762")
    filled = metadata.fill({"title": "My title", "authors": "", "year": 2020}, found)
    assert filled == {"authors": "Ashish Vaswani, Noam Shazeer, Niki Parmar",
                      "abstract": found.data["abstract"]}  # fmt: skip


def test_fetch_metadata_fills_a_whole_log(sites, log, carol, capsys):
    by_id = make_paper(log, title="1706.03762", by=carol, arxiv_id="1706.03762")
    by_doi = make_paper(log, title="Deep learning", by=carol, doi="10.1038/nature14539",
                        authors="LeCun et al.")  # fmt: skip
    make_paper(log, title="No id at all", by=carol)
    missing = make_paper(log, title="Gone", by=carol, arxiv_id="9999.99999")
    call_command("fetch_metadata", log.slug)
    by_id.refresh_from_db()
    by_doi.refresh_from_db()
    missing.refresh_from_db()
    assert by_id.title == "Attention Is All You Need" and by_id.year == 2017
    assert by_doi.authors == "LeCun et al." and by_doi.year == 2015
    assert missing.title == "Gone" and not missing.authors
    out = capsys.readouterr().out
    assert "2 papers filled" in out and "[4] Gone: arXiv has no paper 9999.99999." in out


def test_fetch_metadata_waits_for_the_sites_pace_of_lookups(sites, log, carol, monkeypatch):
    paper = make_paper(log, title="1706.03762", by=carol, arxiv_id="1706.03762")
    busy = MetadataLookup.objects.bulk_create(
        MetadataLookup(key=f"arxiv:2401.{n:05}") for n in range(metadata.LOOKUPS_PER_MINUTE)
    )
    waits = []

    def sleep(seconds):  # a minute passes for the lookups made before
        waits.append(seconds)
        MetadataLookup.objects.filter(pk__in=[b.pk for b in busy]).update(
            fetched_at=timezone.now() - timedelta(minutes=2)
        )

    monkeypatch.setattr("papers.management.commands.fetch_metadata.time.sleep", sleep)
    call_command("fetch_metadata", log.slug, stdout=StringIO())

    paper.refresh_from_db()
    assert waits == [3.0] and paper.title == "Attention Is All You Need"


def test_fetch_metadata_refuses_an_unknown_log(sites):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No log"):
        call_command("fetch_metadata", "nope")


def test_the_demo_fills_its_papers_from_the_shipped_metadata(db, respx_mock):
    call_command("load_demo", stdout=StringIO())
    papers = ReadingLog.objects.get(slug="2024-paper-reading-logs").papers.order_by("number")
    attention = papers.get(title="Attention Is All You Need")
    assert attention.year == 2017 and attention.authors.startswith("Ashish Vaswani")
    assert attention.tldr and attention.abstract
    assert all(p.authors and p.year and p.abstract for p in papers)
    # What the sample wrote is kept: [6] has its own TL;DR.
    assert papers.get(number=6).tldr.startswith("The authors introduced a nice visualization")
    assert not respx_mock.calls  # never the network
