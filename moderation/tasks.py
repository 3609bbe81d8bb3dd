from celery import shared_task

from moderation import services


@shared_task(name="moderation.end_expired_sanctions", ignore_result=True)
def end_expired_sanctions() -> int:
    """Run every minute by beat (see the schedule migration); a second run ends nothing
    the first did."""
    return services.end_expired_sanctions()


@shared_task(name="moderation.recompute_trust_levels", ignore_result=True)
def recompute_trust_levels() -> int:
    """Run every hour by beat; levels administrators set are left alone."""
    return services.recompute_trust_levels()
