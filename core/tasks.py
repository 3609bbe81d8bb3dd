from typing import Any

from celery import shared_task

from core import mail, outbox


@shared_task(
    bind=True,
    name="core.send_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    # Each retry waits its full backoff: with jitter the first could come at once (0 s).
    retry_jitter=False,
    retry_backoff_max=60 * 30,
    max_retries=8,
)
def send_email(self, delivery_id: int | dict[str, Any]) -> str | None:
    if isinstance(delivery_id, dict):
        # A message queued as plain data before deliveries were logged.
        mail.deliver(delivery_id)
        return None
    return mail.deliver_recorded(delivery_id, last_attempt=self.request.retries >= self.max_retries)


@shared_task(name="core.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    """Beat, every minute: send again what was recorded but not done; forget old done rows."""
    sent = outbox.sweep()
    outbox.prune()
    return sent


@shared_task(name="core.prune_delivery_logs", ignore_result=True)
def prune_delivery_logs() -> int:
    """Beat, once a day: forget old sent emails, and failed emails and outbox rows after
    their longer keep (EMAIL_LOG_KEEP_SENT_DAYS, EMAIL_LOG_KEEP_FAILED_DAYS)."""
    return mail.prune_deliveries() + outbox.prune_failed()
