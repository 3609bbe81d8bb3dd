"""The digest end to end: beat (the schedule migration's hourly task) and a real worker
process build and send it, the email goes out over a real SMTP server, and a one-click
unsubscribe from it stops the next one.

Beat reads the periodic task the migration registers (written again here, because
transactional tests empty the tables), marked as last run two hours ago so that it is
due at once; every task goes to this test's own queue.
"""

import datetime
import time
from urllib.parse import urlparse

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from discussions.models import Post, Thread
from notifications import digests, services
from notifications.models import DigestRecord, NotificationSettings
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import ThreadFactory, member_of
from tests.worker_support import own_queue, start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def digest_queue():
    with own_queue("commons-digest") as queue:
        migration = __import__(
            "notifications.migrations.0004_digest_schedule", fromlist=["schedule"]
        )
        migration.schedule(django_apps, None)
        PeriodicTask.objects.filter(task="notifications.enqueue_due_digests").update(
            queue=queue, last_run_at=timezone.now() - datetime.timedelta(hours=2)
        )
        yield queue


@pytest.fixture
def start_worker_with_beat(digest_queue, smtp_mailbox, tmp_path):
    log_path = tmp_path / "worker.log"
    started = []

    def start():
        worker = start_worker(
            queue=digest_queue,
            log_path=log_path,
            extra_args=("--beat", "--schedule", str(tmp_path / "celerybeat-schedule")),
            extra_env={
                "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": smtp_mailbox.host,
                "EMAIL_PORT": str(smtp_mailbox.port),
            },
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_worker(worker, log_path)


def wait_until(check, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def test_beat_and_a_worker_email_the_digest_and_one_click_stops_the_next(
    start_worker_with_beat, smtp_mailbox
):
    community = CommunityFactory(visibility="private", name="Fleet")
    owner = owner_of(community)
    hour = timezone.now().astimezone(datetime.UTC).hour
    reader = member_of(community, email="rita@example.org", display_name="Rita Reader")
    control = member_of(community, email="carl@example.org", display_name="Carl Control")
    for person in (reader, control):
        services.update_settings(user=person, digest_cadence="daily", digest_hour=hour)
    thread = ThreadFactory(community=community, author=owner, title="Electric vans")
    # Written before this hour began: a digest due at the top of the hour covers up to it.
    earlier = digests.top_of_hour(timezone.now()) - datetime.timedelta(minutes=30)
    Thread.objects.filter(pk=thread.pk).update(created_at=earlier, last_activity_at=earlier)
    Post.objects.filter(thread=thread).update(created_at=earlier)

    worker = start_worker_with_beat()
    smtp_mailbox.wait_for(2, timeout=90)

    [message] = smtp_mailbox.to(reader.email)
    assert message["To"] == reader.email
    assert message["Subject"].strip() == "Your daily digest: 1 update in Fleet"
    assert message["X-Commons-Kind"] == "digest"
    text, html = smtp_mailbox.text(message), smtp_mailbox.html(message)
    assert "Electric vans" in text and "Electric vans" in html
    assert "Most active threads" in text and "Most active threads" in html
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert "/notifications/unsubscribe/" in unsubscribe and unsubscribe in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail client's one-click POST: no session, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        urlparse(unsubscribe).path, {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert NotificationSettings.objects.get(user=reader).digest_cadence == "off"

    # The next day: the control gets the next digest, the reader nothing.
    ThreadFactory(community=community, author=owner, title="Charging plan")
    tomorrow = digests.top_of_hour(timezone.now()) + datetime.timedelta(days=1)
    digests.enqueue_due_digests(now=tomorrow)
    assert wait_until(lambda: len(smtp_mailbox.to(control.email)) == 2)
    time.sleep(1)
    assert len(smtp_mailbox.to(reader.email)) == 1
    assert DigestRecord.objects.filter(user=reader).count() == 1
    assert worker.poll() is None, "the worker must still be running"
