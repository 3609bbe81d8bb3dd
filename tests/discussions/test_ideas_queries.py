"""Query budgets for idea pages.

The idea list (every sort, filters, later pages), an idea's thread page with its panel and
the purpose page with its linked ideas cost the same number of SQL queries whatever the
amount of data: each is measured at a small and a large size (rows made with bulk_create
to stay fast); both counts must match and fit the budget. A visitor's GET writes nothing.
"""

import datetime
import itertools
from urllib.parse import urlencode

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import MemberType, User
from communities.models import (
    Community,
    JoinedVia,
    Membership,
    NotificationLevel,
    Role,
)
from discussions.models import (
    GoalLink,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Post,
    Tag,
    Thread,
    ThreadKind,
)
from discussions.selectors.ideas import IDEAS_PAGE_SIZE
from discussions.services.ideas import trending_score_for
from tests.communities.factories import owner_of
from tests.discussions.test_ideas_factories import challenge_of, goal_of, open_community
from tests.query_budgets import assert_visitor_gets_write_nothing, budgeted_get, bulk_people

_serial = itertools.count(1)

pytestmark = pytest.mark.django_db


# -- bulk helpers ----------------------------------------------------------------------------


def add_people(count: int, member_type: str = MemberType.EMPLOYEE) -> list[User]:
    return bulk_people(count, label="idea-person", member_type=member_type)


def add_members(community: Community, people: list[User], role: str = Role.MEMBER) -> None:
    Membership.objects.bulk_create(
        Membership(
            community=community,
            user=person,
            role=role,
            joined_via=JoinedVia.OPEN,
            notification_level=NotificationLevel.PARTICIPATING,
        )
        for person in people
    )
    Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + len(people))


def add_ideas(
    community: Community, count: int, *, author: User, voters: list[User], **fields
) -> list[Idea]:
    """`count` ideas an hour apart, each voted for by a different share of `voters`."""
    start = timezone.now() - datetime.timedelta(days=30)
    threads = Thread.objects.bulk_create(
        Thread(
            community=community,
            kind=ThreadKind.IDEA,
            title=f"Idea {next(_serial)} about solar roofs",
            author=author,
            post_count=1,
            created_at=start + datetime.timedelta(hours=offset),
        )
        for offset in range(count)
    )
    Post.objects.bulk_create(
        Post(
            thread=thread,
            community_id=thread.community_id,
            author=author,
            body="Why.",
            body_html="<p>Why.</p>",
            is_first=True,
        )
        for thread in threads
    )
    tag, _created = Tag.objects.get_or_create(community=community, name="energy")
    Thread.tags.through.objects.bulk_create(
        Thread.tags.through(thread_id=thread.pk, tag_id=tag.pk) for thread in threads
    )
    ideas = Idea.objects.bulk_create(
        Idea(
            thread=thread,
            community=community,
            created_at=thread.created_at,
            trending_score=trending_score_for(created_at=thread.created_at, votes=0),
            **fields,
        )
        for thread in threads
    )
    votes = []
    for index, idea in enumerate(ideas):
        share = voters[: index % (len(voters) + 1)]
        votes += [IdeaVote(idea=idea, user=person) for person in share]
        idea.vote_count = len(share)
        idea.trending_score = trending_score_for(created_at=idea.created_at, votes=len(share))
    IdeaVote.objects.bulk_create(votes)
    Idea.objects.bulk_update(ideas, ["vote_count", "trending_score"])
    return ideas


# -- measuring --------------------------------------------------------------------------------


@pytest.fixture
def community():
    return open_community()


@pytest.fixture
def viewer(request, client, community):
    """None for a visitor; otherwise a signed-in member (or moderator) of the community."""
    if request.param == "visitor":
        return None
    user = add_people(1)[0]
    add_members(community, [user], Role.MODERATOR if request.param == "moderator" else Role.MEMBER)
    client.force_login(user)
    return user


@pytest.fixture
def measure(client, viewer, django_assert_max_num_queries):
    return budgeted_get(client, viewer, django_assert_max_num_queries)


VIEWERS = ["visitor", "member", "moderator"]


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
def test_idea_list_costs_the_same_at_any_size(viewer, measure, community):
    author = owner_of(community)
    challenge = challenge_of(community, opens_in_days=-1, closes_in_days=9)
    voters = add_people(3)
    add_ideas(community, 2, author=author, voters=voters, challenge=challenge)
    url = reverse("idea_list", kwargs={"slug": community.slug})

    small, response = measure(url)
    assert len(response.context["page"].items) == 2

    people = add_people(12) + ([viewer] if viewer else [])
    add_ideas(community, 3 * IDEAS_PAGE_SIZE, author=author, voters=people, challenge=challenge)
    challenge_of(community, opens_in_days=-30, closes_in_days=-20)
    large, response = measure(url)
    page = response.context["page"]
    assert len(page.items) == IDEAS_PAGE_SIZE
    if viewer is not None:
        assert any(idea.viewer_voted for idea in page.items)
    counts = [small, large]
    for sort in ("trending", "top", "newest"):
        first, response = measure(f"{url}?sort={sort}")
        cursor = response.context["page"].next_cursor
        second, response = measure(f"{url}?{urlencode({'sort': sort, 'after': cursor})}")
        third, _ = measure(
            f"{url}?{urlencode({'sort': sort, 'after': response.context['page'].next_cursor})}"
        )
        counts += [first, second, third]
    filtered, response = measure(
        f"{url}?{urlencode({'status': 'new', 'challenge': challenge.pk, 'tag': 'energy'})}"
    )
    assert len(response.context["page"].items) == IDEAS_PAGE_SIZE
    counts.append(filtered)

    assert len(set(counts)) == 1, counts


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
def test_idea_thread_page_costs_the_same_at_any_size(viewer, measure, community):
    manager = owner_of(community)
    idea = add_ideas(community, 1, author=manager, voters=add_people(2))[0]
    url = idea.thread.get_absolute_url()
    # A member's first visit records where they stopped reading (the threads' read
    # markers); this test is about what the idea panel adds, visit after visit.
    measure(url)

    small, response = measure(url)
    assert response.context["idea_panel"].idea.pk == idea.pk

    voters = add_people(30, MemberType.CUSTOMER) + add_people(6, MemberType.VENDOR)
    IdeaVote.objects.bulk_create(IdeaVote(idea=idea, user=person) for person in voters)
    IdeaStatusChange.objects.bulk_create(
        IdeaStatusChange(
            idea=idea,
            from_status=IdeaStatus.NEW,
            to_status=IdeaStatus.UNDER_REVIEW,
            response=f"Step {step}",
            response_html=f"<p>Step {step}</p>",
            changed_by=manager,
        )
        for step in range(8)
    )
    GoalLink.objects.bulk_create(
        GoalLink(thread=idea.thread, goal=goal_of(community), expected_impact="Some")
        for _ in range(4)
    )
    goal_of(community)
    large, response = measure(url)
    panel = response.context["idea_panel"]
    assert [group.display for group in panel.support] == ["fewer than 5", "30", "6", "fewer than 5"]
    assert len(panel.history) == 8 and len(panel.goal_links) == 4

    assert small == large


@pytest.mark.parametrize("viewer", ["visitor", "member"], indirect=True)
def test_purpose_page_with_linked_ideas_costs_the_same_at_any_size(viewer, measure, community):
    manager = owner_of(community)
    goals = [goal_of(community), goal_of(community)]
    url = community.purpose.get_absolute_url()

    def link(ideas, status):
        Idea.objects.filter(pk__in=[i.pk for i in ideas]).update(status=status)
        GoalLink.objects.bulk_create(
            GoalLink(thread_id=idea.thread_id, goal=goal) for idea in ideas for goal in goals
        )

    link(add_ideas(community, 1, author=manager, voters=[]), IdeaStatus.IMPLEMENTED)
    small, response = measure(url)
    assert [g.implemented_idea_count for g in response.context["goals"]] == [1, 1]

    link(add_ideas(community, 12, author=manager, voters=[]), IdeaStatus.IMPLEMENTED)
    link(add_ideas(community, 12, author=manager, voters=[]), IdeaStatus.PLANNED)
    large, response = measure(url)
    assert [g.implemented_idea_count for g in response.context["goals"]] == [13, 13]
    # The most supported few of each status, and how many there are.
    assert [
        (group.label, len(group.ideas), group.total)
        for group in response.context["purpose_ideas"].by_status
    ] == [("Implemented", 5, 13), ("Planned", 5, 12)]

    assert small == large


def test_a_visitors_idea_pages_write_nothing(client, community):
    manager = owner_of(community)
    ideas = add_ideas(community, IDEAS_PAGE_SIZE + 3, author=manager, voters=add_people(3))
    GoalLink.objects.create(thread=ideas[0].thread, goal=goal_of(community))
    list_url = reverse("idea_list", kwargs={"slug": community.slug})
    pages = [
        list_url,
        f"{list_url}?sort=top&status=new&tag=energy",
        ideas[0].thread.get_absolute_url(),
        reverse("idea_similar", kwargs={"slug": community.slug}) + "?title=solar+roof",
        community.purpose.get_absolute_url(),
    ]
    counts_before = list(Idea.objects.order_by("pk").values_list("pk", "vote_count"))

    assert_visitor_gets_write_nothing(client, pages)

    assert list(Idea.objects.order_by("pk").values_list("pk", "vote_count")) == counts_before


@pytest.mark.parametrize("viewer", ["visitor", "member"], indirect=True)
def test_similar_ideas_cost_the_same_at_any_size(viewer, measure, community):
    author = owner_of(community)
    add_ideas(community, 2, author=author, voters=[])
    url = reverse("idea_similar", kwargs={"slug": community.slug}) + "?title=solar+roofs"

    small, response = measure(url)
    assert len(response.context["similar"]) == 2

    add_ideas(community, 40, author=author, voters=add_people(3))
    large, response = measure(url)
    assert len(response.context["similar"]) == 5

    assert small == large
