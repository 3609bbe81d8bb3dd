"""Background work for webhooks: a thin wrapper around one service."""

from celery import shared_task

from webhooks import services


@shared_task(
    bind=True, name="webhooks.deliver", ignore_result=True, acks_late=True, max_retries=None
)
def deliver(self, delivery_id: int) -> None:
    """Queue "webhooks". One attempt; a failed one asks to run again after the backoff
    (the service counts attempts and gives up at WEBHOOK_MAX_ATTEMPTS)."""
    wait = services.attempt_delivery(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait)


@shared_task(name="webhooks.prune_deliveries", ignore_result=True)
def prune_deliveries() -> int:
    """Beat, once a day: forget deliveries older than WEBHOOK_LOG_KEEP_DAYS."""
    return services.prune_deliveries()
