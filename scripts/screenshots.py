"""Take the README's screenshots from a running Readinglog (`make run`).

    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000]

Logs in as the demo user alice and saves the log page, a paper page and the
questions page at desktop (1280 px) and phone (375 px) width into
docs/screenshots/. Needs Debian's Chromium (/usr/bin/chromium).
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LOG = "/logs/2024-paper-reading-logs/"
PAGES = {"log": LOG, "paper": LOG + "papers/3/", "questions": LOG + "questions/"}
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default="readinglog")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=ARGS)
        for size_name, (width, height) in WIDTHS.items():
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    base_url=args.url,
                    viewport={"width": width, "height": height},
                    color_scheme=scheme,
                    device_scale_factor=1,
                )
                page = context.new_page()
                page.goto("/accounts/login/")
                page.fill("input[name=username]", "alice")
                page.fill("input[name=password]", args.password)
                page.click("form [type=submit]")
                page.wait_for_load_state()
                for name, path in PAGES.items():
                    if scheme == "dark" and name != "paper":
                        continue
                    page.goto(path)
                    suffix = "" if scheme == "light" else "-dark"
                    target = OUT / f"{name}-{size_name}{suffix}.png"
                    page.screenshot(path=str(target), full_page=size_name == "phone")
                    print(f"saved {target.relative_to(OUT.parent.parent)}")
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
