"""Email goes through the task queue so no request waits on an SMTP server.

`QueuedEmailBackend` is Django's EMAIL_BACKEND: it turns each message into plain data and
enqueues it after commit. The worker rebuilds the message and hands it to the backend
named by EMAIL_DELIVERY_BACKEND (SMTP in production, the local mailbox in development).
"""

from email.utils import make_msgid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from core.text import one_line

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
    """Send one queued message with the delivery backend; raises on failure so it retries."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    connection.send_messages([message_from_data(data)])


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        from core.background import enqueue_after_commit
        from core.tasks import send_email

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            data = message_to_data(message)
            # A stable Message-ID makes a retried delivery recognisable as the same mail.
            data["headers"].setdefault("Message-ID", make_msgid(domain="commons"))
            enqueue_after_commit(send_email, data)
            count += 1
        return count


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
