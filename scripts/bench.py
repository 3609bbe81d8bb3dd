"""`make bench`: load the main pages under gunicorn on a scale dataset and print a table.

Steps: a fresh benchmark database (PostgreSQL `<name>_bench` next to DATABASE_URL's when
it is set, else SQLite under var/bench/), migrate, collect static files, `seed_scale`
(with its million posts), gunicorn with the
bench's settings (`benchyard.settings`: production plus the yardstick page) with 2
workers on a free loopback port, then for each page as a visitor and as a signed-in
member: the SQL query count of one request (measured in-process with the test client
against the same database) and a bounded wrk run. The discussion pages are still being
built: one answering 404 shows as "not built" (another status, as "HTTP <code>") in its
row and the run goes on. The yardstick is a bare page listing 30 threads with their
community, loaded as a visitor and as the member; each thread list's requests/s are
printed as a share of the yardstick's for the same viewer, measured in alternating short
runs of the two (the member's also as a share of the visitor's yardstick).
Gunicorn is always stopped, whatever fails. Traffic never leaves 127.0.0.1.

Environment knobs: BENCH_DURATION (seconds per page, default 10), BENCH_CONNECTIONS (8),
BENCH_THREADS (2), BENCH_MEMBERS / BENCH_COMMUNITIES / BENCH_PURPOSES and
BENCH_DISCUSSION_THREADS / BENCH_POSTS / BENCH_IDEAS / BENCH_VOTES / BENCH_DECISIONS /
BENCH_REACTIONS (seed_scale sizes), BENCH_LIGHT=1 (a tenth of the discussion sizes, for
a quicker run), BENCH_DEEP_PAGE (how many member-list pages deep, default 100),
BENCH_COMPARISON_ROUNDS (9) and BENCH_COMPARISON_SECONDS (2): the thread list and the
yardstick are also measured in alternating short runs, so that a machine busy with other
work slows both alike and their ratio stays meaningful.
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
YARDSTICK_AIM = 2 / 3  # the thread list should serve at least this share of its req/s
YARDSTICK_PATH = "/bench/yardstick/"


def setting(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DURATION = setting("BENCH_DURATION", 10)
CONNECTIONS = setting("BENCH_CONNECTIONS", 8)
THREADS = setting("BENCH_THREADS", 2)
DEEP_PAGE = setting("BENCH_DEEP_PAGE", 100)
COMPARISON_ROUNDS = setting("BENCH_COMPARISON_ROUNDS", 9)
COMPARISON_SECONDS = setting("BENCH_COMPARISON_SECONDS", 2)
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


@dataclass
class Target:
    page: str
    viewer: str
    path: str
    cookie: str = ""
    queries: int | None = None
    requests_per_second: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    optional: bool = False  # a page still being built: it may answer 404 for now
    skipped: str = ""  # why an optional page was not loaded ("not built", "HTTP 302")
    # Measured in alternation with the yardstick, one per round.
    paired_rounds: list["PairedRound"] = field(default_factory=list)


@dataclass
class PairedRound:
    """One round of a page against the yardstick: requests per second of each, and the
    server's CPU seconds per request of each (gunicorn and PostgreSQL together; None
    where /proc cannot tell)."""

    page_rate: float
    yardstick_rate: float
    page_cpu: float | None = None
    yardstick_cpu: float | None = None


# -- the benchmark database ------------------------------------------------------------------


def bench_database_url() -> str:
    """A URL for a throwaway database, created empty; never the one DATABASE_URL names."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        raise BenchError(f"DATABASE_URL must be PostgreSQL or unset (SQLite), not {parts.scheme}.")
    name = parts.path.lstrip("/") or "commons"
    bench_name = name if name.endswith("_bench") else f"{name}_bench"
    recreate_postgres_database(parts, bench_name)
    return parts._replace(path=f"/{bench_name}").geturl()


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
        }
    )
    return env


def run_step(label: str, command: list[str], env: dict[str, str]) -> None:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"{label} failed:\n{result.stdout}\n{result.stderr}")
    print(f"  {label}: {time.monotonic() - started:.1f}s")
    if "seed_scale" in command:
        for line in result.stdout.splitlines():
            print(f"    {line.strip()}")


# -- targets, the member's session and query counts (in-process) -----------------------------


def prepare_targets() -> list[Target]:
    """Pages to load, a member's session cookie, and each page's query count."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import login
    from django.db import connection
    from django.http import HttpRequest
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from communities import selectors
    from communities.models import Community, Role, Visibility
    from discussions.management.commands.seed_discussions_scale import SAMPLE_SEARCH_WORD
    from discussions.models import Thread

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

    # Follow the member list's own cursors, exactly as "Next page" links do.
    cursor, depth = None, 0
    for _ in range(DEEP_PAGE - 1):
        page = selectors.member_page(community=community, after=cursor)
        if page.next_cursor is None:
            break
        cursor, depth = page.next_cursor, depth + 1

    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, member, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}"

    members = f"/communities/{community.slug}/members/"
    pages = [
        ("directory", "/communities/"),
        ("purpose page", purpose.get_absolute_url()),
        ("community home", community.get_absolute_url()),
        (f"member list ({community.member_count})", members),
        (f"members, page {depth + 1}", f"{members}?{urlencode({'after': cursor or ''})}"),
    ]
    # The discussion pages (404 until they are built), on the community's busiest thread.
    threads = f"/communities/{community.slug}/threads/"
    thread = Thread.objects.filter(community=community).order_by("-post_count", "id").first()
    thread_count = Thread.objects.filter(community=community).count()
    discussion_pages = [(f"thread list ({thread_count})", threads)]
    if thread is not None:
        discussion_pages.append(
            (f"thread page ({thread.post_count} posts)", f"{threads}{thread.pk}/")
        )
    discussion_pages += [
        ("idea list", f"/communities/{community.slug}/ideas/"),
        (f"search {SAMPLE_SEARCH_WORD!r}", f"/search/?{urlencode({'q': SAMPLE_SEARCH_WORD})}"),
    ]
    # The yardstick for each viewer: a member's bare page pays for their session and
    # account too, so each thread list is compared with the yardstick seen the same way.
    targets = [
        Target("yardstick: 30 threads + join", "visitor", YARDSTICK_PATH),
        Target("yardstick: 30 threads + join", "member", YARDSTICK_PATH, cookie),
    ]
    for viewer in ("visitor", "member"):
        session = cookie if viewer == "member" else ""
        for page, path in pages:
            targets.append(Target(page, viewer, path, session))
        for page, path in discussion_pages:
            targets.append(Target(page, viewer, path, session, optional=True))
    targets.append(Target("feed (home)", "member", "/", cookie, optional=True))

    for target in targets:
        client = Client()
        if target.cookie:
            name, _, value = target.cookie.partition("=")
            client.cookies[name] = value
        client.get(target.path)  # warm: templates compiled, session cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(target.path)
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


def get(port: int, path: str, cookie: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
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


def wrk(port: int, target: Target, seconds: int) -> tuple[str, float]:
    """wrk's report for `seconds` of load on the target, and its requests per second."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
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


def run_wrk(port: int, target: Target) -> None:
    output, target.requests_per_second = wrk(port, target, DURATION)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (p50 and p99):
        raise BenchError(f"Could not read wrk's latencies for {target.path}:\n{output}")
    target.p50_ms, target.p99_ms = to_ms(p50.group(1)), to_ms(p99.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", output)
    target.errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        target.errors += sum(int(value) for value in socket_errors.groups())


def table(targets: list[Target], engine: str) -> str:
    header = ("page", "viewer", "req/s", "p50 ms", "p99 ms", "queries", "errors")
    rows = [
        (
            (
                t.page,
                t.viewer,
                f"{t.requests_per_second:.1f}",
                f"{t.p50_ms:.1f}",
                f"{t.p99_ms:.1f}",
                str(t.queries),
                str(t.errors),
            )
            if not t.skipped
            else (t.page, t.viewer, t.skipped, "-", "-", "-", "-")
        )
        for t in targets
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        left = [cell.ljust(width) for cell, width in zip(cells[:2], widths, strict=False)]
        right = [cell.rjust(width) for cell, width in zip(cells[2:], widths[2:], strict=True)]
        return "  ".join(left + right)

    title = (
        f"Commons bench: {engine}, gunicorn {WORKERS} workers, "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    separator = "  ".join("-" * width for width in widths)
    return "\n".join([title, line(header), separator, *(line(row) for row in rows)])


def compared_targets(targets: list[Target]) -> list[Target]:
    return [t for t in targets if t.page.startswith("thread list")]


def yardstick_for(targets: list[Target], viewer: str) -> Target:
    return next(t for t in targets if t.path == YARDSTICK_PATH and t.viewer == viewer)


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


def server_cpu_seconds(gunicorn_pid: int) -> float | None:
    """CPU seconds used so far by gunicorn (its master and workers) and by every
    PostgreSQL process of this machine; None without /proc."""
    proc = Path("/proc")
    if not (proc / str(gunicorn_pid) / "stat").exists():
        return None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        found = _process_cpu(entry.name)
        if found is None:
            continue
        name, parent, used = found
        if gunicorn_pid in (int(entry.name), parent) or name == "postgres":
            ticks += used
    return ticks / CLOCK_TICKS


def measure_against_yardstick(port: int, gunicorn_pid: int, targets: list[Target]) -> None:
    """Alternate short runs of the yardstick and each thread list (as the same viewer), so
    both see the same machine: a background job slowing one 10-second run would otherwise
    skew the share. Each run also records the server's CPU time per request, which other
    work on a shared (virtual) machine does not change."""
    for target in compared_targets(targets):
        if target.skipped:
            continue
        yardstick = yardstick_for(targets, target.viewer)
        for round_number in range(COMPARISON_ROUNDS):
            order = [target, yardstick] if round_number % 2 else [yardstick, target]
            rates: dict[str, float] = {}
            cpu: dict[str, float | None] = {}
            for measured in order:
                before = server_cpu_seconds(gunicorn_pid)
                output, rates[measured.path] = wrk(port, measured, COMPARISON_SECONDS)
                after = server_cpu_seconds(gunicorn_pid)
                served = re.search(r"(\d+) requests in", output)
                cpu[measured.path] = (
                    (after - before) / int(served.group(1))
                    if None not in (before, after) and served and int(served.group(1))
                    else None
                )
            target.paired_rounds.append(
                PairedRound(
                    rates[target.path], rates[yardstick.path], cpu[target.path], cpu[yardstick.path]
                )
            )


def _verdict(share: float) -> str:
    return "meets" if share >= YARDSTICK_AIM else "BELOW"


def _paired_verdicts(target: Target) -> list[str]:
    """The share from the alternating rounds, by the clock and by the server's CPU.

    Each is the median of the rounds' shares: a burst of other work on the machine (a
    virtual machine's neighbours, a vacuum) skews a round, not the verdict. By the clock,
    such bursts still move single rounds a lot on a shared machine; the CPU time each
    request costs gunicorn and PostgreSQL does not depend on them, and on a machine the
    load keeps busy, requests per second are the CPU there is divided by that cost.
    """
    rounds = target.paired_rounds
    shares = sorted(r.page_rate / r.yardstick_rate for r in rounds)
    page_rate = statistics.fmean(r.page_rate for r in rounds)
    yardstick_rate = statistics.fmean(r.yardstick_rate for r in rounds)
    share = statistics.median(shares)
    lines = [
        f"Thread list as {target.viewer}: {page_rate:.1f} req/s against the yardstick's "
        f"{yardstick_rate:.1f} as {target.viewer}: {share:.0%} by the clock (median of "
        f"{len(shares)} alternating rounds of {COMPARISON_SECONDS}s, rounds from "
        f"{shares[0]:.0%} to {shares[-1]:.0%}; {_verdict(share)} the aim of "
        f"{YARDSTICK_AIM:.0%})."
    ]
    measured = [r for r in rounds if r.page_cpu and r.yardstick_cpu]
    if measured:
        cpu_shares = sorted(r.yardstick_cpu / r.page_cpu for r in measured)
        cpu_share = statistics.median(cpu_shares)
        page_ms = 1000 * statistics.median(r.page_cpu for r in measured)
        yardstick_ms = 1000 * statistics.median(r.yardstick_cpu for r in measured)
        lines.append(
            f"  by the server's CPU time per request: {page_ms:.1f} ms against "
            f"{yardstick_ms:.1f} ms, {cpu_share:.0%} of the yardstick's requests per "
            f"CPU-second (rounds from {cpu_shares[0]:.0%} to {cpu_shares[-1]:.0%}; "
            f"{_verdict(cpu_share)} the aim)."
        )
    return lines


def yardstick_comparison(targets: list[Target]) -> str:
    """The thread list's requests/s as a share of the yardstick's (aim: two thirds), each
    viewer against the yardstick as the same viewer; the member's list is also given as a
    share of the visitor's yardstick (from the table's runs)."""
    lines = []
    for target in compared_targets(targets):
        if target.skipped:
            lines.append(f"Thread list as {target.viewer}: {target.skipped}, not compared.")
            continue
        yardstick = yardstick_for(targets, target.viewer)
        if target.paired_rounds:
            lines += _paired_verdicts(target)
        else:
            page_rate, yardstick_rate = target.requests_per_second, yardstick.requests_per_second
            share = page_rate / yardstick_rate
            lines.append(
                f"Thread list as {target.viewer}: {page_rate:.1f} req/s against the "
                f"yardstick's {yardstick_rate:.1f} as {target.viewer}: {share:.0%} (the "
                f"table's runs; {_verdict(share)} the aim of {YARDSTICK_AIM:.0%})."
            )
        visitor_yardstick = yardstick_for(targets, "visitor")
        if target.viewer != "visitor" and visitor_yardstick.requests_per_second:
            lines.append(
                f"  (as a share of the visitor's yardstick, from the table's runs: "
                f"{target.requests_per_second / visitor_yardstick.requests_per_second:.0%})"
            )
    return "\n".join(lines)


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
        database_url = bench_database_url()
        engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
        env = bench_environment(database_url)
        run_step("migrate", [python, "manage.py", "migrate", "--noinput"], env)
        run_step("collectstatic", [python, "manage.py", "collectstatic", "--noinput"], env)
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
        run_step("seed_scale", [python, "manage.py", "seed_scale", *sizes], env)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        targets = prepare_targets()

        sessions_before = session_rows()
        port = free_port()
        gunicorn = start_gunicorn(env, port)
        wait_for_health(gunicorn, port)
        print(f"gunicorn ready on 127.0.0.1:{port}; {DURATION}s of wrk per page...")
        for target in targets:
            if target.skipped:
                print(f"  {target.page} as {target.viewer}: {target.skipped}, skipped")
                continue
            for _ in range(10):  # warm both workers: compiled templates, cached session
                status = get(port, target.path, target.cookie)
            if status != 200:
                raise BenchError(f"{target.path} as {target.viewer} answered HTTP {status}")
            run_wrk(port, target)
            print(f"  {target.page} as {target.viewer}: {target.requests_per_second:.1f} req/s")
        print(
            f"Thread list against the yardstick: {COMPARISON_ROUNDS} alternating rounds of "
            f"{COMPARISON_SECONDS}s each..."
        )
        measure_against_yardstick(port, gunicorn.pid, targets)
        sessions_after = session_rows()
        report = table(targets, engine) + "\n" + yardstick_comparison(targets)
        report += (
            f"\nSession rows: {sessions_before} before the load, {sessions_after} after "
            f"({'no' if sessions_after == sessions_before else 'UNEXPECTED'} writes by GETs)."
        )
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
