"""Beat prunes the email log and the failed outbox rows once a day (django_celery_beat's
database scheduler: the time can be changed in the admin)."""

from django.db import migrations

from core.schedules import (
    CELERY_BEAT_MIGRATION,
    register_periodic_task,
    unregister_periodic_task,
)

TASK_NAME = "Prune the email log"


def schedule(apps, schema_editor):
    register_periodic_task(
        apps,
        name=TASK_NAME,
        task="core.prune_delivery_logs",
        crontab={"minute": "17", "hour": "3"},
        description=(
            "Once a day: forgets sent emails after EMAIL_LOG_KEEP_SENT_DAYS, failed emails "
            "and failed outbox rows after EMAIL_LOG_KEEP_FAILED_DAYS."
        ),
    )


def unschedule(apps, schema_editor):
    unregister_periodic_task(apps, name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_sweep_outbox_schedule"),
        CELERY_BEAT_MIGRATION,
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
