"""Starting and stopping a real Celery worker process against the test database.

The broker is Redis when REDIS_URL is set (as in CI), else the folder queue of the
embedded default; the worker reads the same test database the test writes to.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

PROJECT_DIR = Path(__file__).resolve().parents[1]


def worker_database_url() -> str:
    """DATABASE_URL for a worker process: the test database this test writes to."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def own_queue(prefix: str = "commons-test") -> Iterator[str]:
    """Send every task of this test to a queue of its own, so nothing left on a shared broker
    reaches its worker: no routes (the outbox stores each task's routed queue), and tasks
    really go to the broker instead of running eagerly."""
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    conf = celery_app.conf
    previous = (conf.task_always_eager, conf.task_default_queue, conf.task_routes)
    conf.task_always_eager, conf.task_default_queue, conf.task_routes = False, queue, {}
    try:
        yield queue
    finally:
        conf.task_always_eager, conf.task_default_queue, conf.task_routes = previous


def wait_until(check: Callable[[], object], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return bool(check())


def start_worker(
    *,
    queue: str,
    log_path: Path,
    extra_args: tuple[str, ...] = (),
    extra_env: dict | None = None,
    pool: str = "solo",
) -> subprocess.Popen:
    """A worker (solo pool unless told) consuming only `queue`, logging to `log_path`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": worker_database_url(),
        "DATA_DIR": str(settings.DATA_DIR),
        # What the worker schedules goes to the test's queue too (config.settings.test).
        "CELERY_TEST_QUEUE": queue,
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", *extra_args]
    command += [
        f"--pool={pool}",
        "--concurrency=1",
        "--queues",
        queue,
        "--without-gossip",
        "--without-mingle",
    ]
    command += ["--without-heartbeat", "--loglevel=info"]
    with log_path.open("w") as log:
        return subprocess.Popen(  # noqa: S603 - our interpreter and arguments
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def stop_worker(worker: subprocess.Popen, log_path: Path) -> None:
    """Stop the worker; print its log when it did not end cleanly."""
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    if worker.returncode not in (0, -15):
        print(log_path.read_text())
