"""Time the busiest pages on a large log, through Django's test client.

    python benchmarks/pages.py --papers 5000 --notes 12 --questions 3 --repeat 20

    python benchmarks/pages.py --only poll --repeat 200    # the live polls alone

Imports a synthetic log into a fresh SQLite file, then requests each page
`--repeat` times as its owner and prints the median and worst time and the
number of SQL queries. Figures are recorded in docs/performance.md.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--notes", type=int, default=12)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="", help="time only the pages whose name has this")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="readinglog-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglog.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from generate_log import generate

    from papers.models import Question, User
    from papers.transfer import import_markdown

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = True  # to count queries
    call_command("migrate", verbosity=0)
    owner = User.objects.create(username="bench")
    log = import_markdown(generate(args.papers, args.notes, args.questions), owner=owner).log
    client = Client()
    client.force_login(owner)
    middle = args.papers // 2
    past, future = "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"
    # What a page shows, sent by each live poll (static/js/app.js): 204 while it is right.
    # A page's first poll dates its question badge (data-since); the later ones send that.
    first = client.get(f"/updates/?log={log.slug}&questions=0").content.decode()
    log_since = re.search(r'data-since="(\d+)"', first).group(1)
    questions = Question.objects.in_log(log).open().count()
    shown = f"unread=0&questions={questions}&log_since={log_since}"
    paper_updates = f"/logs/{log.slug}/papers/{middle}/updates/"
    pages = {
        "log page": f"/logs/{log.slug}/",
        "log page, search": f"/logs/{log.slug}/?q=attention+gradient&sort=activity",
        "log page 60": f"/logs/{log.slug}/?page=60",
        f"paper page [{middle}]": f"/logs/{log.slug}/papers/{middle}/",
        "questions page": f"/logs/{log.slug}/questions/",
        "change log": f"/logs/{log.slug}/changelog/",
        "live poll, nothing new": f"{paper_updates}?since={future}&{shown}",
        "live poll, changes": f"{paper_updates}?since={past}&{shown}",
        "counts poll, nothing new": f"/updates/?log={log.slug}&{shown}",
        "counts poll, changes": f"/updates/?log={log.slug}&unread=0&questions=0&log_since=0",
        "home": "/",
    }
    print(f"{args.papers} papers, {args.papers * args.notes} notes; {args.repeat} requests each")
    print(f"{'page':<28} {'median':>8} {'worst':>8} {'queries':>8}  status")
    for name, url in pages.items():
        if args.only not in name:
            continue
        times = []
        for _ in range(args.repeat):
            reset_queries()
            start = time.perf_counter()
            headers = {"HTTP_HX_REQUEST": "true"} if "poll" in name else {}
            response = client.get(url, **headers)
            times.append(time.perf_counter() - start)
        queries = len(connection.queries)
        median, worst = statistics.median(times) * 1000, max(times) * 1000
        print(f"{name:<28} {median:>6.1f}ms {worst:>6.1f}ms {queries:>8}  {response.status_code}")


if __name__ == "__main__":
    main()
