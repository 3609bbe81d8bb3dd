"""Beat sweeps the outbox every minute (django_celery_beat's database scheduler)."""

from django.db import migrations

from core.schedules import (
    CELERY_BEAT_MIGRATION,
    register_periodic_task,
    unregister_periodic_task,
)

TASK_NAME = "Send again background work recorded but not done"


def schedule(apps, schema_editor):
    register_periodic_task(
        apps,
        name=TASK_NAME,
        task="core.sweep_outbox",
        every_minutes=1,
        description=(
            "Sends again the outbox messages still pending a few minutes after they were "
            "last sent (broker down, message lost, worker killed); forgets old done ones."
        ),
    )


def unschedule(apps, schema_editor):
    unregister_periodic_task(apps, name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox_and_email_log"),
        CELERY_BEAT_MIGRATION,
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
