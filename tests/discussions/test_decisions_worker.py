"""Beat and a real Celery worker process close a decision whose time has come.

The worker runs with embedded beat and the database scheduler, as `make run` does. Beat
reads the periodic task the schedule migration registers (written again here, because
transactional tests empty the tables), sends it to this test's own queue, and the
worker runs it against the same test database.
"""

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from discussions.models import Activity, ActivityKind, Decision
from tests.communities.factories import CommunityFactory
from tests.discussions.decisions_support import open_decision

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def beat_schedule_on_own_queue():
    """The migration's periodic task, due now, routed to a queue of this test's own."""
    queue = f"commons-beat-{uuid.uuid4().hex[:8]}"
    migration = __import__(
        "discussions.migrations.0003_close_decisions_schedule", fromlist=["schedule"]
    )
    migration.schedule(django_apps, None)
    PeriodicTask.objects.filter(task="discussions.close_due_decisions").update(
        queue=queue, last_run_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    return queue


@pytest.fixture
def start_worker_with_beat(beat_schedule_on_own_queue, tmp_path):
    """Starts the worker when called, so the test's data is committed before beat fires."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": worker_database_url(),
        "DATA_DIR": str(settings.DATA_DIR),
    }
    log_path = tmp_path / "worker.log"
    started = []

    def start() -> subprocess.Popen:
        with log_path.open("w") as log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--beat",
                    "--schedule",
                    str(tmp_path / "celerybeat-schedule"),
                    "--pool=solo",
                    "--queues",
                    beat_schedule_on_own_queue,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=info",
                ],
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if worker.returncode not in (0, -15):
            print(log_path.read_text())


def wait_until(check, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def test_beat_and_a_worker_process_close_a_due_decision(start_worker_with_beat):
    community = CommunityFactory(visibility="public")
    due = open_decision(community, title="Due one")
    still_open = open_decision(community, title="Still open")
    Decision.objects.filter(pk=due.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=5)
    )

    worker = start_worker_with_beat()
    closed = wait_until(lambda: Decision.objects.get(pk=due.pk).closed_at is not None)

    assert closed, "beat should have sent the task and the worker closed the due decision"
    assert Decision.objects.get(pk=still_open.pk).closed_at is None
    assert list(
        Activity.objects.filter(kind=ActivityKind.DECISION_CLOSED).values_list("thread", "actor")
    ) == [(due.thread_id, None)]
    assert worker.poll() is None, "the worker must still be running"
