"""The activity feed: whose activity, merged with goal measurements, a page at a time."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Membership
from discussions.models import Activity, Decision
from discussions.selectors import feed as selectors
from discussions.services import decisions as decision_services
from purposes.models import Measurement
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, owner_of
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import ThreadFactory
from tests.purposes.factories import GoalFactory, PurposeFactory, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return UserFactory(member_type="employee")


def keys(page) -> list[tuple[str, int]]:
    return [(item.source, item.pk) for item in page.items]


def every_page(user, page_size: int) -> list[tuple[str, int]]:
    seen, after = [], None
    for _guard in range(100):
        page = selectors.activity_feed(user=user, after=after, page_size=page_size)
        seen.extend(keys(page))
        after = page.next_cursor
        if after is None:
            return seen
    raise AssertionError("the feed never ended")


def test_only_the_persons_communities_appear(ana):
    mine = CommunityFactory(visibility="listed")
    MembershipFactory(community=mine, user=ana)
    public_not_mine = CommunityFactory(visibility="public")
    here = ThreadFactory(community=mine, title="Mine")
    ThreadFactory(community=public_not_mine, title="Not mine")

    page = selectors.activity_feed(user=ana)

    assert [item.activity.thread_id for item in page.items] == [here.pk]
    assert page.next_cursor is None


def test_leaving_a_community_takes_its_activity_out_of_the_feed(ana):
    community = CommunityFactory()
    MembershipFactory(community=community, user=ana)
    ThreadFactory(community=community)
    assert len(selectors.activity_feed(user=ana).items) == 1

    Membership.objects.filter(user=ana).delete()

    assert selectors.activity_feed(user=ana).items == []


def test_measurements_of_the_purposes_of_their_communities_are_merged_newest_first(ana):
    purpose = PurposeFactory()
    community = CommunityFactory(purpose=purpose)
    MembershipFactory(community=community, user=ana)
    goal = GoalFactory(purpose=purpose, metric="CO2")
    other_goal = GoalFactory(metric="Someone else's goal")
    older = record(goal, "90", days_ago=3)
    thread = ThreadFactory(community=community)
    newer = record(goal, "80", days_ago=1)
    record(other_goal, "70")

    page = selectors.activity_feed(user=ana)

    activity = Activity.objects.get(thread=thread)
    assert keys(page) == [
        ("m", newer.pk),
        ("a", activity.pk),
        ("m", older.pk),
    ]
    assert page.items[0].measurement.goal.metric == "CO2"


def test_pagination_covers_every_item_exactly_once_even_at_equal_times(ana):
    purpose = PurposeFactory()
    community = CommunityFactory(purpose=purpose)
    MembershipFactory(community=community, user=ana)
    goal = GoalFactory(purpose=purpose)
    for _index in range(13):
        ThreadFactory(community=community)
    for _index in range(5):
        open_decision(community)
    for days in range(9):
        record(goal, str(90 - days), days_ago=days)
    # Ties across both sources and within each: the cursor must still be exact.
    moment = timezone.now() - datetime.timedelta(hours=1)
    Activity.objects.filter(pk__in=list(Activity.objects.values_list("pk", flat=True)[:7])).update(
        created_at=moment
    )
    Measurement.objects.filter(
        pk__in=list(Measurement.objects.values_list("pk", flat=True)[:4])
    ).update(created_at=moment)
    expected = sorted(
        [("a", pk, at) for pk, at in Activity.objects.values_list("pk", "created_at")]
        + [("m", pk, at) for pk, at in Measurement.objects.values_list("pk", "created_at")],
        key=lambda row: (row[2], selectors.SOURCE_RANK[row[0]], row[1]),
        reverse=True,
    )

    for page_size in (1, 4, 7, 50):
        seen = every_page(ana, page_size)
        assert seen == [(source, pk) for source, pk, _at in expected], page_size
    assert len(expected) == 27


def test_an_unreadable_cursor_starts_from_the_first_page(ana):
    community = CommunityFactory()
    MembershipFactory(community=community, user=ana)
    ThreadFactory(community=community)
    first = keys(selectors.activity_feed(user=ana))

    # Garbage, an unknown source, an unreadable time, a time without its zone.
    for cursor in ("garbage", "2026-01-01T00:00:00+00:00|x|1", "nope|a|1", "2026-01-01T00:00|a|1"):
        assert keys(selectors.activity_feed(user=ana, after=cursor)) == first


@pytest.mark.parametrize("size", [5, 30])
def test_each_page_costs_two_queries_whatever_the_size(ana, size):
    purpose = PurposeFactory()
    community = CommunityFactory(purpose=purpose)
    MembershipFactory(community=community, user=ana)
    goal = GoalFactory(purpose=purpose)
    for index in range(size):
        ThreadFactory(community=community)
        record(goal, str(100 - index), days_ago=index)
    page = selectors.activity_feed(user=ana, page_size=5)

    request = RequestFactory().get("/", {"after": page.next_cursor})
    request.user = ana

    with CaptureQueriesContext(connection) as queries:
        second = selectors.activity_feed(user=ana, after=page.next_cursor, page_size=5)
        html = render_to_string("discussions/feed/partial.html", {"feed": second}, request=request)

    assert len(second.items) == 5
    assert html.count('class="feed-item') == 5
    # The two sources; rendering the items (links, names, goals) reads nothing more.
    assert len(queries) == 2


def test_closing_soon_lists_open_decisions_of_their_communities_within_48_hours(ana):
    mine = CommunityFactory()
    MembershipFactory(community=mine, user=ana)
    other = CommunityFactory(visibility="public")
    soon = open_decision(mine, title="Soon", closes_in=datetime.timedelta(hours=10))
    sooner = open_decision(mine, title="Sooner", closes_in=datetime.timedelta(hours=2))
    open_decision(mine, title="Later", closes_in=datetime.timedelta(days=3))
    closed = open_decision(mine, title="Closed", closes_in=datetime.timedelta(hours=5))
    decision_services.close_decision(by=owner_of(mine), decision=closed)
    open_decision(other, title="Elsewhere", closes_in=datetime.timedelta(hours=3))
    overdue = open_decision(mine, title="Overdue", closes_in=datetime.timedelta(hours=1))
    Decision.objects.filter(pk=overdue.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert [d.pk for d in selectors.closing_soon(user=ana)] == [sooner.pk, soon.pk]
