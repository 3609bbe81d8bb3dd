"""Email goes through the outbox and the task queue, and every message is logged.

`QueuedEmailBackend` is Django's EMAIL_BACKEND: it records each message as an
`EmailDelivery` (the log administrators read, holding the message as plain data) in the
caller's transaction and schedules `core.send_email` through the outbox. The worker
rebuilds the message and hands it to the backend named by EMAIL_DELIVERY_BACKEND (SMTP in
production, the local mailbox in development), then records the outcome: sent, or failed
with the reason. Errors that may pass (a server down, a 4xx answer) are retried with
backoff; a refused recipient or a message that cannot be built fails at once.

Sending code names what a message is with an `X-Commons-Kind` header (a short slug);
allauth's messages are "account", messages without the header "other".
"""

import datetime
import smtplib
from collections.abc import Iterable
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from core.models import EmailDelivery, EmailStatus
from core.text import one_line

KIND_HEADER = "X-Commons-Kind"

ADDRESS_FIELDS = ("to", "cc", "bcc", "reply_to")


def _header_safe(data: dict[str, Any]) -> dict[str, Any]:
    """The message's header fields on one line each.

    A name stored with a line break (a display name or community name in a subject, a
    sender's name in From or Reply-To) would make Django refuse the whole message at
    delivery, long after the person who caused it could be told.
    """
    return {
        **data,
        "subject": one_line(data["subject"]),
        "from_email": one_line(data["from_email"]) if data["from_email"] else data["from_email"],
        **{field: [one_line(address) for address in data[field]] for field in ADDRESS_FIELDS},
        "headers": {key: one_line(value) for key, value in data["headers"].items()},
    }


def message_to_data(message: EmailMessage) -> dict[str, Any]:
    alternatives = [
        [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
    ]
    return _header_safe(
        {
            "subject": str(message.subject),
            "body": str(message.body),
            "from_email": message.from_email,
            "to": list(message.to),
            "cc": list(message.cc),
            "bcc": list(message.bcc),
            "reply_to": list(message.reply_to),
            "headers": {key: str(value) for key, value in message.extra_headers.items()},
            "alternatives": alternatives,
        }
    )


def message_from_data(data: dict[str, Any]) -> EmailMultiAlternatives:
    # Messages queued before headers were cleaned may still be waiting in the queue.
    data = _header_safe(data)
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def deliver(data: dict[str, Any]) -> None:
    """Send one message with the delivery backend; raises on failure."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    connection.send_messages([message_from_data(data)])


def kind_of(data: dict[str, Any]) -> str:
    headers = {key.lower(): value for key, value in data["headers"].items()}
    return slugify(headers.get(KIND_HEADER.lower(), ""))[:50] or "other"


def _addresses(data: dict[str, Any]) -> list[str]:
    return [
        parseaddr(address)[1] or address for field in ("to", "cc", "bcc") for address in data[field]
    ]


def record_deliveries(email_messages: Iterable[EmailMessage]) -> list[EmailDelivery]:
    """Log each message that has recipients as a pending delivery (one bulk insert)."""
    deliveries = []
    for message in email_messages:
        if not message.recipients():
            continue
        data = message_to_data(message)
        # A stable Message-ID makes a retried delivery recognisable as the same mail.
        data["headers"].setdefault("Message-ID", make_msgid(domain="commons"))
        deliveries.append(
            EmailDelivery(
                kind=kind_of(data),
                recipients=", ".join(_addresses(data)),
                subject=data["subject"],
                message_id=data["headers"]["Message-ID"],
                message=data,
            )
        )
    if not deliveries:
        return []
    first_addresses = {_addresses(d.message)[0].lower() for d in deliveries}
    users = {
        user.email.lower(): user
        for user in get_user_model().objects.filter(email__in=first_addresses).only("pk", "email")
    }
    for delivery in deliveries:
        delivery.user = users.get(_addresses(delivery.message)[0].lower())
    return EmailDelivery.objects.bulk_create(deliveries, batch_size=1000)


def schedule_deliveries(deliveries: list[EmailDelivery]) -> None:
    from core.background import enqueue_each_after_commit
    from core.tasks import send_email

    enqueue_each_after_commit(send_email, [(delivery.pk,) for delivery in deliveries])


def permanent_failure(exc: BaseException) -> str | None:
    """Why sending again cannot help, or None when it may (a timeout, a 4xx answer)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = exc.recipients.values()
        if all(code >= 500 for code, _text in answers):
            return "; ".join(
                f"recipient refused: {address}: {code} {_text_of(text)}"
                for address, (code, text) in exc.recipients.items()
            )
        return None
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code >= 500:
            return f"{type(exc).__name__}: {exc.smtp_code} {_text_of(exc.smtp_error)}"
        return None
    if isinstance(exc, (ValueError, TypeError, UnicodeError)):
        # A header Django refuses, an address it cannot encode: the message itself is wrong.
        return f"{type(exc).__name__}: {exc}"
    return None


def _text_of(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def deliver_recorded(delivery_id: int, *, last_attempt: bool) -> str:
    """Send one logged message and record the outcome; returns the delivery's status.

    Raises OSError (SMTP errors included) when a later attempt may succeed, after
    recording the error; on the last attempt it records the failure instead.
    """
    delivery = EmailDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status == EmailStatus.SENT:
        return "gone" if delivery is None else delivery.status
    EmailDelivery.objects.filter(pk=delivery_id).update(attempts=F("attempts") + 1)
    try:
        deliver(delivery.message)
    except Exception as exc:
        reason = permanent_failure(exc)
        if reason is None and isinstance(exc, OSError) and not last_attempt:
            _record(delivery_id, status=EmailStatus.PENDING, error=f"{type(exc).__name__}: {exc}")
            raise
        _record(
            delivery_id, status=EmailStatus.FAILED, error=reason or f"{type(exc).__name__}: {exc}"
        )
        return EmailStatus.FAILED
    _record(delivery_id, status=EmailStatus.SENT, error="", sent_at=timezone.now())
    return EmailStatus.SENT


def _record(delivery_id: int, **fields: Any) -> None:
    EmailDelivery.objects.filter(pk=delivery_id).update(updated_at=timezone.now(), **fields)


@transaction.atomic
def resend_deliveries(deliveries: Iterable[EmailDelivery]) -> int:
    """Send sent or failed messages again (with a new Message-ID); pending ones are on their
    way already. Returns how many were scheduled."""
    again = [d for d in deliveries if d.status != EmailStatus.PENDING]
    for delivery in again:
        delivery.message["headers"]["Message-ID"] = make_msgid(domain="commons")
        delivery.message_id = delivery.message["headers"]["Message-ID"]
        delivery.status = EmailStatus.PENDING
        delivery.error = ""
        delivery.sent_at = None
    EmailDelivery.objects.bulk_update(
        again, ["message", "message_id", "status", "error", "sent_at"]
    )
    schedule_deliveries(again)
    return len(again)


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        with transaction.atomic():
            deliveries = record_deliveries(email_messages)
            schedule_deliveries(deliveries)
        return len(deliveries)


class MailboxBackend(BaseEmailBackend):
    """Development only: keeps each message as an .eml file for the /dev/mailbox/ page."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        folder = Path(settings.DEV_MAILBOX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            raw = message.message()
            message_id = str(raw["Message-ID"] or make_msgid()).strip("<>")
            safe_name = "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in message_id)
            (folder / f"{safe_name}.eml").write_bytes(raw.as_bytes())
        return len(email_messages)


def prune_deliveries(*, now: datetime.datetime | None = None) -> int:
    """Forget the log of emails sent more than EMAIL_LOG_KEEP_SENT_DAYS ago and of those
    that failed more than EMAIL_LOG_KEEP_FAILED_DAYS ago; pending ones are kept whatever
    their age (a worker still owes them). Returns how many rows went."""
    now = now or timezone.now()
    sent_before = now - datetime.timedelta(days=settings.EMAIL_LOG_KEEP_SENT_DAYS)
    failed_before = now - datetime.timedelta(days=settings.EMAIL_LOG_KEEP_FAILED_DAYS)
    deleted, _by_model = EmailDelivery.objects.filter(
        Q(status=EmailStatus.SENT, sent_at__lt=sent_before)
        | Q(status=EmailStatus.FAILED, updated_at__lt=failed_before)
    ).delete()
    return deleted
