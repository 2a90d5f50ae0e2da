import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.backup import write_backup


class Command(BaseCommand):
    help = (
        "Write the whole site (logs, users with their password hashes, members, invitations, "
        "papers and everything under them, revisions and the trash) to one JSON file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write (replaced once the backup is complete)")

    def handle(self, path, **options):
        # Written beside the target and renamed at the end, so PATH only ever
        # holds a complete backup.
        partial = Path(f"{path}.partial")
        try:
            with partial.open("w", encoding="utf-8") as stream:
                counts = write_backup(stream)
            os.replace(partial, path)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        finally:
            partial.unlink(missing_ok=True)
        rows = sum(counts.values())
        self.stdout.write(f"Wrote {rows} rows to {path}:")
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
