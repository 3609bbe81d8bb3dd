"""`make bench`: load the main pages under gunicorn on a scale dataset and print a table.

Steps: the benchmark database (PostgreSQL `<name>_bench` next to DATABASE_URL's when it
is set, else SQLite under var/bench/), migrate, collect static files, `seed_scale` (with
its million posts), `bench_digests` (the seeded members' digests built and rendered in
one process: digests/s and queries, printed below the table), gunicorn with the bench's
settings (`benchyard.settings`: production plus the yardstick page) with 2 workers on a
free loopback port, then for each page as a visitor and as a signed-in member: the SQL
query count of one request (measured in-process with the test client against the same
database) and bounded wrk runs. The API's thread and idea lists are loaded too, as a
visitor and with the member's read token (issue 11: at least the requests/s of the HTML
page showing the same rows to the same person). A page answering 404 shows as "not built" (another
status, as "HTTP <code>") and the run goes on. Gunicorn is always stopped, whatever
fails. Traffic never leaves 127.0.0.1.

The yardstick is a bare Django-template page listing 30 threads with their community,
loaded as a visitor and as the member. Every page is measured in rounds alternating with
the yardstick as the same viewer (yardstick then page, page then yardstick, ...), so that
a machine busy with other work slows both alike: a page's share is the median of its
rounds' (page requests/s ÷ yardstick requests/s). A page whose aim names another page
(the API's lists against the HTML pages with the same rows, a deep page against the
first) is measured beside that page instead, in BENCH_BESIDE_ROUNDS (4) times as many
rounds, and its aim is checked on that ratio, pooled over the rounds: two shares of the
yardstick taken minutes apart, divided, swung from 0.7× to 2.2× between runs of the same
code. The table also gives the share by the
server's CPU time per request (gunicorn and the bench database's PostgreSQL backends),
which other work on the machine changes much less, and the aims are checked on it
(`relative_share` says why). Each line is checked against the issue's aims (the share
of the yardstick for the same viewer, a deep page against the first, the common-word
search's median, no errors, p99 at most 3 times p50, and the query budgets: 8 for a
visitor, 12 for a member); a line that misses one says which.
A median aim is about the time a search takes, so it is checked on one more run with a
single connection: under the load runs' 8 connections on 2 workers the median is mostly
the wait behind the other requests (the bare yardstick's own is over 100 ms there).
The table is Markdown, to paste as it is.

Environment knobs: BENCH_REUSE=1 reuses the benchmark database when an earlier run
seeded it with the same sizes (no drop, no seed: migrate and collectstatic still run,
they take seconds when nothing changed and apply what a merged branch added), so a run
takes minutes instead of a quarter of an hour. BENCH_DURATION (seconds of load per
page, default 8, split into BENCH_ROUNDS rounds, default 4, each paired with as long a
run of the yardstick), BENCH_BESIDE_ROUNDS (4: how many times as many rounds a page
held to another page runs beside it), BENCH_CONNECTIONS (8), BENCH_THREADS (2), BENCH_MEMBERS /
BENCH_COMMUNITIES / BENCH_PURPOSES and BENCH_DISCUSSION_THREADS / BENCH_POSTS /
BENCH_IDEAS / BENCH_VOTES / BENCH_DECISIONS / BENCH_REACTIONS (seed_scale sizes),
BENCH_LIGHT=1 (a tenth of the discussion sizes, for a quicker run), BENCH_DEEP_PAGE (how
many pages deep the member list, the thread list and the busiest thread are loaded,
default 100; the thread goes as deep as it has pages), BENCH_COMMON_WORD (the word
matching a large share of the posts, default "measure").

After the pages, with gunicorn stopped, `manage.py bench_notifications` runs on the same
database with the same settings (issue 10's aims: a fan-out to BENCH_FOLLOWERS followers,
default 10,000, beside a bare bulk insert of as many rows, its query count against its
chunks, a reply in a small community and in the busiest; everything it writes is rolled
back) and its table is appended to the report; should it fail, the report says so and
keeps the page table.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "commons-bench.sqlite3"
GUNICORN_LOG = BENCH_DIR / "gunicorn.log"
RESULTS = BENCH_DIR / "last-results.txt"
WORKERS = 2
YARDSTICK_PATH = "/bench/yardstick/"
# The table a seeded database carries, naming the seed_scale arguments it was seeded with.
SEED_MARKER_TABLE = "bench_seeded"
QUERY_BUDGETS = {"visitor": 8, "member": 12, "token": 12}
TAIL_AIM = 3  # every page's p99 at most this many times its p50


def setting(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DURATION = setting("BENCH_DURATION", 8)
ROUNDS = max(1, setting("BENCH_ROUNDS", 4))
ROUND_SECONDS = max(1, round(DURATION / ROUNDS))
# A line held to another page is a ratio of two pages about equally fast, checked against
# an aim 10% below it: one 2 s round of the thread list's page 1 beside its page 100 gave
# anything from 0.69× to 1.32× of CPU per request (16 rounds, medians 0.99× and 0.98× for
# the visitor and the member), so the median of 8 rounds missed 0.9× in one run of four.
BESIDE_ROUNDS = max(2, setting("BENCH_BESIDE_ROUNDS", 4))
CONNECTIONS = setting("BENCH_CONNECTIONS", 8)
THREADS = setting("BENCH_THREADS", 2)
DEEP_PAGE = setting("BENCH_DEEP_PAGE", 100)
REUSE = bool(setting("BENCH_REUSE", 0))
COMMON_WORD = os.environ.get("BENCH_COMMON_WORD") or "measure"
FOLLOWERS = setting("BENCH_FOLLOWERS", 10_000)
DISCUSSION_KNOBS = {
    "threads": "BENCH_DISCUSSION_THREADS",  # BENCH_THREADS is wrk's threads
    "posts": "BENCH_POSTS",
    "ideas": "BENCH_IDEAS",
    "votes": "BENCH_VOTES",
    "decisions": "BENCH_DECISIONS",
    "reactions": "BENCH_REACTIONS",
}


class BenchError(Exception):
    """A step failed; the message says which and why."""


@dataclass(frozen=True)
class Aim:
    """What issue 9 asks of a page: a share of the yardstick for the same viewer, or of
    another page (`of_page`, a key; measured beside it), or a median latency."""

    share: float | None = None
    of_page: str = ""
    median_ms: float | None = None
    # The viewer of the page `of_page` names, when not the same: an API list read with a
    # member's token is held to the HTML page that member sees.
    of_viewer: str = ""

    def describe(self) -> str:
        if self.median_ms is not None:
            return f"p50<{self.median_ms:.0f}ms alone"
        if self.share is None:
            return "-"
        if not self.of_page:
            return f"≥{self.share:.1f}×"
        viewer = f" ({self.of_viewer})" if self.of_viewer else ""
        return f"≥{self.share:.1f}× {self.of_page}{viewer}"


NO_AIM = Aim()


@dataclass
class Round:
    """One run of a page and the run of its reference beside it: the yardstick as the
    same viewer, or for an aim of another page (`Aim.of_page`), that page."""

    page_rate: float
    reference_rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    page_cpu: float | None = None  # server CPU seconds per request; None without /proc
    reference_cpu: float | None = None


@dataclass
class Target:
    page: str
    viewer: str
    path: str
    cookie: str = ""
    authorization: str = ""  # an Authorization header: the API read with a token
    key: str = ""  # how aims refer to the page ("thread list" for "of thread list")
    aim: Aim = NO_AIM
    queries: int | None = None
    optional: bool = False  # a page still being built: it may answer 404 for now
    # For a median-latency aim: the median with one request at a time (the wait a person
    # sees), not under the load runs' 8 connections, where it is mostly queueing.
    alone_p50_ms: float | None = None
    skipped: str = ""  # why an optional page was not loaded ("not built", "HTTP 302")
    rounds: list[Round] = field(default_factory=list)
    # The yardstick's own runs (each also counted in its pages' rounds).
    runs: list[Round] = field(default_factory=list)

    @property
    def is_yardstick(self) -> bool:
        return self.path == YARDSTICK_PATH

    @property
    def measured(self) -> list[Round]:
        return self.runs if self.is_yardstick else self.rounds

    @property
    def requests_per_second(self) -> float | None:
        runs = self.measured
        return statistics.fmean(r.page_rate for r in runs) if runs else None

    @property
    def p50_ms(self) -> float | None:
        runs = self.measured
        return statistics.median(r.p50_ms for r in runs) if runs else None

    @property
    def p99_ms(self) -> float | None:
        runs = self.measured
        return statistics.median(r.p99_ms for r in runs) if runs else None

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.measured)

    @property
    def reference_share(self) -> float | None:
        """Median of the rounds' requests/s against their reference's beside them."""
        rounds = [r for r in self.rounds if r.reference_rate]
        if not rounds:
            return None
        return statistics.median(r.page_rate / r.reference_rate for r in rounds)

    @property
    def reference_cpu_share(self) -> float | None:
        """The reference's CPU per request ÷ the page's, each over all the rounds (every
        round's CPU per request weighed by its requests): a noisy round moves the whole
        by its share of the requests, not by a rank among few rounds."""
        measured = [r for r in self.rounds if r.page_cpu and r.reference_cpu]
        if not measured:
            return None
        page = sum(r.page_cpu * r.page_rate for r in measured) / sum(r.page_rate for r in measured)
        reference = sum(r.reference_cpu * r.reference_rate for r in measured) / sum(
            r.reference_rate for r in measured
        )
        return reference / page

    # Set by `measure` for a page measured beside another page: that page (a Target),
    # whose own share of the yardstick turns this page's into one. A plain attribute, not
    # a field: the tests load this script without registering it as a module.
    compared_with = None

    @property
    def share(self) -> float | None:
        """The page's requests/s as a share of the yardstick's (same viewer): measured
        beside it, or through the page it was measured beside."""
        if self.is_yardstick:
            return 1.0 if self.runs else None
        return _through(self.reference_share, self.compared_with, "share")

    @property
    def cpu_share(self) -> float | None:
        """The yardstick's server CPU per request ÷ the page's, likewise."""
        if self.is_yardstick:
            return 1.0 if self.runs else None
        return _through(self.reference_cpu_share, self.compared_with, "cpu_share")


def _through(value: float | None, page: Target | None, name: str) -> float | None:
    if page is None or value is None:
        return value
    base = getattr(page, name)
    return None if base is None else value * base


# -- the benchmark database ------------------------------------------------------------------


def bench_database_url(seed_arguments: list[str]) -> tuple[str, bool]:
    """A URL for the benchmark database, never the one DATABASE_URL names, and whether it
    is already seeded: with BENCH_REUSE=1, one an earlier run seeded with the same
    `seed_arguments` is kept; otherwise it is created empty."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        sqlite_url = f"sqlite:///{SQLITE_PATH}"
        if REUSE and SQLITE_PATH.exists() and seeded_with(sqlite_url) == seed_arguments:
            return sqlite_url, True
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return sqlite_url, False
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        raise BenchError(f"DATABASE_URL must be PostgreSQL or unset (SQLite), not {parts.scheme}.")
    name = parts.path.lstrip("/") or "commons"
    bench_name = name if name.endswith("_bench") else f"{name}_bench"
    bench_url = parts._replace(path=f"/{bench_name}").geturl()
    if REUSE and seeded_with(bench_url) == seed_arguments:
        return bench_url, True
    recreate_postgres_database(parts, bench_name)
    return bench_url, False


def _connect(url: str):
    """A DB-API connection to the benchmark database at `url` (SQLite or PostgreSQL)."""
    parts = urlparse(url)
    if parts.scheme == "sqlite":
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg2

    return psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )


def seeded_with(url: str) -> list[str] | None:
    """The seed_scale arguments the database at `url` was seeded with, or None when it
    is missing, unseeded, or its seeding did not finish."""
    try:
        connection = _connect(url)
    except Exception:  # noqa: BLE001 - a missing database is simply not seeded
        return None
    try:
        cursor = connection.cursor()
        cursor.execute(f"SELECT arguments FROM {SEED_MARKER_TABLE}")  # noqa: S608 - a constant
        row = cursor.fetchone()
        return row[0].split() if row else None
    except Exception:  # noqa: BLE001 - no marker table: not seeded by a finished run
        return None
    finally:
        connection.close()


def mark_seeded(url: str, seed_arguments: list[str]) -> None:
    """Remember in the database itself that seeding with `seed_arguments` finished."""
    connection = _connect(url)
    try:
        cursor = connection.cursor()
        cursor.execute(f"DROP TABLE IF EXISTS {SEED_MARKER_TABLE}")
        cursor.execute(f"CREATE TABLE {SEED_MARKER_TABLE} (arguments text NOT NULL)")
        placeholder = "?" if urlparse(url).scheme == "sqlite" else "%s"
        cursor.execute(
            f"INSERT INTO {SEED_MARKER_TABLE} (arguments) VALUES ({placeholder})",  # noqa: S608 - constants
            [" ".join(seed_arguments)],
        )
        connection.commit()
    finally:
        connection.close()


def seed_arguments() -> list[str]:
    """seed_scale's arguments from the size knobs."""
    sizes = [
        f"--members={setting('BENCH_MEMBERS', 10_000)}",
        f"--communities={setting('BENCH_COMMUNITIES', 200)}",
        f"--purposes={setting('BENCH_PURPOSES', 50)}",
    ]
    # Discussion sizes: seed_scale's own defaults (a million posts) unless overridden.
    for option, knob in DISCUSSION_KNOBS.items():
        if os.environ.get(knob):
            sizes.append(f"--{option}={setting(knob, 0)}")
    if setting("BENCH_LIGHT", 0):
        sizes.append("--light")
    return sizes


def recreate_postgres_database(parts, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            # FORCE ends connections a crashed earlier run may have left open.
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def bench_environment(database_url: str) -> dict[str, str]:
    """Production settings with bench-only secrets; nothing here outlives the run."""
    env = dict(os.environ)
    env.update(
        {
            # Production settings plus the yardstick page, which only these settings mount.
            "DJANGO_SETTINGS_MODULE": "benchyard.settings",
            "BENCH_YARDSTICK": "1",
            "DATABASE_URL": database_url,
            "DATA_DIR": str(BENCH_DIR),
            "MEDIA_ROOT": str(BENCH_DIR / "media"),
            "SECRET_KEY": "bench-only-secret-key-never-used-elsewhere",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(WORKERS),
            # No worker recycling in the middle of a 10-second measurement.
            "GUNICORN_MAX_REQUESTS": "0",
            # wrk searches thousands of times a minute from one address: measured, not limited.
            "RATE_LIMIT_SEARCH": "",
            # Nor are the API's reads, by token or by one anonymous address.
            "RATE_LIMIT_API_TOKEN": "",
            "RATE_LIMIT_API_ANONYMOUS": "",
        }
    )
    return env


def run_step(label: str, command: list[str], env: dict[str, str]) -> str:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"{label} failed:\n{result.stdout}\n{result.stderr}")
    print(f"  {label}: {time.monotonic() - started:.1f}s")
    if "seed_scale" in command or "bench_digests" in command:
        for line in result.stdout.splitlines():
            print(f"    {line.strip()}")
    return result.stdout


# -- targets, the member's session and query counts (in-process) -----------------------------


def prepare_targets() -> list[Target]:
    """Pages to load, a member's session cookie, and each page's query count."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.http import HttpRequest
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api import services as api_services
    from api.models import AccessToken, TokenScope
    from communities import selectors
    from communities.models import Community, Role, Visibility
    from discussions.management.commands.seed_discussions_scale import SAMPLE_SEARCH_WORD
    from discussions.models import Post, Thread, ThreadKind
    from discussions.selectors import threads as thread_selectors
    from discussions.selectors.threads import POSTS_PAGE_SIZE

    community = (
        Community.objects.filter(visibility=Visibility.PUBLIC, slug__startswith="scale-")
        .order_by("-member_count")
        .first()
    )
    if community is None:
        raise BenchError("seed_scale made no public community.")
    purpose = community.purpose
    member = (
        community.memberships.filter(role=Role.MEMBER, user__organisation__isnull=False)
        .select_related("user")
        .order_by("joined_at", "id")
        .first()
        .user
    )

    # Follow the lists' own cursors, exactly as "Next page" links do.
    cursor, depth = None, 0
    for _ in range(DEEP_PAGE - 1):
        page = selectors.member_page(community=community, after=cursor)
        if page.next_cursor is None:
            break
        cursor, depth = page.next_cursor, depth + 1
    thread_cursor, thread_depth = None, 0
    for _ in range(DEEP_PAGE - 1):
        page = thread_selectors.thread_page(
            user=AnonymousUser(), community=community, after=thread_cursor
        )
        if page.next_cursor is None:
            break
        thread_cursor, thread_depth = page.next_cursor, thread_depth + 1

    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, member, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}"

    members = f"/communities/{community.slug}/members/"
    pages = [
        ("directory", "/communities/", Aim(0.8)),
        ("purpose page", purpose.get_absolute_url(), Aim(0.6)),
        ("community home", community.get_absolute_url(), Aim(0.8)),
        (f"member list ({community.member_count})", members, NO_AIM),
        (
            f"members, page {depth + 1}",
            f"{members}?{urlencode({'after': cursor or ''})}",
            NO_AIM,
        ),
    ]
    # The discussion pages (404 until they are built), on the community's busiest thread.
    threads = f"/communities/{community.slug}/threads/"
    thread = Thread.objects.filter(community=community).order_by("-post_count", "id").first()
    thread_count = Thread.objects.filter(community=community).count()
    discussion_pages = [
        (f"thread list ({thread_count})", threads, Aim(0.9), "thread list"),
        (
            f"thread list, page {thread_depth + 1}",
            f"{threads}?{urlencode({'after': thread_cursor or ''})}",
            Aim(0.9, of_page="thread list"),
            "",
        ),
    ]
    if thread is not None:
        post_ids = list(
            Post.objects.filter(thread=thread).order_by("pk").values_list("pk", flat=True)
        )
        last_page = max(1, -(-len(post_ids) // POSTS_PAGE_SIZE))
        deep = min(DEEP_PAGE, last_page)
        # The thread page's keyset: the posts after the last one of the page before.
        after_post = post_ids[(deep - 1) * POSTS_PAGE_SIZE - 1] if deep > 1 else 0
        discussion_pages += [
            (f"thread page ({thread.post_count} posts)", f"{threads}{thread.pk}/", Aim(0.8), ""),
            (
                f"thread page {deep} of {last_page}",
                f"{threads}{thread.pk}/?{urlencode({'after': after_post})}",
                Aim(0.8),
                "",
            ),
        ]
    common = count_matches(COMMON_WORD)
    common_ideas = count_matches(COMMON_WORD, ThreadKind.IDEA)
    discussion_pages += [
        ("idea list", f"/communities/{community.slug}/ideas/", Aim(0.8), "idea list"),
        (
            f"search {SAMPLE_SEARCH_WORD!r} ({count_matches(SAMPLE_SEARCH_WORD):,} posts)",
            f"/search/?{urlencode({'q': SAMPLE_SEARCH_WORD})}",
            Aim(0.6),
            "",
        ),
        (
            f"search {COMMON_WORD!r} ({common:,} posts)",
            f"/search/?{urlencode({'q': COMMON_WORD})}",
            Aim(median_ms=100),
            "",
        ),
        (
            f"search {COMMON_WORD!r}, ideas ({common_ideas:,})",
            f"/search/?{urlencode({'q': COMMON_WORD, 'kind': ThreadKind.IDEA})}",
            Aim(median_ms=100),
            "",
        ),
    ]
    # The yardstick for each viewer: a member's bare page pays for their session and
    # account too, so each page is compared with the yardstick seen the same way.
    targets = [
        Target("yardstick: 30 threads + join", "visitor", YARDSTICK_PATH, key="yardstick"),
        Target("yardstick: 30 threads + join", "member", YARDSTICK_PATH, cookie, key="yardstick"),
    ]
    for viewer in ("visitor", "member"):
        session = cookie if viewer == "member" else ""
        for page, path, aim in pages:
            targets.append(Target(page, viewer, path, session, aim=aim))
        for page, path, aim, key in discussion_pages:
            targets.append(Target(page, viewer, path, session, key=key, aim=aim, optional=True))
    targets.append(Target("feed (home)", "member", "/", cookie, aim=Aim(0.6), optional=True))
    # The API's lists of the same rows (issue 11): at least as many requests/s as the HTML
    # page, for a visitor, and for a token against the page its owner sees.
    AccessToken.objects.filter(user=member, name="bench").delete()  # an earlier run's
    token = api_services.create_token(user=member, name="bench", scope=TokenScope.READ).secret
    api_lists = [
        ("API thread list", f"/api/v1/communities/{community.slug}/threads/", "thread list"),
        ("API idea list", f"/api/v1/communities/{community.slug}/ideas/", "idea list"),
    ]
    for page, path, html_page in api_lists:
        targets.append(Target(page, "visitor", path, aim=Aim(1.0, of_page=html_page)))
        targets.append(
            Target(
                page,
                "token",
                path,
                authorization=f"Bearer {token}",
                aim=Aim(1.0, of_page=html_page, of_viewer="member"),
            )
        )

    for target in targets:
        client = Client()
        if target.cookie:
            name, _, value = target.cookie.partition("=")
            client.cookies[name] = value
        headers = {"Authorization": target.authorization} if target.authorization else {}
        client.get(target.path, headers=headers)  # warm: templates compiled, session cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(target.path, headers=headers)
        if target.optional and response.status_code != 200:
            code = response.status_code
            target.skipped = "not built" if code == 404 else f"HTTP {code}"
            continue
        if response.status_code != 200:
            raise BenchError(f"{target.path} as {target.viewer}: HTTP {response.status_code}")
        target.queries = len(captured)
    connection.close()
    print(
        f"  Pages: {community.name} ({community.member_count} members), purpose "
        f"{purpose.title!r}, member {member.email}"
    )
    return targets


def count_matches(word: str, kind: str = "") -> int:
    """How many posts a visitor's search for `word` matches (of `kind` threads)."""
    from django.contrib.auth.models import AnonymousUser

    from discussions.selectors import search

    posts = search._base(AnonymousUser(), kind)
    if search.uses_full_text():
        return search._full_text_candidates(posts, word).count()
    return search._fallback_candidates(posts, [word], []).count()


def session_rows() -> int:
    """Session rows in the benchmark database: visitors' GETs must not add any."""
    from django.contrib.sessions.models import Session
    from django.db import connection

    try:
        return Session.objects.count()
    finally:
        connection.close()


# -- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    if port == 8000:  # the development server's port
        return free_port()
    return port


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    log = GUNICORN_LOG.open("w")
    command = [
        str(BIN / "gunicorn"),
        "--config",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "config.wsgi:application",
    ]
    # A session of its own, so stopping it reaches its workers and nothing else.
    return subprocess.Popen(  # noqa: S603 - our own executable and arguments
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def request_headers(target: Target) -> dict[str, str]:
    headers = {"Cookie": target.cookie} if target.cookie else {}
    if target.authorization:
        headers["Authorization"] = target.authorization
    return headers


def get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_for_health(process: subprocess.Popen, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited early; see {GUNICORN_LOG}:\n{log_tail()}")
        try:
            if get(port, "/healthz") == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"/healthz did not answer 200 within {timeout:.0f}s:\n{log_tail()}")


def log_tail(lines: int = 30) -> str:
    if not GUNICORN_LOG.exists():
        return ""
    return "\n".join(GUNICORN_LOG.read_text(errors="replace").splitlines()[-lines:])


# -- wrk --------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS_MS[unit]


def wrk(
    port: int,
    target: Target,
    seconds: int,
    *,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> tuple[str, float]:
    """wrk's report for `seconds` of load on the target, and its requests per second."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in request_headers(target).items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{target.path}")
    result = subprocess.run(  # noqa: S603 - wrk with our arguments
        command, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed for {target.path}:\n{result.stdout}\n{result.stderr}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if not rate:
        raise BenchError(f"Could not read wrk's output for {target.path}:\n{result.stdout}")
    return result.stdout, float(rate.group(1))


def latencies(output: str, path: str) -> tuple[float, float, int]:
    """p50 and p99 in ms, and errors (non-2xx answers, socket errors and timeouts), from
    wrk's report."""
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (p50 and p99):
        raise BenchError(f"Could not read wrk's latencies for {path}:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(value) for value in socket_errors.groups())
    return to_ms(p50.group(1)), to_ms(p99.group(1)), errors


def yardstick_for(targets: list[Target], viewer: str) -> Target:
    """The yardstick run beside a page: a token's requests are compared with the member's
    (the yardstick is an HTML page, read with the token owner's session)."""
    viewer = "member" if viewer == "token" else viewer
    return next(t for t in targets if t.is_yardstick and t.viewer == viewer)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: str) -> tuple[str, int, int] | None:
    """(command name, parent pid, CPU ticks used so far) of a process; None when gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # After the name: state, ppid, ... utime and stime are the 12th and 13th.
    return name, int(fields[1]), int(fields[11]) + int(fields[12])


def _serves_database(pid: str, database: str) -> bool:
    """Whether a PostgreSQL process is a backend connected to `database` (its title reads
    "postgres: <user> <database> <client> <state>"): other people's tests on the same
    server are not the bench's cost."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return f" {database} " in title


def server_cpu_ticks(gunicorn_pid: int, database: str) -> dict[int, int] | None:
    """CPU ticks used so far by each process serving the bench: gunicorn (its master and
    workers) and the PostgreSQL backends connected to the benchmark `database` ("" for
    SQLite); None without /proc."""
    proc = Path("/proc")
    if not (proc / str(gunicorn_pid) / "stat").exists():
        return None
    ticks = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        found = _process_cpu(entry.name)
        if found is None:
            continue
        name, parent, used = found
        if gunicorn_pid in (int(entry.name), parent) or (
            database and name == "postgres" and _serves_database(entry.name, database)
        ):
            ticks[int(entry.name)] = used
    return ticks


def cpu_seconds_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds the processes used between two snapshots, per process: a backend that
    ended or started meanwhile would otherwise take its whole life's ticks with it."""
    return sum(used - before.get(pid, 0) for pid, used in after.items()) / CLOCK_TICKS


@dataclass
class Run:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu: float | None  # server CPU seconds per request


def load(port: int, gunicorn_pid: int, database: str, target: Target) -> Run:
    """One wrk run of ROUND_SECONDS on the target."""
    before = server_cpu_ticks(gunicorn_pid, database)
    output, rate = wrk(port, target, ROUND_SECONDS)
    after = server_cpu_ticks(gunicorn_pid, database)
    served = re.search(r"(\d+) requests in", output)
    cpu = None
    if None not in (before, after) and served and int(served.group(1)):
        cpu = cpu_seconds_between(before, after) / int(served.group(1))
    return Run(rate, *latencies(output, target.path), cpu)


def compared_page(target: Target, targets: list[Target]) -> Target | None:
    """The page an aim of another page names (as its viewer), when it was measured."""
    if not target.aim.of_page:
        return None
    viewer = target.aim.of_viewer or target.viewer
    return next(
        (t for t in targets if t.key == target.aim.of_page and t.viewer == viewer and t.rounds),
        None,
    )


def measure(port: int, gunicorn_pid: int, database: str, targets: list[Target]) -> None:
    """Every page in ROUNDS rounds, each a run of the page and one of its reference, in
    alternating order: both see the same machine, so a burst of other work skews a
    round rather than the share. The reference is the yardstick as the same viewer; a
    page held to another page (the API against the HTML page with the same rows) is
    measured beside that page, in BESIDE_ROUNDS times as many rounds: its aim is then a
    ratio of two runs side by side, not of two shares taken minutes apart."""
    for target in targets:
        if target.skipped or target.is_yardstick:
            continue
        yardstick = yardstick_for(targets, target.viewer)
        compared = compared_page(target, targets)
        reference = compared or yardstick
        target.compared_with = compared
        for round_number in range(ROUNDS * (BESIDE_ROUNDS if compared else 1)):
            page_first = bool(round_number % 2)
            first = load(port, gunicorn_pid, database, target if page_first else reference)
            second = load(port, gunicorn_pid, database, reference if page_first else target)
            page, beside = (first, second) if page_first else (second, first)
            target.rounds.append(
                Round(
                    page.rate,
                    beside.rate,
                    page.p50_ms,
                    page.p99_ms,
                    page.errors,
                    page.cpu,
                    beside.cpu,
                )
            )
            if reference is yardstick:
                yardstick.runs.append(
                    Round(
                        beside.rate,
                        beside.rate,
                        beside.p50_ms,
                        beside.p99_ms,
                        beside.errors,
                        beside.cpu,
                        beside.cpu,
                    )
                )
        if target.aim.median_ms is not None:
            output, _rate = wrk(port, target, ROUND_SECONDS, connections=1, threads=1)
            target.alone_p50_ms, _p99, errors = latencies(output, target.path)
            target.rounds[-1].errors += errors
        beside = (
            f" ({_number(target.reference_share, 2)}× the {target.aim.of_page} beside it)"
            if compared
            else ""
        )
        print(
            f"  {target.page} as {target.viewer}: {target.requests_per_second:.1f} req/s, "
            f"{_number(target.share, 2)}× the yardstick{beside}"
            + (
                f", p50 {target.alone_p50_ms:.0f} ms alone"
                if target.alone_p50_ms is not None
                else ""
            )
        )


def misses(target: Target, targets: list[Target]) -> list[str]:
    """What the target misses of its aims, the query budget and the tail aim."""
    found = []
    budget = QUERY_BUDGETS[target.viewer]
    if target.queries is not None and target.queries > budget:
        found.append(f"{target.queries} queries > {budget}")
    if target.errors:
        found.append(f"{target.errors} errors")
    if target.p50_ms and target.p99_ms > TAIL_AIM * target.p50_ms:
        found.append(f"p99 {target.p99_ms / target.p50_ms:.1f}×p50")
    aim = target.aim
    if aim.median_ms is not None:
        alone = target.alone_p50_ms
        if alone is None or alone >= aim.median_ms:
            found.append(f"p50 alone {_number(alone, 0)}ms ≥ {aim.median_ms:.0f}")
    if aim.share is not None:
        share = relative_share(target, targets)
        if share is not None and share < aim.share:
            found.append(
                f"{share:.2f}× < {aim.share:.1f}×" + (f" {aim.of_page}" if aim.of_page else "")
            )
    return found


def relative_share(target: Target, targets: list[Target]) -> float | None:
    """The share the aim is checked on: of the yardstick, or of the page it names,
    measured beside it (`measure`); by the server's CPU per request where /proc gives
    it, else by requests/s.

    The CPU share, because requests/s do not hold still on a machine that runs the load
    generator, gunicorn and PostgreSQL on the same two cores: eight consecutive 2 s runs
    of the yardstick alone ranged from 151 to 363 requests/s (so "the yardstick against
    itself" from 0.49× to 2.01×), while the CPU shares of two whole runs differed by
    about 0.1. On a saturated server, requests/s are the cores over the CPU per request,
    so both name the same thing."""
    if not target.aim.of_page:
        return target.cpu_share if target.cpu_share is not None else target.share
    if target.compared_with is None:
        return None
    cpu = target.reference_cpu_share
    return cpu if cpu is not None else target.reference_share


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(targets: list[Target], engine: str) -> str:
    header = (
        "page",
        "viewer",
        "req/s",
        "share",
        "cpu share",
        "aim",
        "p50 ms",
        "p99 ms",
        "queries",
        "errors",
        "check",
    )
    rows = []
    for t in targets:
        if t.skipped:
            rows.append(
                (t.page, t.viewer, t.skipped, "-", "-", t.aim.describe(), "-", "-", "-", "-", "-")
            )
            continue
        found = misses(t, targets)
        check = "MISS: " + "; ".join(found) if found else "ok"
        if t.aim.of_page and not found:
            check += f" ({relative_share(t, targets):.2f}× {t.aim.of_page})"
        if t.aim.median_ms is not None and not found:
            check += f" (p50 alone {t.alone_p50_ms:.0f}ms)"
        rows.append(
            (
                t.page,
                t.viewer,
                _number(t.requests_per_second),
                _number(t.share, 2),
                _number(t.cpu_share, 2),
                t.aim.describe(),
                _number(t.p50_ms),
                _number(t.p99_ms),
                str(t.queries),
                str(t.errors),
                check,
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    left = {0, 1, 5, 10}

    def line(cells) -> str:
        padded = [
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    separator = (
        "|"
        + "|".join(
            "-" * (width + 1) + (":" if i not in left else "-") for i, width in enumerate(widths)
        )
        + "|"
    )
    title = (
        f"Commons bench: {engine}, gunicorn {WORKERS} workers, wrk -t{THREADS} "
        f"-c{CONNECTIONS}, {ROUNDS} rounds of {ROUND_SECONDS}s per page each beside "
        f"{ROUND_SECONDS}s of the yardstick, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    notes = (
        "share: median of the rounds' req/s ÷ the yardstick's (same viewer); cpu share: the "
        "yardstick's server CPU per request ÷ the page's (gunicorn + the bench database's "
        "PostgreSQL backends). Aims are checked on the cpu share (on the share where /proc "
        "is missing): requests/s swing by ±40% between 2 s runs of the same page here. "
        'A line held to another page ("≥1.0× idea list") ran beside that page instead, in '
        f"{BESIDE_ROUNDS} times the rounds: its check gives that ratio of CPU per request "
        "over all its rounds, and its shares are through the other page's. "
        "p50/p99: median of the rounds'. Queries: one request, "
        f"in-process (budgets {QUERY_BUDGETS['visitor']} visitor, "
        f"{QUERY_BUDGETS['member']} member). Every page: no errors, p99 ≤ {TAIL_AIM}×p50. "
        'A median aim ("alone") is checked on a further run with one connection: the '
        "time a request takes, where the loaded runs' p50 is mostly the wait behind the "
        f"other {CONNECTIONS - 1} connections (the yardstick's own loaded p50 is shown)."
    )
    missed = sum(1 for t in targets if not t.skipped and misses(t, targets))
    summary = f"{missed} line(s) miss an aim." if missed else "Every measured line meets its aims."
    return "\n".join(
        [title, "", line(header), separator, *(line(row) for row in rows), "", notes, summary]
    )


def notifications_report(env: dict[str, str]) -> str:
    """`bench_notifications`' table on the benchmark database, or why it failed (the page
    table is kept either way)."""
    started = time.monotonic()
    command = [str(BIN / "python"), "manage.py", "bench_notifications"]
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [*command, f"--followers={FOLLOWERS}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    print(f"  bench_notifications: {time.monotonic() - started:.1f}s")
    if result.returncode != 0:
        reason = (result.stderr.strip() or result.stdout.strip()).splitlines()[-5:]
        return "Notifications bench failed:\n" + "\n".join(reason)
    return result.stdout.strip()


# -- the run ----------------------------------------------------------------------------------


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: run `make bench` (it installs Debian's wrk as root).")
        return 1
    # make or a terminal may stop the run with SIGTERM: unwind so gunicorn is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    python = str(BIN / "python")
    gunicorn = None
    try:
        print("Preparing the benchmark database...")
        arguments = seed_arguments()
        database_url, seeded = bench_database_url(arguments)
        engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
        database = urlparse(database_url).path.lstrip("/") if engine == "PostgreSQL" else ""
        env = bench_environment(database_url)
        run_step("migrate", [python, "manage.py", "migrate", "--noinput"], env)
        run_step("collectstatic", [python, "manage.py", "collectstatic", "--noinput"], env)
        if seeded:
            print(f"  seed_scale: reusing the database seeded with {' '.join(arguments)}")
        else:
            run_step("seed_scale", [python, "manage.py", "seed_scale", *arguments], env)
            mark_seeded(database_url, arguments)
        # The digests of the seeded members, built and rendered in one process (issue 10).
        digest_report = run_step(
            "bench_digests",
            [python, "manage.py", "bench_digests", f"--members={setting('BENCH_MEMBERS', 10_000)}"],
            env,
        )
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        targets = prepare_targets()

        sessions_before = session_rows()
        port = free_port()
        gunicorn = start_gunicorn(env, port)
        wait_for_health(gunicorn, port)
        print(
            f"gunicorn ready on 127.0.0.1:{port}; {ROUNDS} rounds of {ROUND_SECONDS}s per "
            "page, each beside as long a run of the yardstick..."
        )
        for target in targets:
            if target.skipped:
                print(f"  {target.page} as {target.viewer}: {target.skipped}, skipped")
                continue
            for _ in range(10):  # warm both workers: compiled templates, cached session
                status = get(port, target.path, request_headers(target))
            if status != 200:
                raise BenchError(f"{target.path} as {target.viewer} answered HTTP {status}")
        measure(port, gunicorn.pid, database, targets)
        sessions_after = session_rows()
        report = table(targets, engine)
        report += (
            f"\nSession rows: {sessions_before} before the load, {sessions_after} after "
            f"({'no' if sessions_after == sessions_before else 'UNEXPECTED'} writes by GETs)."
        )
        report += (
            "\n\nDigests (one process, built and rendered, not sent):\n" + digest_report.strip()
        )
        stop_gunicorn(gunicorn)  # idle from here: the notification bench runs in-process
        gunicorn = None
        print("Notifications: fan-out and replies, in-process, rolled back...")
        report += "\n\n" + notifications_report(env)
        print()
        print(report)
        RESULTS.write_text(report + "\n")
        print(
            f"\n(saved to {RESULTS.relative_to(ROOT)}; whole run {time.monotonic() - started:.0f}s)"
        )
        return 0
    except BenchError as error:
        print(f"Benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)


if __name__ == "__main__":
    sys.exit(main())
