from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug

from papers.logformat import LogFormatError
from papers.models import ReadingLog, User, validate_not_reserved
from papers.transfer import import_json, import_markdown


class Command(BaseCommand):
    help = "Import a reading log from a markdown file (or a JSON export) and say what it created."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to import")
        parser.add_argument("--log", metavar="SLUG", help="add to this log (created if missing)")
        parser.add_argument("--owner", metavar="USERNAME", help="who the imported entries are by")
        parser.add_argument("--format", choices=["markdown", "json"], default="markdown")
        parser.add_argument("--dry-run", action="store_true", help="show what would be created")

    def handle(self, path, log=None, owner=None, format="markdown", dry_run=False, **options):
        if log is not None:
            try:
                validate_slug(log)
                validate_not_reserved(log)
            except ValidationError as error:
                raise CommandError(f"--log {log!r}: {' '.join(error.messages)}") from None
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            if format == "json":
                if dry_run:
                    raise CommandError("--dry-run works with markdown files only.")
                restored = import_json(data, slug=log)
                self.stdout.write(f"Restored {restored} ({restored.slug}).")
                return
            result = import_markdown(
                data, owner=self._owner(owner), log=self._log(log), slug=log, dry_run=dry_run
            )
        except LogFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        verb = "Would create" if result.dry_run else "Created"
        where = "a new log" if result.created_log else "the log"
        self.stdout.write(f"{verb} in {where} {result.log.title!r} ({result.log.slug}):")
        for line in result.summary():
            self.stdout.write(f"  {line}")
        for warning in result.warnings:
            self.stdout.write(f"  warning, line {warning.line}: {warning.message}")
        for item in result.skipped:
            where = f"line {item.line}" if item.line else "change log"
            self.stdout.write(f"  left alone, {where}: {item.message}")
        if result.dry_run:
            self.stdout.write("Dry run: nothing was written.")

    def _owner(self, username):
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"There is no user {username!r}.")
            return user
        user = User.objects.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("Name the owner with --owner USERNAME (there is no superuser).")
        return user

    def _log(self, slug):
        return ReadingLog.objects.filter(slug=slug).first() if slug else None
