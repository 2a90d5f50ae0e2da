from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from papers.models import Membership, ReadingLog, Role, User
from papers.transfer import import_markdown

SAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "paper-reading-log-2024.md"
SLUG = "2024-paper-reading-logs"
PEOPLE = [
    ("alice", Role.OWNER),
    ("bob", Role.CURATOR),
    ("carol", Role.MEMBER),
    ("dave", Role.VIEWER),
]


class Command(BaseCommand):
    help = "Create the demo users (alice, bob, carol, dave) and a log imported from the sample."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="readinglog", help="the demo users' password")

    @transaction.atomic
    def handle(self, password, **options):
        users = {}
        for username, _role in PEOPLE:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            user.set_password(password)
            user.save()
            users[username] = user
        admin = users["alice"]
        if not admin.is_staff:
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])

        log = ReadingLog.objects.filter(slug=SLUG).first()
        if log is None:
            result = import_markdown(SAMPLE.read_bytes(), owner=admin, slug=SLUG)
            log = result.log
            self.stdout.write(f"Imported the sample log: {', '.join(result.summary())}.")
        else:
            self.stdout.write("The demo log exists already; left as it is.")
        for username, role in PEOPLE:
            Membership.objects.get_or_create(user=users[username], log=log, defaults={"role": role})

        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {password}):")
        for username, role in PEOPLE:
            self.stdout.write(f"  {username:<6} {role.label.lower()}")
        self.stdout.write("  alice is also a site admin: http://127.0.0.1:8000/admin/")
        self.stdout.write(f"The demo log: http://127.0.0.1:8000{log.get_absolute_url()}")
