from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from papers.markdown import render_markdown
from papers.models import mention_links


def rendered_fields(model):
    """Return the model's markdown fields and their renderings: [("body", "body_html")]."""
    names = {field.name for field in model._meta.concrete_fields}
    return [
        (name.removesuffix("_html"), name)
        for name in sorted(names)
        if name.endswith("_html") and name.removesuffix("_html") in names
    ]


class Command(BaseCommand):
    help = (
        "Render the markdown of every row again into its *_html column (trash included), so "
        "a changed setting such as READINGLOG_REMOTE_IMAGES, or a new version's renderer, "
        "applies to text already saved. Texts and their edit history are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows per transaction (500)"
        )

    def handle(self, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        for model in apps.get_app_config("papers").get_models():
            if fields := rendered_fields(model):
                changed, total = self._rerender(model, fields, batch_size)
                name = model._meta.verbose_name_plural
                if verbosity:
                    self.stdout.write(f"{name}: {changed} of {total} rendered differently now.")

    def _rerender(self, model, fields, batch_size):
        # The base manager reaches rows in the trash; rows are locked (on
        # PostgreSQL) so an edit saved meanwhile is not overwritten.
        rows = model._base_manager.order_by("pk").only(*[name for pair in fields for name in pair])
        changed = total = 0
        last = 0
        while True:
            with transaction.atomic():
                batch = list(rows.select_for_update().filter(pk__gt=last)[:batch_size])
                if not batch:
                    return changed, total
                updated = [row for row in batch if _render(row, fields)]
                model._base_manager.bulk_update(updated, [target for _, target in fields])
            changed, total, last = changed + len(updated), total + len(batch), batch[-1].pk


def _render(row, fields):
    """Render the row's markdown fields again; say whether any rendering changed."""
    changed = False
    # @mentions of members stay links (a text with one reads its log's members).
    mentions = mention_links(lambda: row.mention_log_id) if hasattr(row, "mention_log_id") else None
    for source, target in fields:
        html = render_markdown(getattr(row, source), mentions=mentions)
        changed |= html != getattr(row, target)
        setattr(row, target, html)
    return changed
