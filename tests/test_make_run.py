"""`make run` serves the app as a user gets it: DEBUG off, our own error pages, static files.

Runs the real target (migrate, collectstatic, load_demo, gunicorn) on a spare
port with a throwaway SQLite database, then stops it.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    # A worker's first request loads the app: seconds on a busy 2-core CI machine.
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def served(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}", PORT=str(port))
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(720):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(process.stdout.read().decode())
                time.sleep(0.25)
        else:
            pytest.fail("make run did not start serving within three minutes")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_make_run_serves_the_demo_without_debug_pages(served):
    status, html = fetch(served + "/logs/2024-paper-reading-logs/")
    assert status == 404  # the demo log is private: anonymous visitors get our 404
    assert "Not found" in html and "URLconf" not in html and "Traceback" not in html
    status, html = fetch(served + "/no/such/page/")
    assert status == 404 and "Using the URLconf" not in html
    status, html = fetch(served + "/accounts/login/")
    assert status == 200
    stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert stylesheet.startswith("/static/css/app.") and stylesheet != "/static/css/app.css"
    status, css = fetch(served + stylesheet)
    assert status == 200 and "--" in css
