import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Q

from papers import metadata
from papers.models import Membership, ReadingLog, Role


class Command(BaseCommand):
    help = (
        "Fill the empty title, authors, year and abstract of a log's papers from arXiv or "
        "Crossref, by their arXiv id or DOI. What someone wrote is never replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the log whose papers to fill")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="the curator the edits are recorded as (default: the log's owner)",
        )

    def handle(self, slug, by=None, **options):
        log = ReadingLog.objects.filter(slug=slug).first()
        if log is None:
            raise CommandError(f"No log {slug!r}.")
        curators = Membership.objects.filter(log=log, role__in=[Role.CURATOR, Role.OWNER])
        member = curators.filter(user__username=by) if by else curators.filter(role=Role.OWNER)
        member = member.select_related("user").first()
        if member is None:
            raise CommandError(f"{by!r} is not a curator of {slug!r}.")
        papers = log.papers.exclude(arxiv_id="", doi="").filter(
            Q(authors="") | Q(year__isnull=True) | Q(abstract="")
            | Q(title=F("arxiv_id")) | Q(title=F("doi"))
        ).order_by("number")  # fmt: skip
        filled = 0
        for paper in papers:
            found, names = metadata.fill_paper(paper, by=member.user)
            while found is not None and found.pk is None:  # past the site's pace: wait a slot
                time.sleep(60 / metadata.LOOKUPS_PER_MINUTE)
                found, names = metadata.fill_paper(paper, by=member.user)
            if names:
                filled += 1
                self.stdout.write(f"[{paper.number}] {', '.join(names)}")
            elif found and not found.found:
                self.stdout.write(f"[{paper.number}] {paper.title}: {found.error}")
        self.stdout.write(f"{filled} paper{'' if filled == 1 else 's'} filled.")
