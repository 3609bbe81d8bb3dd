"""The home page: the visitor page, and for members their feed, communities and next steps.

(The communities part moved here from tests/communities/test_home.py with the view.)
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from discussions.models import Activity, ActivityKind
from discussions.services import decisions as decision_services
from discussions.services import ideas as idea_services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, owner_of
from tests.core.reading import Link, element, elements, links, visible_text
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import ThreadFactory
from tests.discussions.test_ideas_factories import idea_in, open_community
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory, record
from tests.query_budgets import MEMBER_BUDGET, VISITOR_BUDGET

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def older_link(html: str) -> Link | None:
    """The feed's "Show older activity" link, if it has one."""
    found = [link for link in links(html) if link.rel == "next"]
    return found[0] if found else None


def feed_items(html: str) -> list[str]:
    return [item.text for item in elements(html, "li", "feed-item")]


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
    text = visible_text(response.text)
    mine_box = element(response.text, "section", **{"aria-labelledby": "my-communities"})
    assert [(link.href, link.text) for link in links(mine_box.html)] == [
        (mine.get_absolute_url(), "Green Fleet")
    ]
    next_steps = element(response.text, "section", **{"aria-labelledby": "next-steps"})
    assert "Join Warehouse energy" in next_steps.text
    assert "Warehouse energy" in [link.text for link in links(next_steps.html)]
    assert "Board room" not in text
    assert "Customers only" not in text


def test_your_communities_lists_the_latest_joined_with_role_and_the_purposes_they_may_see(
    client,
):
    ana = UserFactory(member_type="employee")
    draft = PurposeFactory(title="Secret <plan>", status="draft")
    published = PurposeFactory(title="Cut delivery CO2")
    joined = []
    for index in range(14):
        community = CommunityFactory(
            name=f"Circle {index}", purpose=draft if index == 13 else published
        )
        MembershipFactory(
            community=community, user=ana, role="moderator" if index == 12 else "member"
        )
        joined.append(community)
    # Not a member of it any more: her type left its audience (a suspended membership).
    narrowed = joined[11]
    type(narrowed).objects.filter(pk=narrowed.pk).update(open_to_employees=False)
    client.force_login(ana)

    box = element(
        client.get(reverse("home")).text, "section", **{"aria-labelledby": "my-communities"}
    )

    items = [item.text for item in elements(box.html, "li")]
    latest = [community for community in reversed(joined) if community != narrowed][:12]
    assert [link.text for link in links(box.html)] == [community.name for community in latest]
    assert items[:3] == [
        "Circle 13 · Member",
        "Circle 12 · Cut delivery CO2 · Moderator",
        "Circle 10 · Cut delivery CO2 · Member",
    ]


def test_a_newcomer_is_pointed_to_communities_open_to_them(client):
    client.force_login(UserFactory(member_type="customer"))

    response = client.get(reverse("home"))

    text = visible_text(response.text)
    assert "You haven’t joined a community yet." in text
    found = [
        link.href for link in links(response.text) if link.text == "Find communities open to you"
    ]
    assert found == [f"{reverse('community_list')}?open_to_me=1"]
    assert "Join a community and its discussions" in text


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

    page = client.get(reverse("home")).text
    items = feed_items(page)

    assert len(items) == 3
    assert "measured CO2 per parcel: 41.25 g on" in items[0]
    assert "opened a decision Pick the van model" in items[1]
    assert "started a discussion Charging points" in items[2]
    assert "Not for Ana" not in visible_text(page)


def test_closing_soon_box_on_the_home_page(client):
    ana = UserFactory(member_type="employee")
    mine = CommunityFactory()
    MembershipFactory(community=mine, user=ana)
    open_decision(mine, title="Vote by tonight", closes_in=datetime.timedelta(hours=6))
    open_decision(mine, title="Vote next week", closes_in=datetime.timedelta(days=7))
    client.force_login(ana)

    page = client.get(reverse("home")).text
    box = element(page, "section", "closing-soon")

    assert [link.text for link in links(box.html)] == ["Vote by tonight"]
    assert "closes in 5" in box.text


def test_older_activity_pages_and_htmx_gets_the_items_alone(client):
    ana = UserFactory(member_type="employee")
    mine = CommunityFactory()
    MembershipFactory(community=mine, user=ana)
    for index in range(23):
        ThreadFactory(community=mine, title=f"Topic {index:02d}")
    client.force_login(ana)

    first = client.get(reverse("home"))
    older = older_link(first.text)

    assert older.text == "Show older activity"
    assert older.href.startswith("?after=")
    assert len(elements(first.text, "li", "feed-item")) == 20
    second = client.get(reverse("home") + older.href)
    assert len(elements(second.text, "li", "feed-item")) == 3
    assert older_link(second.text) is None
    assert "Back to the newest" in visible_text(second.text)
    partial = client.get(reverse("home") + older.href, headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    items = [item.text for item in elements(partial.text, "li", "feed-item")]
    assert len(items) == 3
    assert "Topic 00" in items[-1] and "Topic 22" not in " ".join(items)


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
            response = client.get(reverse("home") + (after or ""))
            after = older_link(response.text).href

        for page, query in (("first", ""), ("sixth", after)):
            with django_assert_max_num_queries(MEMBER_BUDGET) as queries:
                response = client.get(reverse("home") + query)
            assert response.status_code == 200
            assert len(elements(response.text, "li", "feed-item")) == 20
            counts[how_many, page] = len(queries)

    assert len(set(counts.values())) == 1, counts


def test_each_feed_item_says_who_did_what_and_links_to_it(client):
    ana = UserFactory(member_type="employee")
    purpose = PurposeFactory(title="Cleaner deliveries")
    mine = CommunityFactory(name="Green Fleet", purpose=purpose)
    MembershipFactory(community=mine, user=ana)
    thread = ThreadFactory(community=mine, title="Charging points")
    goal = GoalFactory(purpose=purpose, metric="Diesel used", unit="l")
    recorder = AdministratorFactory(display_name="Bea Recorder")
    record(goal, "1200.5", days_ago=0, by=recorder)
    client.force_login(ana)

    page = client.get(reverse("home")).text
    measured, started = elements(page, "li", "feed-item")

    today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert measured.text.startswith(
        f"Bea Recorder measured Diesel used: 1200.50 l on {today} "
        "Cleaner deliveries · goal measurement · 0"
    )
    assert [(link.href, link.text) for link in links(measured.html)] == [
        (purpose.get_absolute_url(), "Cleaner deliveries")
    ]
    assert started.text.startswith(
        f"{owner_of(mine).name} started a discussion Charging points Green Fleet · 0"
    )
    assert started.text.endswith("ago")
    assert [(link.href, link.text) for link in links(started.html)] == [
        (thread.get_absolute_url(), "Charging points"),
        (mine.get_absolute_url(), "Green Fleet"),
    ]


HOSTILE = "<script>alert('x')</script> \"Tom\" & Jerry's"


def test_hostile_names_in_the_feed_are_shown_as_text(client):
    ana = UserFactory(member_type="employee", display_name=f"Ana {HOSTILE}")
    purpose = PurposeFactory(title=f"Purpose {HOSTILE}")
    mine = CommunityFactory(name=f"Fleet {HOSTILE}", purpose=purpose)
    MembershipFactory(community=mine, user=ana)
    ThreadFactory(community=mine, title=f"Title {HOSTILE}")
    open_decision(mine, title=f"Vote {HOSTILE}", closes_in=datetime.timedelta(hours=3))
    record(GoalFactory(purpose=purpose, metric=f"Metric {HOSTILE}", unit='<u>"k\'g" &'), "7")
    client.force_login(ana)

    page = client.get(reverse("home")).text

    text = visible_text(page)
    for shown in (
        f"Welcome, Ana {HOSTILE}",
        f"Title {HOSTILE}",
        f"Vote {HOSTILE}",
        f"Fleet {HOSTILE}",
        f'measured Metric {HOSTILE}: 7 <u>"k\'g" & on',
        f"Purpose {HOSTILE}",
    ):
        assert shown in text, shown
    assert "<script>" not in page
    assert "<u>" not in page
    assert '"Tom"' not in page


def test_idea_status_changes_and_closed_decisions_read_as_sentences(client):
    ana = UserFactory(member_type="employee", display_name="Ana")
    mine = open_community(name="Green Fleet")
    MembershipFactory(community=mine, user=ana)
    manager = owner_of(mine)
    idea = idea_in(mine, title="Cargo bikes")
    idea_services.change_status(idea=idea, by=manager, status="planned", response="Soon.")
    decision = open_decision(mine, title="Van colour")
    decision_services.close_decision(by=manager, decision=decision)
    decision_services.record_outcome(
        by=manager, decision=decision, outcome="**Green** <script>alert(1)</script>"
    )
    client.force_login(ana)

    page = client.get(reverse("home")).text
    closed, opened, planned, posted = elements(page, "li", "feed-item")[:4]

    assert closed.text.startswith(
        f"{manager.name} closed voting on a decision Van colour Outcome: Green"
    )
    assert [strong.text for strong in elements(closed.html, "strong")] == ["Outcome:", "Green"]
    assert "<script>" not in closed.html
    assert opened.text.startswith(f"{manager.name} opened a decision Van colour")
    assert planned.text.startswith(f"{manager.name} moved an idea to “Planned” Cargo bikes")
    assert posted.text.startswith(f"{manager.name} posted an idea Cargo bikes")


def test_repeated_events_are_one_row(client):
    ana = UserFactory(member_type="employee")
    purpose = PurposeFactory(title="Cleaner deliveries")
    mine = CommunityFactory(name="Green Fleet", purpose=purpose)
    MembershipFactory(community=mine, user=ana)
    goal = GoalFactory(purpose=purpose, metric="Electric vans in the fleet", unit="vans")
    for value in ("1", "2", "3", "4", "5", "6"):
        record(goal, value)
    ThreadFactory(community=mine, title="Charging points")
    client.force_login(ana)

    items = feed_items(client.get(reverse("home")).text)

    assert len(items) == 2
    assert "started a discussion Charging points" in items[0]
    assert "6 new measurements of Electric vans in the fleet, lately 6 vans" in items[1]
