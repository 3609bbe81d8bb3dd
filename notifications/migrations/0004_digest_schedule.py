"""Beat enqueues the digests that are due at the top of every hour (django_celery_beat's
database scheduler: the schedule can be changed in the admin)."""

from django.db import migrations

from core.schedules import (
    CELERY_BEAT_MIGRATION,
    register_periodic_task,
    unregister_periodic_task,
)

TASK_NAME = "Email digests that are due"


def schedule(apps, schema_editor):
    register_periodic_task(
        apps,
        name=TASK_NAME,
        task="notifications.enqueue_due_digests",
        crontab={"minute": "0"},
        description="Every hour: one job per chunk of people whose digest hour has come.",
    )


def unschedule(apps, schema_editor):
    unregister_periodic_task(apps, name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_digest_record"),
        CELERY_BEAT_MIGRATION,
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
