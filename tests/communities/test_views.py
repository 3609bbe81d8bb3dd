import datetime
import html
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from communities import services
from communities.models import (
    Ban,
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
    email_invitation,
    fresh,
    owner_of,
)
from tests.core.reading import elements, form_errors, links
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-7"


def employee(**fields) -> User:
    return UserFactory(member_type="employee", **fields)


def flashed(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def shown_messages(response) -> list[str]:
    """The flash messages as the page shows them."""
    return [
        html.unescape(text)
        for text in re.findall(r'<p class="message message-\w+">(.*?)</p>', response.text)
    ]


def counts() -> dict:
    return {
        "communities": Community.objects.count(),
        "memberships": Membership.objects.count(),
        "member_counts": sorted(Community.objects.values_list("slug", "member_count")),
        "join_requests": sorted(JoinRequest.objects.values_list("pk", "status")),
        "invitations": sorted(Invitation.objects.values_list("pk", "use_count")),
        "acceptances": InvitationAcceptance.objects.count(),
        "bans": Ban.objects.count(),
    }


def community_form(purpose, **fields) -> dict:
    return {
        "purpose": purpose.pk,
        "name": "Green fleet",
        "slug": "green-fleet",
        "description": "",
        "guidelines": "",
        "audience": ["employee", "customer"],
        "visibility": "listed",
        "join_policy": "request",
        "default_notification_level": "participating",
        "categories": "General\nIdeas",
    } | fields


# -- creating -----------------------------------------------------------------------------


def test_administrator_creates_a_community_in_the_browser(client):
    administrator = AdministratorFactory()
    purpose = PurposeFactory()
    client.force_login(administrator)

    page = client.get(reverse("community_create"), {"purpose": purpose.slug})
    response = client.post(reverse("community_create"), community_form(purpose))

    assert page.status_code == 200
    community = Community.objects.get(slug="green-fleet")
    assert response.status_code == 302
    assert response["Location"] == "/communities/green-fleet/"
    assert flashed(response) == [("success", "Community created. Invite people or share its page.")]
    assert community.audience == ["employee", "customer"]
    assert list(community.categories.values_list("name", flat=True)) == ["General", "Ideas"]
    assert Membership.objects.get(community=community).user == administrator
    assert community.member_count == 1


def test_duplicate_community_slug_is_a_form_error_and_creates_nothing(client):
    existing = CommunityFactory(slug="green-fleet")
    administrator = AdministratorFactory()
    client.force_login(administrator)
    before = counts()

    response = client.post(
        reverse("community_create"), community_form(existing.purpose, name="Another")
    )

    assert response.status_code == 200
    assert form_errors(response.text) == {
        "slug": ["This address is not available; choose another."]
    }
    assert counts() == before


def test_people_who_own_no_purpose_cannot_open_the_new_community_page(client):
    PurposeFactory()
    client.force_login(employee())

    page = client.get(reverse("community_create"))
    assert page.status_code == 403
    assert "Only administrators and the owners of a purpose can create communities." in page.text
    assert client.post(reverse("community_create"), {}).status_code == 403
    assert not Community.objects.exists()


def test_a_purpose_owner_creates_communities_only_for_their_purposes(client):
    owner = employee()
    mine = PurposeFactory(owners=[owner])
    theirs = PurposeFactory()
    client.force_login(owner)

    refused = client.post(reverse("community_create"), community_form(theirs))
    created = client.post(reverse("community_create"), community_form(mine))

    assert refused.status_code == 200
    assert list(form_errors(refused.text)) == ["purpose"]
    assert created.status_code == 302
    assert list(Community.objects.values_list("purpose", flat=True)) == [mine.pk]


def test_settings_change_the_audience_and_refuse_a_taken_slug(client):
    community = CommunityFactory(slug="first")
    CommunityFactory(slug="second")
    client.force_login(owner_of(community))
    path = reverse("community_settings", args=["first"])

    taken = client.post(path, community_form(community.purpose, slug="second"))
    saved = client.post(path, community_form(community.purpose, slug="first", audience=["vendor"]))

    assert taken.status_code == 200
    assert form_errors(taken.text) == {"slug": ["This address is not available; choose another."]}
    assert saved.status_code == 302
    community = fresh(community)
    assert (community.name, community.audience) == ("Green fleet", ["vendor"])


# -- joining, leaving, the audience -------------------------------------------------------


def test_an_employee_joins_an_open_employees_only_community_once(client):
    community = CommunityFactory(audience=["employee"], join_policy="open")
    person = employee()
    client.force_login(person)
    path = reverse("community_join", args=[community.slug])

    first = client.post(path, follow=True)
    second = client.post(path)

    assert shown_messages(first) == [f"Welcome to {community.name}!"]
    assert "You are a member of this community." in first.text
    assert flashed(second) == [("error", "You are already a member of this community.")]
    assert Membership.objects.get(community=community, user=person).joined_via == JoinedVia.OPEN
    assert fresh(community).member_count == 2


def test_a_vendor_refused_by_an_employees_only_community_is_told_why(
    client, django_capture_on_commit_callbacks
):
    community = CommunityFactory(audience=["employee"], join_policy="open", visibility="public")
    vendor = UserFactory(member_type="vendor")
    client.force_login(vendor)
    message = "This community is open to employees only, and your account is a vendor account."
    before = counts()

    page = client.get(community.get_absolute_url())
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("community_join", args=[community.slug]), follow=True)

    assert f'<p class="notice" role="note">{message}</p>' in page.text
    assert "Join community" not in page.text
    assert response.redirect_chain == [(community.get_absolute_url(), 302)]
    assert shown_messages(response) == [message]
    assert counts() == before
    assert callbacks == []


def test_leaving_through_the_page(client):
    community = CommunityFactory(visibility="secret")
    person = MembershipFactory(community=community).user
    client.force_login(person)

    response = client.post(reverse("community_leave", args=[community.slug]))

    # The community is secret: once out, its page is gone for them.
    assert response["Location"] == reverse("community_list")
    assert flashed(response) == [("success", f"You have left {community.name}.")]
    assert fresh(community).member_count == 1
    assert client.get(community.get_absolute_url()).status_code == 404


def test_the_last_owner_is_told_they_cannot_leave(client):
    community = CommunityFactory()
    client.force_login(owner_of(community))
    before = counts()

    response = client.post(reverse("community_leave", args=[community.slug]), follow=True)

    assert shown_messages(response) == [
        "You are the last owner. Make someone else an owner before you leave."
    ]
    assert counts() == before


# -- requests -----------------------------------------------------------------------------


def test_a_customer_asks_and_a_moderator_approves(client):
    community = CommunityFactory(audience=["employee", "customer"], join_policy="request")
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    customer = UserFactory(member_type="customer", display_name="Carla")
    client.force_login(customer)

    asked = client.post(
        reverse("community_request", args=[community.slug]),
        {"message": "We ship 300 parcels a day."},
        follow=True,
    )

    assert shown_messages(asked) == [
        "Your request has been sent. You'll be told when a moderator answers."
    ]
    assert "You have asked to join. A moderator will answer your request." in asked.text
    join_request = JoinRequest.objects.get()
    client.force_login(moderator)
    moderation = client.get(reverse("community_moderation", args=[community.slug]))
    assert "We ship 300 parcels a day." in moderation.text
    assert "Approve Carla" in moderation.text

    approved = client.post(
        reverse("community_request_decide", args=[community.slug, join_request.pk, "approve"])
    )

    assert approved["Location"] == reverse("community_moderation", args=[community.slug])
    assert flashed(approved) == [("success", "Carla is now a member.")]
    membership = Membership.objects.get(community=community, user=customer)
    assert (membership.role, membership.joined_via) == (Role.MEMBER, JoinedVia.REQUEST)
    assert fresh(community).member_count == 3


def test_a_moderator_declines_with_a_reason(client):
    community = CommunityFactory(join_policy="request")
    person = employee()
    join_request = services.request_to_join(user=person, community=fresh(community))
    client.force_login(owner_of(community))

    response = client.post(
        reverse("community_request_decide", args=[community.slug, join_request.pk, "decline"]),
        {"reason": "Depot staff only"},
    )

    assert flashed(response) == [("success", "Request declined.")]
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decision_reason) == (
        JoinRequestStatus.DECLINED,
        "Depot staff only",
    )
    assert fresh(community).member_count == 1


def test_a_member_cannot_answer_requests(client):
    community = CommunityFactory(join_policy="request")
    join_request = services.request_to_join(user=employee(), community=fresh(community))
    client.force_login(MembershipFactory(community=community).user)
    before = counts()

    response = client.post(
        reverse("community_request_decide", args=[community.slug, join_request.pk, "approve"])
    )

    assert response.status_code == 403
    assert "moderators can do this" in html.unescape(response.text)
    assert counts() == before


def test_a_second_request_while_one_is_pending_is_refused_with_a_message(
    client, django_capture_on_commit_callbacks
):
    community = CommunityFactory(join_policy="request")
    person = employee()
    client.force_login(person)
    path = reverse("community_request", args=[community.slug])
    client.post(path, {"message": "First"}, follow=True)
    before = counts()

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(path, {"message": "Second"}, follow=True)

    assert shown_messages(response) == [
        "You have already asked to join; the moderators will answer soon."
    ]
    assert counts() == before
    assert list(JoinRequest.objects.values_list("message", flat=True)) == ["First"]
    assert callbacks == []


def test_a_request_message_over_the_limit_is_refused(client):
    community = CommunityFactory(join_policy="request")
    client.force_login(employee())

    response = client.post(
        reverse("community_request", args=[community.slug]), {"message": "x" * 1001}
    )

    assert flashed(response) == [("error", "Your message is too long (1,000 characters at most).")]
    assert JoinRequest.objects.count() == 0


def test_withdrawing_a_request(client):
    community = CommunityFactory(join_policy="request")
    person = employee()
    services.request_to_join(user=person, community=fresh(community))
    client.force_login(person)

    response = client.post(reverse("community_withdraw", args=[community.slug]))

    assert flashed(response) == [("success", "Your request has been withdrawn.")]
    assert JoinRequest.objects.get().status == JoinRequestStatus.WITHDRAWN


# -- members, roles and bans --------------------------------------------------------------


def test_member_list_search_by_name_and_role_filter(client):
    community = CommunityFactory(visibility="public")
    MembershipFactory(community=community, user=employee(display_name="Ana Lima"))
    MembershipFactory(
        community=community, user=employee(display_name="Ana Souza"), role=Role.MODERATOR
    )
    MembershipFactory(community=community, user=employee(display_name="Bruno Dias"))
    path = reverse("community_members", args=[community.slug])

    def names(params):
        response = client.get(path, params)
        assert response.status_code == 200
        return member_names(response.text)

    assert names({"q": "ana"}) == ["Ana Lima", "Ana Souza"]
    assert names({"role": "moderator"}) == ["Ana Souza"]
    assert names({"q": "ana", "role": "member"}) == ["Ana Lima"]
    assert names({"q": "nobody"}) == []
    assert "No member matches these filters." in client.get(path, {"q": "nobody"}).text
    assert names({"role": "not-a-role"}) == [owner_of(community).display_name] + [
        "Ana Lima",
        "Ana Souza",
        "Bruno Dias",
    ]


def member_names(page: str) -> list[str]:
    """The names on a member list, in order (read as a visitor, who has no profile link)."""
    return [link.text for link in links(page) if re.fullmatch(r"/people/\d+/", link.href or "")]


def next_page_link(response) -> str | None:
    match = re.search(r'href="(\?[^"]*)" rel="next"', response.text)
    return html.unescape(match.group(1)) if match else None


def test_member_list_pages_show_every_member_exactly_once(client):
    community = CommunityFactory(visibility="public")
    people = [employee(display_name=f"Member {index:02d}") for index in range(60)]
    for person in people:
        MembershipFactory(community=community, user=person)
    path = reverse("community_members", args=[community.slug])

    seen, query, pages = [], "", 0
    while True:
        response = client.get(path + query)
        assert response.status_code == 200
        pages += 1
        seen += re.findall(r"Member \d\d|" + re.escape(owner_of(community).name), response.text)
        query = next_page_link(response)
        if query is None:
            break

    assert pages == 3
    assert len(seen) == 61
    assert set(seen) == {p.display_name for p in people} | {owner_of(community).name}


def test_directory_pages_show_every_community_exactly_once_and_keep_filters(client):
    purpose = PurposeFactory()
    other = PurposeFactory()
    administrator = AdministratorFactory()
    for index in range(43):
        services.create_community(
            by=administrator,
            purpose=purpose,
            name=f"Circle {index % 7}",
            slug=f"circle-{index}",
            visibility="public",
        )
    services.create_community(
        by=administrator, purpose=other, name="Circle elsewhere", slug="elsewhere"
    )
    client.force_login(employee())

    seen, query, pages = [], f"?purpose={purpose.slug}&q=circle", 0
    while query is not None:
        response = client.get(reverse("community_list") + query)
        pages += 1
        seen += re.findall(r'href="/communities/(circle-\d+)/"', response.text)
        query = next_page_link(response)

    assert pages == 3
    assert len(seen) == 43
    assert set(seen) == {f"circle-{index}" for index in range(43)}


def test_the_directory_offers_new_communities_and_purposes_each_viewer_may_use(client):
    owner = employee()
    PurposeFactory(title="Cut delivery CO2", owners=[owner])
    PurposeFactory(title="Draft <ideas> & plans", owners=[owner], status="draft")
    PurposeFactory(title="Zero-waste depots")

    def directory(user=None):
        client.logout()
        if user is not None:
            client.force_login(user)
        html = client.get(reverse("community_list")).text
        choices = [option.text for option in elements(html, "option")]
        offers_new = any(link.text == "New community" for link in links(html))
        return choices, offers_new

    # A draft purpose is its owners' (and administrators') only, titles are escaped,
    # and only those who may create a community under some purpose are offered to.
    everyone = ["All purposes", "Cut delivery CO2", "Zero-waste depots"]
    assert directory() == (everyone, False)
    assert directory(employee()) == (everyone, False)
    with_draft = ["All purposes", "Cut delivery CO2", "Draft <ideas> & plans", "Zero-waste depots"]
    assert directory(owner) == (with_draft, True)
    assert directory(AdministratorFactory()) == (with_draft, True)


def test_a_moderator_bans_a_member_who_then_cannot_come_back(client):
    community = CommunityFactory(join_policy="open", visibility="public")
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    member = MembershipFactory(community=community)
    client.force_login(moderator)

    removed = client.post(
        reverse("community_member_remove", args=[community.slug, member.pk]),
        {"ban": "on", "reason": "Spam"},
    )

    assert removed["Location"] == reverse("community_members", args=[community.slug])
    assert flashed(removed) == [("success", f"{member.user.name} was removed.")]
    assert fresh(community).member_count == 2
    assert Ban.objects.get(community=community).reason == "Spam"
    client.get(removed["Location"])  # shows, and so consumes, the message
    client.force_login(member.user)
    before = counts()
    response = client.post(reverse("community_join", args=[community.slug]), follow=True)
    assert shown_messages(response) == [
        "You are banned from this community permanently. Reason: Spam"
    ]
    assert counts() == before


def test_only_owners_change_roles(client):
    community = CommunityFactory()
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    member = MembershipFactory(community=community)
    path = reverse("community_member_role", args=[community.slug, member.pk])

    client.force_login(moderator)
    refused = client.post(path, {"role": "owner"})
    assert refused.status_code == 403
    assert "owners and administrators can change its settings" in html.unescape(refused.text)
    assert Membership.objects.get(pk=member.pk).role == Role.MEMBER

    client.force_login(owner_of(community))
    response = client.post(path, {"role": "moderator"})
    assert flashed(response) == [("success", "Role updated.")]
    assert Membership.objects.get(pk=member.pk).role == Role.MODERATOR


def test_lifting_a_ban(client):
    community = CommunityFactory()
    person = MembershipFactory(community=community)
    services.remove_member(membership=person, by=owner_of(community), ban=True)
    client.force_login(owner_of(community))

    response = client.post(reverse("community_unban", args=[community.slug, person.user_id]))

    assert flashed(response) == [("success", f"{person.user.name} may join again.")]
    assert Ban.objects.count() == 0


def test_notification_preferences_are_saved_for_members_only(client):
    community = CommunityFactory(visibility="public")
    membership = MembershipFactory(community=community)
    path = reverse("membership_preferences", args=[community.slug])

    client.force_login(employee())
    assert client.post(path, {"notification_level": "all"}).status_code == 404
    client.force_login(membership.user)
    response = client.post(path, {"notification_level": "all"})

    assert flashed(response) == [
        ("success", "Your notification settings for this community are saved.")
    ]
    membership.refresh_from_db()
    assert membership.notification_level == "all"

    # The community's page shows the saved level as chosen, and the person's role.
    page = client.get(community.get_absolute_url()).text
    assert "You are a member of this community." in page
    assert re.search(r'<option value="all"[^>]*selected', page)

    membership.role = "moderator"
    membership.save(update_fields=["role"])
    page = client.get(community.get_absolute_url()).text
    assert "You are a moderator of this community." in page


# -- invitations --------------------------------------------------------------------------


def test_inviting_by_email_through_the_page(
    client, smtp_mailbox, django_capture_on_commit_callbacks
):
    community = CommunityFactory(audience=["employee", "vendor"])
    client.force_login(AdministratorFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("community_invite", args=[community.slug]),
            {"emails": "a@example.org, b@example.org", "member_type": "vendor", "valid_days": 5},
        )

    assert flashed(response) == [("success", "Invitations sent to 2 people.")]
    messages = smtp_mailbox.wait_for(2)
    assert sorted(str(message["To"]) for message in messages) == ["a@example.org", "b@example.org"]
    for message in messages:
        invitation = Invitation.objects.get(email=str(message["To"]))
        assert invitation.member_type == "vendor"
        assert f"/invitations/{invitation.token}/" in smtp_mailbox.text(message)


def test_inviting_a_member_type_outside_the_audience_is_a_form_error(
    client, django_capture_on_commit_callbacks
):
    community = CommunityFactory(audience=["employee"])
    client.force_login(AdministratorFactory())

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("community_invite", args=[community.slug]),
            {"emails": "victor@globex.example", "member_type": "vendor", "valid_days": 5},
        )

    assert response.status_code == 200
    assert form_errors(response.text) == {
        "member_type": ["This community is not open to vendor members."]
    }
    assert Invitation.objects.count() == 0
    assert callbacks == []


def test_invalid_addresses_are_listed_and_nothing_is_sent(
    client, django_capture_on_commit_callbacks
):
    community = CommunityFactory()
    client.force_login(owner_of(community))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("community_invite", args=[community.slug]),
            {"emails": "good@example.org\nnot-an-address; also bad@", "valid_days": 5},
        )

    assert form_errors(response.text) == {
        "emails": ["These are not email addresses: not-an-address, also bad@"]
    }
    assert Invitation.objects.count() == 0
    assert callbacks == []


def test_the_invitation_rate_limit_through_the_page(
    client, settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_HOUR = 2
    community = CommunityFactory()
    client.force_login(owner_of(community))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("community_invite", args=[community.slug]),
            {"emails": "a@example.org, b@example.org, c@example.org", "valid_days": 5},
        )

    assert response.status_code == 200
    assert form_errors(response.text) == {
        "__all__": ["You can send at most 2 invitations an hour. Try again later."]
    }
    assert Invitation.objects.count() == 0
    assert callbacks == []


def test_creating_and_withdrawing_an_invitation_link(client):
    community = CommunityFactory(audience=["employee", "partner"])
    client.force_login(AdministratorFactory())

    created = client.post(
        reverse("community_invite_link", args=[community.slug]),
        {"max_uses": 3, "valid_days": 2, "member_type": "partner"},
    )

    link = Invitation.objects.get()
    assert (link.email, link.max_uses, link.member_type) == ("", 3, "partner")
    assert flashed(created) == [
        ("success", f"Invitation link created: http://testserver/invitations/{link.token}/")
    ]
    client.get(created["Location"])  # shows, and so consumes, the message
    withdrawn = client.post(reverse("community_invitation_revoke", args=[community.slug, link.pk]))
    assert flashed(withdrawn) == [("success", "Invitation withdrawn.")]
    assert Invitation.objects.get().revoked_at is not None
    client.force_login(employee())
    page = client.get(link.get_absolute_url())
    assert "This invitation has been withdrawn." in page.text


def test_an_existing_user_accepts_in_one_click(client):
    community = CommunityFactory(visibility="secret", join_policy="invitation")
    person = employee()
    invitation = email_invitation(community, person.email)
    client.force_login(person)

    page = client.get(invitation.get_absolute_url())
    response = client.post(invitation.get_absolute_url())

    assert "Accept invitation" in page.text
    assert response["Location"] == community.get_absolute_url()
    assert flashed(response) == [("success", f"Welcome to {community.name}!")]
    membership = Membership.objects.get(community=community, user=person)
    assert membership.joined_via == JoinedVia.INVITATION
    assert client.get(community.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("expired", "This invitation has expired. Ask a moderator for a new one."),
        ("used_up", "This invitation link has already been used as many times as allowed."),
    ],
)
def test_an_expired_or_used_up_link_is_refused_and_changes_nothing(
    client, problem, message, django_capture_on_commit_callbacks
):
    community = CommunityFactory(join_policy="invitation")
    link = services.create_invitation_link(
        community=fresh(community), by=owner_of(community), max_uses=1, valid_days=7
    )
    if problem == "expired":
        Invitation.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    else:
        services.accept_invitation(invitation=link, user=employee())
    client.force_login(employee())
    before = counts()

    page = client.get(link.get_absolute_url())
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(link.get_absolute_url())

    assert f'<p class="notice" role="alert">{message}</p>' in page.text
    assert "Accept invitation" not in page.text
    assert response.status_code == 200
    assert shown_messages(response) == [message]
    assert counts() == before
    assert callbacks == []


def test_an_expired_invitation_cannot_start_a_sign_up(client):
    community = CommunityFactory()
    invitation = email_invitation(
        community, "new@example.org", expires_at=timezone.now() - datetime.timedelta(days=1)
    )

    response = client.post(reverse("invitation_signup", args=[invitation.token]))

    assert response["Location"] == invitation.get_absolute_url()
    assert "invitation_token" not in client.session


def test_a_person_outside_the_audience_holding_a_link_is_told_why(client):
    community = CommunityFactory(audience=["employee"], visibility="secret")
    link = services.create_invitation_link(
        community=fresh(community), by=owner_of(community), max_uses=10, valid_days=7
    )
    client.force_login(UserFactory(member_type="partner"))
    before = counts()

    response = client.post(link.get_absolute_url())

    message = "This community is open to employees only, and your account is a partner account."
    assert shown_messages(response) == [message]
    assert counts() == before


def test_a_new_person_invited_by_email_signs_up_and_lands_in_the_community_as_a_vendor(
    client, smtp_mailbox, django_capture_on_commit_callbacks
):
    community = CommunityFactory(
        audience=["employee", "vendor"], join_policy="invitation", visibility="private"
    )
    client.force_login(AdministratorFactory())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("community_invite", args=[community.slug]),
            {"emails": "victor@globex.example", "member_type": "vendor", "valid_days": 14},
        )
    client.logout()
    [invitation_mail] = smtp_mailbox.wait_for(1)
    link = re.search(r"https?://\S+/invitations/[\w-]+/", smtp_mailbox.text(invitation_mail))
    invitation_path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]

    landing = client.get(invitation_path)
    assert "Create an account" in landing.text
    sign_up_path = re.search(
        r'<form method="post" action="(/invitations/[\w-]+/sign-up/)"', landing.text
    ).group(1)
    started = client.post(sign_up_path)
    assert started["Location"] == f"{reverse('account_signup')}?email=victor%40globex.example"
    with django_capture_on_commit_callbacks(execute=True):
        signed_up = client.post(
            reverse("account_signup"),
            {
                "email": "victor@globex.example",
                "display_name": "Victor Vendor",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert signed_up.status_code == 302
    victor = User.objects.get(email="victor@globex.example")
    assert PendingInvitation.objects.get(user=victor).invitation.token in invitation_path
    assert not Membership.objects.filter(user=victor).exists()

    confirmation = smtp_mailbox.wait_for(2)[1]
    assert "victor@globex.example" in str(confirmation["To"])
    confirm_url = re.search(
        r"https?://\S+/accounts/confirm-email/\S+/", smtp_mailbox.text(confirmation)
    ).group(0)
    confirmed = client.post("/" + confirm_url.split("://", 1)[1].split("/", 1)[1])

    assert confirmed.status_code == 302
    assert confirmed["Location"] == community.get_absolute_url()
    victor.refresh_from_db()
    assert victor.member_type == "vendor"
    assert EmailAddress.objects.get(user=victor).verified is True
    membership = Membership.objects.get(community=community, user=victor)
    assert (membership.role, membership.joined_via) == (Role.MEMBER, JoinedVia.INVITATION)
    assert fresh(community).member_count == 2
    assert Invitation.objects.get(email="victor@globex.example").use_count == 1
    assert not PendingInvitation.objects.exists()
    home = client.get(community.get_absolute_url())
    assert home.status_code == 200
    assert "You are a member of this community." in home.text


def test_sign_up_from_an_invitation_fills_in_an_address_with_a_plus(client):
    community = CommunityFactory()
    invitation = email_invitation(community, "ana+ops@example.org")

    started = client.post(reverse("invitation_signup", args=[invitation.token]))
    form = client.get(started["Location"])

    assert started["Location"] == f"{reverse('account_signup')}?email=ana%2Bops%40example.org"
    assert client.session["invitation_token"] == invitation.token
    assert form.context["form"].initial["email"] == "ana+ops@example.org"


def test_moderators_act_only_on_their_own_community(client):
    mine = CommunityFactory(join_policy="request")
    theirs = CommunityFactory(join_policy="request")
    join_request = services.request_to_join(user=employee(), community=fresh(theirs))
    invitation = email_invitation(theirs, "someone@example.org")
    their_member = MembershipFactory(community=theirs)
    client.force_login(owner_of(mine))
    before = counts()

    responses = [
        client.post(
            reverse("community_request_decide", args=[mine.slug, join_request.pk, "approve"])
        ),
        client.post(reverse("community_invitation_revoke", args=[mine.slug, invitation.pk])),
        client.post(
            reverse("community_member_remove", args=[mine.slug, their_member.pk]), {"ban": "on"}
        ),
        client.post(
            reverse("community_member_role", args=[mine.slug, their_member.pk]), {"role": "owner"}
        ),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert counts() == before
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
    assert Membership.objects.get(pk=their_member.pk).role == Role.MEMBER
