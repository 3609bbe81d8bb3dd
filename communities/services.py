"""Every write about communities: configuration, membership, requests, invitations, bans."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import MemberType, User
from accounts.selectors import member_type_after_invitation
from communities import permissions
from communities.models import (
    AUDIENCE_FIELDS,
    IDEA_VOTER_FIELDS,
    Ban,
    Category,
    Community,
    Invitation,
    InvitationAcceptance,
    JoinedVia,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    NotificationLevel,
    PendingInvitation,
    Role,
)
from core import audit, events
from core.markdown import render_markdown
from core.text import require_single_line
from purposes.models import Purpose


def _audience_fields(audience: Iterable[str]) -> dict[str, bool]:
    audience = set(audience)
    unknown = audience - set(MemberType.values)
    if unknown or not audience:
        raise ValidationError({"audience": _("Choose at least one member type.")})
    return {field: kind in audience for kind, field in AUDIENCE_FIELDS.items()}


def _idea_voter_fields(idea_voters: Iterable[str] | None, audience: Iterable[str]) -> dict:
    voters = set(audience if idea_voters is None else idea_voters)
    return {field: kind in voters for kind, field in IDEA_VOTER_FIELDS.items()}


def _set_categories(community: Community, names: Iterable[str]) -> None:
    wanted = []
    for name in names:
        name = name.strip()
        if name and name.lower() not in {w.lower() for w in wanted}:
            wanted.append(name[:80])
    existing = {category.name: category for category in community.categories.all()}
    community.categories.exclude(name__in=wanted).delete()
    for position, name in enumerate(wanted):
        if name in existing:
            if existing[name].position != position:
                existing[name].position = position
                existing[name].save(update_fields=["position"])
        else:
            Category.objects.create(community=community, name=name, position=position)


def _slug_taken() -> ValidationError:
    """The same words whoever holds the address: naming (or confirming) the community
    would reveal a secret one to someone who may not see it."""
    return ValidationError({"slug": _("This address is not available; choose another.")})


@transaction.atomic
def create_community(
    *,
    by: User,
    purpose: Purpose,
    name: str,
    slug: str,
    description: str = "",
    guidelines: str = "",
    audience: Iterable[str] = (MemberType.EMPLOYEE,),
    visibility: str = "listed",
    join_policy: str = "open",
    default_notification_level: str = "participating",
    categories: Iterable[str] = (),
    idea_voters: Iterable[str] | None = None,
    hold_first_posts: bool = False,
) -> Community:
    """Administrators and the purpose's owners create communities; the creator owns it.

    `idea_voters` are the member types who may vote on ideas (by default its audience).
    """
    permissions.require_create_community(by, purpose)
    categories = list(categories)
    require_single_line(name=name, categories=categories)
    if Community.objects.filter(slug=slug).exists():
        raise _slug_taken()
    community = Community(
        name=name.strip(),
        slug=slug,
        purpose=purpose,
        description=description,
        description_html=render_markdown(description),
        guidelines=guidelines,
        guidelines_html=render_markdown(guidelines),
        visibility=visibility,
        join_policy=join_policy,
        default_notification_level=default_notification_level,
        hold_first_posts=hold_first_posts,
        **_audience_fields(audience),
        **_idea_voter_fields(idea_voters, audience),
    )
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError as error:
        raise _slug_taken() from error
    _set_categories(community, categories)
    _add_member(community=community, user=by, role=Role.OWNER, joined_via=JoinedVia.CREATED)
    return community


@transaction.atomic
def update_community(
    *,
    community: Community,
    by: User,
    purpose: Purpose,
    name: str,
    slug: str,
    description: str,
    guidelines: str,
    audience: Iterable[str],
    visibility: str,
    join_policy: str,
    default_notification_level: str,
    categories: Iterable[str],
    idea_voters: Iterable[str] | None = None,
    hold_first_posts: bool | None = None,
) -> Community:
    permissions.require_configure(by, community)
    before = _settings_of(community)
    categories = list(categories)
    require_single_line(name=name, categories=categories)
    if Community.objects.filter(slug=slug).exclude(pk=community.pk).exists():
        raise _slug_taken()
    for field, value in _audience_fields(audience).items():
        setattr(community, field, value)
    for field, value in _idea_voter_fields(idea_voters, audience).items():
        setattr(community, field, value)
    community.purpose = purpose
    community.name = name.strip()
    community.slug = slug
    community.description = description
    community.description_html = render_markdown(description)
    community.guidelines = guidelines
    community.guidelines_html = render_markdown(guidelines)
    community.visibility = visibility
    community.join_policy = join_policy
    community.default_notification_level = default_notification_level
    if hold_first_posts is not None:
        community.hold_first_posts = hold_first_posts
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError as error:
        raise _slug_taken() from error
    _set_categories(community, categories)
    after = _settings_of(community)
    changed = [field for field in after if after[field] != before.get(field)]
    if changed:
        audit.record(
            actor=by,
            action="community_settings",
            community=community,
            target=community,
            target_label=community.name,
            before={field: before.get(field) for field in changed},
            after={field: after[field] for field in changed},
        )
    return community


# What the audit log records of a settings change: each field as it was and became.
_AUDITED_SETTINGS = (
    "purpose_id",
    "name",
    "slug",
    "description",
    "guidelines",
    "visibility",
    "join_policy",
    "default_notification_level",
    "hold_first_posts",
    *AUDIENCE_FIELDS.values(),
    *IDEA_VOTER_FIELDS.values(),
)


def _settings_of(community: Community) -> dict:
    values = {field: getattr(community, field) for field in _AUDITED_SETTINGS}
    values["categories"] = sorted(community.categories.values_list("name", flat=True))
    return values


def _add_member(*, community: Community, user: User, role: str, joined_via: str) -> Membership:
    """Create the membership and count it; joining twice changes nothing."""
    membership, created = Membership.objects.get_or_create(
        community=community,
        user=user,
        defaults={
            "role": role,
            "joined_via": joined_via,
            "notification_level": community.default_notification_level,
        },
    )
    if created:
        Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + 1)
        community.member_count += 1
        permissions.forget_viewer_facts(community)
        events.publish("member_joined", membership.pk)
    return membership


def _remove_membership(membership: Membership) -> None:
    deleted, _details = Membership.objects.filter(pk=membership.pk).delete()
    if deleted:
        Community.objects.filter(pk=membership.community_id, member_count__gt=0).update(
            member_count=F("member_count") - 1
        )
    _forget_facts(membership)


def _forget_facts(membership: Membership) -> None:
    """Facts remembered on the community instance the caller holds no longer hold."""
    if Membership.community.is_cached(membership):
        permissions.forget_viewer_facts(membership.community)


@transaction.atomic
def add_member(
    *, community: Community, user: User, by: User, role: str = Role.MEMBER
) -> Membership:
    """An administrator or owner adds someone directly (still only from the audience)."""
    permissions.require_configure(by, community)
    if not permissions.in_audience(user, community):
        raise ValidationError(_("This person is outside the community's audience."))
    if Ban.objects.filter(community=community, user=user).exists():
        raise ValidationError(_("This person has been banned from the community."))
    return _add_member(community=community, user=user, role=role, joined_via=JoinedVia.ADDED)


@transaction.atomic
def join_community(*, user: User, community: Community) -> Membership:
    permissions.require_see(user, community)
    refusal = permissions.join_refusal(user, community)
    if refusal:
        raise ValidationError(refusal)
    return _add_member(community=community, user=user, role=Role.MEMBER, joined_via=JoinedVia.OPEN)


@transaction.atomic
def request_to_join(*, user: User, community: Community, message: str = "") -> JoinRequest:
    permissions.require_see(user, community)
    refusal = permissions.request_refusal(user, community)
    if refusal:
        raise ValidationError(refusal)
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(
                community=community, user=user, message=message.strip()[:1000]
            )
            events.publish("join_requested", join_request.pk)
            return join_request
    except IntegrityError as error:
        raise ValidationError(
            _("You have already asked to join; the moderators will answer soon.")
        ) from error


def _pending_request_for_update(join_request: JoinRequest) -> JoinRequest:
    locked = JoinRequest.objects.select_for_update().select_related("community", "user")
    join_request = locked.get(pk=join_request.pk)
    if join_request.status != JoinRequestStatus.PENDING:
        raise ValidationError(_("This request has already been answered."))
    return join_request


@transaction.atomic
def approve_join_request(*, join_request: JoinRequest, by: User) -> Membership:
    permissions.require_moderate(by, join_request.community)
    join_request = _pending_request_for_update(join_request)
    community, person = join_request.community, join_request.user
    if Ban.objects.filter(community=community, user=person).exists():
        raise ValidationError(_("This person has been banned from the community."))
    if not permissions.in_audience(person, community):
        raise ValidationError(_("This person is outside the community's audience."))
    join_request.status = JoinRequestStatus.APPROVED
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    events.publish("join_request_approved", join_request.pk)
    return _add_member(
        community=community, user=person, role=Role.MEMBER, joined_via=JoinedVia.REQUEST
    )


@transaction.atomic
def decline_join_request(*, join_request: JoinRequest, by: User, reason: str = "") -> JoinRequest:
    permissions.require_moderate(by, join_request.community)
    join_request = _pending_request_for_update(join_request)
    join_request.status = JoinRequestStatus.DECLINED
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.decision_reason = reason.strip()[:300]
    join_request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    events.publish("join_request_declined", join_request.pk)
    return join_request


@transaction.atomic
def withdraw_join_request(*, user: User, community: Community) -> int:
    return JoinRequest.objects.filter(
        community=community, user=user, status=JoinRequestStatus.PENDING
    ).update(status=JoinRequestStatus.WITHDRAWN, decided_at=timezone.now())


def _last_owner(membership: Membership) -> bool:
    return (
        membership.role == Role.OWNER
        and not Membership.objects.filter(community_id=membership.community_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def leave_community(*, user: User, community: Community) -> None:
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None:
        raise ValidationError(_("You are not a member of this community."))
    if _last_owner(membership):
        raise ValidationError(
            _("You are the last owner. Make someone else an owner before you leave.")
        )
    _remove_membership(membership)


@transaction.atomic
def remove_member(*, membership: Membership, by: User, ban: bool = False, reason: str = "") -> None:
    """Moderators remove members; a ban also stops them rejoining or asking to."""
    community = membership.community
    permissions.require_moderate(by, community)
    if membership.user_id == by.pk:
        raise ValidationError(_("Use “Leave community” to remove yourself."))
    permissions.require_remove_member(by, membership)
    if _last_owner(membership):
        raise ValidationError(_("A community needs at least one owner."))
    _remove_membership(membership)
    if ban:
        Ban.objects.get_or_create(
            community=community,
            user_id=membership.user_id,
            defaults={"banned_by": by, "reason": reason.strip()[:300]},
        )
        JoinRequest.objects.filter(
            community=community, user_id=membership.user_id, status=JoinRequestStatus.PENDING
        ).update(status=JoinRequestStatus.DECLINED, decided_by=by, decided_at=timezone.now())
        permissions.forget_viewer_facts(community)


@transaction.atomic
def unban(*, community: Community, user: User, by: User) -> None:
    """Lift a ban (from the admin): logged like a moderator's lifting of it."""
    permissions.require_moderate(by, community)
    row = Ban.objects.select_for_update().filter(community=community, user=user).first()
    if row is None:
        return
    row.delete()
    permissions.forget_viewer_facts(community)
    audit.record(
        actor=by,
        action="sanction_lifted",
        community=community,
        target=user,
        subject=user,
        before={
            "kind": "ban",
            "ends_at": row.ends_at.isoformat() if row.ends_at else None,
            "reason": row.reason,
        },
    )


@transaction.atomic
def change_role(*, membership: Membership, by: User, role: str) -> Membership:
    permissions.require_configure(by, membership.community)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role != Role.OWNER and _last_owner(membership):
        raise ValidationError(_("A community needs at least one owner."))
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if before != role:
        audit.record(
            actor=by,
            action="role_change",
            community=membership.community,
            target=membership.user,
            subject=membership.user,
            before={"role": before},
            after={"role": role},
        )
    _forget_facts(membership)
    return membership


@transaction.atomic
def update_membership_preferences(*, membership: Membership, notification_level: str) -> Membership:
    """The person's level for the community: what reaches them from it, in the app, by
    email and in their digest (muted or mentions only: no news of it in the digest).
    When digests come is the person's own cadence (`notifications.NotificationSettings`)."""
    membership.notification_level = notification_level
    membership.save(update_fields=["notification_level"])
    return membership


def mute_community(*, user_id: int, community_id: int) -> int:
    """Set the person's level in the community to muted (an unsubscribe link); nothing
    happens when they are not a member. Returns how many memberships changed."""
    return Membership.objects.filter(user_id=user_id, community_id=community_id).update(
        notification_level=NotificationLevel.NONE
    )


# -- invitations ------------------------------------------------------------------------


def _check_invitation_rate(by: User, count: int) -> None:
    """Moderators send at most INVITATIONS_PER_HOUR invitations an hour."""
    limit = settings.INVITATIONS_PER_HOUR
    key = f"invitations-sent:{by.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    sent = cache.incr(key, count)
    if sent > limit:
        cache.decr(key, count)
        raise ValidationError(
            _("You can send at most %(limit)d invitations an hour. Try again later.")
            % {"limit": limit}
        )


def _check_invitation_type(community: Community, by: User, member_type: str) -> None:
    """A typed invitation comes only from an administrator, for a type in the audience."""
    if not member_type:
        return
    permissions.require_set_invitation_member_type(by)
    if member_type not in MemberType.values:
        raise ValidationError({"member_type": _("Choose a valid member type.")})
    if not community.is_open_to(member_type):
        raise ValidationError(
            {
                "member_type": _("This community is not open to %(type)s members.")
                % {"type": MemberType(member_type).label.lower()}
            }
        )


@transaction.atomic
def invite_by_email(
    *,
    community: Community,
    by: User,
    emails: Iterable[str],
    member_type: str = "",
    valid_days: int = 14,
) -> list[Invitation]:
    """One single-use invitation per address, emailed after commit. Only an administrator
    may give a `member_type` (see `permissions.can_set_invitation_member_type`)."""
    from communities.emails import send_invitation_emails

    permissions.require_invite(by, community)
    _check_invitation_type(community, by, member_type)
    emails = sorted({email.strip().lower() for email in emails if email.strip()})
    if not emails:
        raise ValidationError({"emails": _("Enter at least one email address.")})
    members = set(
        Membership.objects.filter(community=community, user__email__in=emails).values_list(
            "user__email", flat=True
        )
    )
    emails = [email for email in emails if email not in members]
    if not emails:
        raise ValidationError({"emails": _("Everyone you entered is already a member.")})
    _check_invitation_rate(by, len(emails))
    expires_at = timezone.now() + datetime.timedelta(days=valid_days)
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                community=community,
                email=email,
                member_type=member_type,
                invited_by=by,
                expires_at=expires_at,
                max_uses=1,
            )
            for email in emails
        ]
    )
    send_invitation_emails(invitations)
    for invitation in invitations:
        events.publish("invited", invitation.pk)
    return invitations


@transaction.atomic
def create_invitation_link(
    *,
    community: Community,
    by: User,
    max_uses: int,
    valid_days: int,
    member_type: str = "",
) -> Invitation:
    permissions.require_invite(by, community)
    _check_invitation_type(community, by, member_type)
    if max_uses < 1:
        raise ValidationError({"max_uses": _("Allow at least one use.")})
    return Invitation.objects.create(
        community=community,
        member_type=member_type,
        invited_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=valid_days),
        max_uses=max_uses,
    )


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by: User) -> None:
    permissions.require_invite(by, invitation.community)
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def accept_invitation(
    *, invitation: Invitation, user: User, as_new_account: bool = False
) -> Membership:
    """Use one of the invitation's uses and join; refused with the reason when not allowed.

    `as_new_account`: `user` signed up through this invitation and has just verified their
    address. An administrator's typed invitation then also gives them its member type
    (never over one an organisation domain or an administrator decided), in this same
    transaction: refused, nothing about them changes.
    """
    invitation = (
        Invitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    )
    person, member_type = user, ""
    if as_new_account:
        # Read afresh and locked: verifying the address may just have given them a type
        # (through another instance), and the type judged here must be the one written.
        person = User.objects.select_for_update().get(pk=user.pk)
        if permissions.invitation_sets_member_type(invitation):
            member_type = member_type_after_invitation(person, invitation.member_type)
    refusal = permissions.invitation_refusal(
        person, invitation, moment=timezone.now(), member_type=member_type
    )
    if refusal:
        raise ValidationError(refusal)
    updated = Invitation.objects.filter(pk=invitation.pk, use_count__lt=F("max_uses")).update(
        use_count=F("use_count") + 1
    )
    if not updated:
        raise ValidationError(
            _("This invitation link has already been used as many times as allowed.")
        )
    if member_type and member_type != person.member_type:
        account_services.set_member_type_from_invitation(
            user=person, member_type=member_type, invited_by=invitation.invited_by
        )
        user.refresh_from_db(fields=["organisation", "member_type"])
    InvitationAcceptance.objects.get_or_create(invitation=invitation, user=user)
    PendingInvitation.objects.filter(user=user).delete()
    return _add_member(
        community=invitation.community,
        user=user,
        role=Role.MEMBER,
        joined_via=JoinedVia.INVITATION,
    )


@transaction.atomic
def remember_invitation_for_new_account(*, user: User, token: str) -> None:
    """Keep the invitation a person signed up through until their address is verified."""
    invitation = Invitation.objects.filter(token=token).first()
    if invitation is not None:
        PendingInvitation.objects.update_or_create(user=user, defaults={"invitation": invitation})


@transaction.atomic
def complete_invitation_after_verification(*, user: User) -> Membership | None:
    """Once a new person's address is verified, accept the invitation they signed up
    through (with its member type where it may give one, see `accept_invitation`).
    Returns None when nothing was pending or it was refused; a refusal changes nothing."""
    pending = PendingInvitation.objects.select_related("invitation").filter(user=user).first()
    if pending is None:
        return None
    try:
        return accept_invitation(invitation=pending.invitation, user=user, as_new_account=True)
    except ValidationError:
        pending.delete()
        return None
