from django.core.management.base import BaseCommand, CommandError

from papers.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Load a backup made by `manage.py backup` into an empty, migrated database; "
        "anything wrong and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")

    def handle(self, path, **options):
        try:
            with open(path, encoding="utf-8") as stream:
                counts = restore_backup(stream, name=path)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except BackupError as error:
            raise CommandError(f"Nothing was restored. {error}") from None
        rows = sum(counts.values())
        self.stdout.write(f"Restored {rows} rows from {path}:")
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
