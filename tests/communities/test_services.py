import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import permissions, selectors, services
from communities.models import (
    Ban,
    Category,
    Community,
    Invitation,
    InvitationAcceptance,
    JoinedVia,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    PendingInvitation,
    Role,
)
from tests.accounts.factories import UserFactory
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    ban,
    email_invitation,
    fresh,
    owner_of,
)
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db


def employee(**fields):
    return UserFactory(member_type="employee", **fields)


def nothing_changed_since(before: dict, community: Community) -> None:
    assert counts(community) == before


def counts(community: Community) -> dict:
    return {
        "memberships": Membership.objects.filter(community=community).count(),
        "member_count": fresh(community).member_count,
        "join_requests": JoinRequest.objects.filter(community=community).count(),
        "invitations": Invitation.objects.filter(community=community).count(),
        "acceptances": InvitationAcceptance.objects.count(),
        "uses": sorted(
            Invitation.objects.filter(community=community).values_list("pk", "use_count")
        ),
        "bans": Ban.objects.filter(community=community).count(),
    }


def refusal(error: ValidationError) -> list[str]:
    return error.messages


# -- creating and configuring -------------------------------------------------------------


def test_create_community_makes_the_creator_its_only_owner_and_counts_them():
    owner = employee()
    purpose = PurposeFactory(owners=[owner])

    community = services.create_community(
        by=owner,
        purpose=purpose,
        name="  Green fleet ",
        slug="green-fleet",
        description="Cut *delivery* CO2.",
        audience=["employee", "vendor"],
        visibility="public",
        join_policy="request",
        categories=["Ideas", " ideas ", "General", ""],
    )

    community = fresh(community)
    assert community.name == "Green fleet"
    assert community.description_html == "<p>Cut <em>delivery</em> CO2.</p>\n"
    assert community.audience == ["employee", "vendor"]
    assert (community.visibility, community.join_policy) == ("public", "request")
    assert community.member_count == 1
    membership = Membership.objects.get(community=community)
    assert (membership.user, membership.role, membership.joined_via) == (
        owner,
        Role.OWNER,
        JoinedVia.CREATED,
    )
    assert membership.notification_level == "participating"
    assert list(Category.objects.filter(community=community).values_list("name", "position")) == [
        ("Ideas", 0),
        ("General", 1),
    ]


def test_only_administrators_and_purpose_owners_create_communities():
    purpose = PurposeFactory()
    stranger = employee()

    with pytest.raises(PermissionDenied):
        services.create_community(by=stranger, purpose=purpose, name="Mine", slug="mine")

    assert Community.objects.count() == 0
    administrator = AdministratorFactory()
    services.create_community(by=administrator, purpose=purpose, name="Ours", slug="ours")
    assert list(Community.objects.values_list("slug", flat=True)) == ["ours"]


def test_duplicate_community_slug_is_refused_and_creates_nothing():
    existing = CommunityFactory(slug="green-fleet", name="Green fleet")

    with pytest.raises(ValidationError) as caught:
        services.create_community(
            by=owner_of(existing), purpose=existing.purpose, name="Other", slug="green-fleet"
        )

    assert caught.value.message_dict == {"slug": ["This address is not available; choose another."]}
    assert Community.objects.count() == 1
    assert Membership.objects.count() == 1


def test_a_community_needs_an_audience():
    owner = employee()
    purpose = PurposeFactory(owners=[owner])

    with pytest.raises(ValidationError) as caught:
        services.create_community(by=owner, purpose=purpose, name="X", slug="x", audience=[])

    assert caught.value.message_dict == {"audience": ["Choose at least one member type."]}
    assert Community.objects.count() == 0


def test_update_community_by_an_owner_and_refused_for_a_moderator():
    community = CommunityFactory(name="Old name", audience=["employee"])
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    owner = owner_of(community)
    fields = {
        "purpose": community.purpose,
        "name": "New name",
        "slug": community.slug,
        "description": "",
        "guidelines": "Be **kind**.",
        "audience": ["employee", "partner"],
        "visibility": "private",
        "join_policy": "invitation",
        "default_notification_level": "mentions",
        "categories": ["Ideas"],
    }

    with pytest.raises(PermissionDenied):
        services.update_community(community=fresh(community), by=moderator, **fields)
    assert fresh(community).name == "Old name"

    services.update_community(community=fresh(community), by=owner, **fields)
    community = fresh(community)
    assert community.name == "New name"
    assert community.guidelines_html == "<p>Be <strong>kind</strong>.</p>\n"
    assert community.audience == ["employee", "partner"]
    assert (community.visibility, community.join_policy) == ("private", "invitation")
    assert community.default_notification_level == "mentions"


# -- joining and leaving ------------------------------------------------------------------


def test_joining_counts_once_even_when_joining_twice():
    community = CommunityFactory(join_policy="open")
    person = employee()

    membership = services.join_community(user=person, community=fresh(community))
    with pytest.raises(ValidationError) as caught:
        services.join_community(user=person, community=fresh(community))

    assert refusal(caught.value) == ["You are already a member of this community."]
    assert (membership.role, membership.joined_via) == (Role.MEMBER, JoinedVia.OPEN)
    assert Membership.objects.filter(community=community).count() == 2
    assert fresh(community).member_count == 2


def test_adding_the_same_person_twice_counts_them_once():
    community = CommunityFactory()
    person = employee()

    first = services.add_member(community=fresh(community), user=person, by=owner_of(community))
    second = services.add_member(community=fresh(community), user=person, by=owner_of(community))

    assert first.pk == second.pk
    assert fresh(community).member_count == 2


def test_leaving_uncounts_the_member():
    community = CommunityFactory()
    person = MembershipFactory(community=community).user
    assert fresh(community).member_count == 2

    services.leave_community(user=person, community=fresh(community))

    assert not Membership.objects.filter(community=community, user=person).exists()
    assert fresh(community).member_count == 1
    with pytest.raises(ValidationError) as caught:
        services.leave_community(user=person, community=fresh(community))
    assert refusal(caught.value) == ["You are not a member of this community."]
    assert fresh(community).member_count == 1


def test_the_last_owner_cannot_leave_but_one_of_two_owners_can():
    community = CommunityFactory()
    owner = owner_of(community)

    with pytest.raises(ValidationError) as caught:
        services.leave_community(user=owner, community=fresh(community))

    assert refusal(caught.value) == [
        "You are the last owner. Make someone else an owner before you leave."
    ]
    assert fresh(community).member_count == 1
    second = MembershipFactory(community=community, role=Role.OWNER).user
    services.leave_community(user=owner, community=fresh(community))
    assert list(Membership.objects.filter(community=community).values_list("user", "role")) == [
        (second.pk, Role.OWNER)
    ]
    assert fresh(community).member_count == 1


def test_the_last_owner_cannot_be_demoted_or_removed():
    community = CommunityFactory()
    owner_membership = Membership.objects.get(community=community)
    administrator = AdministratorFactory()

    with pytest.raises(ValidationError) as demoted:
        services.change_role(membership=owner_membership, by=administrator, role=Role.MEMBER)
    with pytest.raises(ValidationError) as removed:
        services.remove_member(membership=owner_membership, by=administrator)

    assert refusal(demoted.value) == ["A community needs at least one owner."]
    assert refusal(removed.value) == ["A community needs at least one owner."]
    assert Membership.objects.get(community=community).role == Role.OWNER
    assert fresh(community).member_count == 1


def test_a_moderator_removes_members_but_not_other_moderators():
    community = CommunityFactory()
    moderator = MembershipFactory(community=community, role=Role.MODERATOR)
    other_moderator = MembershipFactory(community=community, role=Role.MODERATOR)
    member = MembershipFactory(community=community)

    with pytest.raises(PermissionDenied):
        services.remove_member(membership=other_moderator, by=moderator.user)
    with pytest.raises(ValidationError) as caught:
        services.remove_member(membership=moderator, by=moderator.user)
    assert refusal(caught.value) == ["Use “Leave community” to remove yourself."]
    services.remove_member(membership=member, by=moderator.user)

    assert set(Membership.objects.filter(community=community).values_list("pk", flat=True)) == {
        Membership.objects.get(community=community, role=Role.OWNER).pk,
        moderator.pk,
        other_moderator.pk,
    }
    assert fresh(community).member_count == 3
    assert Ban.objects.count() == 0


def test_a_plain_member_cannot_remove_anyone():
    community = CommunityFactory()
    member = MembershipFactory(community=community)
    other = MembershipFactory(community=community)

    with pytest.raises(PermissionDenied):
        services.remove_member(membership=other, by=member.user)

    assert fresh(community).member_count == 3


# -- requests -----------------------------------------------------------------------------


def test_request_then_approve_makes_a_member_through_the_request():
    community = CommunityFactory(join_policy="request", audience=["employee", "customer"])
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    customer = UserFactory(member_type="customer")

    join_request = services.request_to_join(
        user=customer, community=fresh(community), message="  I buy a lot.  "
    )
    assert (join_request.status, join_request.message) == (
        JoinRequestStatus.PENDING,
        "I buy a lot.",
    )
    assert fresh(community).member_count == 2

    membership = services.approve_join_request(join_request=join_request, by=moderator)

    assert (membership.user, membership.role, membership.joined_via) == (
        customer,
        Role.MEMBER,
        JoinedVia.REQUEST,
    )
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by) == (JoinRequestStatus.APPROVED, moderator)
    assert join_request.decided_at is not None
    assert fresh(community).member_count == 3
    with pytest.raises(ValidationError) as caught:
        services.approve_join_request(join_request=join_request, by=moderator)
    assert refusal(caught.value) == ["This request has already been answered."]
    assert fresh(community).member_count == 3


def test_decline_with_a_reason_keeps_the_person_out():
    community = CommunityFactory(join_policy="request")
    person = employee()
    join_request = services.request_to_join(user=person, community=fresh(community))

    services.decline_join_request(
        join_request=join_request, by=owner_of(community), reason=" Staff of the depot only. "
    )

    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.DECLINED
    assert join_request.decision_reason == "Staff of the depot only."
    assert join_request.decided_by == owner_of(community)
    assert not Membership.objects.filter(user=person).exists()
    assert fresh(community).member_count == 1
    # Declined, the person may ask again.
    again = services.request_to_join(user=person, community=fresh(community))
    assert again.status == JoinRequestStatus.PENDING


def test_a_plain_member_cannot_answer_requests():
    community = CommunityFactory(join_policy="request")
    member = MembershipFactory(community=community).user
    join_request = services.request_to_join(user=employee(), community=fresh(community))

    with pytest.raises(PermissionDenied):
        services.approve_join_request(join_request=join_request, by=member)
    with pytest.raises(PermissionDenied):
        services.decline_join_request(join_request=join_request, by=member)

    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING
    assert fresh(community).member_count == 2


def test_a_second_request_while_one_is_pending_is_refused_and_creates_nothing():
    community = CommunityFactory(join_policy="request")
    person = employee()
    services.request_to_join(user=person, community=fresh(community), message="First")
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.request_to_join(user=person, community=fresh(community), message="Second")

    assert refusal(caught.value) == [
        "You have already asked to join; the moderators will answer soon."
    ]
    nothing_changed_since(before, community)
    assert list(JoinRequest.objects.values_list("message", flat=True)) == ["First"]


def test_withdrawing_a_request_allows_a_new_one():
    community = CommunityFactory(join_policy="request")
    person = employee()
    services.request_to_join(user=person, community=fresh(community))

    assert services.withdraw_join_request(user=person, community=community) == 1
    assert services.withdraw_join_request(user=person, community=community) == 0
    services.request_to_join(user=person, community=fresh(community))

    assert sorted(JoinRequest.objects.values_list("status", flat=True)) == [
        JoinRequestStatus.PENDING,
        JoinRequestStatus.WITHDRAWN,
    ]


def test_approving_a_request_from_someone_banned_since_is_refused():
    community = CommunityFactory(join_policy="request")
    person = employee()
    join_request = services.request_to_join(user=person, community=fresh(community))
    Ban.objects.create(community=community, user=person, banned_by=owner_of(community))
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.approve_join_request(join_request=join_request, by=owner_of(community))

    assert refusal(caught.value) == ["This person has been banned from the community."]
    nothing_changed_since(before, community)
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING


# -- bans ---------------------------------------------------------------------------------


def test_a_ban_stops_rejoining_requesting_and_accepting_invitations():
    open_community = CommunityFactory(join_policy="open")
    asking_community = CommunityFactory(join_policy="request")
    person = employee()
    for community in (open_community, asking_community):
        ban(community, person, reason="Spam")
    invitation = email_invitation(open_community, person.email)
    before = [counts(open_community), counts(asking_community)]
    banned = "You are banned from this community permanently. Reason: Spam"

    with pytest.raises(ValidationError) as joined:
        services.join_community(user=person, community=fresh(open_community))
    with pytest.raises(ValidationError) as asked:
        services.request_to_join(user=person, community=fresh(asking_community))
    with pytest.raises(ValidationError) as accepted:
        services.accept_invitation(invitation=invitation, user=person)
    with pytest.raises(ValidationError) as added:
        services.add_member(
            community=fresh(open_community), user=person, by=owner_of(open_community)
        )

    assert refusal(joined.value) == [banned]
    assert refusal(asked.value) == [banned]
    assert refusal(accepted.value) == [banned]
    assert refusal(added.value) == ["This person has been banned from the community."]
    assert [counts(open_community), counts(asking_community)] == before
    assert Ban.objects.get(community=open_community).reason == "Spam"


def test_banning_declines_a_pending_request_and_unbanning_lets_them_back():
    community = CommunityFactory(join_policy="request")
    person = employee()
    join_request = services.request_to_join(user=person, community=fresh(community))
    # An owner adds them directly while their request is still pending.
    membership = MembershipFactory(community=community, user=person)

    services.remove_member(membership=membership, by=owner_of(community), ban=True, reason=" Spam ")

    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.DECLINED
    assert Ban.objects.get(community=community, user=person).reason == "Spam"
    assert fresh(community).member_count == 1
    services.unban(community=community, user=person, by=owner_of(community))
    assert Ban.objects.count() == 0
    assert services.request_to_join(user=person, community=fresh(community)).status == "pending"


# -- audience -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "member_type", "message"),
    [
        (
            ["employee"],
            "vendor",
            "This community is open to employees only, and your account is a vendor account.",
        ),
        (
            ["employee", "customer"],
            "partner",
            "This community is open to employees and customers only, "
            "and your account is a partner account.",
        ),
        (
            ["customer", "vendor", "partner"],
            "employee",
            "This community is open to customers, vendors and partners only, "
            "and your account is an employee account.",
        ),
    ],
)
def test_outside_the_audience_is_refused_naming_the_audience(audience, member_type, message):
    community = CommunityFactory(audience=audience, join_policy="open", visibility="public")
    person = UserFactory(member_type=member_type)
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.join_community(user=person, community=fresh(community))

    assert refusal(caught.value) == [message]
    nothing_changed_since(before, community)


def test_a_person_without_a_member_type_is_told_to_verify_first():
    community = CommunityFactory(visibility="public")
    person = UserFactory(member_type="")

    with pytest.raises(ValidationError) as caught:
        services.join_community(user=person, community=fresh(community))

    assert refusal(caught.value) == [
        "Verify your email address first: it decides which communities you can join."
    ]


def test_an_owner_cannot_add_someone_outside_the_audience():
    community = CommunityFactory(audience=["employee"])

    with pytest.raises(ValidationError) as caught:
        services.add_member(
            community=fresh(community),
            user=UserFactory(member_type="vendor"),
            by=owner_of(community),
        )

    assert refusal(caught.value) == ["This person is outside the community's audience."]
    assert fresh(community).member_count == 1


def test_joining_a_hidden_community_is_denied_like_a_missing_one():
    community = CommunityFactory(visibility="secret", join_policy="open")

    with pytest.raises(PermissionDenied):
        services.join_community(user=employee(), community=fresh(community))
    with pytest.raises(PermissionDenied):
        services.request_to_join(user=employee(), community=fresh(community))

    assert fresh(community).member_count == 1


# -- invitations --------------------------------------------------------------------------


def test_invitation_by_email_is_sent_over_smtp_with_its_link(
    smtp_mailbox, django_capture_on_commit_callbacks, settings
):
    community = CommunityFactory(name="Green fleet", audience=["employee", "vendor"])
    member = MembershipFactory(community=community).user
    owner = AdministratorFactory()  # only administrators give invitations a member type

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitations = services.invite_by_email(
            community=fresh(community),
            by=owner,
            emails=[" Victor@Globex.example ", "victor@globex.example", member.email, ""],
            member_type="vendor",
            valid_days=10,
        )

    assert len(callbacks) == 1
    [invitation] = invitations
    invitation = Invitation.objects.get(pk=invitation.pk)
    assert (invitation.email, invitation.member_type, invitation.max_uses) == (
        "victor@globex.example",
        "vendor",
        1,
    )
    assert invitation.invited_by == owner
    expected_expiry = timezone.now() + datetime.timedelta(days=10)
    assert abs((invitation.expires_at - expected_expiry).total_seconds()) < 60
    [message] = smtp_mailbox.wait_for(1)
    assert message["To"] == "victor@globex.example"
    assert message["Subject"] == f"{owner.name} invites you to Green fleet on {settings.SITE_NAME}"
    link = f"{settings.SITE_URL}/invitations/{invitation.token}/"
    assert link in smtp_mailbox.text(message)
    assert f'href="{link}"' in smtp_mailbox.html(message)


def test_inviting_only_members_is_refused():
    community = CommunityFactory()
    member = MembershipFactory(community=community).user

    with pytest.raises(ValidationError) as caught:
        services.invite_by_email(
            community=fresh(community), by=owner_of(community), emails=[member.email.upper()]
        )

    assert caught.value.message_dict == {"emails": ["Everyone you entered is already a member."]}
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("kind", ["email", "link"])
def test_an_invitation_for_a_member_type_outside_the_audience_is_refused_at_creation(
    kind, django_capture_on_commit_callbacks
):
    community = CommunityFactory(audience=["employee", "customer"])
    admin = AdministratorFactory()

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as caught,
    ):
        if kind == "email":
            services.invite_by_email(
                community=fresh(community),
                by=admin,
                emails=["victor@globex.example"],
                member_type="vendor",
            )
        else:
            services.create_invitation_link(
                community=fresh(community),
                by=admin,
                max_uses=5,
                valid_days=7,
                member_type="vendor",
            )

    assert caught.value.message_dict == {
        "member_type": ["This community is not open to vendor members."]
    }
    assert Invitation.objects.count() == 0
    assert callbacks == []


def test_only_moderators_invite():
    community = CommunityFactory()
    member = MembershipFactory(community=community).user

    with pytest.raises(PermissionDenied):
        services.invite_by_email(community=fresh(community), by=member, emails=["a@example.org"])
    with pytest.raises(PermissionDenied):
        services.create_invitation_link(
            community=fresh(community), by=member, max_uses=3, valid_days=1
        )

    assert Invitation.objects.count() == 0


def test_the_invitation_rate_limit_refuses_past_the_limit(
    settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_HOUR = 3
    community = CommunityFactory()
    owner = owner_of(community)
    services.invite_by_email(
        community=fresh(community), by=owner, emails=["a@example.org", "b@example.org"]
    )

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as caught,
    ):
        services.invite_by_email(
            community=fresh(community), by=owner, emails=["c@example.org", "d@example.org"]
        )

    assert refusal(caught.value) == ["You can send at most 3 invitations an hour. Try again later."]
    assert callbacks == []
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "a@example.org",
        "b@example.org",
    ]
    # The refused batch did not use up the allowance: one more still fits.
    services.invite_by_email(community=fresh(community), by=owner, emails=["c@example.org"])
    assert Invitation.objects.count() == 3
    with pytest.raises(ValidationError):
        services.invite_by_email(community=fresh(community), by=owner, emails=["d@example.org"])
    assert Invitation.objects.count() == 3
    # Each moderator has an allowance of their own.
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    services.invite_by_email(community=fresh(community), by=moderator, emails=["d@example.org"])
    assert Invitation.objects.count() == 4


def test_accepting_an_email_invitation_joins_through_it():
    community = CommunityFactory(visibility="secret", join_policy="invitation")
    person = employee()
    invitation = email_invitation(community, person.email.upper())

    membership = services.accept_invitation(invitation=invitation, user=person)

    assert (membership.role, membership.joined_via) == (Role.MEMBER, JoinedVia.INVITATION)
    assert Invitation.objects.get(pk=invitation.pk).use_count == 1
    assert InvitationAcceptance.objects.get().user == person
    assert fresh(community).member_count == 2


def test_an_email_invitation_is_only_for_its_address():
    community = CommunityFactory()
    invitation = email_invitation(community, "someone@example.org")
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(invitation=invitation, user=employee())

    assert refusal(caught.value) == ["This invitation was sent to another email address."]
    nothing_changed_since(before, community)


def test_an_expired_invitation_is_refused_and_changes_nothing():
    community = CommunityFactory(join_policy="invitation")
    person = employee()
    invitation = email_invitation(
        community, person.email, expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(invitation=invitation, user=person)

    assert refusal(caught.value) == ["This invitation has expired. Ask a moderator for a new one."]
    nothing_changed_since(before, community)


def test_a_used_up_link_is_refused_and_changes_nothing():
    community = CommunityFactory(join_policy="invitation")
    link = services.create_invitation_link(
        community=fresh(community), by=owner_of(community), max_uses=2, valid_days=7
    )
    first, second, third = employee(), employee(), employee()
    services.accept_invitation(invitation=link, user=first)
    services.accept_invitation(invitation=link, user=second)
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(invitation=link, user=third)

    assert refusal(caught.value) == [
        "This invitation link has already been used as many times as allowed."
    ]
    nothing_changed_since(before, community)
    assert Invitation.objects.get(pk=link.pk).use_count == 2
    assert fresh(community).member_count == 3


def test_a_revoked_invitation_is_refused():
    community = CommunityFactory()
    person = employee()
    invitation = email_invitation(community, person.email)
    services.revoke_invitation(invitation=invitation, by=owner_of(community))
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(invitation=invitation, user=person)

    assert refusal(caught.value) == ["This invitation has been withdrawn."]
    nothing_changed_since(before, community)


def test_a_link_with_no_uses_is_refused_at_creation():
    community = CommunityFactory()

    with pytest.raises(ValidationError) as caught:
        services.create_invitation_link(
            community=fresh(community), by=owner_of(community), max_uses=0, valid_days=3
        )

    assert caught.value.message_dict == {"max_uses": ["Allow at least one use."]}
    assert Invitation.objects.count() == 0


def test_an_invitation_for_a_new_person_sets_their_type_once_verified():
    community = CommunityFactory(audience=["employee", "vendor"], join_policy="invitation")
    invitation = services.invite_by_email(
        community=fresh(community),
        by=AdministratorFactory(),
        emails=["victor@globex.example"],
        member_type="vendor",
    )[0]
    newcomer = UserFactory(email="victor@globex.example", member_type="customer")
    services.remember_invitation_for_new_account(user=newcomer, token=invitation.token)

    membership = services.complete_invitation_after_verification(user=newcomer)

    newcomer.refresh_from_db()
    assert newcomer.member_type == "vendor"
    assert (membership.community, membership.joined_via) == (community, JoinedVia.INVITATION)
    assert fresh(community).member_count == 2
    assert services.complete_invitation_after_verification(user=newcomer) is None


def test_a_pending_invitation_that_expired_before_verification_does_nothing():
    community = CommunityFactory(audience=["employee", "vendor"])
    invitation = email_invitation(
        community,
        "victor@globex.example",
        member_type="vendor",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    newcomer = UserFactory(email="victor@globex.example", member_type="customer")
    services.remember_invitation_for_new_account(user=newcomer, token=invitation.token)

    assert services.complete_invitation_after_verification(user=newcomer) is None

    newcomer.refresh_from_db()
    assert newcomer.member_type == "customer"
    assert fresh(community).member_count == 1
    assert not PendingInvitation.objects.filter(user=newcomer).exists()


# -- selectors: keyset pages --------------------------------------------------------------


def test_member_pages_return_every_member_exactly_once():
    community = CommunityFactory()
    same_moment = timezone.now()
    people = [employee() for _ in range(11)]
    for person in people:
        MembershipFactory(community=community, user=person)
    # Ties on joined_at must not lose or repeat anyone.
    Membership.objects.filter(community=community).update(joined_at=same_moment)

    seen, after, pages = [], None, 0
    while True:
        page = selectors.member_page(community=community, after=after, page_size=4)
        seen += [membership.user_id for membership in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert pages == 3
    assert len(seen) == 12
    assert sorted(seen) == sorted([owner_of(community).pk] + [p.pk for p in people])


def test_member_page_filters_by_name_and_role():
    community = CommunityFactory()
    MembershipFactory(community=community, user=employee(display_name="Ana Lima"))
    MembershipFactory(
        community=community, user=employee(display_name="Ana Souza"), role=Role.MODERATOR
    )
    MembershipFactory(community=community, user=employee(display_name="Bruno"))

    names = lambda page: [m.user.display_name for m in page.items]  # noqa: E731
    assert names(selectors.member_page(community=community, query="ana")) == [
        "Ana Lima",
        "Ana Souza",
    ]
    assert names(selectors.member_page(community=community, role=Role.MODERATOR)) == ["Ana Souza"]
    assert names(selectors.member_page(community=community, query="ana", role="member")) == [
        "Ana Lima"
    ]


def test_directory_pages_return_every_listed_community_exactly_once():
    purpose = PurposeFactory()
    administrator = AdministratorFactory()
    names = ["Beta", "Alpha", "Gamma", "Alpha", "Delta", "Alpha", "Epsilon"]
    for index, name in enumerate(names):
        services.create_community(
            by=administrator, purpose=purpose, name=name, slug=f"c-{index}", visibility="public"
        )
    services.create_community(
        by=administrator, purpose=purpose, name="Hidden", slug="hidden", visibility="secret"
    )
    viewer = employee()

    seen, after = [], None
    while True:
        page = selectors.community_directory(user=viewer, after=after, page_size=2)
        seen += [community.slug for community in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert len(seen) == 7
    assert sorted(seen) == [f"c-{index}" for index in range(7)]
    assert [Community.objects.get(slug=slug).name for slug in seen] == sorted(names)


def test_open_to_me_lists_only_communities_the_viewer_may_join_or_ask_to_join():
    purpose = PurposeFactory()
    administrator = AdministratorFactory()
    vendor = UserFactory(member_type="vendor")

    def make(slug, **fields):
        fields = {"visibility": "public", "join_policy": "open", "audience": ["vendor"]} | fields
        return services.create_community(
            by=administrator, purpose=purpose, name=slug, slug=slug, **fields
        )

    make("open-to-vendors")
    make("request-from-vendors", join_policy="request")
    make("invitation-only", join_policy="invitation")
    make("staff-only", audience=["employee"])
    joined = make("already-joined")
    services.join_community(user=vendor, community=joined)
    banned = make("banned-from")
    ban(banned, vendor)

    page = selectors.community_directory(user=vendor, open_to_me=True)

    assert [community.slug for community in page.items] == [
        "open-to-vendors",
        "request-from-vendors",
    ]


def test_with_viewer_flags_answers_without_queries(django_assert_num_queries):
    community = CommunityFactory(join_policy="request")
    person = employee()
    services.request_to_join(user=person, community=fresh(community))
    annotated = permissions.with_viewer_flags(Community.objects.filter(pk=community.pk), person)
    annotated = annotated.get()

    with django_assert_num_queries(0):
        assert permissions.can_see(person, annotated) is True
        assert permissions.has_pending_request(person, annotated) is True
        assert permissions.can_request(person, annotated) is False
        assert permissions.is_banned(person, annotated) is False


def test_checks_for_two_people_on_one_instance_do_not_mix():
    community = CommunityFactory(join_policy="request")
    owner = owner_of(community)
    member = MembershipFactory(community=community).user
    stranger = employee()
    services.request_to_join(user=stranger, community=fresh(community))
    annotated = permissions.with_viewer_flags(
        Community.objects.filter(pk=community.pk), member
    ).get()

    assert permissions.is_member(member, annotated) is True
    assert permissions.is_member(stranger, annotated) is False
    assert permissions.has_pending_request(stranger, annotated) is True
    assert permissions.has_pending_request(member, annotated) is False
    assert permissions.can_configure(owner, annotated) is True
    assert permissions.can_configure(member, annotated) is False
    # An owner adding two people through one instance: adding the first must not make
    # the instance forget, or misremember, who the owner is.
    same = fresh(community)
    services.add_member(community=same, user=employee(), by=owner)
    services.add_member(community=same, user=employee(), by=owner)
    assert fresh(community).member_count == 4


def test_approving_someone_no_longer_in_the_audience_is_refused():
    community = CommunityFactory(join_policy="request", audience=["employee", "customer"])
    customer = UserFactory(member_type="customer")
    join_request = services.request_to_join(user=customer, community=fresh(community))
    Community.objects.filter(pk=community.pk).update(open_to_customers=False)
    before = counts(community)

    with pytest.raises(ValidationError) as caught:
        services.approve_join_request(join_request=join_request, by=owner_of(community))

    assert refusal(caught.value) == ["This person is outside the community's audience."]
    nothing_changed_since(before, community)
