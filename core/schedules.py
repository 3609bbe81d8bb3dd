"""Beat's schedule, kept in the database by django-celery-beat and registered by data
migrations through these two functions (one copy of the code, for every app).

Migrations pass their historical `apps`: the functions only use the models
django-celery-beat had at migration 0019, and since historical models send no signals,
they bump the change marker by hand so a beat that is already running reloads its
schedule.
"""

from typing import Any

from django.utils import timezone

CELERY_BEAT_MIGRATION = ("django_celery_beat", "0019_alter_periodictasks_options")


def _tell_running_beat(apps: Any) -> None:
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def register_periodic_task(
    apps: Any,
    *,
    name: str,
    task: str,
    description: str,
    every_minutes: int | None = None,
    crontab: dict[str, str] | None = None,
) -> None:
    """Run `task` every `every_minutes` minutes, or at the `crontab` fields (minute,
    hour, day_of_week, day_of_month, month_of_year, all "*" unless given, in UTC).
    Idempotent: a second call updates the one task named `name`; an administrator's
    later edits in the admin live until the next migration that registers it."""
    if (every_minutes is None) == (crontab is None):
        raise ValueError("Give exactly one of every_minutes and crontab")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    when: dict[str, Any] = {"interval": None, "crontab": None}
    if every_minutes is not None:
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        when["interval"], _created = IntervalSchedule.objects.get_or_create(
            every=every_minutes, period="minutes"
        )
    else:
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        fields = {
            "minute": "*",
            "hour": "*",
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
            **(crontab or {}),
        }
        when["crontab"], _created = CrontabSchedule.objects.get_or_create(timezone="UTC", **fields)
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={"task": task, "enabled": True, "description": description, **when},
    )
    _tell_running_beat(apps)


def unregister_periodic_task(apps: Any, *, name: str) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=name).delete()
    _tell_running_beat(apps)
