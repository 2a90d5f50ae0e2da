"""Bringing your own files in a real browser: several per-paper files on a phone,
and a list of papers whose reading is switched with the keyboard before confirming.
"""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Paper, ReadingLog
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

RESNET = b"""---
title: Deep Residual Learning for Image Recognition
link: https://arxiv.org/abs/1512.03385
layout: post
---

## Summary

Skip connections let a very deep network train as easily as a shallow one.

## Questions

- Why does the identity shortcut beat a learned projection?
"""
ADAM = b"""# Adam: A Method for Stochastic Optimization

https://arxiv.org/abs/1412.6980

## Notes

- Figure 1: the bias correction matters most in the first steps.
"""
READING_LIST = b"""# Reading list

## Vision

- [An Image is Worth 16x16 Words](https://arxiv.org/abs/2010.11929)
  - Patches as tokens work once the data is large.
- [Masked Autoencoders Are Scalable Vision Learners](https://arxiv.org/abs/2111.06377)
  - Hiding most patches is enough to learn from.

## Language

- [BERT: Pre-training of Deep Bidirectional Transformers](https://arxiv.org/abs/1810.04805)
  - Reading both ways beats left to right.
"""


# No htmx request in flight and the last swap settled (focus restored).
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def files(*named):
    return [{"name": name, "mimeType": "text/markdown", "buffer": data} for name, data in named]


def test_per_paper_files_on_a_phone_become_one_paper_each(new_page, transactional_db):
    make_user("erin")
    page = new_page(width=390, height=844)
    log_in(page, "erin", PASSWORD)
    page.goto("/logs/new/import/")
    page.get_by_label(re.compile("file", re.IGNORECASE)).set_input_files(
        files(("2024-03-05-resnet.md", RESNET), ("2024-03-12-adam.md", ADAM))
    )
    page.get_by_role("button", name="Preview the import").click()

    preview = page.locator("#import-step")
    expect(
        preview.get_by_role("heading", name=re.compile("Check what will be created"))
    ).to_be_focused()
    rows = preview.locator("table.import-papers tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Deep Residual Learning for Image Recognition")
    expect(rows.nth(0)).to_contain_text("one file")
    expect(rows.nth(1)).to_contain_text("Adam: A Method for Stochastic Optimization")
    # Nothing of the preview is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="Create the log").click()
    expect(page).to_have_url(re.compile(r"/logs/[\w-]+/$"))
    log = ReadingLog.objects.get()
    resnet = Paper.objects.get(log=log, arxiv_id="1512.03385")
    assert str(resnet.read_on) == "2024-03-05"
    assert resnet.questions.get().body.startswith("Why does the identity shortcut")
    adam = Paper.objects.get(log=log, arxiv_id="1412.6980")
    assert adam.notes.filter(anchor_label="Figure 1").exists()


def test_the_reading_is_switched_with_the_keyboard_and_the_confirm_imports_it(
    new_page, transactional_db
):
    make_user("erin")
    page = new_page()
    log_in(page, "erin", PASSWORD)
    page.goto("/logs/new/import/")
    page.get_by_label(re.compile("file", re.IGNORECASE)).set_input_files(
        files(("reading-list.md", READING_LIST))
    )
    page.get_by_role("button", name="Preview the import").focus()
    page.keyboard.press("Enter")

    rows = page.locator("table.import-papers tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("list item")
    expect(page.locator(".import-grouping")).to_contain_text("Vision")

    select = page.get_by_label("Read this file as")
    select.focus()
    # Arrow keys change a closed select and fire "change": the preview is read again.
    page.keyboard.press("ArrowDown")
    expect(page.locator("#import-reading-help")).to_contain_text("each ## heading is a paper")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Vision")
    expect(page.get_by_label("Read this file as")).to_be_focused()
    page.wait_for_function(SETTLED)

    page.keyboard.press("ArrowUp")
    expect(page.locator("#import-reading-help")).to_contain_text("each list item is a paper")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Create the log").click()
    expect(page).to_have_url(re.compile(r"/logs/reading-list/$"))
    titles = list(Paper.objects.order_by("number").values_list("title", flat=True))
    assert titles == [
        "An Image is Worth 16x16 Words",
        "Masked Autoencoders Are Scalable Vision Learners",
        "BERT: Pre-training of Deep Bidirectional Transformers",
    ]
    vit = Paper.objects.get(number=1)
    assert [tag.name for tag in vit.tags.all()] == ["Vision"]
