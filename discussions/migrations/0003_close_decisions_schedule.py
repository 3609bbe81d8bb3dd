"""Beat closes due decisions every minute (django_celery_beat's database scheduler)."""

from django.db import migrations

from core.schedules import (
    CELERY_BEAT_MIGRATION,
    register_periodic_task,
    unregister_periodic_task,
)

TASK_NAME = "Close decisions that are due"


def schedule(apps, schema_editor):
    register_periodic_task(
        apps,
        name=TASK_NAME,
        task="discussions.close_due_decisions",
        every_minutes=1,
        description="Closes voting on decisions whose closing time has passed.",
    )


def unschedule(apps, schema_editor):
    unregister_periodic_task(apps, name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0002_post_search_gin"),
        CELERY_BEAT_MIGRATION,
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
