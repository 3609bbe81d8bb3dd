"""Beat ends expired sanctions every minute and recomputes trust levels every hour."""

from django.db import migrations

from core.schedules import (
    CELERY_BEAT_MIGRATION,
    register_periodic_task,
    unregister_periodic_task,
)

SANCTIONS = "End sanctions that are due"
TRUST = "Recompute trust levels"


def schedule(apps, schema_editor):
    register_periodic_task(
        apps,
        name=SANCTIONS,
        task="moderation.end_expired_sanctions",
        every_minutes=1,
        description="Ends silences, bans and suspensions whose end has passed.",
    )
    register_periodic_task(
        apps,
        name=TRUST,
        task="moderation.recompute_trust_levels",
        crontab={"minute": "17"},
        description="Gives people the trust level their participation earns.",
    )


def unschedule(apps, schema_editor):
    unregister_periodic_task(apps, name=SANCTIONS)
    unregister_periodic_task(apps, name=TRUST)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0003_sanctions_trust_thresholds_and_limits"),
        CELERY_BEAT_MIGRATION,
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
