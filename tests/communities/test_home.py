"""The member home page: the person's communities and the ones they could join next."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_member_home_lists_their_communities_and_communities_open_to_them(client):
    ana = UserFactory(member_type="employee")
    mine = CommunityFactory(name="Green Fleet", visibility="listed")
    MembershipFactory(community=mine, user=ana)
    CommunityFactory(name="Warehouse energy", visibility="listed", join_policy="open")
    CommunityFactory(name="Board room", visibility="secret", join_policy="invitation")
    CommunityFactory(name="Customers only", audience=("customer",), visibility="listed")
    client.force_login(ana)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    text = response.text
    assert "Your communities" in text
    assert f'<a href="{mine.get_absolute_url()}">Green Fleet</a>' in text
    assert "Join <a" in text and "Warehouse energy" in text
    assert "Board room" not in text
    assert "Customers only" not in text


def test_a_newcomer_is_pointed_to_communities_open_to_them(client):
    client.force_login(UserFactory(member_type="customer"))

    response = client.get(reverse("home"))

    assert "You haven’t joined a community yet." in response.text
    assert f"{reverse('community_list')}?open_to_me=1" in response.text


@pytest.mark.parametrize("communities", [1, 12])
def test_member_home_runs_a_constant_number_of_queries(
    client, communities, django_assert_max_num_queries
):
    ana = UserFactory(member_type="employee")
    for index in range(communities):
        MembershipFactory(community=CommunityFactory(name=f"Mine {index}"), user=ana)
        CommunityFactory(name=f"Open {index}")
    client.force_login(ana)

    with django_assert_max_num_queries(5):
        response = client.get(reverse("home"))

    assert response.text.count("Mine ") == communities
