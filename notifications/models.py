"""In-app notifications, the events they come from, and each person's preferences.

An `Event` is one thing that happened (a post, a status change, a decision closing),
recorded in the transaction that made it happen and fanned out later by a worker. A
`Notification` is one person told of one event: unique per (recipient, event), so a
fan-out run twice, or a post that both mentions someone and replies in a thread they
follow, tells them once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from discussions.models import Post, Thread
from purposes.models import Purpose


class EventKind(models.TextChoices):
    POST_CREATED = "post_created", _("A post was written")
    IDEA_STATUS_CHANGED = "idea_status_changed", _("An idea's status changed")
    DECISION_CLOSING = "decision_closing", _("A decision closes within 24 hours")
    DECISION_CLOSED = "decision_closed", _("A decision closed")
    DECISION_DECIDED = "decision_decided", _("A decision closed with its outcome")
    DECISION_OUTCOME = "decision_outcome", _("A decision's outcome was recorded")
    MEASUREMENT_RECORDED = "measurement_recorded", _("A goal was measured")
    JOIN_REQUESTED = "join_requested", _("Someone asked to join")
    JOIN_REQUEST_APPROVED = "join_request_approved", _("A request to join was approved")
    JOIN_REQUEST_DECLINED = "join_request_declined", _("A request to join was declined")
    INVITED = "invited", _("Someone was invited")
    AUTHOR_WARNED = "author_warned", _("A moderator warned the author of a post")


class NotificationKind(models.TextChoices):
    """Why a person is told: each has its own email preference and unsubscribe link."""

    REPLY = "reply", _("Replies in threads I follow")
    MENTION = "mention", _("Mentions of me")
    NEW_TOPIC = "new_topic", _("New threads, ideas and decisions in communities I watch")
    IDEA_STATUS = "idea_status", _("Status changes and official responses on ideas")
    DECISION = "decision", _("Decisions closing soon and their outcomes")
    MEASUREMENT = "measurement", _("New measurements of the goals of my purposes")
    JOIN_REQUEST = "join_request", _("Requests to join communities I moderate")
    MEMBERSHIP = "membership", _("My requests to join and my invitations")


class EmailDelivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DIGEST = "digest", _("In the digest only")
    NEVER = "never", _("Never")


class DigestCadence(models.TextChoices):
    OFF = "off", _("Off")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# What a person gets by email before they choose: what concerns them personally at once,
# what happens around them in the digest.
DEFAULT_EMAIL = {
    NotificationKind.REPLY: EmailDelivery.IMMEDIATELY,
    NotificationKind.MENTION: EmailDelivery.IMMEDIATELY,
    NotificationKind.NEW_TOPIC: EmailDelivery.DIGEST,
    NotificationKind.IDEA_STATUS: EmailDelivery.IMMEDIATELY,
    NotificationKind.DECISION: EmailDelivery.IMMEDIATELY,
    NotificationKind.MEASUREMENT: EmailDelivery.DIGEST,
    NotificationKind.JOIN_REQUEST: EmailDelivery.IMMEDIATELY,
    NotificationKind.MEMBERSHIP: EmailDelivery.IMMEDIATELY,
}


def email_field(kind: str) -> str:
    """The `NotificationSettings` field holding the email choice for `kind`."""
    return f"email_{kind}"


def _email_choice(kind: str) -> models.CharField:
    return models.CharField(
        NotificationKind(kind).label,
        max_length=12,
        choices=EmailDelivery.choices,
        default=DEFAULT_EMAIL[kind],
    )


class NotificationSettings(models.Model):
    """A person's own notification choices, and their unread count (the bell reads it).

    Created on first need (a fan-out, the settings page); a missing row means the defaults
    and nothing unread. Community levels live on `communities.Membership`, thread choices on
    `discussions.ThreadSubscription`.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    email_reply = _email_choice(NotificationKind.REPLY)
    email_mention = _email_choice(NotificationKind.MENTION)
    email_new_topic = _email_choice(NotificationKind.NEW_TOPIC)
    email_idea_status = _email_choice(NotificationKind.IDEA_STATUS)
    email_decision = _email_choice(NotificationKind.DECISION)
    email_measurement = _email_choice(NotificationKind.MEASUREMENT)
    email_join_request = _email_choice(NotificationKind.JOIN_REQUEST)
    email_membership = _email_choice(NotificationKind.MEMBERSHIP)
    keep_mentions_when_muted = models.BooleanField(
        _("Still tell me when I am mentioned where I muted"), default=True
    )
    digest_cadence = models.CharField(
        _("digest"), max_length=8, choices=DigestCadence.choices, default=DigestCadence.WEEKLY
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("day of the weekly digest"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("hour the digest arrives"), default=8, choices=[(h, f"{h:02d}:00") for h in range(24)]
    )
    daily_email_cap = models.PositiveSmallIntegerField(
        _("most immediate emails a day"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit. Beyond it, notifications wait for the digest."),
    )
    # Kept by the services (recounted after each fan-out chunk, F() when reading).
    unread_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"

    def email_delivery(self, kind: str) -> str:
        return getattr(self, email_field(kind))


class Event(models.Model):
    """One thing that happened, to be fanned out to the people it concerns.

    `fanned_out_at` is set when every recipient has their notification; the sweep
    re-enqueues events left without it (a lost message, a killed worker).
    """

    kind = models.CharField(max_length=24, choices=EventKind.choices)
    object_id = models.BigIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="+")
    # The purpose of a goal measured: who may see the notification follows from it.
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="notifications_event_once")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(fanned_out_at__isnull=True),
                name="notifications_event_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class EmailState(models.TextChoices):
    NONE = "", _("No email")
    PENDING = "pending", _("To send now")
    SENT = "sent", _("Sent")
    DIGEST = "digest", _("For the digest")
    SKIPPED = "skipped", _("Not sent")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    # Copied from the event so lists group and filter without joining it.
    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=8, choices=EmailState.choices, default=EmailState.NONE, blank=True
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="notifications_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"]),
            models.Index(
                fields=["recipient", "thread"],
                condition=Q(read_at__isnull=True),
                name="notifications_unread",
            ),
            models.Index(
                fields=["recipient", "email_state"],
                condition=Q(email_state="digest"),
                name="notifications_for_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class DigestState(models.TextChoices):
    SENT = "sent", _("Sent")
    EMPTY = "empty", _("Nothing happened: not sent")


class DigestRecord(models.Model):
    """One person's digest for one period (a local day, or a local ISO week).

    Unique per (person, period): the job that inserts the row is the one that builds and
    sends it, in the same transaction, so a beat that fires twice, a retried job or two
    workers make one email. A period where nothing happened is recorded too (no email),
    so the next digest starts where this one ended.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_records"
    )
    period = models.CharField(max_length=24)
    cadence = models.CharField(max_length=8, choices=DigestCadence.choices)
    # The top of the hour the digest was due: the end of what it covers, and the start of
    # what the next one covers.
    due_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=DigestState.choices, default=DigestState.EMPTY)
    # Set by the job that inserted the row, to tell its own rows from those of another.
    claim = models.CharField(max_length=32, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="notifications_digest_once")
        ]
        indexes = [
            models.Index(fields=["user", "-due_at"]),
            models.Index(fields=["due_at"]),
            models.Index(fields=["claim"]),
        ]

    def __str__(self) -> str:
        return f"Digest {self.period} of {self.user_id}"
