import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from papers import actions
from papers.models import Membership, ReadingLog, Role, User, normalize_title
from papers.transfer import import_markdown

SAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "paper-reading-log-2024.md"
# Authors, years, abstracts and TL;DRs of the sample's papers, shipped so the
# demo never asks arXiv (issue #11).
METADATA = Path(__file__).resolve().parents[2] / "demo" / "metadata.json"
SLUG = "2024-paper-reading-logs"
DEFAULT_PASSWORD = "readinglog"
PEOPLE = [
    ("alice", Role.OWNER),
    ("bob", Role.CURATOR),
    ("carol", Role.MEMBER),
    ("dave", Role.VIEWER),
]


class Command(BaseCommand):
    help = "Create the demo users (alice, bob, carol, dave) and a log imported from the sample."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=8000, help="the port the printed links use (8000)"
        )
        parser.add_argument(
            "--password",
            help=f"the demo users' password (default {DEFAULT_PASSWORD!r} for new users; "
            "given, it is set for all four)",
        )

    @transaction.atomic
    def handle(self, password=None, port=8000, **options):
        users = {}
        for username, _role in PEOPLE:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            if created:
                # The demo's owner is a site admin too, to show Django admin curation.
                user.is_staff = user.is_superuser = username == "alice"
            if created or password:
                user.set_password(password or DEFAULT_PASSWORD)
                user.save()
            users[username] = user
        admin = users["alice"]

        log = ReadingLog.objects.filter(slug=SLUG).first()
        if log is None:
            result = import_markdown(SAMPLE.read_bytes(), owner=admin, slug=SLUG)
            log = result.log
            self.stdout.write(f"Imported the sample log: {', '.join(result.summary())}.")
            for username, role in PEOPLE:
                Membership.objects.get_or_create(
                    user=users[username], log=log, defaults={"role": role}
                )
            _fill_metadata(log, users["alice"])
            _conversation(log, users)
            _lived_in(log, users)
        else:
            self.stdout.write("The demo log exists already; left as it is.")
        for username, role in PEOPLE:
            Membership.objects.get_or_create(user=users[username], log=log, defaults={"role": role})

        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {password or DEFAULT_PASSWORD}):")
        for username, role in PEOPLE:
            self.stdout.write(f"  {username:<6} {role.label.lower()}")
        if admin.is_superuser:
            self.stdout.write(f"  alice is also a site admin: http://127.0.0.1:{port}/admin/")
        self.stdout.write(f"The demo log: http://127.0.0.1:{port}{log.get_absolute_url()}")


def _fill_metadata(log, by):
    """Fill the empty authors, year, abstract and TL;DR of the sample's papers from METADATA.

    An edit of each paper, as "Fetch details" would make it, so its history shows it.
    """
    known = {normalize_title(p["title"]): p for p in json.loads(METADATA.read_text())["papers"]}
    for paper in log.papers.order_by("number"):
        data = known.get(paper.title_key, {})
        values = {
            name: data[name]
            for name in ("authors", "year", "abstract", "tldr")
            if data.get(name) and not getattr(paper, name)
        }
        if values:
            actions.paper_edit(paper, by=by, version=paper.version, **values)


def _conversation(log, users):
    """Start a conversation on paper [1], so that alice and bob find notifications at once.

    carol's reply mentions bob and bob's question mentions alice: both are
    told as mentions (bob once, though it is also a reply to him).
    """
    paper = log.papers.order_by("number").first()
    note = paper.notes.order_by("position").first() if paper else None
    if note is None:
        return
    asked = actions.comment_add(
        note,
        by=users["bob"],
        body="Is this the survey's own framing or yours? Worth raising on Thursday.",
    )
    actions.comment_add(
        note,
        by=users["carol"],
        body="@bob the authors' own, from their introduction. Happy to present it.",
        parent=asked,
    )
    actions.question_ask(
        paper,
        by=users["bob"],
        body="@alice, should Thursday compare this with a retrieval-augmented model?",
    )


# What bob (curator) and carol (member) add to the sample, so a new user sees notes,
# comments, resolved questions and tags at work: (paper number, who, anchor, text).
NOTES = [
    (
        3,
        "bob",
        "Equation 1",
        "With $d_k = 64$ the dot products have variance 64; dividing by $\\sqrt{d_k}$ "
        "brings it back to 1, so the softmax does not saturate.",
    ),
    (
        5,
        "carol",
        "Figure 1",
        "The right-hand plots use the filter normalization of [[6]], so the two papers' "
        "pictures can be compared directly.",
    ),
    (
        7,
        "carol",
        "Figure 3",
        "The dilation doubles per layer (1, 2, 4, …, 512): the receptive field grows "
        "exponentially with depth, the parameters only linearly.",
    ),
]
TAGS = {
    3: ["transformers", "nlp"],
    5: ["optimization"],
    6: ["optimization", "visualization"],
    7: ["audio", "generative models"],
    8: ["bayesian"],
}
# (paper number, who asks, question, who resolves, resolution)
RESOLVED = [
    (
        5,
        "carol",
        "Is $\\rho$ tuned per dataset, or is there a default that works?",
        "bob",
        "Tuned: a grid over {0.01, 0.02, 0.05, 0.1, 0.2, 0.5} on a held-out split (Section 3); "
        "0.05 is the usual starting point.",
    ),
]
# An open question of the sample that gets an answer: (paper number, its start, who, text)
ANSWERED = [
    (
        3,
        'The term, "Transductive"',
        "carol",
        "Transduction: mapping one sequence to another (translation, here). The paper uses "
        "it as Graves (2012) does, not in the statistical-learning sense.",
    ),
]
# A comment on the first note of a paper: (paper number, who, text)
COMMENTS = [
    (
        5,
        "bob",
        "The variance across datasets is in Table 1 too: the smaller the dataset, "
        "the bigger SAM's gain.",
    ),
    (
        7,
        "carol",
        "The masking in the Transformer's decoder [[3]] is the same idea: no peeking "
        "at future positions.",
    ),
    (8, "bob", "Worth pairing with [[4]] for Thursday: both ask how sure a model should be."),
]


def _lived_in(log, users):
    """Add bob's and carol's notes, comments, tags and resolved questions to the sample."""
    papers = {paper.number: paper for paper in log.papers.all()}
    for number, who, label, body in NOTES:
        if number in papers:
            kind = label.split()[0].lower()
            actions.note_add(
                papers[number], by=users[who], body=body, anchor_kind=kind, anchor_label=label
            )
    for number, names in TAGS.items():
        if number in papers:
            paper = papers[number]
            tags = sorted({*(tag.name for tag in paper.tags.all()), *names})
            actions.paper_edit(paper, by=users["bob"], version=paper.version, tags=tags)
    for number, who, body, resolver, resolution in RESOLVED:
        if number in papers:
            question = actions.question_ask(papers[number], by=users[who], body=body)
            actions.question_resolve(question, by=users[resolver], resolution=resolution)
    for number, start, who, resolution in ANSWERED:
        question = (
            papers[number].questions.filter(body__startswith=start).first()
            if number in papers
            else None
        )
        if question is not None:
            actions.question_resolve(question, by=users[who], resolution=resolution)
    for number, who, body in COMMENTS:
        note = papers[number].notes.order_by("position").first() if number in papers else None
        if note is not None:
            actions.comment_add(note, by=users[who], body=body)
