"""Communities and memberships for tests, written through the communities services so
`member_count`, roles and bans stay exactly as the pages would leave them."""

import datetime

import factory
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from communities import permissions, services
from communities.models import Community, Invitation, Membership, Role
from tests.accounts.factories import UserFactory
from tests.purposes.factories import PurposeFactory


class CommunityFactory(factory.Factory):
    """A community created by `owner` through `services.create_community`.

    The owner is made an owner of the purpose first when they could not create
    communities for it otherwise (purpose owners and administrators may).
    """

    class Meta:
        model = Community

    owner = factory.SubFactory(UserFactory, member_type="employee")
    purpose = factory.SubFactory(PurposeFactory)
    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = ""
    guidelines = ""
    audience = ("employee",)
    visibility = "listed"
    join_policy = "open"
    categories = ()

    @classmethod
    def _create(cls, model_class, owner: User, purpose, **kwargs) -> Community:
        if not permissions.can_create_community(owner, purpose):
            purpose.owners.add(owner)
        return services.create_community(by=owner, purpose=purpose, **kwargs)


def owner_of(community: Community) -> User:
    return (
        Membership.objects.filter(community=community, role=Role.OWNER)
        .select_related("user")
        .earliest("joined_at", "id")
        .user
    )


class MembershipFactory(factory.Factory):
    """A member added by one of the community's owners through `services.add_member`,
    then given `role` through `services.change_role` (so the counter is kept)."""

    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory, member_type="employee")
    role = Role.MEMBER

    @classmethod
    def _create(cls, model_class, community: Community, user: User, role: str) -> Membership:
        owner = owner_of(community)
        membership = services.add_member(community=community, user=user, by=owner)
        if role != Role.MEMBER:
            membership = services.change_role(membership=membership, by=owner, role=role)
        return membership


def ban(community: Community, user: User, reason: str = "") -> None:
    """Add `user`, then remove them with a ban, as a moderator would."""
    membership = MembershipFactory(community=community, user=user)
    services.remove_member(membership=membership, by=owner_of(community), ban=True, reason=reason)


def email_invitation(community: Community, email: str, **fields) -> Invitation:
    """A single-use invitation addressed to `email`, stored without sending anything
    (`services.invite_by_email` skips members; tests also need invitations to them)."""
    defaults = {
        "invited_by": owner_of(community),
        "expires_at": timezone.now() + datetime.timedelta(days=14),
        "max_uses": 1,
    }
    return Invitation.objects.create(community=community, email=email, **(defaults | fields))


def fresh(community: Community) -> Community:
    """The community as stored now, without viewer annotations cached on the instance."""
    return Community.objects.get(pk=community.pk)
