"""The email log and the outbox do not grow forever: beat prunes them once a day, keeping
sent emails for EMAIL_LOG_KEEP_SENT_DAYS and failed ones for EMAIL_LOG_KEEP_FAILED_DAYS."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core import mail, outbox
from core.models import EmailDelivery, EmailStatus, OutboxMessage
from core.tasks import prune_delivery_logs
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def logged(subject: str, status: str, days_ago: int) -> EmailDelivery:
    delivery = EmailDelivery.objects.create(
        kind="reply", recipients="ana@example.org", subject=subject, status=status, message={}
    )
    moment = NOW - datetime.timedelta(days=days_ago)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        created_at=moment,
        updated_at=moment,
        sent_at=moment if status == EmailStatus.SENT else None,
    )
    return delivery


def subjects() -> set[str]:
    return set(EmailDelivery.objects.values_list("subject", flat=True))


def test_sent_emails_go_after_90_days_and_failed_ones_after_a_year():
    logged("sent yesterday", EmailStatus.SENT, 1)
    logged("sent 89 days ago", EmailStatus.SENT, 89)
    logged("sent 91 days ago", EmailStatus.SENT, 91)
    logged("failed 200 days ago", EmailStatus.FAILED, 200)
    logged("failed 366 days ago", EmailStatus.FAILED, 366)
    logged("pending for 400 days", EmailStatus.PENDING, 400)

    assert mail.prune_deliveries(now=NOW) == 2

    assert subjects() == {
        "sent yesterday",
        "sent 89 days ago",
        "failed 200 days ago",
        "pending for 400 days",
    }
    # Pruning again changes nothing.
    assert mail.prune_deliveries(now=NOW) == 0


def test_the_keeps_come_from_settings(settings):
    settings.EMAIL_LOG_KEEP_SENT_DAYS = 10
    settings.EMAIL_LOG_KEEP_FAILED_DAYS = 30
    logged("sent 11 days ago", EmailStatus.SENT, 11)
    logged("sent 9 days ago", EmailStatus.SENT, 9)
    logged("failed 31 days ago", EmailStatus.FAILED, 31)
    logged("failed 29 days ago", EmailStatus.FAILED, 29)

    mail.prune_deliveries(now=NOW)

    assert subjects() == {"sent 9 days ago", "failed 29 days ago"}


def outbox_row(**fields) -> OutboxMessage:
    return OutboxMessage.objects.create(task="core.send_email", next_attempt_at=NOW, **fields)


def test_the_daily_task_prunes_the_log_and_failed_outbox_rows():
    logged("sent 100 days ago", EmailStatus.SENT, 100)
    logged("sent today", EmailStatus.SENT, 0)
    old_failure = outbox_row(failed_at=NOW - datetime.timedelta(days=400))
    recent_failure = outbox_row(failed_at=NOW - datetime.timedelta(days=100))
    pending = outbox_row()

    # One email and one outbox row.
    assert prune_delivery_logs() == 2

    assert subjects() == {"sent today"}
    mine = [old_failure.pk, recent_failure.pk, pending.pk]
    assert set(OutboxMessage.objects.filter(pk__in=mine).values_list("pk", flat=True)) == {
        recent_failure.pk,
        pending.pk,
    }


def test_the_sweep_already_forgets_done_outbox_rows(settings):
    settings.OUTBOX_KEEP_DAYS = 7
    done_long_ago = outbox_row(done_at=NOW - datetime.timedelta(days=8))
    done_recently = outbox_row(done_at=NOW - datetime.timedelta(days=1))

    assert outbox.prune(now=NOW) == 1

    assert not OutboxMessage.objects.filter(pk=done_long_ago.pk).exists()
    assert OutboxMessage.objects.filter(pk=done_recently.pk).exists()


def test_a_pruned_email_leaves_the_administrators_log(client):
    logged("Reply in Fleet, long ago", EmailStatus.SENT, 120)
    logged("Reply in Fleet, this week", EmailStatus.SENT, 3)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    prune_delivery_logs()

    page = client.get(reverse("admin:core_emaildelivery_changelist")).text
    assert "Reply in Fleet, this week" in page
    assert "Reply in Fleet, long ago" not in page


SCHEDULES = {
    "core.migrations.0002_sweep_outbox_schedule": ("core.sweep_outbox", "interval"),
    "core.migrations.0003_prune_delivery_logs_schedule": ("core.prune_delivery_logs", "crontab"),
    "discussions.migrations.0003_close_decisions_schedule": (
        "discussions.close_due_decisions",
        "interval",
    ),
    "notifications.migrations.0002_sweep_schedule": ("notifications.sweep", "interval"),
    "notifications.migrations.0004_digest_schedule": (
        "notifications.enqueue_due_digests",
        "crontab",
    ),
}


def test_every_schedule_migration_registers_one_task_through_the_shared_helper():
    for module, (task, kind) in SCHEDULES.items():
        migration = importlib.import_module(module)
        # Twice: a migration run again must not duplicate the task.
        migration.schedule(django_apps, None)
        migration.schedule(django_apps, None)
        found = PeriodicTask.objects.get(task=task)
        assert found.enabled
        assert getattr(found, kind) is not None
        assert PeriodicTask.objects.filter(task=task).count() == 1
    pruning = PeriodicTask.objects.get(task="core.prune_delivery_logs")
    assert (pruning.crontab.minute, pruning.crontab.hour, str(pruning.crontab.timezone)) == (
        "17",
        "3",
        "UTC",
    )
    migration = importlib.import_module("core.migrations.0003_prune_delivery_logs_schedule")
    migration.unschedule(django_apps, None)
    assert not PeriodicTask.objects.filter(task="core.prune_delivery_logs").exists()
