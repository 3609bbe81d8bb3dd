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
