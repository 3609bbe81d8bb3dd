"""Search never shows what the searcher may not read: viewer role x community visibility.

The expected answer comes from the rule as the issue states it (public content for
everyone; listed, private and secret content for members and administrators only),
written here without calling the permission module. Every case goes through the real
page, /search/?q=.
"""

import pytest
from django.urls import reverse

from communities.models import Role
from discussions.services.threads import move_thread
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


def test_a_moved_threads_posts_are_found_only_by_readers_of_its_new_community(client):
    """Posts carry their community for the access rule: when a thread moves, every post
    in it (the first and the replies) is found where the thread is now, by exactly the
    people who may read that community."""
    source, target, public = (
        CommunityFactory(visibility=visibility, join_policy="request", audience=("employee",))
        for visibility in ("private", "private", "public")
    )
    moderator = UserFactory(member_type="employee")
    for community in (source, target, public):
        MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    of_source, of_target = UserFactory(member_type="employee"), UserFactory(member_type="employee")
    MembershipFactory(community=source, user=of_source)
    MembershipFactory(community=target, user=of_target)
    thread = ThreadFactory(community=source, title="Depot quokkaberry plan", body="Start.")
    PostFactory(thread=thread, body="The quokkaberry pilot reply.")
    PostFactory(thread=thread, body="Another quokkaberry reply.")

    def found_by(person) -> int:
        client.logout()
        if person is not None:
            client.force_login(person)
        response = client.get(reverse("search"), {"q": "quokkaberry"})
        assert response.status_code == 200
        return response.text.count('<li class="search-result">')

    assert [found_by(p) for p in (None, of_source, of_target)] == [0, 3, 0]

    move_thread(by=moderator, thread=thread, target=target)

    assert [found_by(p) for p in (None, of_source, of_target, moderator)] == [0, 0, 3, 3]
    client.force_login(of_target)
    response = client.get(reverse("search"), {"q": "quokkaberry"})
    assert response.text.count(f"{target.name} ·") == 3

    thread.refresh_from_db()
    move_thread(by=moderator, thread=thread, target=public, confirm_wider=True)

    assert [found_by(p) for p in (None, of_source, of_target)] == [3, 3, 3]
