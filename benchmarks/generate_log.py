"""Write a synthetic reading log in the sample's style.

    python benchmarks/generate_log.py --papers 5000 --notes 12 --questions 3 > big.md

Deterministic (seeded) so figures can be compared between runs.
"""

import argparse
import random
import sys

WORDS = (
    "attention transformer gradient loss landscape sharpness minima bayesian posterior "
    "prior sampling variance encoder decoder token embedding benchmark evaluation dataset "
    "convolution dilation residual skip connection curvature hessian eigenvalue spectrum "
    "regularization dropout fine-tuning pedagogy tutor learner feedback reward policy value "
    "exploration exploitation kernel gaussian process acquisition uncertainty calibration"
).split()
ANCHORS = ["Figure {n}: ", "Table {n}: ", "Equation {n}: ", "Section {n}.2: ", "", "", ""]
CURIOSITY = ["low", "neutral", "interesting", "high"]


def sentence(rng, low=6, high=18):
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def paper_section(rng, number, notes, questions):
    lines = [f"### [{number}] {sentence(rng, 4, 9)[:-1].title()}", ""]
    lines += [f"https://arxiv.org/abs/{rng.randint(1501, 2412)}.{rng.randint(10000, 99999)}", ""]
    lines.append(f"- curiosity: {rng.choice(CURIOSITY)}, {sentence(rng, 3, 8)}")
    for _ in range(notes):
        anchor = rng.choice(ANCHORS).format(n=rng.randint(1, 9))
        lines.append(f"- {anchor}{sentence(rng)}")
        if rng.random() < 0.2:
            lines.append(f"  - {sentence(rng)}")
    lines += ["", "#### I haven't understood", ""]
    for _ in range(questions):
        lines.append(f"- {sentence(rng)[:-1]}?")
        lines.append(f"  - {sentence(rng)}")
    lines.append("")
    return lines


def generate(papers, notes, questions, seed=2024):
    """Return the text of a log with the given number of papers, notes and questions."""
    rng = random.Random(seed)
    lines = ["# Synthetic Paper Reading Logs", "", "- A generated log for benchmarks.", ""]
    for number in range(1, papers + 1):
        lines += paper_section(rng, number, notes, questions)
    lines += ["## change logs", ""]
    for day in range(1, 29):
        lines.append(f"- 2024-02-{day:02d}: {sentence(rng)}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--notes", type=int, default=12)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    sys.stdout.write(generate(args.papers, args.notes, args.questions, args.seed))


if __name__ == "__main__":
    main()
