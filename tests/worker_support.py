"""Starting and stopping a real Celery worker process against the test database.

The broker is Redis when REDIS_URL is set (as in CI), else the folder queue of the
embedded default; the worker reads the same test database the test writes to.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parents[1]


def worker_database_url() -> str:
    """DATABASE_URL for a worker process: the test database this test writes to."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(
    *, queue: str, log_path: Path, extra_args: tuple[str, ...] = (), extra_env: dict | None = None
) -> subprocess.Popen:
    """A solo worker consuming only `queue`, logging to `log_path`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": worker_database_url(),
        "DATA_DIR": str(settings.DATA_DIR),
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", *extra_args]
    command += ["--pool=solo", "--queues", queue, "--without-gossip", "--without-mingle"]
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
