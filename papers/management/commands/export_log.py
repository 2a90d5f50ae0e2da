import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.bibtex import export_bibtex, log_cite_keys
from papers.models import ReadingLog
from papers.transfer import export_json, export_markdown


class Command(BaseCommand):
    help = (
        "Export a reading log as markdown (the format import_log reads), as a JSON backup "
        "or as BibTeX."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the log to export")
        parser.add_argument("--format", choices=["markdown", "json", "bibtex"], default="markdown")
        parser.add_argument("--output", metavar="PATH", help="write here instead of stdout")

    def handle(self, slug, format="markdown", output=None, **options):
        log = ReadingLog.objects.filter(slug=slug).first()
        if log is None:
            raise CommandError(f"There is no log {slug!r}.")
        if format == "json":
            text = json.dumps(export_json(log), indent=1, ensure_ascii=False) + "\n"
        elif format == "bibtex":
            papers = log.papers.select_related("log").order_by("number")
            text = export_bibtex(papers, log_cite_keys(log))
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
