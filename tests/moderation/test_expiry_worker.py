"""Beat and a real Celery worker process end sanctions whose end has passed: the person
may write again, and the audit log says the sanction ended.

The worker runs with embedded beat and the database scheduler, as `make run` does; beat
reads the periodic task the schedule migration registers (written again here, because
transactional tests empty the tables) and sends it to this test's own queue.
"""

import datetime
import uuid

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import AccountSanction
from communities.models import Ban, Silence
from discussions import permissions as discussion_permissions
from moderation.models import AuditAction, AuditEntry
from tests.accounts.factories import UserFactory
from tests.moderation.support import place, silence
from tests.worker_support import start_worker, stop_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start_worker_with_beat(tmp_path):
    queue = f"commons-beat-{uuid.uuid4().hex[:8]}"
    migration = __import__(
        "moderation.migrations.0004_sanction_and_trust_schedules", fromlist=["schedule"]
    )
    migration.schedule(django_apps, None)
    PeriodicTask.objects.filter(task="moderation.end_expired_sanctions").update(
        queue=queue, last_run_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    # Only the sanction sweep runs here.
    PeriodicTask.objects.exclude(task="moderation.end_expired_sanctions").update(enabled=False)
    log_path = tmp_path / "worker.log"
    started = []

    def start():
        beat = ("--beat", "--schedule", str(tmp_path / "celerybeat-schedule"))
        started.append(start_worker(queue=queue, log_path=log_path, extra_args=beat))
        return started[-1]

    yield start
    for worker in started:
        stop_worker(worker, log_path)


def test_beat_and_a_worker_end_due_sanctions_and_record_it(start_worker_with_beat):
    where = place()
    silence(where, reason="Cool down")
    admin = UserFactory(is_staff=True, member_type="employee")
    suspended = UserFactory(member_type="employee")
    AccountSanction.objects.create(
        user=suspended,
        kind="suspend",
        reason="Breach",
        created_by=admin,
        ends_at=timezone.now() + datetime.timedelta(days=1),
    )
    still_banned = UserFactory(member_type="employee")
    Ban.objects.create(
        community=where.community,
        user=still_banned,
        reason="Later",
        ends_at=timezone.now() + datetime.timedelta(days=3),
    )
    past = timezone.now() - datetime.timedelta(seconds=5)
    Silence.objects.filter(user=where.member).update(ends_at=past)
    AccountSanction.objects.filter(user=suspended).update(ends_at=past)

    worker = start_worker_with_beat()
    ended = wait_until(
        lambda: AuditEntry.objects.filter(action=AuditAction.SANCTION_EXPIRED).count() == 2
    )

    assert ended, "beat should have sent the sweep and the worker ended both sanctions"
    assert not Silence.objects.exists()
    assert not AccountSanction.objects.exists()
    assert Ban.objects.filter(user=still_banned).exists()
    entries = AuditEntry.objects.filter(action=AuditAction.SANCTION_EXPIRED)
    assert {(entry.subject_id, entry.actor_id) for entry in entries} == {
        (where.member.pk, None),
        (suspended.pk, None),
    }
    assert discussion_permissions.can_post(where.member, where.community)
    assert worker.poll() is None, "the worker must still be running"
