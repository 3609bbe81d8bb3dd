"""Moderation: the audit log of every moderation and administration action.

Flags, the review queue, sanctions and trust levels live here too as they are built.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    FLAG_DISMISSED = "flag_dismissed", _("Flags dismissed")
    HIDE = "hide", _("Hidden")
    UNHIDE = "unhide", _("Shown again")
    DELETE = "delete", _("Deleted")
    RESTORE = "restore", _("Restored")
    WARN = "warn", _("Warned")
    APPROVE = "approve", _("Approved")
    SILENCE = "silence", _("Silenced")
    SUSPEND = "suspend", _("Suspended")
    BAN = "ban", _("Banned")
    SANCTION_LIFTED = "sanction_lifted", _("Sanction lifted")
    SANCTION_EXPIRED = "sanction_expired", _("Sanction ended")
    ROLE_CHANGE = "role_change", _("Role changed")
    MEMBER_TYPE_CHANGE = "member_type_change", _("Member type changed")
    TRUST_LEVEL_CHANGE = "trust_level_change", _("Trust level changed")
    COMMUNITY_SETTINGS_CHANGE = "community_settings", _("Community settings changed")
    SITE_SETTINGS_CHANGE = "site_settings", _("Site settings changed")
    THREAD_MOVE = "thread_move", _("Thread moved")
    THREAD_MERGE = "thread_merge", _("Threads merged")


class AuditEntry(models.Model):
    """One moderation or administration action: who, when, what, before and after, why.

    Written only by `moderation.services.record_action`, in the transaction of the action
    it records; never edited or deleted through the site (the admin shows it read-only).
    `community` is empty for site-wide actions (an account suspended, a site setting).
    The target is named by type, id and a label kept as it was, so the entry still reads
    after the target is gone.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    action = models.CharField(_("action"), max_length=24, choices=AuditAction.choices)
    target_type = models.CharField(_("target type"), max_length=40, blank=True)
    target_id = models.BigIntegerField(_("target id"), null=True, blank=True)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    # The person the action is about (the author of a hidden post, a silenced member).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about"),
    )
    before = models.JSONField(_("before"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "-id"], name="moderation_audit_community"),
            models.Index(fields=["actor", "-id"], name="moderation_audit_actor"),
            models.Index(fields=["subject", "-id"], name="moderation_audit_subject"),
            models.Index(fields=["action", "-id"], name="moderation_audit_action"),
            models.Index(fields=["created_at"], name="moderation_audit_created"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_label}"


class TrustLevel(models.IntegerChoices):
    """Earned by taking part; limits for new accounts rise with it. A person with no
    `PersonTrust` row is NEW."""

    NEW = 0, _("New")
    MEMBER = 1, _("Member")
    REGULAR = 2, _("Regular")
    LEADER = 3, _("Leader")


class PersonTrust(models.Model):
    """A person's trust level, computed by a periodic task unless an administrator set it
    (`set_by_admin`), in which case the task leaves it alone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust"
    )
    level = models.PositiveSmallIntegerField(
        _("trust level"), choices=TrustLevel.choices, default=TrustLevel.NEW
    )
    set_by_admin = models.BooleanField(_("set by an administrator"), default=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("trust level")
        verbose_name_plural = _("trust levels")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_level_display()}"


LIMIT_NAMES = (
    "posts_per_hour",
    "threads_per_hour",
    "links_per_post",
    "images_per_post",
    "mentions_per_post",
    "invitations_per_day",
)
LIMIT_LEVELS = ("new", "member", "regular")


class ModerationSettings(models.Model):
    """The site's moderation thresholds and limits, one row, changed by administrators in
    the browser. Read through `moderation.selectors.moderation_settings()`.

    Each limit has one field per trust level, `<limit>_new`, `<limit>_member` and
    `<limit>_regular` (Leaders have the Regular limits); 0 means no limit."""

    auto_hide_flag_count = models.PositiveSmallIntegerField(
        _("flags that hide an item"),
        default=3,
        help_text=_(
            "An item is hidden until a moderator reviews it once this many different people "
            "at trust level Member or above have flagged it."
        ),
    )
    member_after_days = models.PositiveSmallIntegerField(
        _("days before Member"),
        default=1,
        help_text=_("Days since joining before someone can reach Member."),
    )
    member_after_posts_read = models.PositiveSmallIntegerField(
        _("posts read before Member"),
        default=5,
        help_text=_("Posts in threads they have opened."),
    )
    member_after_posts = models.PositiveSmallIntegerField(
        _("posts made before Member"),
        default=1,
    )
    regular_after_days = models.PositiveSmallIntegerField(
        _("days before Regular"),
        default=15,
    )
    regular_after_posts_read = models.PositiveSmallIntegerField(
        _("posts read before Regular"),
        default=50,
    )
    regular_after_posts = models.PositiveSmallIntegerField(
        _("posts made before Regular"),
        default=10,
    )
    regular_max_upheld_flags = models.PositiveSmallIntegerField(
        _("upheld flags allowed for Regular"),
        default=0,
        help_text=_(
            "Someone with more posts hidden or deleted by moderators, or bans, stays below Regular."
        ),
    )
    host_verified_level = models.PositiveSmallIntegerField(
        _("starting level for the host organisation"),
        default=1,
        help_text=_(
            "People whose address on a host organisation domain or SSO account is verified "
            "start at this level (0 New, 1 Member, 2 Regular)."
        ),
    )
    posts_per_hour_new = models.PositiveSmallIntegerField(
        _("posts per hour: New"),
        default=10,
    )
    posts_per_hour_member = models.PositiveSmallIntegerField(
        _("posts per hour: Member"),
        default=30,
    )
    posts_per_hour_regular = models.PositiveSmallIntegerField(
        _("posts per hour: Regular and above"),
        default=120,
    )
    threads_per_hour_new = models.PositiveSmallIntegerField(
        _("new threads per hour: New"),
        default=3,
    )
    threads_per_hour_member = models.PositiveSmallIntegerField(
        _("new threads per hour: Member"),
        default=10,
    )
    threads_per_hour_regular = models.PositiveSmallIntegerField(
        _("new threads per hour: Regular and above"),
        default=30,
    )
    links_per_post_new = models.PositiveSmallIntegerField(
        _("links per post: New"),
        default=2,
    )
    links_per_post_member = models.PositiveSmallIntegerField(
        _("links per post: Member"),
        default=10,
    )
    links_per_post_regular = models.PositiveSmallIntegerField(
        _("links per post: Regular and above"),
        default=50,
    )
    images_per_post_new = models.PositiveSmallIntegerField(
        _("images per post: New"),
        default=1,
    )
    images_per_post_member = models.PositiveSmallIntegerField(
        _("images per post: Member"),
        default=5,
    )
    images_per_post_regular = models.PositiveSmallIntegerField(
        _("images per post: Regular and above"),
        default=20,
    )
    mentions_per_post_new = models.PositiveSmallIntegerField(
        _("mentions per post: New"),
        default=3,
    )
    mentions_per_post_member = models.PositiveSmallIntegerField(
        _("mentions per post: Member"),
        default=10,
    )
    mentions_per_post_regular = models.PositiveSmallIntegerField(
        _("mentions per post: Regular and above"),
        default=30,
    )
    invitations_per_day_new = models.PositiveSmallIntegerField(
        _("invitations per day: New"),
        default=5,
    )
    invitations_per_day_member = models.PositiveSmallIntegerField(
        _("invitations per day: Member"),
        default=50,
    )
    invitations_per_day_regular = models.PositiveSmallIntegerField(
        _("invitations per day: Regular and above"),
        default=200,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")

    def __str__(self) -> str:
        return str(_("Moderation settings"))

    def limit(self, name: str, level: int) -> int:
        """The limit `name` at trust `level`; 0 is none."""
        return getattr(self, f"{name}_{LIMIT_LEVELS[min(level, len(LIMIT_LEVELS) - 1)]}")


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    INAPPROPRIATE = "inappropriate", _("Inappropriate")
    OFF_TOPIC = "off_topic", _("Off-topic")
    OTHER = "other", _("Something else")


class ItemKind(models.TextChoices):
    POST = "post", _("Post")
    THREAD = "thread", _("Thread")
    PROFILE = "profile", _("Profile")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    RESOLVED = "resolved", _("Handled")


class QueueReason(models.TextChoices):
    """Why an item is in the review queue."""

    FLAGGED = "flagged", _("Flagged")
    HELD = "held", _("First post held for approval")
    EDITED = "edited", _("Hidden, edited by its author")


class ReviewItem(models.Model):
    """A thread, post or profile in the review queue: one row per target, opened again
    when it is flagged again, held, or edited while hidden.

    Exactly one of `thread`, `post` and `person` is set (a flag on a thread names the
    thread, on a reply the post, on a profile the person). `community` is empty for
    profiles, which only administrators review. `open_flag_count` counts the open flags,
    for the "most flagged" order; `auto_hidden` records that flags hid the item.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    thread = models.OneToOneField(
        "discussions.Thread",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_item",
    )
    post = models.OneToOneField(
        "discussions.Post",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_item",
    )
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_item",
    )
    # The author of the thread or post, or the person of the profile.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    reason = models.CharField(
        _("why"), max_length=8, choices=QueueReason.choices, default=QueueReason.FLAGGED
    )
    open_flag_count = models.PositiveIntegerField(_("open flags"), default=0)
    auto_hidden = models.BooleanField(_("hidden by flags"), default=False)
    # When it last entered the queue or was last flagged: "newest first" orders by it.
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(
        max_length=24, choices=AuditAction.choices, blank=True, verbose_name=_("outcome")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="post", post__isnull=False, thread__isnull=True)
                    & models.Q(person__isnull=True)
                )
                | (
                    models.Q(kind="thread", thread__isnull=False, post__isnull=True)
                    & models.Q(person__isnull=True)
                )
                | (
                    models.Q(kind="profile", person__isnull=False, post__isnull=True)
                    & models.Q(thread__isnull=True)
                ),
                name="moderation_item_one_target",
            )
        ]
        indexes = [
            models.Index(
                fields=["community", "status", "-queued_at", "-id"],
                name="moderation_item_newest",
            ),
            models.Index(
                fields=["community", "status", "-open_flag_count", "-id"],
                name="moderation_item_most",
            ),
            models.Index(fields=["status", "-queued_at", "-id"], name="moderation_site_newest"),
            models.Index(fields=["status", "-open_flag_count", "-id"], name="moderation_site_most"),
        ]
        verbose_name = _("review item")
        verbose_name_plural = _("review queue")

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id}"

    @property
    def target_id(self) -> int | None:
        return self.post_id or self.thread_id or self.person_id

    @property
    def is_open(self) -> bool:
        return self.status == ItemStatus.OPEN


class Flag(models.Model):
    """One person's flag on one item, once per person and item. `counts` records whether
    the flagger's trust let it count toward hiding the item by itself."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    counts = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "flagger"], name="moderation_flag_once")
        ]
        indexes = [
            models.Index(fields=["item", "-id"], name="moderation_flag_item"),
            models.Index(fields=["flagger", "-id"], name="moderation_flag_flagger"),
        ]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")

    def __str__(self) -> str:
        return f"{self.reason} on {self.item_id}"

    @property
    def reason_label(self) -> str:
        return FlagReason(self.reason).label


class Decision(models.TextChoices):
    DISMISS = "dismiss", _("Dismiss the flags")
    HIDE = "hide", _("Hide")
    DELETE = "delete", _("Delete")
    WARN = "warn", _("Warn the author")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


# What each decision records in the audit log.
DECISION_ACTIONS = {
    Decision.DISMISS: AuditAction.FLAG_DISMISSED,
    Decision.HIDE: AuditAction.HIDE,
    Decision.DELETE: AuditAction.DELETE,
    Decision.WARN: AuditAction.WARN,
    Decision.APPROVE: AuditAction.APPROVE,
    Decision.REJECT: AuditAction.DELETE,
}
NEEDS_REASON = {Decision.HIDE, Decision.DELETE, Decision.WARN, Decision.REJECT}
