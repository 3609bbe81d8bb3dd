"""Webhook endpoints and the signed deliveries sent to them.

An `Endpoint` belongs to one community (registered by its owners) or to the whole site
(community null, registered by administrators). A `Delivery` is one event sent to one
endpoint: its JSON body is written once, when the event happens, so every attempt and
every redelivery sends the same bytes (signed anew with the time of sending).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community


class WebhookEvent(models.TextChoices):
    IDEA_CREATED = "idea.created", _("Idea created")
    IDEA_STATUS_CHANGED = "idea.status_changed", _("Idea status changed")
    THREAD_CREATED = "thread.created", _("Thread created")
    POST_CREATED = "post.created", _("Reply posted")
    MEMBER_JOINED = "member.joined", _("Member joined")
    DECISION_CLOSED = "decision.closed", _("Decision closed")
    MEASUREMENT_RECORDED = "goal.measurement_recorded", _("Goal measurement recorded")


# Sent only when someone asks for it on the endpoint's page; never subscribed to.
PING = "ping"


class Endpoint(models.Model):
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Kept readable: every delivery is signed with it.
    secret = models.CharField(_("secret"), max_length=200)
    events = models.JSONField(_("events"), default=list)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    # Deliveries given up in a row (every attempt failed); a success starts again from 0.
    consecutive_failures = models.PositiveIntegerField(default=0)
    # Set when the endpoint was switched off after too many failures (not by hand).
    disabled_automatically_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["community"], condition=Q(is_enabled=True), name="webhooks_enabled_idx"
            ),
        ]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        return [WebhookEvent(kind).label for kind in self.events if kind in WebhookEvent.values]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    # The row the event is about (a post, an idea status change, ...); with `event`, what
    # keeps one event from being delivered twice to one endpoint.
    object_id = models.BigIntegerField()
    # The event's id in the body: the same for every endpoint and every redelivery, so a
    # receiver can tell a repeat.
    event_uid = models.UUIDField(default=uuid.uuid4)
    # The Commons-Delivery header: one per delivery.
    uid = models.UUIDField(default=uuid.uuid4, unique=True)
    # A redelivery goes with the delivery it repeats (it shares its event).
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event", "object_id"],
                condition=Q(redelivery_of__isnull=True) & ~Q(event=PING),
                name="webhooks_deliver_event_once",
            )
        ]
        indexes = [models.Index(fields=["endpoint", "-created_at", "-id"])]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.state})"

    @property
    def state_label(self) -> str:
        return DeliveryState(self.state).label

    @property
    def is_success(self) -> bool:
        return self.state == DeliveryState.SUCCEEDED
