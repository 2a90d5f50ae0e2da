"""axe-core (through axe-playwright-python, which bundles its JavaScript) on the
pages people spend their time on: the log, a paper with notes, questions and
comments, the questions page, a note's history and the trash, in the light
and the dark colour scheme.

A "serious" or "critical" violation fails the test; "minor" and "moderate" ones
(mostly best practices) do not, so a new one of those does not block a change.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from papers import actions
from papers.models import Role
from tests.browser.conftest import log_in
from tests.conftest import (
    PASSWORD,
    make_comment,
    make_log,
    make_note,
    make_paper,
    make_question,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = {"serious", "critical"}


@pytest.fixture
def group(transactional_db):
    """alice owns the log; carol (a member) wrote a paper's notes, a question and comments."""
    alice, carol = make_user("alice"), make_user("carol")
    log = make_log(alice, members=[(carol, Role.MEMBER)])
    paper = make_paper(log, by=carol, authors="Vaswani et al.", year=2017)
    make_paper(log, by=alice, title="BERT", url="https://arxiv.org/abs/1810.04805")
    note = make_note(paper, by=carol, anchor_kind="figure", anchor_label="Figure 1")
    make_note(paper, by=alice, body="Multi-head attention, **eight** heads.")
    question = make_question(paper, by=carol)
    make_comment(note, by=alice)
    reply_to = make_comment(question, by=alice, body="To keep the softmax out of saturation.")
    make_comment(question, by=carol, body="Thanks!", parent=reply_to)
    make_comment(paper, by=carol, body="Worth a second session.")
    actions.text_edit(note, by=alice, version=1, body="Figure 1 shows the encoder **stack**.")
    actions.note_delete(make_note(paper, by=carol, body="A note to delete."), by=carol)
    return log, paper


def report(violations):
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            for message in node.get("failureSummary", "").splitlines()[1:]:
                lines.append(f"       {message.strip()}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(new_page, group, scheme):
    log, paper = group
    page = new_page()
    page.emulate_media(color_scheme=scheme)
    log_in(page, "alice", PASSWORD)
    axe = Axe()
    failures = []
    for url in (
        f"/logs/{log.slug}/",
        f"/logs/{log.slug}/papers/{paper.number}/",
        f"/logs/{log.slug}/questions/",
        f"/logs/{log.slug}/notes/{paper.notes.get(version=2).pk}/history/",
        f"/logs/{log.slug}/trash/",
    ):
        page.goto(url)
        # Folded comment threads are checked open, with what they hold.
        page.evaluate(
            "document.querySelectorAll('details.thread-toggle').forEach(d => d.open = true)"
        )
        violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
        if violations:
            failures.append(f"{url} ({scheme}):\n{report(violations)}")
    assert not failures, "axe found serious or critical violations:\n\n" + "\n\n".join(failures)
