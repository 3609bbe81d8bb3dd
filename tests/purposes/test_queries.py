"""Query budgets for purpose pages.

A purpose page (statement, owners, goals with their measurement history, challenges and
the communities working on it) and the purpose directory cost the same number of SQL
queries however much data there is: each is measured at a small and a large size (rows
made with bulk_create to stay fast), and both counts must match and fit the budget.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User
from communities.models import (
    Community,
    JoinedVia,
    JoinPolicy,
    Membership,
    NotificationLevel,
    Role,
    Visibility,
)
from purposes.models import (
    Challenge,
    Goal,
    GoalDirection,
    Measurement,
    Purpose,
    PurposeStatus,
)
from purposes.selectors import DIRECTORY_PAGE_SIZE
from tests.core.reading import element, elements, links
from tests.query_budgets import assert_visitor_gets_write_nothing, budgeted_get, bulk_people

_serial = itertools.count(1)

pytestmark = pytest.mark.django_db


# -- small bulk helpers (the shared factories belong to the service and view tests) ---------


def add_people(count: int, *, organisation: Organisation | None = None) -> list[User]:
    return bulk_people(count, label="owner", organisation=organisation)


def add_purposes(count: int, *, status: str = PurposeStatus.ACTIVE) -> list[Purpose]:
    numbers = [next(_serial) for _ in range(count)]
    return Purpose.objects.bulk_create(
        Purpose(
            title=f"Purpose {number:05d}",
            slug=f"purpose-{number}",
            statement_html="<p>Why this matters.</p>",
            status=status,
        )
        for number in numbers
    )


def add_goals(purpose: Purpose, count: int, *, measurements: int) -> None:
    """`count` goals, each with `measurements` monthly measurements."""
    start = purpose.goals.count()
    goals = Goal.objects.bulk_create(
        Goal(
            purpose=purpose,
            metric=f"Metric {position}",
            unit="%",
            baseline=Decimal(10),
            target=Decimal(50),
            direction=GoalDirection.INCREASE,
            position=position,
        )
        for position in range(start, start + count)
    )
    today = timezone.now().date()
    Measurement.objects.bulk_create(
        Measurement(
            goal=goal,
            value=Decimal(10 + month),
            measured_on=today - datetime.timedelta(days=30 * month),
            note="Monthly report",
        )
        for goal in goals
        for month in range(measurements)
    )


def add_challenges(purpose: Purpose, count: int) -> None:
    now = timezone.now()
    Challenge.objects.bulk_create(
        Challenge(
            purpose=purpose,
            title=f"Challenge {next(_serial)}",
            question="What would move the goal most?",
            description_html="<p>Tell us.</p>",
            opens_at=now + datetime.timedelta(days=offset),
            closes_at=now + datetime.timedelta(days=offset + 30),
        )
        for offset in range(-count * 10, 0, 10)
    )


def add_communities(purpose: Purpose, count: int, *, member: User | None) -> None:
    """Communities of the purpose, half public; `member` joins every other one."""
    numbers = [next(_serial) for _ in range(count)]
    communities = Community.objects.bulk_create(
        Community(
            name=f"Community {number:05d}",
            slug=f"community-{number}",
            purpose=purpose,
            visibility=visibility,
            join_policy=JoinPolicy.OPEN,
            open_to_employees=True,
            member_count=1 if member is not None and index % 2 == 0 else 0,
        )
        for index, (number, visibility) in enumerate(
            zip(numbers, itertools.cycle([Visibility.PUBLIC, Visibility.LISTED]), strict=False)
        )
    )
    if member is not None:
        Membership.objects.bulk_create(
            Membership(
                community=community,
                user=member,
                role=Role.MEMBER,
                joined_via=JoinedVia.OPEN,
                notification_level=NotificationLevel.PARTICIPATING,
            )
            for community in communities[::2]
        )


# -- measuring ------------------------------------------------------------------------------


@pytest.fixture
def host():
    return Organisation.objects.create(name="Northwind", kind=OrganisationKind.HOST)


@pytest.fixture
def viewer(request, client, host):
    """None for a visitor; otherwise a signed-in employee (an owner of the purpose or not)."""
    if request.param == "visitor":
        return None
    user = add_people(1, organisation=host)[0]
    user.viewer_kind = request.param
    client.force_login(user)
    return user


@pytest.fixture
def measure(client, viewer, django_assert_max_num_queries):
    return budgeted_get(client, viewer, django_assert_max_num_queries)


@pytest.mark.parametrize("viewer", ["visitor", "member", "owner"], indirect=True)
def test_purpose_page_costs_the_same_at_any_size(viewer, measure, host):
    purpose = add_purposes(1)[0]
    owners = add_people(1, organisation=host)
    if viewer is not None and viewer.viewer_kind == "owner":
        owners.append(viewer)
    purpose.owners.add(*owners)
    add_goals(purpose, 1, measurements=1)
    add_challenges(purpose, 1)
    add_communities(purpose, 1, member=viewer)
    url = purpose.get_absolute_url()

    small, response = measure(url)
    assert len(elements(response.text, "article", "goal")) == 1

    purpose.owners.add(*add_people(3, organisation=host))
    add_goals(purpose, 3, measurements=12)
    add_challenges(purpose, 6)
    add_communities(purpose, 40, member=viewer)
    add_purposes(10)
    large, response = measure(url)
    page = response.text
    goals = elements(page, "article", "goal")
    assert [len(elements(goal.html, "tr")) - 1 for goal in goals] == [1, 12, 12, 12]
    assert len(elements(page, "article", "challenge")) == 7
    header = element(page, "header", "purpose-header")
    assert len(elements(header.html, "span", "person")) == len(owners) + 3
    manages = viewer is not None and viewer.viewer_kind == "owner"
    assert ("Edit purpose" in [link.text for link in links(header.html)]) is manages

    assert small == large


@pytest.mark.parametrize("viewer", ["visitor", "member"], indirect=True)
def test_purpose_directory_costs_the_same_at_any_size(viewer, measure):
    url = reverse("purpose_list")

    def grow(count: int) -> None:
        for purpose in add_purposes(count):
            add_goals(purpose, 3, measurements=0)

    grow(2)
    small, response = measure(url)
    assert len(elements(response.text, "li", "purpose-card")) == 2

    grow(2 * DIRECTORY_PAGE_SIZE)
    large, response = measure(url)
    assert len(elements(response.text, "li", "purpose-card")) == DIRECTORY_PAGE_SIZE
    (following_page,) = [link.href for link in links(response.text) if link.rel == "next"]
    following, _ = measure(f"{url}{following_page}")

    assert small == large == following


def test_a_visitors_purpose_pages_write_nothing(client, host):
    purpose = add_purposes(1)[0]
    purpose.owners.add(*add_people(2, organisation=host))
    add_goals(purpose, 3, measurements=12)
    add_challenges(purpose, 3)
    add_communities(purpose, 4, member=None)
    assert_visitor_gets_write_nothing(client, [purpose.get_absolute_url(), reverse("purpose_list")])
