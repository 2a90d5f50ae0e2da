"""Take PostgreSQL away under load and watch Readinglog come back.

    python benchmarks/faults.py [--users 50] [--seconds 60] [--cut-at 25] [--cut-for 10]
                                [--mode reset|blackhole]

Creates a fresh PostgreSQL database (readinglog_faults on 127.0.0.1:5432,
dropped first if a run left it), migrates it, loads the demo and adds one
member account per simulated user. Starts a TCP proxy (asyncio, 127.0.0.1
only) in front of PostgreSQL and gunicorn (4 workers, 127.0.0.1 only, DEBUG
off) whose DATABASE_URL goes through the proxy. Each simulated user logs in,
then until the time is up reads a paper page and posts a comment with a
unique text through htmx (CSRF token from the cookie), thinking about a
second between requests. At --cut-at the proxy is cut for --cut-for seconds:

- reset: every open connection is closed and new ones are refused (the
  database went down);
- blackhole: no byte passes either way, on old connections and new ones (the
  database stops answering); restoring lets the held bytes through.

Prints the responses by status before, during and after the cut, the
comments answered 2xx/3xx against those stored (each should be stored once;
one answered otherwise should not be stored), and how long the app took to
answer again after the proxy came back. Figures are in docs/reliability.md.
Traffic goes to 127.0.0.1 only; every loop ends with the run.
"""

import argparse
import asyncio
import http.client
import http.cookiejar
import io
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "readinglog-faults"
REQUEST_TIMEOUT = 30  # seconds a simulated user waits for an answer
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL that can be cut and restored."""

    def __init__(self, target, mode):
        self.target, self.mode = target, mode
        self.port = 0  # chosen by the system at the first start, kept after
        self.writers = set()
        self.flowing = asyncio.Event()  # cleared while a black hole is cut
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._run(self._start())

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _start(self):
        self.flowing.set()
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _link(self, client_reader, client_writer):
        self.writers.add(client_writer)
        try:
            await self.flowing.wait()
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            self.writers.discard(client_writer)
            return
        self.writers.add(server_writer)
        await asyncio.gather(
            self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer)
        )

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                await self.flowing.wait()  # a black hole holds what it read
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
            self.writers.discard(writer)

    def cut(self):
        self._run(self._cut())

    async def _cut(self):
        if self.mode == "reset":
            self.server.close()  # connects are refused from now on
            for writer in list(self.writers):
                writer.transport.abort()
            self.writers.clear()
        else:
            self.flowing.clear()

    def restore(self):
        self._run(self._start() if self.mode == "reset" else self._flow())

    async def _flow(self):
        self.flowing.set()

    def close(self):
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer here (HTTPError with its code)


class Reader:
    """One simulated user: a cookie jar, and a record of every request."""

    def __init__(self, base, username, records):
        self.base, self.username, self.records = base, username, records
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirects
        )

    def request(self, kind, path, data=None, headers=None, body=None):
        """Send one request; return its status (or the error's name) and text."""
        encoded = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=encoded, headers=headers or {})
        sent = time.monotonic()
        text = ""
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            # Sent to log in means the session was lost: a failure here, not a success.
            to_login = error.headers.get("Location", "").startswith("/accounts/login/")
            status = "302 to log in" if error.code == 302 and to_login else error.code
        except (OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            status = type(reason).__name__
        self.records.append((kind, sent, time.monotonic(), status, body))
        return status, text

    def csrf_token(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def log_in(self, tries=3):
        for _ in range(tries):
            _, page = self.request("login page", "/accounts/login/")
            token = CSRF_INPUT.search(page)
            data = {"username": self.username, "password": PASSWORD}
            status, _ = self.request(
                "log in", "/accounts/login/", {**data, "csrfmiddlewaretoken": token and token[1]}
            )
            if status == 302:
                return True
        return False

    def read_and_comment(self, slug, papers, stop_at, think, prefix):
        for n in range(1, 100_000):
            if time.monotonic() >= stop_at:
                return
            number, pk = random.choice(papers)
            self.request("paper page", f"/logs/{slug}/papers/{number}/")
            time.sleep(random.uniform(0.5, 1.5) * think)
            if time.monotonic() >= stop_at:
                return
            body = f"{prefix} {self.username} #{n}"
            headers = {"HX-Request": "true", "X-CSRFToken": self.csrf_token()}
            self.request(
                "comment", f"/logs/{slug}/comments/on/paper/{pk}/", {"body": body}, headers, body
            )
            time.sleep(random.uniform(0.5, 1.5) * think)


def monitor_health(base, stop_at, records):
    """Ask /healthz twice a second until the run ends."""
    reader = Reader(base, "", records)
    while time.monotonic() < stop_at:
        reader.request("healthz", "/healthz")
        time.sleep(0.5)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(server_url, name):
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_url, name):
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_up(users):
    """Migrate, load the demo and add members; return the log's slug and (number, pk) of papers."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from papers.models import Membership, ReadingLog, Role, User

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    log = ReadingLog.objects.get()
    password = make_password(PASSWORD)  # hashed once for all of them
    people = User.objects.bulk_create(
        User(username=f"reader{i:02d}", email=f"reader{i:02d}@example.org", password=password)
        for i in range(1, users + 1)
    )
    Membership.objects.bulk_create(Membership(user=u, log=log, role=Role.MEMBER) for u in people)
    return log.slug, list(log.papers.values_list("number", "pk"))


def stored_comments(prefix):
    from django.db.models import Count

    from papers.models import Comment

    rows = Comment.objects.filter(body__startswith=prefix).values("body").annotate(n=Count("id"))
    return {row["body"]: row["n"] for row in rows}


def wait_until_up(base, deadline):
    while time.monotonic() < deadline:
        with suppress(OSError), urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def is_ok(status):
    return isinstance(status, int) and status < 400


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def report(records, cut, restore, stored):
    """Print the figures (relative times in seconds from the start of the run)."""
    phases = [
        ("before the cut", None, cut),
        ("during the cut", cut, restore),
        ("after", restore, None),
    ]
    traffic = [r for r in records if r[0] in ("paper page", "comment")]
    print(f"\nresponses by status (requests sent in each phase; {len(traffic)} in all)")
    for name, start, end in phases:
        sent = [
            r for r in traffic if (start is None or r[1] >= start) and (end is None or r[1] < end)
        ]
        statuses = Counter(str(r[3]) for r in sent)
        times = sorted(r[2] - r[1] for r in sent)
        p95 = times[int(len(times) * 0.95)] if times else 0
        median = statistics.median(times) if times else 0
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        print(
            f"  {name:<15} {len(sent):>5} requests  {counts}  (median {ms(median)}, p95 {ms(p95)})"
        )

    comments = [r for r in records if r[0] == "comment"]
    answered = [r for r in comments if is_ok(r[3])]
    refused = [r for r in comments if not is_ok(r[3])]
    lost = [r for r in answered if stored.get(r[4], 0) == 0]
    twice = {body: n for body, n in stored.items() if n > 1}
    refused_stored = [r for r in refused if stored.get(r[4], 0)]
    print("\ncomments")
    print(f"  posted (answered 2xx/3xx): {len(answered)}")
    print(f"  stored:                    {sum(stored.values())} ({len(stored)} distinct texts)")
    print(f"  answered 2xx/3xx, not stored: {len(lost)}")
    print(f"  stored more than once:        {len(twice)}")
    print(f"  answered otherwise ({len(refused)}: {dict(Counter(str(r[3]) for r in refused))}),")
    print(f"    stored all the same:        {len(refused_stored)}")
    for r in refused_stored:
        print(f"      {r[4]!r}: answered {r[3]} after {r[2] - r[1]:.1f} s, sent at {r[1]:.1f} s")

    after = [r for r in traffic if r[2] >= restore]
    first_ok = min((r[2] for r in after if is_ok(r[3])), default=None)
    last_failure = max((r[2] for r in after if not is_ok(r[3])), default=None)
    health = [r for r in records if r[0] == "healthz"]
    health_down = min((r[2] for r in health if r[2] >= cut and not is_ok(r[3])), default=None)
    health_up = min((r[2] for r in health if r[1] >= restore and is_ok(r[3])), default=None)
    print(f"\nrecovery (the proxy was cut at {cut:.1f} s and came back at {restore:.1f} s)")
    if health_down is not None:
        print(f"  /healthz said 503 first: {health_down - cut:+.1f} s after the cut")
    came_back = [
        ("first page or comment answered 2xx/3xx", first_ok),
        ("/healthz said ok again", health_up),
        ("last failure answered", last_failure),
    ]
    for what, when in came_back:
        if when is not None:
            print(f"  {what + ':':<40} {when - restore:+.1f} s after it came back")
    if last_failure is None:
        print("  no failure was answered after it came back")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cut-at", type=float, default=25, help="seconds into the run")
    parser.add_argument("--cut-for", type=float, default=10)
    parser.add_argument("--mode", choices=["reset", "blackhole"], default="reset")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between requests")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="readinglog_faults")
    args = parser.parse_args()
    server = urllib.parse.urlsplit(args.server)
    if server.hostname != "127.0.0.1" or "faults" not in args.database:
        raise SystemExit("--server must be on 127.0.0.1 and --database a name with 'faults' in it")

    folder = Path(tempfile.mkdtemp(prefix="readinglog-faults-"))
    # DEBUG off serves static names from a manifest: collect it here, not into the project.
    static = str(folder / "static")
    (folder / "faults_settings.py").write_text(
        f"from readinglog.settings import *  # noqa: F403\nSTATIC_ROOT = {static!r}\n"
    )
    sys.path[:0] = [str(folder), str(ROOT)]
    port = free_port()
    environment = {
        "DJANGO_SETTINGS_MODULE": "faults_settings",
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(environment, DATABASE_URL=f"{args.server}/{args.database}")
    fresh_database(args.server, args.database)
    slug, papers = set_up(args.users)
    print(f"database {args.database}: the demo log ({len(papers)} papers), {args.users} members")

    proxy = Proxy((server.hostname, server.port or 5432), args.mode)
    user = server.netloc.rpartition("@")[0]
    proxied = f"{server.scheme}://{user}{'@' if user else ''}127.0.0.1:{proxy.port}"
    base = f"http://127.0.0.1:{port}"
    with open(folder / "gunicorn.log", "w") as log_file:
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "readinglog.wsgi", "--workers", "4"]
            + ["--timeout", "120", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env={**os.environ, **environment, "DATABASE_URL": f"{proxied}/{args.database}"},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(base, time.monotonic() + 60)
            print(f"gunicorn (4 workers) on {base}, PostgreSQL through a proxy on :{proxy.port}")
            records, cut, restore, prefix = drive(base, args, slug, papers, proxy)
        finally:
            gunicorn.terminate()
            gunicorn.wait(30)
            proxy.close()

    report(records, cut, restore, stored_comments(prefix))
    print(f"\ngunicorn's log: {folder / 'gunicorn.log'}")
    from django.db import connections

    connections.close_all()
    drop_database(args.server, args.database)


def drive(base, args, slug, papers, proxy):
    """Log the users in, run them, cut the proxy; return the records (times from the start)."""
    records = []
    readers = [Reader(base, f"reader{i:02d}", records) for i in range(1, args.users + 1)]
    # Four at a time: each login hashes a password, and four workers serve them.
    with ThreadPoolExecutor(4) as pool:
        logged_in = sum(pool.map(Reader.log_in, readers))
    if logged_in < args.users:
        raise SystemExit(f"only {logged_in} of {args.users} users could log in")
    records.clear()
    print(f"{args.users} users logged in; load average {os.getloadavg()[0]:.1f}")

    start = time.monotonic()
    stop_at = start + args.seconds
    prefix = f"faults-{secrets.token_hex(4)}"
    threads = [
        threading.Thread(
            target=r.read_and_comment, args=(slug, papers, stop_at, args.think, prefix)
        )
        for r in readers
    ] + [threading.Thread(target=monitor_health, args=(base, stop_at, records))]
    for thread in threads:
        thread.start()
    time.sleep(max(0, start + args.cut_at - time.monotonic()))
    cut = time.monotonic()
    proxy.cut()
    print(
        f"{args.users} users, {args.seconds:.0f} s; proxy cut ({args.mode}) at {cut - start:.1f} s"
    )
    time.sleep(args.cut_for)
    restore = time.monotonic()
    proxy.restore()
    print(f"proxy back at {restore - start:.1f} s")
    for thread in threads:
        thread.join(max(0, stop_at - time.monotonic()) + REQUEST_TIMEOUT + 5)
    print(f"run over; load average {os.getloadavg()[0]:.1f}")
    relative = [(kind, s - start, d - start, status, body) for kind, s, d, status, body in records]
    return relative, cut - start, restore - start, prefix


if __name__ == "__main__":
    main()
