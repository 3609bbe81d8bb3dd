"""Invitations as an attacker would try them, through the real pages: a member type only
from an administrator and only with the acceptance, nothing named for a dead token, no
sign-up state planted by a GET, and a taken address that reveals no secret community."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import MemberTypeChange, User
from communities import services
from communities.models import (
    Community,
    Invitation,
    InvitationAcceptance,
    JoinedVia,
    Membership,
    PendingInvitation,
)
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory, UserFactory
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    email_invitation,
    fresh,
    owner_of,
)
from tests.core.reading import form_errors
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-7"


def state() -> dict:
    """Everything an invitation could change, to compare before and after a refusal."""
    return {
        "people": sorted(
            User.objects.values_list("email", "member_type", "organisation_id", "is_staff")
        ),
        "type_changes": MemberTypeChange.objects.count(),
        "memberships": sorted(Membership.objects.values_list("community_id", "user_id", "role")),
        "member_counts": sorted(Community.objects.values_list("slug", "member_count")),
        "invitations": sorted(
            Invitation.objects.values_list("pk", "email", "member_type", "use_count", "max_uses")
        ),
        "acceptances": InvitationAcceptance.objects.count(),
    }


def sign_up_through_invitation(client: Client, invitation: Invitation, email: str, mailoutbox):
    """What a newcomer does: open the invitation, press "Create an account", sign up with
    `email`, then confirm the address from the message it receives. Returns the person."""
    landing = client.get(invitation.get_absolute_url())
    action = re.search(
        r'<form method="post" action="(/invitations/[\w-]+/sign-up/)">', landing.text
    ).group(1)
    started = client.post(action)
    assert started.status_code == 302
    assert started["Location"].startswith(reverse("account_signup"))
    assert client.session["invitation_token"] == invitation.token
    sent = len(mailoutbox)
    signed_up = client.post(
        reverse("account_signup"),
        {
            "email": email,
            "display_name": "New person",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signed_up.status_code == 302, signed_up.content
    person = User.objects.get(email=email)
    assert not Membership.objects.filter(user=person).exists()
    [confirmation] = mailoutbox[sent:]
    assert confirmation.to == [email]
    key = re.search(r"/accounts/confirm-email/([-:\w]+)/", confirmation.body).group(1)
    confirmed = client.post(reverse("account_confirm_email", args=[key]))
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=person).verified is True
    person.refresh_from_db()
    return person, confirmed


def employees_only(**fields) -> Community:
    defaults = {
        "audience": ["employee"],
        "visibility": "private",
        "join_policy": "invitation",
    }
    return CommunityFactory(**(defaults | fields))


# -- hole 2: the type changes only with the acceptance, by the person invited ------------


def test_signing_up_through_someone_elses_email_invitation_gives_neither_type_nor_place(
    client, mailoutbox
):
    community = employees_only(name="Staff room")
    open_to_staff = CommunityFactory(audience=["employee"], visibility="listed", join_policy="open")
    admin = AdministratorFactory()
    invitation = email_invitation(
        community, "erin@example.org", member_type="employee", invited_by=admin
    )

    mallory, confirmed = sign_up_through_invitation(
        client, invitation, "mallory@elsewhere.example", mailoutbox
    )

    # Verification gave the site's default type, and the invitation refused her: nothing more.
    assert mallory.member_type == "customer"
    assert list(MemberTypeChange.objects.filter(user=mallory).values_list("to_member_type")) == [
        ("customer",)
    ]
    assert not Membership.objects.filter(user=mallory).exists()
    assert not PendingInvitation.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).use_count == 0
    assert confirmed["Location"] != community.get_absolute_url()
    # Employees-only communities stay closed to her.
    assert client.get(community.get_absolute_url()).status_code == 404
    assert client.get(open_to_staff.get_absolute_url()).status_code == 404
    client.post(reverse("community_join", args=[open_to_staff.slug]))
    assert not Membership.objects.filter(user=mallory).exists()
    assert fresh(open_to_staff).member_count == 1
    # The invitation still waits for the person it was sent to.
    page = client.get(invitation.get_absolute_url())
    assert "This invitation was sent to another email address." in page.text


def test_the_invited_person_gets_the_administrators_type_with_the_membership(client, mailoutbox):
    community = employees_only(name="Staff room")
    invitation = email_invitation(
        community, "erin@example.org", member_type="employee", invited_by=AdministratorFactory()
    )

    erin, confirmed = sign_up_through_invitation(client, invitation, "erin@example.org", mailoutbox)

    assert erin.member_type == "employee"
    assert confirmed["Location"] == community.get_absolute_url()
    membership = Membership.objects.get(community=community, user=erin)
    assert membership.joined_via == JoinedVia.INVITATION
    change = MemberTypeChange.objects.filter(user=erin).latest("pk")
    assert (change.from_member_type, change.to_member_type) == ("customer", "employee")


# -- hole 3: only administrators type invitations ----------------------------------------


@pytest.mark.parametrize("kind", ["email", "link"])
def test_a_customer_moderator_cannot_type_an_invitation(
    client, kind, django_capture_on_commit_callbacks
):
    community = CommunityFactory(audience=["employee", "customer"], join_policy="invitation")
    moderator = MembershipFactory(
        community=community, user=UserFactory(member_type="customer"), role="moderator"
    ).user
    client.force_login(moderator)
    page = client.get(reverse("community_moderation", args=[community.slug]))
    before = state()

    with django_capture_on_commit_callbacks() as callbacks:
        if kind == "email":
            response = client.post(
                reverse("community_invite", args=[community.slug]),
                {"emails": "friend@example.org", "member_type": "employee", "valid_days": 5},
            )
        else:
            response = client.post(
                reverse("community_invite_link", args=[community.slug]),
                {"max_uses": 5, "valid_days": 5, "member_type": "employee"},
            )

    assert page.status_code == 200
    assert "Member type for people new to the site" not in page.text
    assert 'name="member_type"' not in page.text
    assert response.status_code == 200
    message = "Only administrators can invite people as a given member type."
    assert form_errors(response.text) == {"__all__": [message]}
    assert state() == before
    assert callbacks == []


def test_a_moderators_untyped_invitation_still_works(client, django_capture_on_commit_callbacks):
    community = CommunityFactory(audience=["employee", "customer"], join_policy="invitation")
    moderator = MembershipFactory(community=community, role="moderator").user
    client.force_login(moderator)

    response = client.post(
        reverse("community_invite_link", args=[community.slug]),
        {"max_uses": 5, "valid_days": 5},
    )

    assert response.status_code == 302
    link = Invitation.objects.get()
    assert (link.member_type, link.max_uses, link.invited_by) == ("", 5, moderator)


def test_administrators_see_the_member_type_field(client):
    community = CommunityFactory()
    client.force_login(AdministratorFactory())

    page = client.get(reverse("community_moderation", args=[community.slug]))

    assert page.text.count("Member type for people new to the site") == 2


def test_an_administrators_typed_link_gives_its_type_to_a_new_person_without_an_org_domain(
    client, mailoutbox
):
    community = employees_only(name="Staff room")
    admin_client = Client()
    admin_client.force_login(AdministratorFactory())
    created = admin_client.post(
        reverse("community_invite_link", args=[community.slug]),
        {"max_uses": 5, "valid_days": 5, "member_type": "employee"},
    )
    assert created.status_code == 302
    link = Invitation.objects.get()
    assert link.member_type == "employee"

    newcomer, confirmed = sign_up_through_invitation(
        client, link, "nora@private-mail.example", mailoutbox
    )

    assert (newcomer.organisation, newcomer.member_type) == (None, "employee")
    assert confirmed["Location"] == community.get_absolute_url()
    assert Membership.objects.filter(community=community, user=newcomer).exists()
    assert Invitation.objects.get(pk=link.pk).use_count == 1


@pytest.mark.parametrize(
    ("audience", "joins"), [(["employee", "customer"], True), (["employee"], False)]
)
def test_an_invitation_never_overrides_a_type_from_an_organisation_domain(
    client, mailoutbox, audience, joins
):
    acme = OrganisationFactory(name="Acme", kind="customer")
    OrganisationDomainFactory(organisation=acme, domain="acme.example")
    community = employees_only(name="Staff room", audience=audience)
    invitation = email_invitation(
        community, "pat@acme.example", member_type="employee", invited_by=AdministratorFactory()
    )

    pat, _confirmed = sign_up_through_invitation(client, invitation, "pat@acme.example", mailoutbox)

    assert (pat.organisation, pat.member_type) == (acme, "customer")
    assert not MemberTypeChange.objects.filter(user=pat, to_member_type="employee").exists()
    assert Membership.objects.filter(community=community, user=pat).exists() is joins
    assert Invitation.objects.get(pk=invitation.pk).use_count == (1 if joins else 0)
    if not joins:
        client.force_login(pat)
        refused = client.post(reverse("community_join", args=[community.slug]))
        assert refused.status_code == 404
        assert not Membership.objects.filter(user=pat).exists()


def test_an_invitation_keeps_a_type_an_administrator_set():
    community = employees_only(audience=["employee", "partner"])
    invitation = email_invitation(
        community, "pia@example.org", member_type="employee", invited_by=AdministratorFactory()
    )
    pia = UserFactory(email="pia@example.org", member_type="customer")
    account_services.change_member_type(
        user=pia, organisation=None, member_type="partner", changed_by=AdministratorFactory()
    )
    services.remember_invitation_for_new_account(user=pia, token=invitation.token)

    membership = services.complete_invitation_after_verification(user=pia)

    pia.refresh_from_db()
    assert pia.member_type == "partner"
    assert membership.community == community


def test_a_typed_invitation_stored_by_a_moderator_gives_no_type():
    """Typed invitations a moderator made before the rule decide nothing any more."""
    community = employees_only()
    invitation = email_invitation(
        community, "vic@example.org", member_type="employee", invited_by=owner_of(community)
    )
    vic = UserFactory(email="vic@example.org", member_type="customer")
    services.remember_invitation_for_new_account(user=vic, token=invitation.token)
    before = state()

    assert services.complete_invitation_after_verification(user=vic) is None

    assert state() == before
    assert not PendingInvitation.objects.exists()


# -- a dead token names nothing ----------------------------------------------------------


def _dead(invitation: Invitation, problem: str) -> None:
    if problem == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    elif problem == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    else:
        Invitation.objects.filter(pk=invitation.pk).update(use_count=1)


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("revoked", "This invitation has been withdrawn."),
        ("expired", "This invitation has expired. Ask a moderator for a new one."),
        ("used_up", "This invitation link has already been used as many times as allowed."),
    ],
)
@pytest.mark.parametrize("viewer", ["visitor", "outsider"])
def test_a_dead_token_does_not_name_a_secret_community(client, problem, reason, viewer):
    purpose = PurposeFactory(title="Quiet acquisition of Globex")
    community = CommunityFactory(
        name="Board back room", purpose=purpose, visibility="secret", join_policy="invitation"
    )
    invitation = email_invitation(community, "someone@example.org")
    _dead(invitation, problem)
    if viewer == "outsider":
        client.force_login(UserFactory(email="someone@example.org", member_type="employee"))
    before = state()

    page = client.get(invitation.get_absolute_url())
    posted = client.post(invitation.get_absolute_url())

    for response in (page, posted) if viewer == "outsider" else (page,):
        assert response.status_code == 200
        assert "This invitation is no longer valid" in response.text
        assert reason in response.text
        for secret in ("Board back room", "board-back-room", "Quiet acquisition", "Globex"):
            assert secret not in response.text
    assert state() == before


def test_a_member_still_sees_the_community_on_a_dead_token(client):
    community = CommunityFactory(
        name="Board back room", visibility="secret", join_policy="invitation"
    )
    invitation = email_invitation(community, "someone@example.org")
    _dead(invitation, "revoked")
    client.force_login(owner_of(community))

    page = client.get(invitation.get_absolute_url())

    assert "You're invited to Board back room" in page.text


def test_a_usable_token_names_the_community_to_its_holder(client):
    community = CommunityFactory(
        name="Board back room", visibility="secret", join_policy="invitation"
    )
    invitation = email_invitation(community, "someone@example.org")

    page = client.get(invitation.get_absolute_url())

    assert "You're invited to Board back room" in page.text
    assert "Create an account" in page.text


# -- no GET plants the invitation in the session -----------------------------------------


def test_a_get_of_the_sign_up_address_changes_nothing(client):
    community = CommunityFactory()
    invitation = email_invitation(community, "new@example.org")
    before = state()

    response = client.get(reverse("invitation_signup", args=[invitation.token]))

    assert response.status_code == 302
    assert response["Location"] == invitation.get_absolute_url()
    assert "invitation_token" not in client.session
    assert state() == before


def test_the_sign_up_button_is_protected_against_cross_site_posts():
    community = CommunityFactory()
    invitation = email_invitation(community, "new@example.org")
    client = Client(enforce_csrf_checks=True)

    forged = client.post(reverse("invitation_signup", args=[invitation.token]))

    assert forged.status_code == 403
    assert "invitation_token" not in client.session
    page = client.get(invitation.get_absolute_url())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = client.post(
        reverse("invitation_signup", args=[invitation.token]), {"csrfmiddlewaretoken": token}
    )
    assert started["Location"] == f"{reverse('account_signup')}?email=new%40example.org"
    assert client.session["invitation_token"] == invitation.token


# -- a taken address reveals no secret community -----------------------------------------


def _community_form(purpose, slug: str) -> dict:
    return {
        "purpose": purpose.pk,
        "name": "Green fleet",
        "slug": slug,
        "description": "",
        "guidelines": "",
        "audience": ["employee"],
        "visibility": "listed",
        "join_policy": "open",
        "default_notification_level": "participating",
        "categories": "",
    }


def _without_volatile_parts(text: str, slug: str) -> str:
    text = re.sub(r'nonce="[^"]+"', "", text)
    text = re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf token>", text)
    return text.replace(slug, "<slug>")


@pytest.mark.parametrize("page", ["create", "settings"])
def test_a_secret_communitys_address_is_refused_like_any_taken_address(client, page):
    creator = UserFactory(member_type="employee")
    purpose = PurposeFactory(owners=[creator])
    CommunityFactory(name="Board back room", slug="board-back-room", visibility="secret")
    CommunityFactory(name="Open kitchen", slug="open-kitchen", visibility="public")
    client.force_login(creator)
    if page == "create":
        url = reverse("community_create")
    else:
        mine = CommunityFactory(owner=creator, purpose=purpose, slug="mine")
        url = reverse("community_settings", args=[mine.slug])
    before = state()

    secret = client.post(url, _community_form(purpose, "board-back-room"))
    visible = client.post(url, _community_form(purpose, "open-kitchen"))

    message = "This address is not available; choose another."
    for response in (secret, visible):
        assert response.status_code == 200
        assert form_errors(response.text) == {"slug": [message]}
    assert "Board back room" not in secret.text
    assert 'href="/communities/board-back-room/"' not in secret.text
    assert _without_volatile_parts(secret.text, "board-back-room") == _without_volatile_parts(
        visible.text, "open-kitchen"
    )
    assert state() == before


@pytest.mark.parametrize("kind", ["email", "link"])
def test_the_services_refuse_a_member_type_from_a_moderator(
    kind, django_capture_on_commit_callbacks
):
    community = CommunityFactory(audience=["employee", "customer"])
    moderator = MembershipFactory(community=community, role="moderator").user
    before = state()

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as caught,
    ):
        if kind == "email":
            services.invite_by_email(
                community=fresh(community),
                by=moderator,
                emails=["friend@example.org"],
                member_type="customer",
            )
        else:
            services.create_invitation_link(
                community=fresh(community),
                by=moderator,
                max_uses=5,
                valid_days=7,
                member_type="customer",
            )

    assert caught.value.message_dict == {
        "member_type": ["Only administrators can invite people as a given member type."]
    }
    assert state() == before
    assert callbacks == []


def test_an_invitation_to_a_draft_purposes_community_does_not_name_the_purpose(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    purpose = PurposeFactory(title="Unannounced merger plan", status="draft")
    community = CommunityFactory(purpose=purpose, name="Integration team", visibility="public")
    with django_capture_on_commit_callbacks(execute=True):
        [invitation] = services.invite_by_email(
            community=community, by=owner_of(community), emails=["new.person@example.org"]
        )

    [message] = mailoutbox
    assert "Integration team" in message.body
    assert "Unannounced merger plan" not in message.body
    assert "Unannounced merger plan" not in message.alternatives[0][0]
    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 200
    assert "Integration team" in page.text
    assert "Unannounced merger plan" not in page.text

    client.force_login(AdministratorFactory())
    assert "Unannounced merger plan" in client.get(invitation.get_absolute_url()).text
