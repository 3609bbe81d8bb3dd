"""Email through the outbox, a real Celery worker process, a real broker and a real SMTP
server: logged, delivered once, failures kept with their reason, nothing lost when the
broker is down or a worker is killed.

The broker is Redis when REDIS_URL is set (as in CI), else the folder queue of the
embedded default. The worker reads the same test database the test writes to.
"""

import asyncio
import datetime
import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import User
from config.celery import app as celery_app
from core import outbox
from core.models import EmailDelivery, OutboxMessage
from core.tasks import sweep_outbox
from tests.accounts.factories import UserFactory
from tests.admin_support import flashed
from tests.conftest import Mailbox, free_port
from tests.worker_support import own_queue, start_worker, stop_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SIGN_UP = {
    "email": "wendy@example.org",
    "display_name": "Wendy Worker",
    "password1": "a-long-and-unusual-passphrase-7",
    "password2": "a-long-and-unusual-passphrase-7",
}


@pytest.fixture
def worker_queue():
    with own_queue() as queue:
        yield queue


@pytest.fixture
def run_worker(worker_queue, smtp_mailbox, tmp_path):
    """Starts a worker delivering to the test's SMTP server when called."""
    started = []

    def start(*, mailbox: Mailbox = smtp_mailbox, pool: str = "solo", beat: bool = False):
        log_path = tmp_path / f"worker-{len(started)}.log"
        schedule = ("--beat", "--schedule", str(tmp_path / "celerybeat-schedule"))
        worker = start_worker(
            queue=worker_queue,
            log_path=log_path,
            pool=pool,
            extra_args=schedule if beat else (),
            extra_env={
                "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": mailbox.host,
                "EMAIL_PORT": str(mailbox.port),
                # The sweep below stands for beat a few minutes later.
                "OUTBOX_SWEEP_AFTER_SECONDS": "0",
            },
        )
        started.append((worker, log_path))
        return worker

    yield start
    for worker, log_path in started:
        stop_worker(worker, log_path)


@contextmanager
def broker_unreachable():
    """The site's Celery app talks to a broker address where nothing listens (as when
    Redis is down), then to the real one again."""
    conf = celery_app.conf
    previous = conf.broker_url

    def reconnect() -> None:
        # Forget the app's pools; kombu's registry hands back the same ones for the URL.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    reconnect()
    try:
        yield
    finally:
        conf.broker_url = previous
        reconnect()


def delivery_status(pk: int) -> str:
    return EmailDelivery.objects.get(pk=pk).status


def test_a_password_reset_is_logged_and_delivered_once_by_a_worker(
    client, run_worker, smtp_mailbox
):
    ana = UserFactory(email="ana@example.org")
    run_worker()

    response = client.post(reverse("account_reset_password"), {"email": "ana@example.org"})

    assert response.status_code == 302
    [message] = smtp_mailbox.wait_for(1, timeout=60)
    assert message["To"] == "ana@example.org"
    assert "Password Reset" in message["Subject"]
    [delivery] = EmailDelivery.objects.all()
    assert wait_until(lambda: delivery_status(delivery.pk) == "sent")
    delivery.refresh_from_db()
    assert (delivery.kind, delivery.recipients, delivery.user) == ("account", ana.email, ana)
    assert (delivery.attempts, delivery.error) == (1, "")
    assert OutboxMessage.objects.get().state == "done"


def test_a_refused_recipient_is_logged_as_failed_and_an_administrator_resends_it(
    client, run_worker, smtp_mailbox
):
    smtp_mailbox.refused.add(SIGN_UP["email"])
    run_worker()

    response = client.post(reverse("account_signup"), SIGN_UP)

    assert response.status_code == 302
    [delivery] = EmailDelivery.objects.all()
    assert wait_until(lambda: delivery_status(delivery.pk) == "failed")
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert "recipient refused: wendy@example.org: 550" in delivery.error
    assert smtp_mailbox.messages == []

    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    url = reverse("admin:core_emaildelivery_changelist")
    listing = client.get(url, {"status": "failed", "kind": "account"}).content.decode()
    assert "Please Confirm Your Email Address" in listing and "No such user" in listing

    smtp_mailbox.refused.clear()
    response = client.post(
        url, {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
    )

    assert ("success", "1 email will be sent again.") in flashed(response)
    [message] = smtp_mailbox.wait_for(1, timeout=60)
    assert message["To"] == "wendy@example.org"
    assert wait_until(lambda: delivery_status(delivery.pk) == "sent")


def test_mail_written_while_the_broker_is_down_arrives_once_after_the_sweep(
    client, run_worker, smtp_mailbox
):
    with broker_unreachable():
        response = client.post(reverse("account_signup"), SIGN_UP)

    # The sign-up is saved and its email recorded, though nothing reached the broker.
    assert response.status_code == 302
    assert User.objects.filter(email="wendy@example.org").exists()
    [delivery] = EmailDelivery.objects.all()
    [row] = OutboxMessage.objects.all()
    assert (delivery.status, row.state, row.enqueued_at) == ("pending", "pending", None)

    worker = run_worker()
    time.sleep(2)
    assert smtp_mailbox.messages == [], "nothing was sent to the broker"

    sweep_outbox.delay()  # as beat does every minute

    [message] = smtp_mailbox.wait_for(1, timeout=60)
    assert message["Subject"] == "[Commons] Please Confirm Your Email Address"
    assert wait_until(lambda: OutboxMessage.objects.get().state == "done")
    sweep_outbox.delay()
    time.sleep(3)
    assert len(smtp_mailbox.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert worker.poll() is None


def test_beat_sweeps_the_outbox_and_delivers_what_the_broker_missed(
    client, run_worker, smtp_mailbox, worker_queue
):
    # The schedule the migration registers (transactional tests empty the tables), due now,
    # on this test's queue.
    migration = __import__("core.migrations.0002_sweep_outbox_schedule", fromlist=["schedule"])
    migration.schedule(django_apps, None)
    PeriodicTask.objects.filter(task="core.sweep_outbox").update(
        queue=worker_queue, last_run_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    with broker_unreachable():
        client.post(reverse("account_signup"), SIGN_UP)

    worker = run_worker(beat=True)

    [message] = smtp_mailbox.wait_for(1, timeout=90)
    assert message["To"] == "wendy@example.org"
    assert wait_until(lambda: EmailDelivery.objects.get().status == "sent")
    # The row is marked done by the worker's own transaction, which may commit a moment
    # after the message went out.
    assert wait_until(lambda: OutboxMessage.objects.get().state == "done")
    assert worker.poll() is None


def test_the_same_outbox_row_sent_twice_is_delivered_once(client, run_worker, smtp_mailbox):
    with broker_unreachable():
        client.post(reverse("account_signup"), SIGN_UP)
    row = OutboxMessage.objects.get()

    assert outbox.send([row]) == 1
    assert outbox.send([row]) == 1
    run_worker()

    smtp_mailbox.wait_for(1, timeout=60)
    assert wait_until(lambda: OutboxMessage.objects.get().state == "done")
    time.sleep(3)  # time for the duplicate to be taken and skipped
    assert len(smtp_mailbox.messages) == 1
    assert OutboxMessage.objects.get().attempts == 1


class HoldingMailbox(Mailbox):
    """Holds the first message's DATA until released, then answers 451 (not delivered)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if not self.holding.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def holding_mailbox():
    mailbox = HoldingMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.host, mailbox.port = controller.hostname, controller.port
    try:
        yield mailbox
    finally:
        mailbox.release.set()
        controller.stop()


def pool_processes(worker_pid: int) -> set[int]:
    children = set()
    for task in Path(f"/proc/{worker_pid}/task").iterdir():
        try:
            children.update(int(pid) for pid in (task / "children").read_text().split())
        except FileNotFoundError:  # a thread that just ended
            continue
    return children


def test_a_worker_process_killed_mid_send_is_replaced_and_the_mail_arrives_once(
    client, run_worker, holding_mailbox
):
    worker = run_worker(mailbox=holding_mailbox, pool="prefork")
    assert wait_until(lambda: pool_processes(worker.pid), timeout=30)

    client.post(reverse("account_signup"), SIGN_UP)
    assert holding_mailbox.holding.wait(timeout=60), "the worker should be sending"
    for pid in pool_processes(worker.pid):
        os.kill(pid, signal.SIGKILL)
    holding_mailbox.release.set()

    # acks_late + reject_on_worker_lost: the message goes back to the queue, a new pool
    # process takes it, and the outbox claim (same task id) lets it finish the work.
    [message] = holding_mailbox.wait_for(1, timeout=60)
    assert message["To"] == "wendy@example.org"
    assert wait_until(lambda: OutboxMessage.objects.get().state == "done")
    time.sleep(2)
    assert len(holding_mailbox.messages) == 1
    assert OutboxMessage.objects.get().attempts == 2
    assert EmailDelivery.objects.get().status == "sent"
    assert worker.poll() is None
