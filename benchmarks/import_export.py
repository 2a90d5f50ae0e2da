"""Time a markdown import and export of a synthetic log on a fresh database.

    python benchmarks/import_export.py --papers 5000 --notes 12 --questions 3

Uses a new SQLite file in a temporary folder (or DATABASE_URL if set: then
it must point to an empty database). Prints the size of the generated file,
seconds for the preview (a dry run), for parse+save (import) and for export,
and the peak memory (RSS) of the process. Figures are recorded in docs/performance.md.
"""

import argparse
import os
import resource
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
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="readinglog-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglog.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from generate_log import generate

    from papers.models import Comment, Note, Question, User
    from papers.transfer import export_markdown, import_markdown

    call_command("migrate", verbosity=0)
    owner = User.objects.create(username="bench")
    text = generate(args.papers, args.notes, args.questions).encode()
    print(f"file: {len(text) / 1e6:.1f} MB, {args.papers} papers")

    start = time.perf_counter()
    import_markdown(text, owner=owner, dry_run=True)
    print(f"preview (dry run, rolled back): {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    result = import_markdown(text, owner=owner)
    imported = time.perf_counter() - start
    print(f"import: {imported:.1f} s ({', '.join(result.summary())})")
    print(
        f"rows: {Note.objects.count()} notes, {Question.objects.count()} questions, "
        f"{Comment.objects.count()} replies"
    )

    start = time.perf_counter()
    exported = export_markdown(result.log)
    print(f"export: {time.perf_counter() - start:.1f} s ({len(exported) / 1e6:.1f} MB)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
