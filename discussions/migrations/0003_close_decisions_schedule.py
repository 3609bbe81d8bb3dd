"""Beat closes due decisions every minute (django_celery_beat's database scheduler)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Close decisions that are due"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "discussions.close_due_decisions",
            "interval": every_minute,
            "enabled": True,
            "description": "Closes voting on decisions whose closing time has passed.",
        },
    )
    _tell_running_beat(apps)


def _tell_running_beat(apps):
    # Historical models send no signals: bump the change marker by hand so a beat that is
    # already running reloads its schedule.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()
    _tell_running_beat(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0002_post_search_gin"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
