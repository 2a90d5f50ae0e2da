"""A .bib file in the browser import: the preview lists the new papers and names the entries
left out (already in the log), then the confirmation adds only the new ones."""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Paper
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_log, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)

BIB = rb"""
@misc{vaswani2017attention, title = {Attention is all you need}, eprint = {1706.03762v7},
  archivePrefix = {arXiv}, author = {Vaswani, Ashish and Shazeer, Noam}, year = {2017}}
@article{devlin2019bert, title = {{B}ERT: Pre-training of Deep Bidirectional Transformers},
  author = {Devlin, Jacob and M{\"u}ller, J{\"o}rg}, year = {2019}, doi = {10.18653/v1/N19-1423}}
@misc{dosovitskiy2021image, title = {An Image is Worth 16x16 Words},
  eprint = {2010.11929}, archivePrefix = {arXiv}}
"""


def test_bib_preview_names_what_is_left_out_then_imports(new_page, transactional_db):
    erin = make_user("erin")
    log = make_log(erin, slug="reading", title="Reading")
    make_paper(log, by=erin, title="Transformers", arxiv_id="1706.03762")
    page = new_page()
    log_in(page, "erin", PASSWORD)
    page.goto(f"/logs/{log.slug}/")
    page.get_by_role("link", name="Import…").click()
    page.get_by_label(re.compile("file", re.IGNORECASE)).set_input_files(
        [{"name": "refs.bib", "mimeType": "application/x-bibtex", "buffer": BIB}]
    )
    page.get_by_role("button", name="Preview the import").click()

    preview = page.locator("#import-step")
    expect(
        preview.get_by_role("heading", name=re.compile("Check what will be created"))
    ).to_be_focused()
    rows = preview.locator("table.import-papers tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("BERT: Pre-training of Deep Bidirectional Transformers")
    expect(rows.nth(0)).to_contain_text("BibTeX entry")
    expect(rows.nth(1)).to_contain_text("An Image is Worth 16x16 Words")
    left_out = preview.locator(".import-left-out")
    expect(left_out).to_contain_text("1 BibTeX entry is left out")
    expect(left_out).to_contain_text("vaswani2017attention")
    expect(left_out).to_contain_text("already in the log as [1] Transformers")
    expect(preview.get_by_role("button", name="Read it this way")).to_have_count(0)
    assert Paper.objects.filter(log=log).count() == 1

    preview.get_by_role("button", name="Confirm the import").click()
    expect(page).to_have_url(re.compile(r"/logs/reading/$"))
    expect(page.get_by_text("Imported 2 papers")).to_be_visible()
    bert = Paper.objects.get(log=log, number=2)
    assert bert.authors == "Jacob Devlin, Jörg Müller"
    assert Paper.objects.get(log=log, number=3).arxiv_id == "2010.11929"
