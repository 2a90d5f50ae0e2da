"""Time the markdown renderer on the pathological corpus of tests/test_markdown_pathological.py.

    python benchmarks/render.py --repeat 3 [--top 10]

Renders each input (50,000 characters) `--repeat` times, keeps its fastest
run in CPU seconds (other jobs on the machine slow wall time, not this), and
prints the slowest inputs and the worst case. Figures are recorded in
docs/performance.md.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglog.settings")
    import django

    django.setup()  # the renderer reads a setting (READINGLOG_REMOTE_IMAGES) for images
    from papers.markdown import render_markdown
    from tests.test_markdown_pathological import CORPUS

    timings = []
    for name, text in CORPUS.items():
        best = float("inf")
        for _ in range(args.repeat):
            start = time.process_time()
            render_markdown(text)
            best = min(best, time.process_time() - start)
        timings.append((best, name, len(text)))
    timings.sort(reverse=True)

    print(f"{len(CORPUS)} inputs, fastest of {args.repeat} runs each, CPU seconds; slowest first:")
    for seconds, name, size in timings[: args.top]:
        print(f"  {seconds:6.3f} s  {size:,} chars  {name}")
    seconds, name, size = timings[0]
    print(f"worst case: {name!r}, {size:,} characters, {seconds:.3f} s")


if __name__ == "__main__":
    main()
