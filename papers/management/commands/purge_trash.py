from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from papers import actions
from papers.models import TrashItem


class Command(BaseCommand):
    help = (
        "Delete for good what has been in the trash longer than 30 days (or --days), "
        "with everything that went with it. Run it daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=TrashItem.KEEP_DAYS,
            help=f"purge what was deleted more than this many days ago ({TrashItem.KEEP_DAYS})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be purged, purge nothing"
        )

    def handle(self, days, dry_run, **options):
        if days < 0:
            raise CommandError("--days cannot be negative.")
        cutoff = timezone.now() - timedelta(days=days)
        items = list(
            TrashItem.objects.filter(deleted_at__lt=cutoff)
            .select_related("log", "deleted_by")
            .order_by("deleted_at", "pk")
        )
        verb = "Would purge" if dry_run else "Purged"
        for item in items:
            who = item.deleted_by.username if item.deleted_by else "someone"
            self.stdout.write(
                f"{verb} from {item.log.slug}: {item.get_kind_display().lower()} "
                f"“{item.summary[:60]}”, deleted by {who} on {item.deleted_at:%Y-%m-%d}"
            )
        if not dry_run:
            actions.trash_purge(items)
        plural = "" if len(items) == 1 else "s"
        self.stdout.write(
            f"{verb} {len(items)} trash item{plural} deleted more than {days} days ago."
        )
