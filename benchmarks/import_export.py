"""Time a markdown import and export of a synthetic log, and a folder import, on a fresh database.

    python benchmarks/import_export.py --papers 5000 --notes 12 --questions 3 --files 200

Uses a new SQLite file in a temporary folder (or DATABASE_URL if set: then
it must point to an empty database). Prints the size of the generated file,
seconds for the preview (a dry run), for parse+save (import) and for export,
and the peak memory (RSS) of the process. Then it writes `--files` per-paper
files (a `# Title`, an arXiv link and ten notes each, dated names) into a
temporary folder and times `manage.py import_log FOLDER` on them (0 skips it).
Figures are recorded in docs/performance.md.
"""

import argparse
import datetime
import io
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
    parser.add_argument("--files", type=int, default=200, help="per-paper files in a folder")
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

    if args.files:
        import_folder(Path(folder) / "paper_notes", args.files, call_command)


def write_paper_files(folder, count):
    """Write `count` per-paper files as people keep them: a dated name, a title, a link, notes."""
    folder.mkdir()
    day = datetime.date(2024, 1, 1)
    for i in range(1, count + 1):
        notes = [
            f"- Figure {n}: the curve bends at step {n * 100} of run {i}."
            if n % 3 == 0
            else f"- Observation {n} on paper {i}: the ablation costs {n}.{i % 10} points."
            for n in range(1, 11)
        ]
        text = "\n".join(
            [
                f"# A Study of Sparse Attention, Part {i}",
                "",
                f"https://arxiv.org/abs/2401.{i:05}",
                "",
                *notes,
                "",
            ]
        )
        name = f"{day + datetime.timedelta(days=i % 365)}-sparse-attention-{i:03}.md"
        (folder / name).write_text(text)


def import_folder(folder, count, call_command):
    """Time `import_log FOLDER` on `count` per-paper files (target: under 10 s for 200)."""
    from papers.models import Paper

    write_paper_files(folder, count)
    size = sum(path.stat().st_size for path in folder.iterdir())
    print(f"folder: {count} files, {size / 1e3:.0f} KB")
    out = io.StringIO()
    start = time.perf_counter()
    call_command("import_log", str(folder), "--owner", "bench", "--log", "folder", stdout=out)
    seconds = time.perf_counter() - start
    papers = Paper.objects.filter(log__slug="folder").count()
    print(f"folder import (import_log): {seconds:.1f} s ({papers} papers)")


if __name__ == "__main__":
    main()
