"""Names, messages and reasons people type are shown as text on the community pages: a
`<script>` or a quote in them never becomes markup (the pages read them as a person sees
them, whatever escaping the template engine writes)."""

import pytest
from django.urls import reverse

from communities import services
from communities.models import Role
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    ban,
    email_invitation,
    fresh,
    owner_of,
)
from tests.core.reading import links, tags, visible_text
from tests.purposes.factories import PurposeFactory

pytestmark = pytest.mark.django_db

COMMUNITY = "Fleet <script>alert('c')</script> & \"co\""
MEMBER = 'Ana <img src=x onerror=alert(1)> "Lima"'
REQUESTER = 'Rui </span><script>alert("r")</script> O\'Neil'
BANNED = "Bea <b>bold</b> 'Banned'"
ORGANISATION = 'Globex <iframe src=//evil.example> & "sons"'
MESSAGE = "Please let me in <script>alert('m')</script>\nSecond line & \"quotes\""
REASON = "Spam <a href=//evil.example>link</a> & 'more'"
PURPOSE = 'Cut <b>CO2</b> & "waste"'

INJECTED = ("<script>alert", "<img src=x", "<iframe", "<b>", "<a href=//evil")


def assert_shown_as_text(page: str, *values: str) -> None:
    for injected in INJECTED:
        assert injected not in page
    assert "iframe" not in tags(page)
    assert not any(link.href == "//evil.example" for link in links(page))
    text = visible_text(page)
    for value in values:
        assert " ".join(value.split()) in text


@pytest.fixture
def community():
    community = CommunityFactory(
        name=COMMUNITY,
        slug="fleet",
        visibility="public",
        join_policy="request",
        audience=["employee"],
        purpose=PurposeFactory(title=PURPOSE),
    )
    organisation = OrganisationFactory(name=ORGANISATION)
    MembershipFactory(
        community=community,
        user=UserFactory(display_name=MEMBER, member_type="employee", organisation=organisation),
    )
    return community


@pytest.fixture
def moderator(community):
    return MembershipFactory(community=community, role=Role.MODERATOR).user


def test_the_member_list_shows_hostile_names_as_text(client, community, moderator):
    client.force_login(owner_of(community))

    page = client.get(reverse("community_members", args=[community.slug]))

    assert page.status_code == 200
    assert_shown_as_text(page.text, COMMUNITY, MEMBER, ORGANISATION, f"Manage {MEMBER}")
    assert f"Members of {COMMUNITY}" in visible_text(page.text)


def test_the_moderation_page_shows_hostile_requests_and_bans_as_text(client, community, moderator):
    requester = UserFactory(
        display_name=REQUESTER,
        member_type="employee",
        organisation=OrganisationFactory(name=ORGANISATION),
    )
    services.request_to_join(user=requester, community=fresh(community), message=MESSAGE)
    ban(community, UserFactory(display_name=BANNED, member_type="employee"), reason=REASON)
    client.force_login(moderator)

    page = client.get(reverse("community_moderation", args=[community.slug]))

    assert page.status_code == 200
    assert_shown_as_text(
        page.text, COMMUNITY, REQUESTER, f"Approve {REQUESTER}", ORGANISATION, BANNED, REASON
    )
    # The message keeps its line break as a <br>, and nothing else of it is markup.
    first, second = MESSAGE.split("\n")
    assert f"{first}{second}" in visible_text(page.text)
    assert "br" in tags(page.text)


def test_an_invitation_shows_a_hostile_community_and_purpose_as_text(client, community):
    invitation = email_invitation(community, "guest@example.org")

    page = client.get(invitation.get_absolute_url())

    assert page.status_code == 200
    assert_shown_as_text(page.text, f"You're invited to {COMMUNITY}", f"“{PURPOSE}”")


def test_the_directory_card_shows_a_hostile_name_as_text(client, community):
    page = client.get(reverse("community_list"))

    assert page.status_code == 200
    assert_shown_as_text(page.text, COMMUNITY)
    assert [link.text for link in links(page.text) if link.href == "/communities/fleet/"] == [
        COMMUNITY
    ]
