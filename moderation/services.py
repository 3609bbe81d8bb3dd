"""Every moderation write. Each action records itself in the audit log, in its own
transaction, through `record_action`."""

from django.db import models

from accounts.models import User
from moderation.models import AuditAction, AuditEntry


def record_action(
    *,
    actor: User | None,
    action: AuditAction,
    community=None,
    target: models.Model | None = None,
    target_label: str = "",
    subject: User | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Add an entry to the audit log. Call it inside the transaction of the action itself,
    so an action that fails leaves no entry and an entry never lacks its action."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        community=community,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        target_label=(target_label or (str(target) if target is not None else ""))[:300],
        subject=subject,
        before=before or {},
        after=after or {},
        reason=reason,
    )
