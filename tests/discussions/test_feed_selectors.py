"""The activity feed: whose activity, merged with goal measurements, a page at a time."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities import services as community_services
from communities.models import Community, Membership
from discussions.models import Activity, ActivityKind, Decision, Thread
from discussions.selectors import feed as selectors
from discussions.services import decisions as decision_services
from discussions.services import threads as thread_services
from purposes.models import Goal, Measurement
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
    for _guard in range(1000):
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


def test_measurements_of_a_draft_purpose_reach_only_its_owners(ana):
    owner = UserFactory(member_type="employee")
    draft = PurposeFactory(status="draft", owners=[owner])
    published = PurposeFactory()
    for purpose in (draft, published):
        community = CommunityFactory(purpose=purpose)
        for person in (ana, owner):
            MembershipFactory(community=community, user=person)
    hidden = record(GoalFactory(purpose=draft, metric="Draft metric"), "5")
    shown = record(GoalFactory(purpose=published, metric="Public metric"), "6")

    def measured(user):
        return [item.pk for item in selectors.activity_feed(user=user).items if item.source == "m"]

    assert measured(ana) == [shown.pk]
    assert sorted(measured(owner)) == sorted([shown.pk, hidden.pk])


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
def test_each_page_costs_three_queries_whatever_the_size(ana, size):
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
        scope = selectors.feed_scope(ana)
        second = selectors.activity_feed(user=ana, after=page.next_cursor, page_size=5, scope=scope)
        html = render_to_string("discussions/feed/partial.html", {"feed": second}, request=request)

    assert len(second.items) == 5
    assert html.count('class="feed-item') == 5
    # Their communities, then the two sources; rendering the items (links, names, goals)
    # reads nothing more.
    assert len(queries) == 3


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


# -- the per-community reading (PostgreSQL) against a plain merge ------------------------


def history(community: Community, thread: Thread, moments) -> list[Activity]:
    """Activity rows of `thread` in `community`, one per moment."""
    return Activity.objects.bulk_create(
        Activity(
            community=community, thread=thread, kind=ActivityKind.THREAD_STARTED, created_at=at
        )
        for at in moments
    )


def measured(goal: Goal, moments) -> list[Measurement]:
    return Measurement.objects.bulk_create(
        Measurement(goal=goal, value=Decimal(index), measured_on=at.date(), created_at=at)
        for index, at in enumerate(moments)
    )


def merged(communities: set[int], goals: set[int]) -> list[tuple[str, int]]:
    """The feed computed the plain way: every row the person may see, newest first.

    An activity counts when both its community and its thread's current community are
    among `communities`; a measurement when its goal is among `goals`.
    """
    rows = [
        ("a", pk, at)
        for pk, at, community, thread_community in Activity.objects.values_list(
            "pk", "created_at", "community_id", "thread__community_id"
        )
        if community in communities and thread_community in communities
    ] + [
        ("m", pk, at)
        for pk, at, goal in Measurement.objects.values_list("pk", "created_at", "goal_id")
        if goal in goals
    ]
    rows.sort(key=lambda row: (row[2], selectors.SOURCE_RANK[row[0]], row[1]), reverse=True)
    return [(source, pk) for source, pk, _at in rows]


def pool(rng: random.Random, base: datetime.datetime, count: int, spread: int = 40):
    """`count` moments drawn from `spread` distinct minutes: many ties, in any order."""
    return [base - datetime.timedelta(minutes=rng.randrange(spread)) for _index in range(count)]


def test_every_page_is_the_newest_first_merge_of_their_communities(ana):
    rng = random.Random(2026)
    base = timezone.now() - datetime.timedelta(days=1)
    purpose = PurposeFactory()
    listed = CommunityFactory(visibility="listed", purpose=purpose)
    private = CommunityFactory(visibility="private")
    public = CommunityFactory(visibility="public")
    busy = CommunityFactory(visibility="listed")
    mine = [listed, private, public, busy]
    for community in mine:
        MembershipFactory(community=community, user=ana)
    not_joined = CommunityFactory(visibility="public")
    goal, other_goal = GoalFactory(purpose=purpose), GoalFactory(purpose=not_joined.purpose)
    for community in [*mine, not_joined]:
        for thread in (ThreadFactory(community=community), ThreadFactory(community=community)):
            history(community, thread, pool(rng, base, 12))
    # The busiest community holds the 30 newest rows (older than the threads' own start):
    # a whole page comes from it alone.
    burst = ThreadFactory(community=busy)
    history(busy, burst, [base + datetime.timedelta(seconds=s) for s in range(30)])
    measured(goal, pool(rng, base, 15))
    measured(other_goal, pool(rng, base, 5))
    expected = merged({community.pk for community in mine}, {goal.pk})

    assert len(expected) == 4 * 26 + 31 + 15
    for page_size in (1, 4, 20, 200):
        assert every_page(ana, page_size) == expected, page_size


def test_a_moved_thread_takes_its_earlier_activity_with_it_without_hiding_older_items(ana):
    mine = CommunityFactory(visibility="listed")
    also_mine = CommunityFactory(visibility="listed", owner=owner_of(mine))
    elsewhere = CommunityFactory(visibility="listed", owner=owner_of(mine))
    for community in (mine, also_mine):
        MembershipFactory(community=community, user=ana)
    base = timezone.now() - datetime.timedelta(days=1)
    older = ThreadFactory(community=mine, title="Older")
    history(mine, older, [base - datetime.timedelta(hours=hours) for hours in range(1, 9)])
    moved = ThreadFactory(community=mine, title="Moved by the service")
    history(mine, moved, [base + datetime.timedelta(minutes=m) for m in range(25)])
    # A thread whose activity rows were left behind (written before the move took them
    # along, or by any other path): its current community decides, not the rows'.
    left_behind = ThreadFactory(community=mine, title="Moved, rows left behind")
    history(
        mine, left_behind, [base + datetime.timedelta(minutes=m, seconds=30) for m in range(25)]
    )
    within = ThreadFactory(community=mine, title="Moved between their communities")
    history(mine, within, [base - datetime.timedelta(minutes=30)])
    before = every_page(ana, 20)

    thread_services.move_thread(by=owner_of(mine), thread=moved, target=elsewhere)
    Thread.objects.filter(pk=left_behind.pk).update(community=elsewhere)
    Thread.objects.filter(pk=within.pk).update(community=also_mine)

    gone = set(
        Activity.objects.filter(thread__in=[moved, left_behind]).values_list("pk", flat=True)
    )
    expected = merged({mine.pk, also_mine.pk}, set())
    assert len(gone) == 52
    assert [key for key in before if key[1] not in gone] == expected
    first = selectors.activity_feed(user=ana, page_size=5)
    # The 50 newer rows of the moved threads leave no gap: the page is full of older items.
    assert keys(first) == expected[:5]
    assert {item.activity.thread_id for item in first.items} == {older.pk, within.pk}
    for page_size in (1, 5, 20):
        assert every_page(ana, page_size) == expected, page_size


def test_a_private_community_they_left_does_not_leak_even_through_an_old_cursor(ana):
    base = timezone.now() - datetime.timedelta(days=1)
    mine = CommunityFactory(visibility="listed")
    private = CommunityFactory(visibility="private")
    public = CommunityFactory(visibility="public")
    for community in (mine, private, public):
        MembershipFactory(community=community, user=ana)
    for index, community in enumerate((mine, private, public)):
        thread = ThreadFactory(community=community)
        history(
            community, thread, [base - datetime.timedelta(minutes=m * 3 + index) for m in range(10)]
        )
    cursor = selectors.activity_feed(user=ana, page_size=4).next_cursor
    assert {item.activity.community_id for item in selectors.activity_feed(user=ana).items} == {
        mine.pk,
        private.pk,
        public.pk,
    }

    community_services.leave_community(user=ana, community=private)
    community_services.leave_community(user=ana, community=public)

    expected = merged({mine.pk}, set())
    assert every_page(ana, 3) == expected
    assert len(expected) == 11
    later = selectors.activity_feed(user=ana, after=cursor, page_size=50)
    assert {item.activity.community_id for item in later.items} == {mine.pk}


@pytest.mark.parametrize("how_many", [1, 10])
def test_a_page_costs_two_queries_for_one_community_or_many_on_any_page(
    ana, how_many, django_assert_num_queries
):
    base = timezone.now() - datetime.timedelta(days=1)
    for index in range(how_many):
        purpose = PurposeFactory()
        community = CommunityFactory(purpose=purpose)
        MembershipFactory(community=community, user=ana)
        thread = ThreadFactory(community=community)
        history(
            community, thread, [base - datetime.timedelta(minutes=m + index) for m in range(60)]
        )
        measured(
            GoalFactory(purpose=purpose), [base - datetime.timedelta(hours=h) for h in range(6)]
        )
    deep = None
    for _page in range(8):
        deep = selectors.activity_feed(user=ana, after=deep, page_size=5).next_cursor

    scope = selectors.feed_scope(ana)
    for after in (None, deep):
        with django_assert_num_queries(2) as captured:
            page = selectors.activity_feed(user=ana, after=after, page_size=5, scope=scope)
        assert len(page.items) == 5
        activity_sql = next(q["sql"] for q in captured if "discussions_activity" in q["sql"])
        if connection.vendor == "postgresql":
            # Per community, newest rows first through its index: no read of all history.
            assert "CROSS JOIN LATERAL" in activity_sql
        else:
            assert "LATERAL" not in activity_sql
