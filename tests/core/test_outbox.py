"""The outbox and the email delivery log, in the test process (tasks run eagerly).

The real worker, broker and SMTP server versions of these are in
test_delivery_worker.py.
"""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from core import outbox
from core.background import enqueue_after_commit
from core.models import EmailDelivery, OutboxMessage
from core.tasks import send_email
from tests.accounts.factories import UserFactory
from tests.admin_support import flashed

pytestmark = pytest.mark.django_db


def note(**overrides) -> EmailMessage:
    fields = {
        "subject": "Your weekly note",
        "body": "Hello",
        "from_email": "Commons <noreply@commons.example>",
        "to": ["ana@example.org"],
    }
    fields.update(overrides)
    return EmailMessage(**fields)


def test_every_email_is_logged_with_its_kind_and_person(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    ana = UserFactory(email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        note(headers={"X-Commons-Kind": "Reply Notification"}).send()
        note(to=["nobody@example.org"], subject="Plain").send()

    smtp_mailbox.wait_for(2)
    tagged, plain = EmailDelivery.objects.order_by("id")
    assert (tagged.kind, tagged.recipients, tagged.subject) == (
        "reply-notification",
        "ana@example.org",
        "Your weekly note",
    )
    assert (tagged.status, tagged.attempts, tagged.error, tagged.user) == ("sent", 1, "", ana)
    assert tagged.sent_at is not None
    assert (plain.kind, plain.user, plain.status) == ("other", None, "sent")


def test_allauth_messages_are_logged_as_account_mail(
    client, smtp_mailbox, django_capture_on_commit_callbacks
):
    UserFactory(email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ana@example.org"})

    assert response.status_code == 302
    [received] = smtp_mailbox.wait_for(1)
    [delivery] = EmailDelivery.objects.all()
    assert (delivery.kind, delivery.status, delivery.subject) == (
        "account",
        "sent",
        str(received["Subject"]),
    )
    assert "Password Reset" in delivery.subject


def test_a_refused_recipient_is_logged_as_failed_with_the_reason_at_once(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    smtp_mailbox.refused.add("gone@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        note(to=["gone@example.org"]).send()

    [delivery] = EmailDelivery.objects.all()
    assert delivery.status == "failed"
    assert delivery.attempts == 1, "a refusal is not retried"
    assert "gone@example.org" in delivery.error
    assert "550" in delivery.error and "No such user" in delivery.error
    assert smtp_mailbox.messages == []
    # The work itself is done: the sweep never sends it again.
    assert OutboxMessage.objects.get().done_at is not None


def test_a_message_that_cannot_be_built_is_logged_as_failed_with_the_reason(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note(to=["ana@@example.org"]).send()

    [delivery] = EmailDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.error == 'ValueError: Invalid address "ana@@example.org"'
    assert smtp_mailbox.messages == []


def test_a_server_that_cannot_be_reached_is_retried_later_then_logged_as_failed(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        note().send()

    # Eagerly run tasks do not retry: the first attempt asks Celery for a later one.
    [delivery] = EmailDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in delivery.error
    row = OutboxMessage.objects.get()
    assert row.state == "pending"
    assert row.next_attempt_at > timezone.now(), "the retry waits, with backoff"

    # Its last retry gives up and says why.
    send_email.apply(args=[delivery.pk], retries=send_email.max_retries)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert "ConnectionRefusedError" in delivery.error


def test_a_name_with_a_line_break_reaches_the_header_on_one_line(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note(subject="Ana\nBcc: victim@example.org replied").send()

    [received] = smtp_mailbox.wait_for(1)
    assert received["Subject"] == "Ana Bcc: victim@example.org replied"
    assert received["Bcc"] is None
    assert EmailDelivery.objects.get().status == "sent"


def test_work_rolled_back_leaves_no_outbox_row(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_after_commit(send_email, 1)
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert not OutboxMessage.objects.exists()


def test_only_tasks_of_the_app_go_through_the_outbox():
    with pytest.raises(TypeError):
        enqueue_after_commit(print, 1)


def test_each_kind_of_work_has_its_queue():
    # A queue of its own, not four names for one: each has its own routing key.
    queues = celery_app.amqp.queues
    assert {name: queues[name].routing_key for name in queues} == {
        "celery": "celery",
        "fanout": "fanout",
        "email": "email",
        "digests": "digests",
        "webhooks": "webhooks",
    }
    assert outbox.queue_for("core.send_email") == "email"
    assert outbox.queue_for("webhooks.deliver") == "webhooks"
    assert outbox.queue_for("notifications.send_digest") == "digests"
    assert outbox.queue_for("notifications.fan_out_post") == "fanout"
    assert outbox.queue_for("discussions.close_due_decisions") == "celery"
    assert outbox.queue_for("core.sweep_outbox") == "celery"


def test_a_row_sent_twice_runs_once(smtp_mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note().send()
    for callback in callbacks:
        callback()
    row = OutboxMessage.objects.get()

    assert outbox.send([row]) == 1  # a duplicate message for the same row

    assert len(smtp_mailbox.wait_for(1)) == 1
    row.refresh_from_db()
    assert row.done_at is not None
    assert row.attempts == 1


def pending_row(*, minutes_ago: float, attempts: int = 0) -> OutboxMessage:
    delivery = EmailDelivery.objects.create(
        recipients="ana@example.org",
        message={
            "subject": "Late",
            "body": "Hello",
            "from_email": "noreply@commons.example",
            "to": ["ana@example.org"],
            "cc": [],
            "bcc": [],
            "reply_to": [],
            "headers": {},
            "alternatives": [],
        },
    )
    when = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return OutboxMessage.objects.create(
        task="core.send_email",
        args=[delivery.pk],
        queue="email",
        next_attempt_at=when,
        attempts=attempts,
    )


def test_the_sweep_sends_what_is_pending_for_a_few_minutes_and_gives_up_on_spent_rows(
    settings, smtp_mailbox
):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 180
    late = pending_row(minutes_ago=5)
    recent = pending_row(minutes_ago=1)
    spent = pending_row(minutes_ago=5, attempts=settings.OUTBOX_MAX_ATTEMPTS)
    unknown = pending_row(minutes_ago=5)
    OutboxMessage.objects.filter(pk=unknown.pk).update(task="gone.task")

    assert outbox.sweep() == 1

    [received] = smtp_mailbox.wait_for(1)
    assert received["Subject"] == "Late"
    states = {row.pk: row.state for row in OutboxMessage.objects.all()}
    assert states == {
        late.pk: "done",
        recent.pk: "pending",
        spent.pk: "failed",
        unknown.pk: "failed",
    }
    assert outbox.sweep() == 0
    assert len(smtp_mailbox.messages) == 1


def test_done_rows_are_forgotten_after_some_days(settings):
    settings.OUTBOX_KEEP_DAYS = 7
    old = pending_row(minutes_ago=0)
    fresh = pending_row(minutes_ago=0)
    still_pending = pending_row(minutes_ago=60 * 24 * 30)
    now = timezone.now()
    OutboxMessage.objects.filter(pk=old.pk).update(done_at=now - datetime.timedelta(days=8))
    OutboxMessage.objects.filter(pk=fresh.pk).update(done_at=now - datetime.timedelta(days=1))

    assert outbox.prune() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {fresh.pk, still_pending.pk}


def test_beat_sweeps_the_outbox_every_minute():
    recorded = MigrationRecorder.Migration.objects.filter(
        app="core", name="0002_sweep_outbox_schedule"
    )
    assert recorded.exists()
    # Tables are emptied between transactional tests (browser and worker tests run
    # earlier), so the row is written again here by the migration's own function (twice:
    # it must not duplicate anything).
    migration = importlib.import_module("core.migrations.0002_sweep_outbox_schedule")
    migration.schedule(django_apps, None)
    migration.schedule(django_apps, None)

    task = PeriodicTask.objects.get(task="core.sweep_outbox")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (1, "minutes")
    assert PeriodicTask.objects.filter(task="core.sweep_outbox").count() == 1


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(email="root@commons.example", is_staff=True, is_superuser=True))
    return client


def test_administrators_find_failed_mail_and_send_it_again(
    admin_client, smtp_mailbox, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    smtp_mailbox.refused.add("ben@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        note(to=["ben@example.org"], subject="Your invitation").send()
        note(to=["ana@example.org"], subject="Delivered fine").send()
    smtp_mailbox.wait_for(1)
    url = reverse("admin:core_emaildelivery_changelist")

    with django_assert_max_num_queries(12):
        page = admin_client.get(url, {"status": "failed"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your invitation" in text and "No such user" in text
    assert "Delivered fine" not in text
    assert "Your invitation" in admin_client.get(url, {"q": "ben@"}).content.decode()

    failed = EmailDelivery.objects.get(status="failed")
    detail = admin_client.get(reverse("admin:core_emaildelivery_change", args=[failed.pk]))
    assert detail.status_code == 200 and "No such user" in detail.content.decode()
    outbox_page = admin_client.get(reverse("admin:core_outboxmessage_changelist"))
    assert outbox_page.status_code == 200 and "core.send_email" in outbox_page.content.decode()

    smtp_mailbox.refused.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "resend", "_selected_action": [failed.pk]}, follow=True
        )

    assert ("success", "1 email will be sent again.") in flashed(response)
    received = smtp_mailbox.wait_for(2)
    assert [str(m["To"]) for m in received] == ["ana@example.org", "ben@example.org"]
    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.attempts) == ("sent", "", 2)


def test_the_delivery_backend_of_tests_still_collects_mail(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        note().send()
    assert [m.subject for m in mail.outbox] == ["Your weekly note"]
    assert EmailDelivery.objects.get().status == "sent"
