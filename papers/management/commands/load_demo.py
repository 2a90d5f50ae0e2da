from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from papers import actions
from papers.models import Membership, ReadingLog, Role, User
from papers.transfer import import_markdown

SAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "paper-reading-log-2024.md"
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
            _conversation(log, users)
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
