"""Notifications by a real worker process: killed with SIGKILL in the middle of telling
2,000 members, a new worker finishes the job (after the sweep re-enqueues it) and every
member has exactly one notification; a reply's email reaches the SMTP server through the
worker, and a one-click unsubscribe stops the next one."""

import signal
import time
from contextlib import contextmanager
from urllib.parse import urlparse

import psycopg2
import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from communities.models import Membership
from core.models import OutboxMessage
from discussions.services import threads as thread_services
from notifications import services
from notifications.models import Event, Notification
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.query_budgets import bulk_people
from tests.worker_support import own_queue, start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 2000


@pytest.fixture
def worker_queue():
    with own_queue("commons-fanout") as queue:
        yield queue


def wait_until(check, timeout: float = 90.0, pause: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(pause)
    return check()


@contextmanager
def notification_writes_held():
    """On PostgreSQL, another connection locks the notification table against writes
    (reads go on) until the block ends, so a fan-out under way stops at its next chunk.
    SQLite's write lock is not granted in turn (a waiting connection can miss every gap
    between the worker's chunks until the last), so there the kill follows the first
    chunk seen at once, with hundreds of chunks still to go."""
    if connection.vendor != "postgresql":
        yield
        return
    db = connection.settings_dict
    held = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        held.cursor().execute(
            f"LOCK TABLE {Notification._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
        )
        yield
    finally:
        held.rollback()
        held.close()


def test_a_worker_killed_mid_fan_out_leaves_one_notification_each(worker_queue, tmp_path):
    community = CommunityFactory(visibility="private", name="Big fleet")
    owner = owner_of(community)
    people = bulk_people(MEMBERS, label="fan")
    Membership.objects.bulk_create(
        Membership(
            community=community,
            user=person,
            joined_via="added",
            notification_level="all",
        )
        for person in people
    )
    # Many chunks, so the first lands long before the last.
    if connection.vendor == "sqlite":
        # Readers alongside the worker's writes: in SQLite's default journal the worker's
        # back-to-back chunks keep this test from reading until the last one is written.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
    environment = {"NOTIFICATIONS_CHUNK_SIZE": "5"}
    first_log = tmp_path / "first.log"
    first = start_worker(queue=worker_queue, log_path=first_log, extra_env=environment)
    try:
        thread = ThreadFactory(community=community, author=owner, title="Depot move")
        event = Event.objects.get(thread=thread)
        told = Notification.objects.filter(event=event)
        assert wait_until(lambda: told.count() > 0, pause=0.02), first_log.read_text()
        # Its next chunk waits on the held table: killed there, never after the end.
        with notification_writes_held():
            halfway = told.count()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
    assert told.count() == halfway
    assert 0 < halfway < MEMBERS
    assert Event.objects.get(pk=event.pk).fanned_out_at is None

    second_log = tmp_path / "second.log"
    second = start_worker(queue=worker_queue, log_path=second_log, extra_env=environment)
    try:
        # The sweep finds the event recorded but not finished, and sends it again.
        assert services.sweep(now=timezone.now() + services.SWEEP_AFTER) == 1
        assert wait_until(
            lambda: Event.objects.filter(pk=event.pk, fanned_out_at__isnull=False).exists()
        ), second_log.read_text()
    finally:
        stop_worker(second, second_log)

    counts = told.values("recipient").annotate(n=Count("pk")).values_list("n", flat=True)
    assert told.count() == MEMBERS
    assert set(counts) == {1}
    assert set(told.values_list("recipient", flat=True)) == {person.pk for person in people}


def test_a_reply_is_emailed_by_a_worker_until_a_one_click_unsubscribe(
    worker_queue, smtp_mailbox, tmp_path
):
    """The whole way with real parts: the reply's fan-out and its email run on a worker
    process over the broker, the message arrives at the SMTP server with both bodies and
    the RFC 8058 headers, and a one-click POST (no session, no CSRF token, as a mail
    server sends it) stops the next one while the app still shows it."""
    community = CommunityFactory(visibility="private", name="Fleet")
    owner = owner_of(community)
    follower = member_of(community, display_name="Fiona Follower")
    log_path = tmp_path / "worker.log"
    worker = start_worker(
        queue=worker_queue,
        log_path=log_path,
        extra_env={
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": smtp_mailbox.host,
            "EMAIL_PORT": str(smtp_mailbox.port),
        },
    )
    try:
        thread = ThreadFactory(community=community, author=owner, title="Electric vans")
        thread_services.follow(user=follower, thread=thread)
        PostFactory(thread=thread, author=owner, body="The first van arrives on Monday.")

        [message] = smtp_mailbox.wait_for(1, timeout=60)
        assert message["To"] == follower.email
        assert message["Subject"].strip() == f"{owner.name} replied in “Electric vans” · Fleet"
        assert "The first van arrives on Monday." in smtp_mailbox.text(message)
        assert "The first van arrives on Monday." in smtp_mailbox.html(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = urlparse(message["List-Unsubscribe"].strip().strip("<>")).path
        answer = Client(enforce_csrf_checks=True).post(
            unsubscribe, "List-Unsubscribe=One-Click", content_type="text/plain"
        )
        assert answer.status_code == 200

        second = PostFactory(thread=thread, author=owner, body="The second one on Tuesday.")
        told = Notification.objects.filter(recipient=follower, event__post=second)
        assert wait_until(told.exists), log_path.read_text()
        assert wait_until(
            lambda: (
                not OutboxMessage.objects.filter(
                    done_at__isnull=True, failed_at__isnull=True
                ).exists()
            )
        ), log_path.read_text()
    finally:
        stop_worker(worker, log_path)
    assert len(smtp_mailbox.messages) == 1
    assert told.get().read_at is None  # still in the notification centre
