"""The member home page's side reads, compiled once per reader's position
(`core.compiled_reads`): their communities, the communities suggested to them and the
decisions closing soon. Whoever opened the home page first, each person sees exactly
their own: a ban, a suspended membership (their member type left the audience) and an
administrator's wider listing all hold."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from communities.models import Membership
from communities.selectors import member_communities, suggested_communities
from core.compiled_reads import forget_compiled
from discussions.selectors.feed import closing_soon
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, ban
from tests.discussions.decisions_support import open_decision
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    forget_compiled()
    tool_shed = CommunityFactory(name="Tool shed", audience=("employee",))
    help_desk = CommunityFactory(
        name="Help desk", audience=("customer",), owner=UserFactory(member_type="customer")
    )
    CommunityFactory(name="Board room", visibility="private", audience=("employee",))
    quay = CommunityFactory(
        name="Quay", visibility="public", join_policy="request", audience=("employee", "customer")
    )
    open_decision(tool_shed, title="Shed paint", closes_in=datetime.timedelta(hours=5))
    open_decision(help_desk, title="Desk hours", closes_in=datetime.timedelta(hours=3))
    employee = UserFactory(member_type="employee")
    MembershipFactory(community=tool_shed, user=employee)
    customer = UserFactory(member_type="customer")
    MembershipFactory(community=help_desk, user=customer)
    banned = UserFactory(member_type="employee")
    ban(quay, banned)
    moved = UserFactory(member_type="employee")
    MembershipFactory(community=tool_shed, user=moved)
    User.objects.filter(pk=moved.pk).update(member_type="customer")
    assert Membership.objects.filter(user=moved, community=tool_shed).exists()
    found = {
        "employee": employee,
        "customer": customer,
        "banned": banned,
        "moved": User.objects.get(pk=moved.pk),
        "admin": AdministratorFactory(),
        "visitor": None,
    }
    yield found
    forget_compiled()


# (their communities, suggested to them, decisions closing soon)
SEEN = {
    "employee": (["Tool shed"], ["Quay"], ["Shed paint"]),
    "customer": (["Help desk"], ["Quay"], ["Desk hours"]),
    "banned": ([], ["Tool shed"], []),
    # A membership whose member type left the audience is suspended, not gone: it
    # counts for nothing, and the community is not suggested to join again.
    "moved": ([], ["Help desk", "Quay"], []),
    "admin": ([], ["Board room", "Quay", "Tool shed"], []),
    "visitor": ([], [], []),
}


def _seen(person):
    reader = person or AnonymousUser()
    communities = member_communities(user=reader)
    return (
        [membership.community.name for membership in communities.memberships],
        [community.name for community in suggested_communities(user=reader)],
        [decision.title for decision in closing_soon(user=reader)],
    )


@pytest.mark.parametrize("first", ["employee", "banned", "moved", "admin", "visitor"])
def test_each_person_sees_their_own_side_of_the_home_page_whoever_came_first(people, first):
    order = [first, *(name for name in SEEN if name != first)]
    for name in order:
        assert _seen(people[name]) == SEEN[name], name


def test_the_home_page_shows_each_member_their_own_communities_and_decisions(client, people):
    for name in ("customer", "employee"):
        client.force_login(people[name])
        page = client.get("/").content.decode()
        mine, suggested, closing = SEEN[name]
        others = {"Tool shed", "Help desk", "Shed paint", "Desk hours"} - {*mine, *closing}
        for shown in (*mine, *suggested, *closing):
            assert shown in page, (name, shown)
        for hidden in others:
            assert hidden not in page, (name, hidden)


def test_a_read_the_rules_leave_empty_runs_no_query(people, django_assert_num_queries):
    nobody = UserFactory(member_type="")
    with django_assert_num_queries(0):
        assert suggested_communities(user=AnonymousUser()) == []
        assert suggested_communities(user=nobody) == []
        assert member_communities(user=AnonymousUser()).community_ids == []
