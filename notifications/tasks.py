"""Background work for notifications: thin wrappers that call one service each."""

import datetime

from celery import shared_task

from notifications import digests, services


@shared_task(name="notifications.fan_out_event", ignore_result=True, acks_late=True)
def fan_out_event(event_id: int) -> int:
    """Queue "fanout". Safe to run twice: the (recipient, event) constraint keeps one row."""
    return services.fan_out_event(event_id=event_id)


@shared_task(
    name="notifications.send_notification_emails",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    # Each retry waits its full backoff: with jitter the first could come at once (0 s).
    retry_jitter=False,
    max_retries=8,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Queue "email". Each notification is emailed at most once (see the service)."""
    return sum(services.send_notification_email(notification_id=pk) for pk in notification_ids)


@shared_task(name="notifications.sweep", ignore_result=True)
def sweep() -> int:
    """Run every minute by beat (see the schedule migration)."""
    return services.sweep()


@shared_task(name="notifications.enqueue_due_digests", ignore_result=True)
def enqueue_due_digests() -> int:
    """Queue "digests". Run every hour by beat (see the schedule migration)."""
    return digests.enqueue_due_digests()


@shared_task(
    name="notifications.send_digests",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    # Each retry waits its full backoff: with jitter the first could come at once (0 s).
    retry_jitter=False,
    max_retries=8,
)
def send_digests(user_ids: list[int], due_at: str) -> int:
    """Queue "digests". One email per person and period, however often it runs."""
    return digests.send_digests(user_ids=user_ids, due_at=datetime.datetime.fromisoformat(due_at))
