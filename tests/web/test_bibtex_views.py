"""The "↓ BibTeX" downloads and a .bib file in the browser import (upload → preview → confirm)."""

import bibtexparser
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from papers.models import ChangeLogEntry, Paper
from tests.conftest import make_paper

BIB = rb"""
@misc{vaswani2017attention, title = {Attention is all you need}, eprint = {1706.03762v7},
  archivePrefix = {arXiv}, author = {Vaswani, Ashish and Shazeer, Noam}, year = {2017}}
@article{devlin2019bert, title = {{B}ERT: Pre-training of Deep Bidirectional Transformers},
  author = {Devlin, Jacob and M{\"u}ller, J{\"o}rg}, year = {2019}, doi = {10.18653/v1/N19-1423}}
"""


def token_of(response):
    html = response.content.decode()
    return html.split('name="token" value="')[1].split('"')[0]


@pytest.mark.parametrize("size", [1, 12])
def test_log_download_constant_queries(client, log, carol, dave, size, django_assert_num_queries):
    for number in range(1, size + 1):
        make_paper(log, by=carol, number=number, title=f"Paper {number}", authors="Ann Lee")
    client.force_login(dave)
    # The session and user (2), the log and the role (2), the keys (1), the papers (1).
    with django_assert_num_queries(6):
        response = client.get(reverse("log_export_bibtex", args=[log.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert 'filename="group.bib"' in response["Content-Disposition"]
    keys = [e.key for e in bibtexparser.parse_string(response.content.decode()).entries]
    assert keys[:2] == ["leepaper", "leepaperb"][:size] and len(keys) == size


def test_paper_download_has_the_log_key(client, log, carol, dave, django_assert_num_queries):
    make_paper(log, by=carol, authors="Ashish Vaswani", year=2017)
    second = make_paper(log, by=carol, number=2, title="Attention again", authors="A. Vaswani",
                        year=2017, arxiv_id="2101.00001v2")  # fmt: skip
    client.force_login(dave)
    url = reverse("paper_export_bibtex", args=[log.slug, second.number])
    with django_assert_num_queries(6):
        response = client.get(url)
    [entry] = bibtexparser.parse_string(response.content.decode()).entries
    assert entry.key == "vaswani2017attentionb"
    assert entry["eprint"] == "2101.00001v2" and entry["archivePrefix"] == "arXiv"
    page = client.get(second.get_absolute_url()).content.decode()
    assert url in page
    log_page = client.get(log.get_absolute_url()).content.decode()
    assert reverse("log_export_bibtex", args=[log.slug]) in log_page
    assert client.get(reverse("paper_export_bibtex", args=[log.slug, 99])).status_code == 404


def test_bib_import_preview_then_confirm(client, log, carol, bob):
    make_paper(log, by=carol, title="Transformers", arxiv_id="1706.03762")
    client.force_login(bob)
    url = reverse("log_import", args=[log.slug])
    response = client.post(url, {"file": SimpleUploadedFile("refs.bib", BIB)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "BERT: Pre-training of Deep Bidirectional Transformers" in html
    assert "1 BibTeX entry is left out" in html
    assert "vaswani2017attention" in html and "already in the log as [1] Transformers" in html
    assert "Read it this way" not in html
    assert not Paper.objects.filter(log=log, number=2).exists()
    response = client.post(
        reverse("log_import_confirm", args=[log.slug]), {"token": token_of(response)}
    )
    assert response.status_code == 302
    bert = Paper.objects.get(log=log, number=2)
    assert bert.authors == "Jacob Devlin, Jörg Müller" and bert.doi == "10.18653/v1/N19-1423"
    assert ChangeLogEntry.objects.filter(log=log, kind=ChangeLogEntry.Kind.IMPORTED).count() == 1


def test_bib_import_as_new_log(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("log_import_new"), {"file": SimpleUploadedFile("my-refs.bib", BIB)}
    )
    assert "my-refs" in response.content.decode()
    client.post(reverse("log_import_new_confirm"), {"token": token_of(response)})
    assert Paper.objects.filter(log__title="my-refs").count() == 2


@pytest.mark.parametrize(
    "data, message",
    [
        (b"@misc{x, title = {unclosed\n@misc{y, title={z}}", "does not parse"),
        (b"no entries at all", "no BibTeX entries"),
        (b"@misc{x, title={y}}\n" * 2500, "more than 2000 entries"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_bib_is_refused(client, log, bob, data, message):
    client.force_login(bob)
    url = reverse("log_import", args=[log.slug])
    response = client.post(url, {"file": SimpleUploadedFile("refs.bib", data)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Paper.objects.filter(log=log).exists()
