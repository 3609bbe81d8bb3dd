"""Every moderation write. Each action records itself in the audit log, in its own
transaction, through `record_action`."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountSanction, SanctionKind, User
from accounts.permissions import is_administrator
from communities import permissions as community_permissions
from communities import services as community_services
from communities.models import Ban, Community, Membership, Silence
from core.text import require_single_line
from moderation import selectors
from moderation.models import (
    AuditAction,
    AuditEntry,
    ModerationSettings,
    PersonTrust,
    TrustLevel,
)


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


# -- sanctions ------------------------------------------------------------------------------


def _when(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _clean_reason(reason: str) -> str:
    reason = reason.strip()[:300]
    require_single_line(reason=reason)
    if not reason:
        raise ValidationError({"reason": _("Say why: the person is shown the reason.")})
    return reason


def _check_end(ends_at: datetime.datetime | None) -> None:
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationError({"duration": _("The end must be in the future.")})


@transaction.atomic
def silence_in_community(
    *,
    by: User,
    community: Community,
    user: User,
    reason: str,
    ends_at: datetime.datetime | None,
) -> Silence:
    """`user` may read `community` but write nothing in it until `ends_at` (None: until
    lifted). A second silence replaces the first."""
    community_permissions.require_sanction_member(by, community, user)
    reason = _clean_reason(reason)
    _check_end(ends_at)
    silence, _created = Silence.objects.update_or_create(
        community=community,
        user=user,
        defaults={
            "silenced_by": by,
            "reason": reason,
            "ends_at": ends_at,
            "created_at": timezone.now(),
        },
    )
    community_permissions.forget_viewer_facts(community)
    record_action(
        actor=by,
        action=AuditAction.SILENCE,
        community=community,
        target=user,
        subject=user,
        after={"ends_at": _when(ends_at)},
        reason=reason,
    )
    return silence


@transaction.atomic
def ban_from_community(
    *,
    by: User,
    community: Community,
    user: User,
    reason: str,
    ends_at: datetime.datetime | None,
) -> Ban:
    """Remove `user` from `community` (when a member) and keep them out until `ends_at`
    (None: until lifted): the communities app's removal with a ban, given an end."""
    community_permissions.require_sanction_member(by, community, user)
    reason = _clean_reason(reason)
    _check_end(ends_at)
    membership = Membership.objects.filter(community=community, user=user).first()
    if membership is not None:
        community_services.remove_member(membership=membership, by=by, ban=True, reason=reason)
    ban, _created = Ban.objects.update_or_create(
        community=community,
        user=user,
        defaults={
            "banned_by": by,
            "reason": reason,
            "ends_at": ends_at,
            "created_at": timezone.now(),
        },
    )
    # A ban says everything a silence would: one sanction per person and community.
    Silence.objects.filter(community=community, user=user).delete()
    community_permissions.forget_viewer_facts(community)
    record_action(
        actor=by,
        action=AuditAction.BAN,
        community=community,
        target=user,
        subject=user,
        after={"ends_at": _when(ends_at), "was_member": membership is not None},
        reason=reason,
    )
    return ban


COMMUNITY_SANCTIONS = {"silence": Silence, "ban": Ban}


@transaction.atomic
def lift_community_sanction(*, by: User, community: Community, user: User, kind: str) -> bool:
    """End a silence or ban early; False when there was none to lift. A lifted ban lets
    the person join again; it does not make them a member."""
    community_permissions.require_moderate(by, community)
    model = COMMUNITY_SANCTIONS.get(kind)
    if model is None:
        raise ValidationError(_("Choose a silence or a ban to lift."))
    row = model.objects.select_for_update().filter(community=community, user=user).first()
    if row is None:
        return False
    row.delete()
    community_permissions.forget_viewer_facts(community)
    record_action(
        actor=by,
        action=AuditAction.SANCTION_LIFTED,
        community=community,
        target=user,
        subject=user,
        before={"kind": kind, "ends_at": _when(row.ends_at), "reason": row.reason},
    )
    return True


@transaction.atomic
def sanction_account(
    *,
    by: User,
    user: User,
    kind: str,
    reason: str,
    ends_at: datetime.datetime | None,
) -> AccountSanction:
    """Silence an account everywhere, or suspend it: a suspension also ends every session
    of the account at once (`User.session_generation`) and keeps it from signing in (the
    account adapter) or using its API tokens until `ends_at` (None: until lifted)."""
    community_permissions.require_sanction_account(by, user)
    if kind not in SanctionKind.values:
        raise ValidationError({"kind": _("Choose silence or suspension.")})
    reason = _clean_reason(reason)
    _check_end(ends_at)
    sanction, _created = AccountSanction.objects.update_or_create(
        user=user,
        kind=kind,
        defaults={
            "created_by": by,
            "reason": reason,
            "ends_at": ends_at,
            "created_at": timezone.now(),
        },
    )
    changes = {"has_site_sanction": True}
    if kind == SanctionKind.SUSPEND:
        changes["session_generation"] = F("session_generation") + 1
    User.objects.filter(pk=user.pk).update(**changes)
    user.has_site_sanction = True
    community_permissions.forget_site_sanction(user)
    record_action(
        actor=by,
        action=AuditAction.SUSPEND if kind == SanctionKind.SUSPEND else AuditAction.SILENCE,
        target=user,
        subject=user,
        after={"ends_at": _when(ends_at), "site_wide": True},
        reason=reason,
    )
    return sanction


@transaction.atomic
def lift_account_sanction(*, by: User, user: User, kind: str) -> bool:
    community_permissions.require_sanction_account(by, user)
    row = AccountSanction.objects.select_for_update().filter(user=user, kind=kind).first()
    if row is None:
        return False
    row.delete()
    _keep_site_sanction_flag(user.pk)
    user.has_site_sanction = AccountSanction.objects.filter(user=user).exists()
    community_permissions.forget_site_sanction(user)
    record_action(
        actor=by,
        action=AuditAction.SANCTION_LIFTED,
        target=user,
        subject=user,
        before={"kind": kind, "site_wide": True, "ends_at": _when(row.ends_at)},
    )
    return True


def _keep_site_sanction_flag(user_id: int) -> None:
    """`User.has_site_sanction` follows whether any account sanction row is left."""
    User.objects.filter(pk=user_id).update(
        has_site_sanction=Exists(AccountSanction.objects.filter(user=OuterRef("pk")))
    )


def end_expired_sanctions(*, moment: datetime.datetime | None = None) -> int:
    """Delete every sanction whose end has passed and record that it ended; the number
    ended. Idempotent and safe to run twice at once: a row is recorded only by the run
    whose delete removed it."""
    moment = moment or timezone.now()
    ended = 0
    sources = [
        (Silence, "silence", True),
        (Ban, "ban", True),
        (AccountSanction, None, False),
    ]
    for model, kind, in_community in sources:
        due = model.objects.filter(ends_at__lte=moment).select_related("user")
        for row in due.iterator(chunk_size=500):
            with transaction.atomic():
                deleted, _rows = model.objects.filter(pk=row.pk, ends_at__lte=moment).delete()
                if not deleted:
                    continue
                if not in_community:
                    _keep_site_sanction_flag(row.user_id)
                record_action(
                    actor=None,
                    action=AuditAction.SANCTION_EXPIRED,
                    community=row.community if in_community else None,
                    target=row.user,
                    subject=row.user,
                    before={
                        "kind": kind or row.kind,
                        "ends_at": _when(row.ends_at),
                        "site_wide": not in_community,
                    },
                )
                ended += 1
    return ended


# -- trust levels -----------------------------------------------------------------------------


@transaction.atomic
def set_trust_level(*, by: User, user: User, level: int | None) -> PersonTrust:
    """An administrator sets a person's level (the periodic task then leaves it alone), or
    with None hands it back to the task."""
    if not is_administrator(by):
        raise PermissionDenied(_("Only administrators can change trust levels."))
    if level is not None and level not in TrustLevel.values:
        raise ValidationError({"level": _("Choose a trust level.")})
    trust, _created = PersonTrust.objects.select_for_update().get_or_create(user=user)
    before = {"level": trust.level, "set_by_admin": trust.set_by_admin}
    if level is None:
        trust.set_by_admin = False
    else:
        trust.level, trust.set_by_admin = level, True
    trust.updated_at = timezone.now()
    trust.save(update_fields=["level", "set_by_admin", "updated_at"])
    record_action(
        actor=by,
        action=AuditAction.TRUST_LEVEL_CHANGE,
        target=user,
        subject=user,
        before=before,
        after={"level": trust.level, "set_by_admin": trust.set_by_admin},
    )
    return trust


def recompute_trust_levels(*, moment: datetime.datetime | None = None) -> int:
    """Give everyone whose level no administrator set the level their participation earns
    (`selectors.earned_levels`); record each change. The number changed. Idempotent."""
    moment = moment or timezone.now()
    earned = selectors.earned_levels(moment=moment)
    current = dict(PersonTrust.objects.values_list("user_id", "level"))
    fixed = set(PersonTrust.objects.filter(set_by_admin=True).values_list("user_id", flat=True))
    due = {
        user_id: level
        for user_id, level in earned.items()
        if user_id not in fixed and current.get(user_id, TrustLevel.NEW) != level
    }
    people = User.objects.in_bulk(list(due))
    changed = 0
    for user_id, level in due.items():
        with transaction.atomic():
            trust, created = PersonTrust.objects.select_for_update().get_or_create(user_id=user_id)
            if trust.set_by_admin or (trust.level == level and not created):
                continue
            before = trust.level
            trust.level, trust.updated_at = level, moment
            trust.save(update_fields=["level", "updated_at"])
            record_action(
                actor=None,
                action=AuditAction.TRUST_LEVEL_CHANGE,
                target=people.get(user_id),
                subject=people.get(user_id),
                before={"level": before},
                after={"level": level},
                reason=str(_("Earned by taking part")),
            )
            changed += 1
    return changed


# -- settings ---------------------------------------------------------------------------------


@transaction.atomic
def update_moderation_settings(*, by: User, values: dict) -> ModerationSettings:
    """An administrator changes limits and thresholds; the entry keeps what changed."""
    if not is_administrator(by):
        raise PermissionDenied(_("Only administrators can change moderation settings."))
    row = selectors.moderation_settings()
    row = ModerationSettings.objects.select_for_update().get(pk=row.pk)
    before, after = {}, {}
    for name, value in values.items():
        if getattr(row, name) != value:
            before[name], after[name] = getattr(row, name), value
            setattr(row, name, value)
    if after:
        row.save()
        record_action(
            actor=by,
            action=AuditAction.SITE_SETTINGS_CHANGE,
            target=row,
            target_label=str(_("Moderation settings")),
            before=before,
            after=after,
        )
    return row
