"""Search never shows what the searcher may not read: viewer role x community visibility.

The expected answer comes from the rule as the issue states it (public content for
everyone; listed, private and secret content for members and administrators only),
written here without calling the permission module. Every case goes through the real
page, /search/?q=.
"""

import pytest
from django.urls import reverse

from communities.models import Role
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, ban
from tests.discussions.factories import PostFactory, ThreadFactory
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

VIEWERS = [
    "anonymous",
    "employee",
    "customer",
    "member",
    "moderator",
    "owner",
    "banned",
    "administrator",
]
VISIBILITIES = ["public", "listed", "private", "secret"]
READS_EVERYTHING = {"member", "moderator", "owner", "administrator"}


def expected_to_find(viewer: str, visibility: str) -> bool:
    return visibility == "public" or viewer in READS_EVERYTHING


def make_viewer(viewer: str, community):
    if viewer == "anonymous":
        return None
    if viewer == "administrator":
        return AdministratorFactory()
    person = UserFactory(member_type="customer" if viewer == "customer" else "employee")
    if viewer in ("member", "moderator", "owner"):
        role = {"member": Role.MEMBER, "moderator": Role.MODERATOR, "owner": Role.OWNER}[viewer]
        MembershipFactory(community=community, user=person, role=role)
    elif viewer == "banned":
        ban(community, person)
    return person


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_search_results_follow_the_access_rule(client, viewer, visibility):
    community = CommunityFactory(
        visibility=visibility,
        join_policy="invitation" if visibility == "secret" else "open",
        audience=("employee",),
    )
    thread = ThreadFactory(community=community, title="Quarterly numbers", body="Agenda.")
    PostFactory(thread=thread, body=f"The margin is zanzibarite{visibility} this quarter.")
    person = make_viewer(viewer, community)
    if person is not None:
        client.force_login(person)

    response = client.get(reverse("search"), {"q": f"zanzibarite{visibility}"})

    assert response.status_code == 200
    expected = expected_to_find(viewer, visibility)
    assert ("Quarterly numbers" in response.text) is expected, (viewer, visibility)
    assert ("this quarter" in response.text) is expected, (viewer, visibility)
    assert ("No results for" in response.text) is not expected


def test_a_post_in_a_private_community_is_not_found_by_an_outsider_but_by_a_member(client):
    private = CommunityFactory(visibility="private", join_policy="request")
    thread = ThreadFactory(community=private, title="Internal", body="Hush.")
    PostFactory(thread=thread, body="Project nightingale starts in May.")
    outsider, member = UserFactory(member_type="employee"), UserFactory(member_type="employee")
    MembershipFactory(community=private, user=member)

    client.force_login(outsider)
    assert "Internal" not in client.get(reverse("search"), {"q": "nightingale"}).text
    client.force_login(member)
    assert "Internal" in client.get(reverse("search"), {"q": "nightingale"}).text
