import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.models import ReadingLog
from papers.transfer import export_json, export_markdown


class Command(BaseCommand):
    help = "Export a reading log as markdown (the format import_log reads) or as a JSON backup."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the log to export")
        parser.add_argument("--format", choices=["markdown", "json"], default="markdown")
        parser.add_argument("--output", metavar="PATH", help="write here instead of stdout")

    def handle(self, slug, format="markdown", output=None, **options):
        log = ReadingLog.objects.filter(slug=slug).first()
        if log is None:
            raise CommandError(f"There is no log {slug!r}.")
        if format == "json":
            text = json.dumps(export_json(log), indent=1, ensure_ascii=False) + "\n"
        else:
            text = export_markdown(log)
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
            self.stderr.write(f"Wrote {log.slug} to {output}.")
        else:
            self.stdout.write(text, ending="")
