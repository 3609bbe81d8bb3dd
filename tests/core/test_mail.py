"""Email leaves through the task queue, and only once the work that caused it is committed."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction

from core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def welcome_message(**overrides) -> EmailMultiAlternatives:
    fields = {
        "subject": "Welcome to Commons",
        "body": "Hello Ana,\nconfirm here: https://commons.example/confirm/abc/\n",
        "from_email": "Commons <noreply@commons.example>",
        "to": ["ana@example.org"],
    }
    fields.update(overrides)
    message = EmailMultiAlternatives(**fields)
    message.attach_alternative(
        '<p>Hello Ana, <a href="https://commons.example/confirm/abc/">confirm</a></p>',
        "text/html",
    )
    return message


def test_nothing_is_delivered_before_commit_then_text_and_html_arrive_over_smtp(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = welcome_message().send()

    assert sent == 1
    assert len(callbacks) == 1
    assert smtp_mailbox.messages == []

    for callback in callbacks:
        callback()

    [received] = smtp_mailbox.wait_for(1)
    assert received["Subject"] == "Welcome to Commons"
    assert received["To"] == "ana@example.org"
    assert received["From"] == "Commons <noreply@commons.example>"
    assert received["Message-ID"].endswith("@commons>")
    assert received.get_content_type() == "multipart/alternative"
    # SMTP carries lines ending in CRLF.
    assert smtp_mailbox.text(received).replace("\r\n", "\n") == (
        "Hello Ana,\nconfirm here: https://commons.example/confirm/abc/\n"
    )
    assert smtp_mailbox.html(received).replace("\r\n", "\n") == (
        '<p>Hello Ana, <a href="https://commons.example/confirm/abc/">confirm</a></p>'
    )


def test_mail_from_work_that_was_rolled_back_is_never_sent(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        welcome_message().send()
        raise RuntimeError("the sign-up failed")

    assert callbacks == []
    assert smtp_mailbox.messages == []


def test_each_message_is_queued_on_its_own(smtp_mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        connection = mail.get_connection()
        sent = connection.send_messages(
            [
                welcome_message(to=["ana@example.org"]),
                welcome_message(to=["ben@example.org"]),
                EmailMessage(subject="Nobody", body="No recipients"),
            ]
        )

    assert sent == 2
    assert len(callbacks) == 1  # one send to the broker after commit, for both messages
    assert OutboxMessage.objects.filter(task="core.send_email", done_at__isnull=False).count() == 2
    received = smtp_mailbox.wait_for(2)
    assert sorted(str(m["To"]) for m in received) == ["ana@example.org", "ben@example.org"]
    assert len({m["Message-ID"] for m in received}) == 2


def test_copies_reply_to_and_headers_survive_the_queue(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = welcome_message(
        cc=["carla@example.org"],
        bcc=["audit@commons.example"],
        reply_to=["help@commons.example"],
        headers={"X-Commons-Kind": "welcome"},
    )

    with django_capture_on_commit_callbacks(execute=True):
        message.send()

    [delivered] = mail.outbox
    assert delivered.subject == "Welcome to Commons"
    assert delivered.to == ["ana@example.org"]
    assert delivered.cc == ["carla@example.org"]
    assert delivered.bcc == ["audit@commons.example"]
    assert delivered.reply_to == ["help@commons.example"]
    assert delivered.extra_headers["X-Commons-Kind"] == "welcome"
    assert delivered.extra_headers["Message-ID"].endswith("@commons>")
    assert delivered.alternatives[0][1] == "text/html"
