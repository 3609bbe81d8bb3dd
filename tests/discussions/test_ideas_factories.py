"""Ideas, votes and challenges for the idea tests, written through the services.

(Named like a test module so that it stays with the idea tests; it holds no tests of its
own beyond a check that the helpers leave the counters right.)
"""

import datetime
import itertools

import pytest
from django.utils import timezone

from accounts.models import User
from communities.models import Community
from discussions.models import Idea
from discussions.services import ideas as services
from purposes.models import Challenge, Goal
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import ThreadFactory, member_of
from tests.purposes.factories import GoalFactory

ALL_TYPES = ("employee", "customer", "vendor", "partner")
_serial = itertools.count(1)


def open_community(**fields) -> Community:
    """A public community open to every member type, all of whom may vote by default.

    It starts with one discussion, so that its ideas' ids and their threads' ids differ
    (code that mixes them up fails here rather than only in a bigger database).
    """
    fields.setdefault("visibility", "public")
    fields.setdefault("audience", ALL_TYPES)
    community = CommunityFactory(**fields)
    ThreadFactory(community=community, title="Welcome")
    return community


def idea_in(
    community: Community,
    *,
    author: User | None = None,
    title: str | None = None,
    description: str = "What should change, and why.",
    **extra,
) -> Idea:
    author = author or owner_of(community)
    title = title or f"Idea number {next(_serial)}"
    return services.submit_idea(
        author=author, community=community, title=title, description=description, **extra
    )


def people_in(community: Community, count: int, member_type: str = "employee") -> list[User]:
    return [member_of(community, member_type=member_type) for _ in range(count)]


def vote_by(idea: Idea, people: list[User]) -> None:
    for person in people:
        services.vote(user=person, idea=idea)


def challenge_of(community: Community, *, opens_in_days: float, closes_in_days: float) -> Challenge:
    now = timezone.now()
    return Challenge.objects.create(
        purpose=community.purpose,
        title=f"Challenge {next(_serial)}",
        question="What would move the goal most?",
        opens_at=now + datetime.timedelta(days=opens_in_days),
        closes_at=now + datetime.timedelta(days=closes_in_days),
    )


def goal_of(community: Community, **fields) -> Goal:
    return GoalFactory(purpose=community.purpose, **fields)


@pytest.mark.django_db
def test_helpers_leave_counts_right():
    community = open_community()
    idea = idea_in(community)
    vote_by(idea, people_in(community, 2))
    idea.refresh_from_db()
    assert idea.vote_count == 2
    assert idea.votes.count() == 2
