from typing import Any

from celery import shared_task

from core.mail import deliver


@shared_task(
    name="core.send_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=60 * 30,
    max_retries=8,
)
def send_email(data: dict[str, Any]) -> None:
    deliver(data)
