"""Beat forgets old webhook deliveries once a day (django_celery_beat's database
scheduler: the time can be changed in the admin)."""

from django.db import migrations

from core.schedules import (
    CELERY_BEAT_MIGRATION,
    register_periodic_task,
    unregister_periodic_task,
)

TASK_NAME = "Prune the webhook delivery log"


def schedule(apps, schema_editor):
    register_periodic_task(
        apps,
        name=TASK_NAME,
        task="webhooks.prune_deliveries",
        crontab={"minute": "37", "hour": "3"},
        description="Once a day: forgets webhook deliveries after WEBHOOK_LOG_KEEP_DAYS.",
    )


def unschedule(apps, schema_editor):
    unregister_periodic_task(apps, name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_endpoints_and_deliveries"),
        CELERY_BEAT_MIGRATION,
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
