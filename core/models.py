"""Delivery records every app shares: the outbox of background work and the email log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One piece of background work, recorded in the transaction of the change that needs it.

    The row is written before the task is sent, so a broker that is down, a message that is
    lost or a worker that is killed only delays the work: the sweep sends again whatever
    is still pending. A done row is never run again.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    queue = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    # Last time the task was handed to the broker; null while no send has succeeded.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # The sweep leaves a row alone until this moment is a few minutes past.
    next_attempt_at = models.DateTimeField()
    # The worker running it: the Celery task id, and until when the claim holds.
    claimed_by = models.CharField(max_length=255, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_idx",
                condition=Q(done_at__isnull=True, failed_at__isnull=True),
            ),
            models.Index(
                fields=["done_at"], name="outbox_done_idx", condition=Q(done_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"

    @property
    def state(self) -> str:
        if self.done_at:
            return "done"
        if self.failed_at:
            return "failed"
        return "pending"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailDelivery(models.Model):
    """Every email the site sends, from the moment it is written to its delivery or failure."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A short slug naming what the message is: "account" for allauth's messages, or the
    # X-Commons-Kind header the sending code set.
    kind = models.SlugField(max_length=50, default="other")
    recipients = models.TextField(help_text=_("To, Cc and Bcc addresses, comma-separated."))
    subject = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    # The message as plain data (core.mail.message_to_data), enough to send it again.
    message = models.JSONField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email_deliveries",
    )

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="emaildelivery_recent_idx"),
            models.Index(fields=["status", "-created_at"], name="emaildelivery_status_idx"),
            models.Index(fields=["kind", "-created_at"], name="emaildelivery_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject} → {self.recipients}"
