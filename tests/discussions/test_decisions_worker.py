"""Beat and a real Celery worker process close a decision whose time has come.

The worker runs with embedded beat and the database scheduler, as `make run` does. Beat
reads the periodic task the schedule migration registers (written again here, because
transactional tests empty the tables), sends it to this test's own queue, and the
worker runs it against the same test database.
"""

import datetime
import time
import uuid

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from discussions.models import Activity, ActivityKind, Decision
from tests.communities.factories import CommunityFactory
from tests.discussions.decisions_support import open_decision
from tests.worker_support import start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)


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
    log_path = tmp_path / "worker.log"
    started = []

    def start():
        beat = ("--beat", "--schedule", str(tmp_path / "celerybeat-schedule"))
        worker = start_worker(queue=beat_schedule_on_own_queue, log_path=log_path, extra_args=beat)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_worker(worker, log_path)


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
