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


class ModerationSettings(models.Model):
    """The site's moderation thresholds and limits, one row, changed by administrators in
    the browser. Read through `moderation.selectors.moderation_settings()`."""

    auto_hide_flag_count = models.PositiveSmallIntegerField(
        _("flags that hide an item"),
        default=3,
        help_text=_(
            "An item is hidden until a moderator reviews it once this many different people "
            "at trust level Member or above have flagged it."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")

    def __str__(self) -> str:
        return str(_("Moderation settings"))
