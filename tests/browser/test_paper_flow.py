"""The collaborative path in a real browser: add a paper, a note, a question; a
second member replies on their own page; the first sees it arrive by polling and
resolves the question, all without a full page load. And the same path with
JavaScript off (plain POST and redirect).
"""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Note, Paper, Question, Role
from tests.browser.conftest import log_in, watch_navigations
from tests.conftest import PASSWORD, make_log, make_user

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Attention Is All You Need"
URL = "https://arxiv.org/abs/1706.03762"


@pytest.fixture
def group(transactional_db):
    """alice owns the log, bob curates it, carol is a member."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    return make_log(alice, members=[(bob, Role.CURATOR), (carol, Role.MEMBER)])


def test_member_adds_paper_note_question_and_sees_a_reply_arrive_then_resolves(new_page, group):
    carol = new_page()
    log_in(carol, "carol", PASSWORD)
    carol.goto("/logs/group/")
    loads = watch_navigations(carol)

    # Add a paper inline: it shows at the top of the list, the page stays.
    carol.fill("#id_title", TITLE)
    carol.fill("#id_url", URL)
    carol.get_by_role("button", name="Add paper").click()
    expect(carol.locator("#paper-add .alert-success")).to_contain_text(TITLE)
    expect(carol.locator("#paper-rows")).to_contain_text(TITLE)
    loads.assert_none()
    paper = Paper.objects.get(log=group)
    assert paper.number == 1

    carol.locator("#paper-rows").get_by_role("link", name=TITLE).click()
    expect(carol).to_have_url(re.compile(r"/logs/group/papers/1/$"))
    loads = watch_navigations(carol)

    # A note anchored to a figure, with its live preview.
    carol.locator("#note-body").press_sequentially("Figure 1: The encoder has *six* layers.")
    expect(carol.locator("#note-preview em")).to_have_text("six")
    carol.get_by_role("button", name="Add note").click()
    note_list = carol.locator("#note-list")
    expect(note_list.locator(".note-anchors .chip-anchor")).to_have_text("Figure 1")
    expect(note_list.locator(".note-body")).to_contain_text("The encoder has six layers.")
    expect(carol.locator("#note-body")).to_have_value("")
    note = Note.objects.get(paper=paper)
    assert note.anchor_label == "Figure 1"

    # Ask a question: it joins the open ones and the badge counts it.
    carol.fill("#question-body", "Why divide by sqrt(d_k)?")
    carol.get_by_role("button", name="+ Ask").click()
    expect(carol.locator("#open-questions")).to_contain_text("Why divide by sqrt(d_k)?")
    question = Question.objects.get(paper=paper)
    panel_item = carol.locator(f"#question-{question.pk}")
    expect(panel_item).to_be_focused()
    expect(carol.locator("#open-question-badge")).to_contain_text("1")
    expect(carol.locator("#question-body")).to_have_value("")

    # bob, in another browser context, replies to the question.
    bob = new_page()
    log_in(bob, "bob", PASSWORD)
    bob.goto("/logs/group/papers/1/")
    bobs_item = bob.locator(f"#question-{question.pk}")
    bobs_item.locator("details:has(form.comment-form) > summary").click()
    bobs_item.locator(f"#comment-body-question-{question.pk}").fill(
        "It keeps the dot products from growing with d_k."
    )
    bobs_item.get_by_role("button", name="Comment").click()
    expect(bobs_item.locator(".comment-body")).to_contain_text("growing with d_k")

    # carol's open page shows bob's reply through its poll, without a reload.
    expect(panel_item.locator(".comment-body")).to_contain_text("growing with d_k", timeout=6000)
    expect(panel_item.locator(f"#comment-count-question-{question.pk}")).to_contain_text("1")

    # carol resolves it: the pill says so and the badge drops to zero.
    panel_item = carol.locator(f"#question-{question.pk}")
    panel_item.locator("details.question-resolve > summary").click()
    panel_item.locator(f"#resolution-{question.pk}").fill("To keep the softmax out of saturation.")
    panel_item.get_by_role("button", name="Resolve").click()
    expect(panel_item.locator(".pill").first).to_have_text("Resolved")
    expect(panel_item.locator(".question-resolution")).to_contain_text("saturation")
    expect(carol.locator("#open-question-badge")).to_have_text(re.compile(r"^\s*0\b"))
    question.refresh_from_db()
    assert not question.is_open

    loads.assert_none()


def test_the_same_path_works_without_javascript(new_page, group):
    carol = new_page(java_script_enabled=False)
    log_in(carol, "carol", PASSWORD)
    carol.goto("/logs/group/")

    carol.fill("#id_title", TITLE)
    carol.fill("#id_url", URL)
    carol.get_by_role("button", name="Add paper").click()
    expect(carol).to_have_url(re.compile(r"/logs/group/papers/1/$"))
    expect(carol.locator("#paper-title")).to_contain_text(TITLE)

    carol.fill("#note-body", "Figure 1: The encoder has six layers.")
    carol.get_by_role("button", name="Add note").click()
    expect(carol.locator(".note-anchors .chip-anchor")).to_have_text("Figure 1")
    expect(carol.locator("#note-list .note-body")).to_contain_text("six layers")

    carol.fill("#question-body", "Why divide by sqrt(d_k)?")
    carol.get_by_role("button", name="+ Ask").click()
    expect(carol.locator("#open-questions")).to_contain_text("sqrt(d_k)")
    question = Question.objects.get(paper__log=group)
    expect(carol.locator(f"#question-{question.pk}")).to_contain_text("sqrt(d_k)")
    expect(carol.locator("#open-question-badge")).to_contain_text("1")

    bob = new_page(java_script_enabled=False)
    log_in(bob, "bob", PASSWORD)
    bob.goto("/logs/group/papers/1/")
    bobs_item = bob.locator(f"#question-{question.pk}")
    bobs_item.locator("details:has(form.comment-form) > summary").click()
    bobs_item.locator(f"#comment-body-question-{question.pk}").fill("It keeps them small.")
    bobs_item.get_by_role("button", name="Comment").click()
    expect(bob.locator(f"#question-{question.pk} .comment-body")).to_contain_text("them small")

    carol.reload()
    item = carol.locator(f"#question-{question.pk}")
    expect(item.locator(".comment-body")).to_contain_text("them small")
    item.locator("details.question-resolve > summary").click()
    item.locator(f"#resolution-{question.pk}").fill("Softmax saturation.")
    item.get_by_role("button", name="Resolve").click()
    item = carol.locator(f"#question-{question.pk}")
    expect(item.locator(".pill").first).to_have_text("Resolved")
    expect(carol.locator("#open-question-badge")).to_have_text(re.compile(r"^\s*0\b"))
