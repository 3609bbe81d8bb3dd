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
from core import events
from core.text import require_single_line
from discussions import permissions as discussion_permissions
from discussions.models import Post, ReviewState, Thread
from discussions.services import threads as thread_services
from moderation import selectors
from moderation.models import (
    DECISION_ACTIONS,
    NEEDS_REASON,
    AuditAction,
    AuditEntry,
    Decision,
    Flag,
    FlagReason,
    ItemKind,
    ItemStatus,
    ModerationSettings,
    PersonTrust,
    QueueReason,
    ReviewItem,
    TrustLevel,
)
from moderation.selectors import decisions_for, moderation_settings, trust_level

NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 300


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


# -- flags --------------------------------------------------------------------------------


def _item_for_update(*, post: Post | None, thread: Thread | None, person: User | None):
    """The review item of the target, locked, made when the target has none."""
    if thread is None and post is not None and post.is_first:
        thread, post = post.thread, None
    if post is not None:
        lookup, defaults = (
            {"post": post},
            {
                "kind": ItemKind.POST,
                "community_id": post.community_id,
                "author_id": post.author_id,
            },
        )
    elif thread is not None:
        lookup, defaults = (
            {"thread": thread},
            {
                "kind": ItemKind.THREAD,
                "community_id": thread.community_id,
                "author_id": thread.author_id,
            },
        )
    else:
        lookup, defaults = {"person": person}, {"kind": ItemKind.PROFILE, "author": person}
    item, created = ReviewItem.objects.select_for_update().get_or_create(
        **lookup, defaults={**defaults, "status": ItemStatus.RESOLVED, "open_flag_count": 0}
    )
    return item


def _reopen(item: ReviewItem, reason: str, now) -> None:
    if item.status != ItemStatus.OPEN:
        item.status = ItemStatus.OPEN
        item.reason = reason
        item.open_flag_count = 0
        item.auto_hidden = False
        item.resolved_at = None
        item.resolved_by = None
        item.resolution = ""
    elif reason != QueueReason.FLAGGED:
        item.reason = reason
    item.queued_at = now


def _target_post(item: ReviewItem) -> Post | None:
    """The post whose review state stands for the item: a thread's is its first post."""
    if item.post_id:
        return item.post
    if item.thread_id:
        post = Post.objects.select_related("thread").get(thread_id=item.thread_id, is_first=True)
        return post
    return None


def _flag_refusal(by: User, *, post: Post | None, thread: Thread | None, person: User | None):
    if not by.is_authenticated:
        return _("Sign in to flag.")
    if person is not None:
        if person.pk == by.pk:
            return _("You cannot flag your own profile.")
        return None if discussion_permissions.can_see_person(by, person) else "404"
    thread = thread or post.thread
    if not discussion_permissions.can_read_thread(by, thread):
        return "404"
    shown = post if post is not None else thread
    if not discussion_permissions.can_see_item(by, shown):
        return "404"
    if shown.author_id == by.pk:
        return _("You cannot flag what you wrote.")
    return None


@transaction.atomic
def flag(
    *,
    by: User,
    reason: str,
    note: str = "",
    post: Post | None = None,
    thread: Thread | None = None,
    person: User | None = None,
) -> Flag:
    """Flag a post, a thread (or idea) or a profile, once per person. Quiet: the author is
    never told who flagged. Flags from people at trust level Member or above count toward
    hiding the item until a moderator reviews it (`auto_hide_flag_count` of them).

    Raises PermissionDenied when `by` may not read the target, ValidationError for a bad
    reason, a missing note, a second flag or a flag on one's own work.
    """
    refusal = _flag_refusal(by, post=post, thread=thread, person=person)
    if refusal == "404":
        raise PermissionDenied
    if refusal:
        raise ValidationError(refusal)
    if reason not in FlagReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    note = " ".join(note.split())
    if reason == FlagReason.OTHER and not note:
        raise ValidationError({"note": _("Say what is wrong.")})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("A note can be at most %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH}}
        )
    item = _item_for_update(post=post, thread=thread, person=person)
    if Flag.objects.filter(item=item, flagger=by).exists():
        raise ValidationError(_("You have already flagged this."))
    now = timezone.now()
    new_flag = Flag.objects.create(
        item=item,
        flagger=by,
        reason=reason,
        note=note,
        counts=trust_level(by) >= TrustLevel.MEMBER,
        created_at=now,
    )
    _reopen(item, QueueReason.FLAGGED, now)
    item.open_flag_count += 1
    item.save()
    _hide_when_flagged_enough(item)
    return new_flag


def _hide_when_flagged_enough(item: ReviewItem) -> None:
    if item.kind == ItemKind.PROFILE or item.auto_hidden:
        return
    trusted = Flag.objects.filter(item=item, resolved_at__isnull=True, counts=True).count()
    if trusted < moderation_settings().auto_hide_flag_count:
        return
    post = _target_post(item)
    if post.review_state != ReviewState.PUBLISHED:
        return
    note = _("Hidden after flags from the community, until a moderator reviews it.")
    thread_services.set_review_state(post=post, state=ReviewState.HIDDEN, note=note)
    item.auto_hidden = True
    item.save(update_fields=["auto_hidden"])
    record_action(
        actor=None,
        action=AuditAction.HIDE,
        community=item.community,
        target=item.thread or post,
        target_label=_label(item, post),
        subject=item.author,
        after={"flags": trusted},
        reason=note,
    )


# -- the queue's actions ------------------------------------------------------------------


def can_review(user: User, item: ReviewItem) -> bool:
    """Moderators of the item's community; administrators for every item and profiles."""
    if item.community_id is None:
        return is_administrator(user)
    return community_permissions.can_moderate(user, item.community)


def _label(item: ReviewItem, post: Post | None) -> str:
    if item.kind == ItemKind.PROFILE:
        return item.person.name if item.person_id else ""
    if item.kind == ItemKind.THREAD:
        return item.thread.title
    return _("Reply in “%(title)s”") % {"title": post.thread.title}


@transaction.atomic
def review(*, by: User, item: ReviewItem, decision: str, reason: str = "") -> AuditEntry:
    """Handle an item of the queue: dismiss its flags (showing it again when flags hid
    it), hide it with a reason its author sees, delete it, warn its author, or approve
    or reject a held first post. Every decision resolves all the item's open flags and
    is recorded in the audit log (who, when, why), in one transaction.

    Raises PermissionDenied unless `by` may review the item, ValidationError when it was
    handled meanwhile, for a decision that does not fit it, or a missing reason.
    """
    if not can_review(by, item):
        raise PermissionDenied
    item = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("community", "thread", "post__thread", "person", "author")
        .get(pk=item.pk)
    )
    if item.status != ItemStatus.OPEN:
        raise ValidationError(_("Another moderator has handled this already."))
    post = _target_post(item)
    if post is not None:
        post.thread.community = item.community
    if decision not in decisions_for(item, post):
        raise ValidationError({"decision": _("Choose one of the actions offered.")})
    reason = " ".join(reason.split())
    if decision in NEEDS_REASON and not reason:
        raise ValidationError({"reason": _("Give a reason: the author will see it.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("A reason can be at most %(limit)d characters.")
                % {"limit": REASON_MAX_LENGTH}
            }
        )
    before = {"review": post.review_state} if post is not None else {}
    if decision == Decision.DISMISS and post is not None and post.is_hidden:
        thread_services.set_review_state(post=post, state=ReviewState.PUBLISHED)
    elif decision == Decision.HIDE:
        thread_services.set_review_state(post=post, state=ReviewState.HIDDEN, note=reason)
    elif decision in (Decision.DELETE, Decision.REJECT):
        if not post.is_deleted:
            thread_services.delete_post(by=by, post=post, reason=reason)
        if item.kind == ItemKind.THREAD and decision == Decision.DELETE:
            # The thread goes with its opening post, out of every list.
            thread_services.set_review_state(post=post, state=ReviewState.HIDDEN, note=reason)
    elif decision == Decision.APPROVE:
        thread_services.publish_post(post=post)
    now = timezone.now()
    Flag.objects.filter(item=item, resolved_at__isnull=True).update(resolved_at=now)
    action = DECISION_ACTIONS[decision]
    item.status = ItemStatus.RESOLVED
    item.open_flag_count = 0
    item.resolved_at, item.resolved_by, item.resolution = now, by, action
    item.save()
    entry = record_action(
        actor=by,
        action=action,
        community=item.community,
        target=item.thread or post or item.person,
        target_label=_label(item, post),
        subject=item.author,
        before=before,
        after={"review": post.review_state} if post is not None else {},
        reason=reason,
    )
    if decision == Decision.WARN and item.author_id:
        events.publish("author_warned", entry.pk)
    return entry


# -- what the discussions services tell -------------------------------------------------------


def queue_post(kind: str, object_id: int) -> None:
    """A held post, or a hidden one its author edited, goes (back) to the queue. Subscribed
    to `core.events`; runs in the transaction that held or edited the post."""
    reasons = {"post_held": QueueReason.HELD, "hidden_post_edited": QueueReason.EDITED}
    if kind not in reasons:
        return
    post = Post.objects.select_related("thread").filter(pk=object_id).first()
    if post is None:
        return
    item = _item_for_update(post=post, thread=None, person=None)
    _reopen(item, reasons[kind], timezone.now())
    item.save()


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
