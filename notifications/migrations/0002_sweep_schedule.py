"""Beat runs the notification sweep every minute: decisions closing within 24 hours, and
events recorded but not fanned out (django_celery_beat's database scheduler)."""

from django.db import migrations

from core.schedules import (
    CELERY_BEAT_MIGRATION,
    register_periodic_task,
    unregister_periodic_task,
)

TASK_NAME = "Notification sweep"


def schedule(apps, schema_editor):
    register_periodic_task(
        apps,
        name=TASK_NAME,
        task="notifications.sweep",
        every_minutes=1,
        description="Tells of decisions closing soon; re-enqueues unfinished fan-outs.",
    )


def unschedule(apps, schema_editor):
    unregister_periodic_task(apps, name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        CELERY_BEAT_MIGRATION,
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
