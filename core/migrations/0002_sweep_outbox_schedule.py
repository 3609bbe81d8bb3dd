"""Beat sweeps the outbox every minute (django_celery_beat's database scheduler)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Send again background work recorded but not done"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "core.sweep_outbox",
            "interval": every_minute,
            "enabled": True,
            "description": (
                "Sends again the outbox messages still pending a few minutes after they were "
                "last sent (broker down, message lost, worker killed); forgets old done ones."
            ),
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
        ("core", "0001_outbox_and_email_log"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
