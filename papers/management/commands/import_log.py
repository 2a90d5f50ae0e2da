"""Import a reading log from a markdown file, a folder or a .zip of them, a JSON backup,
or the papers of a BibTeX file."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug

from papers.bibtex import parse_bibtex
from papers.logformat import READINGS, LogFormatError
from papers.logformat.files import parse_files, read_archive, read_folder
from papers.models import ReadingLog, User, validate_not_reserved
from papers.transfer import import_json, save_document


class Command(BaseCommand):
    help = (
        "Import a reading log from a markdown file, a folder or a .zip of markdown files "
        "(or a JSON export, or a .bib file's papers) and say what it created."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="the file, folder (every .md, .markdown and .txt in it) or .zip to import"
        )
        parser.add_argument("--log", metavar="SLUG", help="add to this log (created if missing)")
        parser.add_argument("--owner", metavar="USERNAME", help="who the imported entries are by")
        parser.add_argument(
            "--format",
            choices=["markdown", "json", "bibtex"],
            help="markdown unless the file ends in .bib (bibtex)",
        )
        parser.add_argument("--dry-run", action="store_true", help="show what would be created")
        parser.add_argument(
            "--reading",
            choices=list(READINGS),
            help="read the files this way rather than the one the importer judges best: "
            + "; ".join(f"{key}: {label}" for key, label in READINGS.items()),
        )

    def handle(
        self,
        path,
        log=None,
        owner=None,
        format=None,
        dry_run=False,
        reading=None,
        **options,
    ):
        if log is not None:
            try:
                validate_slug(log)
                validate_not_reserved(log)
            except ValidationError as error:
                raise CommandError(f"--log {log!r}: {' '.join(error.messages)}") from None
        source = Path(path)
        if format is None:
            format = "bibtex" if source.suffix.lower() == ".bib" else "markdown"
        if format == "bibtex":
            self._bibtex(source, path, log=log, owner=owner, dry_run=dry_run)
            return
        if format == "json":
            if dry_run:
                raise CommandError("--dry-run works with markdown files only.")
            try:
                restored = import_json(self._read(source), slug=log)
            except LogFormatError as error:
                raise CommandError(f"{path}: {error}") from None
            self.stdout.write(f"Restored {restored} ({restored.slug}).")
            return
        try:
            files, name = self._files(source)
            document = parse_files(
                files, max_bytes=settings.READINGLOG_MAX_IMPORT_BYTES, reading=reading, name=name
            )
            result = save_document(
                document, owner=self._owner(owner), log=self._log(log), slug=log, dry_run=dry_run
            )
        except LogFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        if source.is_dir() or source.suffix.lower() == ".zip":
            count = len(files)
            self.stdout.write(f"Read {count} file{'s' if count != 1 else ''} from {path}.")
        verb = "Would create" if result.dry_run else "Created"
        where = "a new log" if result.created_log else "the log"
        self.stdout.write(f"{verb} in {where} {result.log.title!r} ({result.log.slug}):")
        for line in result.summary():
            self.stdout.write(f"  {line}")
        for warning in result.warnings:
            where = f"{warning.file}, line" if warning.file and len(files) > 1 else "line"
            self.stdout.write(f"  warning, {where} {warning.line}: {warning.message}")
        for item in result.skipped:
            where = f"line {item.line}" if item.line else "change log"
            if item.file:
                where = f"{item.file}, {where}"
            self.stdout.write(f"  left alone, {where}: {item.message}")
        if result.dry_run:
            self.stdout.write("Dry run: nothing was written.")

    def _bibtex(self, source, path, *, log, owner, dry_run):
        """Add the papers of a .bib file the log lacks; name those left out and why."""
        target = self._log(log)
        try:
            parsed = parse_bibtex(self._read(source), log=target)
            result = save_document(
                parsed.document, owner=self._owner(owner), log=target, slug=log, dry_run=dry_run
            )
        except LogFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        verb = "Would add" if result.dry_run else "Added"
        count = result.counts["papers"]
        where = "a new log" if result.created_log else "the log"
        self.stdout.write(
            f"{verb} {count} paper{'s' if count != 1 else ''} to {where} "
            f"{result.log.title!r} ({result.log.slug})."
        )
        for key, why in parsed.skipped:
            self.stdout.write(f"  left out, {key}: {why}")
        for warning in result.warnings:
            self.stdout.write(f"  warning, line {warning.line}: {warning.message}")
        for item in result.skipped:
            self.stdout.write(f"  left out, line {item.line}: {item.message}")
        if result.dry_run:
            self.stdout.write("Dry run: nothing was written.")

    def _read(self, path):
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def _files(self, path):
        """Return the (name, bytes) files to read and the name a log of several takes."""
        limits = {
            "max_bytes": settings.READINGLOG_MAX_IMPORT_BYTES,
            "max_files": settings.READINGLOG_MAX_IMPORT_FILES,
        }
        if path.is_dir():
            return read_folder(path, **limits), path.resolve().name
        data = self._read(path)
        if path.suffix.lower() == ".zip":
            return read_archive(data, **limits), path.stem
        return [(path.name, data)], ""

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
