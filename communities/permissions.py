"""The one access rule for communities and everything inside them.

Four faces, one rule:
- `can_<verb>(user, community)`: booleans for templates and buttons;
- `require_<verb>(user, community)`: raise inside services;
- `communities_visible_to(user)` / `communities_listed_for(user)` /
  `communities_readable_by(user)`: querysets for lists, search and the API;
- `audience_for(community)`: the people allowed to read a community's content, for
  notifications and digests; `reads_community_q` / `moderates_community_q`: the same
  rule as filters on rows naming a person and a community, to check many people against
  many communities in one query (a notification's recipient, a digest's memberships).

Selectors annotate communities with the viewer's role and ban (`viewer_role`,
`viewer_banned`) so these checks cost no query in lists; without the annotations they
query once.

Visibility: public (anyone reads), listed (its audience sees it in the directory and its
page; content for members), private (its audience can open its page through a link;
content for members), secret (members only; everyone else gets a 404).
"""

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountSanction, MemberType, SanctionKind, User
from accounts.permissions import is_administrator
from accounts.selectors import has_verified_email
from communities.models import (
    AUDIENCE_FIELDS,
    Ban,
    Community,
    Invitation,
    JoinPolicy,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Role,
    Silence,
    Visibility,
)
from core.expressions import column, table
from core.formatting import moment
from purposes.models import Purpose
from purposes.permissions import (
    can_manage_purpose,
    can_see_purpose,
    owned_purpose_ids,
    purposes_visible_to,
)

# -- facts about the viewer -------------------------------------------------------------


VIEWER_FACTS = ("viewer_role", "viewer_banned", "viewer_silenced", "viewer_has_pending_request")


def _viewer_fact(user: User, community: Community, name: str, compute):
    """A fact about `user` and `community`, annotated by `with_viewer_flags` or computed once.

    Facts are kept per viewer: an instance checked for one person and then for another
    never answers the second check with the first person's role.
    """
    if community.__dict__.get("viewer_id") == user.pk and name in community.__dict__:
        return community.__dict__[name]
    cache = community.__dict__.setdefault("_viewer_facts", {})
    key = (user.pk, name)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget_viewer_facts(community: Community) -> None:
    """Drop remembered facts after a membership, ban or request changed."""
    for name in (*VIEWER_FACTS, "viewer_id", "_viewer_facts"):
        community.__dict__.pop(name, None)


def membership_role(user: User, community: Community) -> str | None:
    """The role on the person's membership row, whether or not it is suspended."""
    if not user.is_authenticated:
        return None
    return _viewer_fact(
        user,
        community,
        "viewer_role",
        lambda: (
            Membership.objects.filter(community=community, user=user)
            .values_list("role", flat=True)
            .first()
        ),
    )


def viewer_role(user: User, community: Community) -> str | None:
    """The role the viewer acts with: None when they are not a member, or when their
    membership is suspended because their member type is outside the audience."""
    role = membership_role(user, community)
    if role is None or not in_audience(user, community):
        return None
    return role


def is_suspended(user: User, community: Community) -> bool:
    """A membership whose holder left the audience (their type changed, or the audience
    narrowed): kept, so it comes back by itself when they are in the audience again, but
    it grants nothing meanwhile."""
    return membership_role(user, community) is not None and not in_audience(user, community)


def _sanction_facts(user: User, community: Community) -> dict[str, bool]:
    """Whether `user` is banned from, and silenced in, `community`: both in one query."""
    row = (
        Community.objects.filter(pk=community.pk)
        .annotate(
            banned=Exists(Ban.objects.filter(in_force_q(), community=OuterRef("pk"), user=user)),
            silenced=Exists(
                Silence.objects.filter(in_force_q(), community=OuterRef("pk"), user=user)
            ),
        )
        .values("banned", "silenced")
        .first()
    )
    return row or {"banned": False, "silenced": False}


def _sanction_fact(user: User, community: Community, name: str) -> bool:
    """A ban or silence fact, annotated by `with_viewer_flags` or found with the other."""
    fact = f"viewer_{name}"
    if community.__dict__.get("viewer_id") == user.pk and fact in community.__dict__:
        return bool(community.__dict__[fact])
    cache = community.__dict__.setdefault("_viewer_facts", {})
    if (user.pk, fact) not in cache:
        facts = _sanction_facts(user, community)
        cache[(user.pk, "viewer_banned")] = facts["banned"]
        cache[(user.pk, "viewer_silenced")] = facts["silenced"]
    return bool(cache[(user.pk, fact)])


def is_banned(user: User, community: Community) -> bool:
    if not user.is_authenticated:
        return False
    return _sanction_fact(user, community, "banned")


def in_force_q(moment_: datetime.datetime | None = None) -> Q:
    """Sanction rows (bans, silences, account sanctions) still in force: no end date, or
    one still ahead. A row past its end refuses nothing even before the sweep removes it."""
    return Q(ends_at__isnull=True) | Q(ends_at__gt=moment_ or timezone.now())


# -- sanctions: what refuses a person's writes, and why ------------------------------------


@dataclass(frozen=True, slots=True)
class Sanction:
    """A sanction in force against a person, as they are told of it."""

    kind: str  # "silence", "suspend" or "ban"
    site_wide: bool
    reason: str
    ends_at: datetime.datetime | None


class SanctionRefusal(str):
    """A refusal's text that also carries the sanction behind it, so the API can answer
    with the reason and end date as fields (see `api.problems`) while pages show the text."""

    sanction: Sanction

    def __new__(cls, text: str, sanction: Sanction) -> "SanctionRefusal":
        refusal = super().__new__(cls, text)
        refusal.sanction = sanction
        return refusal


def site_sanction(user: User) -> Sanction | None:
    """The site-wide sanction in force on `user` (a suspension before a silence), or None.

    Known without a query for everyone whose `has_site_sanction` is off; otherwise asked
    once per instance.
    """
    if not user.is_authenticated or not user.has_site_sanction:
        return None
    if "_site_sanction" in user.__dict__:
        return user.__dict__["_site_sanction"]
    row = (
        AccountSanction.objects.filter(in_force_q(), user=user)
        .order_by("-kind")  # "suspend" before "silence"
        .values("kind", "reason", "ends_at")
        .first()
    )
    found = Sanction(row["kind"], True, row["reason"], row["ends_at"]) if row else None
    user.__dict__["_site_sanction"] = found
    return found


def forget_site_sanction(user: User) -> None:
    user.__dict__.pop("_site_sanction", None)


def is_silenced(user: User, community: Community) -> bool:
    if not user.is_authenticated:
        return False
    return _sanction_fact(user, community, "silenced")


def community_sanction(user: User, community: Community) -> Sanction | None:
    """The ban or silence in force on `user` in `community`, or None (one query, only for
    someone who is banned or silenced)."""
    if not user.is_authenticated:
        return None
    if is_banned(user, community):
        row = Ban.objects.filter(in_force_q(), community=community, user=user).first()
        if row is not None:
            return Sanction("ban", False, row.reason, row.ends_at)
    if is_silenced(user, community):
        row = Silence.objects.filter(in_force_q(), community=community, user=user).first()
        if row is not None:
            return Sanction(SanctionKind.SILENCE.value, False, row.reason, row.ends_at)
    return None


def sanction_against(user: User, community: Community | None = None) -> Sanction | None:
    """The sanction that stops `user` writing: site-wide first, then in `community`."""
    return site_sanction(user) or (
        community_sanction(user, community) if community is not None else None
    )


def describe_sanction(sanction: Sanction) -> str:
    """What the person is told: what was done, until when, and why. The community page's
    notice, every refused write and a refused join (`eligibility_refusal`) all say this."""
    if sanction.kind == "ban" and not sanction.site_wide:
        if sanction.ends_at is not None:
            parts = [
                _("You are banned from this community until %(moment)s (then you may join again).")
                % {"moment": moment(sanction.ends_at)[1]}
            ]
        else:
            parts = [_("You are banned from this community permanently.")]
    else:
        if sanction.site_wide and sanction.kind == SanctionKind.SUSPEND:
            parts = [_("Your account is suspended.")]
        elif sanction.site_wide:
            parts = [_("Your account is silenced: you can read but not write anywhere.")]
        else:
            parts = [_("You are silenced in this community: you can read but not write.")]
        if sanction.ends_at is not None:
            parts.append(
                _("It lasts until %(moment)s (then it is lifted by itself).")
                % {"moment": moment(sanction.ends_at)[1]}
            )
        else:
            parts.append(_("It lasts until it is lifted."))
    if sanction.reason:
        parts.append(_("Reason: %(reason)s") % {"reason": sanction.reason})
    return " ".join(parts)


def sanction_refusal(user: User, community: Community | None = None) -> SanctionRefusal | None:
    """Why a sanction stops `user` writing (in `community`, when given), or None. Every
    write's standing (`discussions.permissions.post_refusal`, invitations, flags aside)
    starts here."""
    sanction = sanction_against(user, community)
    if sanction is None:
        return None
    return SanctionRefusal(describe_sanction(sanction), sanction)


def require_not_sanctioned(user: User, community: Community | None = None) -> None:
    refusal = sanction_refusal(user, community)
    if refusal:
        raise PermissionDenied(refusal)


def is_member(user: User, community: Community) -> bool:
    return viewer_role(user, community) is not None


MODERATOR_ROLES = (Role.OWNER, Role.MODERATOR)


def is_moderator(user: User, community: Community) -> bool:
    return viewer_role(user, community) in MODERATOR_ROLES


def is_owner(user: User, community: Community) -> bool:
    return viewer_role(user, community) == Role.OWNER


def in_audience(user: User, community: Community) -> bool:
    return bool(user.is_authenticated and community.is_open_to(user.member_type))


# -- booleans -------------------------------------------------------------------------


def can_see(user: User, community: Community) -> bool:
    """May open the community's page (its name, purpose, description, how to join)."""
    if is_administrator(user) or is_member(user, community):
        return True
    if community.visibility == Visibility.PUBLIC:
        return True
    if community.visibility in (Visibility.LISTED, Visibility.PRIVATE):
        return in_audience(user, community)
    return False


def can_read_content(user: User, community: Community) -> bool:
    """May read discussions, ideas, decisions and the member list."""
    return (
        community.visibility == Visibility.PUBLIC
        or is_administrator(user)
        or is_member(user, community)
    )


def can_configure(user: User, community: Community) -> bool:
    return is_administrator(user) or is_owner(user, community)


def can_moderate(user: User, community: Community) -> bool:
    return is_administrator(user) or is_moderator(user, community)


def can_invite(user: User, community: Community) -> bool:
    return can_moderate(user, community) and sanction_against(user, community) is None


def can_remove_member(user: User, membership: Membership) -> bool:
    """Moderators remove members; only owners and administrators remove moderators and
    owners. Nobody removes themselves this way (they leave)."""
    if not user.is_authenticated or membership.user_id == user.pk:
        return False
    if membership.role == Role.MEMBER:
        return can_moderate(user, membership.community)
    return can_configure(user, membership.community)


def _audience_in_words(community: Community) -> str:
    """The audience as people read it: "employees", "employees and customers"."""
    plurals = {
        MemberType.EMPLOYEE: _("employees"),
        MemberType.CUSTOMER: _("customers"),
        MemberType.VENDOR: _("vendors"),
        MemberType.PARTNER: _("partners"),
    }
    names = [plurals[kind] for kind in community.audience]
    if not names:
        return _("nobody yet")
    if len(names) == 1:
        return names[0]
    return _("%(list)s and %(last)s") % {"list": ", ".join(names[:-1]), "last": names[-1]}


def _member_type_in_words(member_type: str) -> str:
    return {
        MemberType.EMPLOYEE: _("an employee"),
        MemberType.CUSTOMER: _("a customer"),
        MemberType.VENDOR: _("a vendor"),
        MemberType.PARTNER: _("a partner"),
    }[MemberType(member_type)]


def eligibility_refusal(user: User, community: Community) -> str | None:
    """Why `user` may not become a member by any way in, or None when they may."""
    if not user.is_authenticated:
        return _("Sign in to join this community.")
    if is_member(user, community):
        return _("You are already a member of this community.")
    ban = community_sanction(user, community) if is_banned(user, community) else None
    if ban is not None and ban.kind == "ban":
        # The same words as the community page's notice: until when, and why.
        return SanctionRefusal(describe_sanction(ban), ban)
    if not in_audience(user, community):
        if not user.member_type:
            return _("Verify your email address first: it decides which communities you can join.")
        return _(
            "This community is open to %(audience)s only, and your account is %(kind)s account."
        ) % {
            "audience": _audience_in_words(community),
            "kind": _member_type_in_words(user.member_type),
        }
    return None


def suspension_notice(user: User, community: Community) -> str | None:
    """What a person whose membership is suspended is told, or None when it is not."""
    if not is_suspended(user, community):
        return None
    if not user.member_type:
        return _(
            "Your membership is suspended until your email address is verified: it decides "
            "which communities you belong to."
        )
    return _(
        "Your membership is suspended: this community is open to %(audience)s only, and "
        "your account is now %(kind)s account. It is restored by itself if that changes."
    ) % {
        "audience": _audience_in_words(community),
        "kind": _member_type_in_words(user.member_type),
    }


def suspension_reason(person: User, community: Community) -> str | None:
    """Why a member's membership is suspended, for the community's owners and moderators;
    None when it is not. Works on any member (not only the viewer), without a query."""
    if community.is_open_to(person.member_type):
        return None
    if not person.member_type:
        return _("Suspended: no verified member type")
    return _("Suspended: %(type)s, outside this community's audience") % {
        "type": MemberType(person.member_type).label.lower()
    }


def join_refusal(user: User, community: Community) -> str | None:
    """Why `user` may not join in one click, or None when they may."""
    refusal = eligibility_refusal(user, community)
    if refusal:
        return refusal
    if community.join_policy == JoinPolicy.REQUEST:
        return _("Ask to join: the moderators approve new members.")
    if community.join_policy == JoinPolicy.INVITATION:
        return _("This community is by invitation only.")
    return None


def request_refusal(user: User, community: Community) -> str | None:
    """Why `user` may not ask to join, or None when they may."""
    refusal = eligibility_refusal(user, community)
    if refusal:
        return refusal
    if community.join_policy == JoinPolicy.OPEN:
        return _("This community is open: join it directly.")
    if community.join_policy == JoinPolicy.INVITATION:
        return _("This community is by invitation only.")
    if has_pending_request(user, community):
        return _("You have already asked to join; the moderators will answer soon.")
    return None


def can_join(user: User, community: Community) -> bool:
    return can_see(user, community) and join_refusal(user, community) is None


def has_pending_request(user: User, community: Community) -> bool:
    if not user.is_authenticated:
        return False
    return bool(
        _viewer_fact(
            user,
            community,
            "viewer_has_pending_request",
            lambda: JoinRequest.objects.filter(
                community=community, user=user, status=JoinRequestStatus.PENDING
            ).exists(),
        )
    )


def can_request(user: User, community: Community) -> bool:
    return can_see(user, community) and request_refusal(user, community) is None


def invitation_refusal(
    user: User, invitation: Invitation, *, moment, member_type: str = ""
) -> str | None:
    """Why `user` may not accept `invitation` now, or None when they may.

    An email invitation is for the person who verified its address. `member_type` is the
    type accepting would give them (see `invitation_sets_member_type`): the audience is
    judged with it, since the type and the membership change together or not at all.
    """
    problem = invitation.problem_at(moment)
    if problem == "revoked":
        return _("This invitation has been withdrawn.")
    if problem == "expired":
        return _("This invitation has expired. Ask a moderator for a new one.")
    if problem == "used_up":
        return _("This invitation link has already been used as many times as allowed.")
    if not user.is_authenticated:
        return _("Sign in or create an account to accept this invitation.")
    if invitation.email and not has_verified_email(user, invitation.email):
        if invitation.email.lower() == user.email.lower():
            return _("Verify your email address first: this invitation was sent to it.")
        return _("This invitation was sent to another email address.")
    if member_type and member_type != user.member_type:
        # The rule reads the person's type: judge a copy carrying the type they would have.
        user = copy.copy(user)
        user.member_type = member_type
    return eligibility_refusal(user, invitation.community)


def can_create_community(user: User, purpose: Purpose | None = None) -> bool:
    """Administrators create communities under any purpose; a purpose's owners under
    theirs."""
    if is_administrator(user):
        return True
    return purpose is not None and can_manage_purpose(user, purpose)


def purposes_for_new_community(user: User) -> QuerySet[Purpose]:
    """The purposes `user` may create a community under, or move one to (same rule as
    `can_create_community`)."""
    if is_administrator(user):
        return purposes_visible_to(user)
    if not user.is_authenticated:
        return Purpose.objects.none()
    # Owners see their purposes whatever their status (`purposes_visible_to`): owning one
    # is the whole rule, and reading the owners once keeps the query simple.
    return Purpose.objects.filter(pk__in=owned_purpose_ids(user))


def can_set_invitation_member_type(user: User) -> bool:
    """Member types are identity, decided site-wide: only administrators issue invitations
    that set one. A moderator's invitation admits people with the type they already have."""
    return is_administrator(user)


def require_set_invitation_member_type(user: User) -> None:
    """Raises a form error on `member_type` (not a 403): the page stays usable."""
    if not can_set_invitation_member_type(user):
        raise ValidationError(
            {"member_type": _("Only administrators can invite people as a given member type.")}
        )


def invitation_sets_member_type(invitation: Invitation) -> bool:
    """Whether accepting `invitation` as a new account may give its member type.

    Checked again at acceptance, so a typed invitation stored before this rule, or one
    whose author is no longer an administrator, decides nothing.
    """
    return bool(
        invitation.member_type
        and invitation.invited_by is not None
        and can_set_invitation_member_type(invitation.invited_by)
    )


def invitation_names_community(user: User, invitation: Invitation, *, moment) -> bool:
    """Whether the invitation page may name its community and purpose to `user`.

    A usable token admits its holder to the name; a withdrawn, expired or used-up one
    does not, unless the viewer may see the community anyway.
    """
    return invitation.problem_at(moment) is None or can_see(user, invitation.community)


# -- raising checks for services ------------------------------------------------------
#
# They raise PermissionDenied with the reason: callers have already shown the community
# (or answered 404 when it is hidden), so a refusal is a 403 that says why.


def require_see(user: User, community: Community) -> None:
    if not can_see(user, community):
        raise PermissionDenied(_("You cannot see this community."))


def require_read_content(user: User, community: Community) -> None:
    """404 unless `user` may read the community's content: content a person may not read
    answers exactly as if it did not exist."""
    if not can_read_content(user, community):
        raise Http404


def require_configure(user: User, community: Community) -> None:
    if not can_configure(user, community):
        raise PermissionDenied(
            _("Only the community's owners and administrators can change its settings.")
        )


def require_moderate(user: User, community: Community) -> None:
    if not can_moderate(user, community):
        raise PermissionDenied(_("Only the community's moderators can do this."))


def require_remove_member(user: User, membership: Membership) -> None:
    require_moderate(user, membership.community)
    if membership.role != Role.MEMBER and not can_configure(user, membership.community):
        raise PermissionDenied(_("Only the community's owners can remove its moderators."))


def sanction_member_refusal(by: User, community: Community, person: User) -> str | None:
    """Why `by` may not silence or ban `person` in `community`, or None: moderators
    sanction members and other people, owners and administrators also sanction moderators
    and owners; nobody sanctions themselves or an administrator this way."""
    if not can_moderate(by, community):
        return _("Only the community's moderators can do this.")
    if person.pk == by.pk:
        return _("You cannot sanction yourself.")
    if is_administrator(person):
        return _("Administrators cannot be sanctioned in a community.")
    role = membership_role(person, community)
    if role in MODERATOR_ROLES and not can_configure(by, community):
        return _("Only the community's owners can sanction its moderators.")
    return None


def require_sanction_member(by: User, community: Community, person: User) -> None:
    refusal = sanction_member_refusal(by, community, person)
    if refusal:
        raise PermissionDenied(refusal)


def can_sanction_accounts(user: User) -> bool:
    """Site-wide sanctions (silence, suspension) are for administrators."""
    return is_administrator(user)


def require_sanction_account(by: User, person: User) -> None:
    if not can_sanction_accounts(by):
        raise PermissionDenied(_("Only administrators can sanction accounts."))
    if person.pk == by.pk:
        raise PermissionDenied(_("You cannot sanction yourself."))


def require_invite(user: User, community: Community) -> None:
    require_not_sanctioned(user, community)
    if not can_invite(user, community):
        raise PermissionDenied(_("Only the community's moderators can invite people."))


def require_create_community(user: User, purpose: Purpose | None) -> None:
    if not can_create_community(user, purpose):
        raise PermissionDenied(
            _("Only administrators and the purpose's owners can create its communities.")
        )


# -- querysets --------------------------------------------------------------------------


def audience_q(user: User, prefix: str = "") -> Q:
    """Communities whose audience holds `user`'s member type (on rows that reach the
    community by the lookup path `prefix`, as `"community__"`)."""
    field = AUDIENCE_FIELDS.get(user.member_type) if user.is_authenticated else None
    return Q(**{f"{prefix}{field}": True}) if field else Q(pk__in=[])


def _member_q(user: User, roles: Iterable[str] | None = None) -> Q:
    """Communities where `user` holds a membership that is not suspended (with one of
    `roles`, when given)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    memberships = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Q(pk__in=memberships.values("community_id")) & audience_q(user)


def current_memberships(user: User) -> QuerySet[Membership]:
    """`user`'s memberships that are not suspended: `_member_q`'s rule read on the
    memberships themselves, for lists of them. Asking instead for memberships whose
    community is among `communities_member_of` joined the memberships twice, which
    PostgreSQL took over a millisecond to plan for a person's two communities."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(audience_q(user, prefix="community__"), user_id=user.pk)


def communities_visible_to(user: User) -> QuerySet[Community]:
    """Communities whose page `user` may open (same rule as `can_see`)."""
    if is_administrator(user):
        return Community.objects.all()
    return Community.objects.filter(
        Q(visibility=Visibility.PUBLIC)
        | _member_q(user)
        | (Q(visibility__in=[Visibility.LISTED, Visibility.PRIVATE]) & audience_q(user))
    )


def communities_listed_for(user: User) -> QuerySet[Community]:
    """Communities shown to `user` in the directory and on purpose pages."""
    if is_administrator(user):
        return Community.objects.all()
    return Community.objects.filter(
        Q(visibility=Visibility.PUBLIC)
        | _member_q(user)
        | (Q(visibility=Visibility.LISTED) & audience_q(user))
    )


def communities_readable_by(user: User) -> QuerySet[Community]:
    """Communities whose content `user` may read (same rule as `can_read_content`)."""
    if is_administrator(user):
        return Community.objects.all()
    return Community.objects.filter(Q(visibility=Visibility.PUBLIC) | _member_q(user))


def communities_member_of(user: User) -> QuerySet[Community]:
    """Communities `user` belongs to now (suspended memberships left out)."""
    return Community.objects.filter(_member_q(user))


def communities_moderated_by(user: User) -> QuerySet[Community]:
    """Communities `user` may moderate (same rule as `can_moderate`)."""
    if is_administrator(user):
        return Community.objects.all()
    return Community.objects.filter(_member_q(user, roles=MODERATOR_ROLES))


def communities_joinable_by(
    user: User, moment: datetime.datetime | None = None
) -> QuerySet[Community]:
    """Communities `user` could join or ask to join at `moment` (now when not given),
    among those listed for them: in their audience, open or by request, not yet a
    member, not banned."""
    if not user.is_authenticated or not user.member_type:
        return Community.objects.none()
    bans = Ban.objects.filter(in_force_q(moment), user_id=user.pk)
    return (
        communities_listed_for(user)
        .filter(audience_q(user), join_policy__in=[JoinPolicy.OPEN, JoinPolicy.REQUEST])
        .exclude(pk__in=Membership.objects.filter(user_id=user.pk).values("community_id"))
        .exclude(pk__in=bans.values("community_id"))
    )


def member_q(community: Community) -> Q:
    """People whose membership of `community` is not suspended, as a filter on users."""
    return Q(
        pk__in=Membership.objects.filter(community=community).values("user_id"),
        member_type__in=community.audience,
    )


def audience_for(community: Community) -> QuerySet[User]:
    """People allowed to read the community's content: for notifications and digests."""
    people = User.objects.filter(is_active=True)
    if community.visibility == Visibility.PUBLIC:
        return people
    return people.filter(Q(is_staff=True) | member_q(community))


# -- filters on rows naming a person and a community: many of both in one query ---------


def _administrator_q(person: str) -> Q:
    return Q(**{f"{person}__is_active": True, f"{person}__is_staff": True})


def _in_audience_q(person: str, community: str) -> Q:
    found = Q(pk__in=[])
    for member_type, field in AUDIENCE_FIELDS.items():
        found |= Q(**{f"{person}__member_type": member_type, f"{community}__{field}": True})
    return found


def _holds_membership_q(person: str, community: str, roles: Iterable[str] | None = None) -> Q:
    memberships = Membership.objects.filter(user=OuterRef(person), community=OuterRef(community))
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return Q(Exists(memberships)) & _in_audience_q(person, community)


def reads_community_q(*, person: str, community: str) -> Q:
    """The rule of `can_read_content` as a filter on rows that name a person and a
    community by the lookup paths `person` and `community` (as `"recipient"` and
    `"community"` on a notification): the person is active and the community public, or
    the person an administrator, or a member whose type is in its audience. For checking
    many people at once (notifications, digests)."""
    return Q(**{f"{person}__is_active": True}) & (
        Q(**{f"{community}__visibility": Visibility.PUBLIC})
        | _administrator_q(person)
        | _holds_membership_q(person, community)
    )


def moderates_community_q(*, person: str, community: str) -> Q:
    """The rule of `can_moderate` as a filter, like `reads_community_q`."""
    return _administrator_q(person) | (
        Q(**{f"{person}__is_active": True})
        & _holds_membership_q(person, community, MODERATOR_ROLES)
    )


def moderators_of(community: Community) -> QuerySet[User]:
    """People who may moderate `community` as members (same rule as `can_moderate`,
    administrators aside): for the notifications moderators receive."""
    moderators = Membership.objects.filter(community=community, role__in=MODERATOR_ROLES)
    return audience_for(community).filter(member_q(community), pk__in=moderators.values("user_id"))


def _viewer_fact_sql(model, template: str, extra: str = "") -> str:
    """A correlated subquery on `model`'s rows for the outer community and one user."""
    rows = (
        f"FROM {table(model, 'fact')} WHERE {column(model, 'community', 'fact')} = "
        f"{column(Community, 'pk')} AND {column(model, 'user', 'fact')} = %s{extra}"
    )
    return template.format(rows=rows)


def audience_wider(source: Community, target: Community) -> bool:
    """Whether `target` is open to member types `source` is not open to."""
    return not set(target.audience) <= set(source.audience)


def readers_wider(source: Community, target: Community) -> bool:
    """Whether content moved from `source` to `target` becomes readable by people who
    could not read it before: the target is public and the source is not, or the target
    is open to member types the source is not open to."""
    if target.visibility == Visibility.PUBLIC and source.visibility != Visibility.PUBLIC:
        return True
    return audience_wider(source, target)


def with_viewer_flags(communities: QuerySet[Community], user: User) -> QuerySet[Community]:
    """Annotate the viewer's role, ban and pending request so checks cost no query.

    Written as SQL subqueries rather than ORM `Subquery`/`Exists`: every community page
    loads its community this way, and compiling three ORM subqueries cost more than
    running the whole query. `communities` must select from the community table itself
    (not as a subquery of another query), or join it under its own name, as a query on
    threads with `select_related("community")` does: the facts then land on each thread,
    and `carry_viewer_flags` hands them to its community.
    """
    if not user.is_authenticated:
        return communities
    return with_viewer_flags_of(communities, user.pk, timezone.now())


def with_viewer_flags_of(
    communities: QuerySet[Community], user_id: int, moment: datetime.datetime
) -> QuerySet[Community]:
    """`with_viewer_flags` for the signed-in person `user_id`, with bans and silences in
    force at `moment`: the values a read compiled once takes again on every run
    (`core.compiled_reads`)."""
    status = column(JoinRequest, "status", "fact")
    role = column(Membership, "role", "fact")
    # Ban and Silence both name their end `ends_at`.
    ends = column(Ban, "ends_at", "fact")
    in_force = f" AND ({ends} IS NULL OR {ends} > %s)"
    return communities.annotate(
        viewer_id=Value(user_id, output_field=IntegerField()),
        viewer_role=RawSQL(  # noqa: S611 - names from the models, values as parameters
            _viewer_fact_sql(Membership, f"SELECT {role} {{rows}}"),
            (user_id,),
            output_field=CharField(),
        ),
        viewer_banned=RawSQL(  # noqa: S611 - names from the models, values as parameters
            _viewer_fact_sql(Ban, "EXISTS(SELECT 1 {rows})", in_force),
            (user_id, moment),
            output_field=BooleanField(),
        ),
        viewer_silenced=RawSQL(  # noqa: S611 - names from the models, values as parameters
            _viewer_fact_sql(Silence, "EXISTS(SELECT 1 {rows})", in_force),
            (user_id, moment),
            output_field=BooleanField(),
        ),
        viewer_has_pending_request=RawSQL(  # noqa: S611 - names from the models, values as parameters
            _viewer_fact_sql(JoinRequest, "EXISTS(SELECT 1 {rows})", f" AND {status} = %s"),
            (user_id, JoinRequestStatus.PENDING.value),
            output_field=BooleanField(),
        ),
    )


def carry_viewer_flags(row, community: Community) -> None:
    """Move the facts `with_viewer_flags` annotated on `row` (a thread, say, whose query
    joined its community) to `community`, where the checks read them."""
    for name in ("viewer_id", *VIEWER_FACTS):
        if name in row.__dict__:
            community.__dict__[name] = row.__dict__.pop(name)


# -- webhooks ---------------------------------------------------------------------------
#
# A community's webhook endpoints are configuration: its owners and administrators manage
# them, and they hear only of that community. Site-wide endpoints are administrators'.


def can_manage_webhooks(user: User, community: Community | None) -> bool:
    """May list, add, change and redeliver the endpoints of `community` (None: the
    site-wide endpoints)."""
    if community is None:
        return is_administrator(user)
    return can_configure(user, community)


def require_manage_webhooks(user: User, community: Community | None) -> None:
    if not can_manage_webhooks(user, community):
        raise PermissionDenied(
            _("Only administrators can manage site-wide webhooks.")
            if community is None
            else _("Only the community's owners and administrators can manage its webhooks.")
        )


def webhook_communities_for_purpose(purpose: Purpose) -> QuerySet[Community]:
    """The communities whose endpoints hear of `purpose`'s goals: its own communities,
    once the purpose is published (a draft is for its owners and administrators, whose
    site-wide endpoints hear of it)."""
    if not can_see_purpose(AnonymousUser(), purpose):
        return Community.objects.none()
    return Community.objects.filter(purpose=purpose)


def webhook_managers_of(community: Community | None) -> QuerySet[User]:
    """Who is told when an endpoint of `community` is switched off: its owners whose
    membership is not suspended, or for a site-wide endpoint the administrators."""
    if community is None:
        return User.objects.filter(is_active=True, is_staff=True)
    owners = Membership.objects.filter(community=community, role=Role.OWNER)
    return User.objects.filter(is_active=True).filter(
        member_q(community), pk__in=owners.values("user_id")
    )
