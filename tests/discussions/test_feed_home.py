"""The home page: the visitor page, and for members their feed, communities and next steps.

(The communities part moved here from tests/communities/test_home.py with the view.)
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discussions.models import Activity, ActivityKind
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import ThreadFactory
from tests.purposes.factories import GoalFactory, PurposeFactory, record
from tests.query_budgets import MEMBER_BUDGET, VISITOR_BUDGET

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def test_visitors_learn_what_commons_is_and_nothing_is_written(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Create your account" in response.text
    assert len(queries) <= VISITOR_BUDGET
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert not response.cookies


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
    assert "Join a community and its discussions" in response.text


def test_the_feed_shows_activity_and_measurements_of_their_communities(client):
    ana = UserFactory(member_type="employee")
    purpose = PurposeFactory(title="Cleaner deliveries")
    mine = CommunityFactory(name="Green Fleet", purpose=purpose)
    MembershipFactory(community=mine, user=ana)
    elsewhere = CommunityFactory(name="Elsewhere", visibility="public")
    ThreadFactory(community=mine, title="Charging points")
    ThreadFactory(community=elsewhere, title="Not for Ana")
    open_decision(mine, title="Pick the van model")
    record(GoalFactory(purpose=purpose, metric="CO2 per parcel", unit="g"), "41.25")
    client.force_login(ana)

    text = client.get(reverse("home")).text

    assert "Charging points" in text
    assert "Pick the van model" in text
    assert "opened a decision" in text
    assert "measured CO2 per parcel: 41.25 g" in text
    assert "Not for Ana" not in text
    assert text.index("CO2 per parcel") < text.index("Pick the van model")


def test_closing_soon_box_on_the_home_page(client):
    ana = UserFactory(member_type="employee")
    mine = CommunityFactory()
    MembershipFactory(community=mine, user=ana)
    open_decision(mine, title="Vote by tonight", closes_in=datetime.timedelta(hours=6))
    open_decision(mine, title="Vote next week", closes_in=datetime.timedelta(days=7))
    client.force_login(ana)

    text = client.get(reverse("home")).text
    box = text[text.index('id="closing-soon-heading"') : text.index('id="my-communities"')]

    assert "Vote by tonight" in box
    assert "Vote next week" not in box


def test_older_activity_pages_and_htmx_gets_the_items_alone(client):
    ana = UserFactory(member_type="employee")
    mine = CommunityFactory()
    MembershipFactory(community=mine, user=ana)
    for index in range(23):
        ThreadFactory(community=mine, title=f"Topic {index:02d}")
    client.force_login(ana)

    first = client.get(reverse("home"))
    cursor = first.context["feed"].next_cursor

    assert "Show older activity" in first.text
    assert first.text.count('class="feed-item') == 20
    second = client.get(reverse("home"), {"after": cursor})
    assert second.text.count('class="feed-item') == 3
    assert "Back to the newest" in second.text
    partial = client.get(reverse("home"), {"after": cursor}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert partial.text.count('class="feed-item') == 3
    assert "Topic 00" in partial.text and "Topic 22" not in partial.text


@pytest.mark.parametrize("size", [1, 12])
def test_member_home_runs_a_constant_number_of_queries(client, size):
    ana = UserFactory(member_type="employee")
    counts = []
    for round_ in range(2):
        for index in range(size):
            purpose = PurposeFactory()
            community = CommunityFactory(name=f"Mine {round_}-{index}", purpose=purpose)
            MembershipFactory(community=community, user=ana)
            CommunityFactory(name=f"Open {round_}-{index}")
            ThreadFactory(community=community)
            open_decision(community, closes_in=datetime.timedelta(hours=5))
            record(GoalFactory(purpose=purpose), "60")
        client.force_login(ana)
        client.get(reverse("home"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        counts.append(len(queries))

    assert response.text.count("Mine ") >= min(12, 2 * size)
    assert counts[0] == counts[1] <= MEMBER_BUDGET


def test_member_home_costs_the_same_for_one_community_or_many_and_on_a_deep_page(
    client, django_assert_max_num_queries
):
    base = timezone.now() - datetime.timedelta(days=1)
    counts = {}
    for how_many in (1, 8):
        ana = UserFactory(member_type="employee")
        for index in range(how_many):
            purpose = PurposeFactory()
            community = CommunityFactory(name=f"Mine {how_many}-{index}", purpose=purpose)
            MembershipFactory(community=community, user=ana)
            thread = ThreadFactory(community=community)
            Activity.objects.bulk_create(
                Activity(
                    community=community,
                    thread=thread,
                    kind=ActivityKind.THREAD_STARTED,
                    created_at=base - datetime.timedelta(minutes=minutes * how_many + index),
                )
                for minutes in range(130)
            )
            open_decision(community, closes_in=datetime.timedelta(hours=5))
            record(GoalFactory(purpose=purpose), "60")
        client.force_login(ana)
        after = None
        for _page in range(5):
            response = client.get(reverse("home"), {"after": after} if after else {})
            after = response.context["feed"].next_cursor

        for page, params in (("first", {}), ("sixth", {"after": after})):
            with django_assert_max_num_queries(MEMBER_BUDGET) as queries:
                response = client.get(reverse("home"), params)
            assert response.status_code == 200
            assert response.text.count('class="feed-item') == 20
            counts[how_many, page] = len(queries)

    assert len(set(counts.values())) == 1, counts
