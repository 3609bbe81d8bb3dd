"""Query budgets for the community pages.

The directory, a community's home and its member list cost the same number of SQL queries
whatever the page size and however much data there is: each page is measured at a small
and a large size (rows made with bulk_create to stay fast) and both counts must match and
fit the budget. A visitor's GET writes nothing: no session row, no cookie, no counter.
"""

import datetime
import itertools
from urllib.parse import urlencode

import pytest
from django.db.models import F
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
from communities.selectors import DIRECTORY_PAGE_SIZE, MEMBERS_PAGE_SIZE
from purposes.models import Purpose, PurposeStatus
from tests.core.reading import links
from tests.query_budgets import assert_visitor_gets_write_nothing, budgeted_get, bulk_people

_serial = itertools.count(1)

pytestmark = pytest.mark.django_db


# -- small bulk helpers (the shared factories belong to the service and view tests) ---------


def add_people(count: int, *, organisation: Organisation | None = None) -> list[User]:
    return bulk_people(count, organisation=organisation)


def add_purpose(**fields) -> Purpose:
    number = next(_serial)
    fields.setdefault("status", PurposeStatus.ACTIVE)
    return Purpose.objects.create(title=f"Purpose {number}", slug=f"purpose-{number}", **fields)


def add_communities(count: int, *, purpose: Purpose, visibilities: list[str]) -> list[Community]:
    """`count` communities open to employees, cycling through `visibilities`."""
    numbers = [next(_serial) for _ in range(count)]
    return Community.objects.bulk_create(
        Community(
            name=f"Community {number:05d}",
            slug=f"community-{number}",
            purpose=purpose,
            visibility=visibility,
            join_policy=JoinPolicy.OPEN,
            open_to_employees=True,
        )
        for number, visibility in zip(numbers, itertools.cycle(visibilities), strict=False)
    )


def add_members(community: Community, people: list[User], *, role: str = Role.MEMBER) -> None:
    """Memberships joined one minute apart after the community's last one, counter kept."""
    last = community.memberships.order_by("-joined_at").values_list("joined_at", flat=True)
    start = last.first() or timezone.now() - datetime.timedelta(days=365)
    Membership.objects.bulk_create(
        Membership(
            community=community,
            user=person,
            role=role,
            joined_at=start + datetime.timedelta(minutes=offset + 1),
            joined_via=JoinedVia.OPEN,
            notification_level=NotificationLevel.PARTICIPATING,
        )
        for offset, person in enumerate(people)
    )
    Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + len(people))


# -- measuring --------------------------------------------------------------------------------


@pytest.fixture
def host():
    return Organisation.objects.create(name="Northwind", kind=OrganisationKind.HOST)


@pytest.fixture
def viewer(request, client, host):
    """None for a visitor; otherwise a signed-in employee of the host organisation."""
    if request.param == "visitor":
        return None
    user = add_people(1, organisation=host)[0]
    client.force_login(user)
    user.viewer_kind = request.param
    return user


@pytest.fixture
def measure(client, viewer, django_assert_max_num_queries):
    return budgeted_get(client, viewer, django_assert_max_num_queries)


VIEWERS = ["visitor", "member"]


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
def test_directory_costs_the_same_at_any_size(viewer, measure, host):
    purpose = add_purpose()
    # Half public, so a visitor's first page fills up too at the large size.
    visibilities = [Visibility.PUBLIC, Visibility.LISTED, Visibility.PUBLIC, Visibility.SECRET]
    url = reverse("community_list")

    def grow(count: int) -> None:
        communities = add_communities(count, purpose=purpose, visibilities=visibilities)
        for community in communities[::2]:
            add_members(community, add_people(2, organisation=host))
            if viewer is not None:
                add_members(community, [viewer])

    grow(3)
    small, response = measure(url)
    assert _rows(response, "community-card") == (2 if viewer is None else 3)

    grow(3 * DIRECTORY_PAGE_SIZE)
    large, response = measure(url)
    assert _rows(response, "community-card") == DIRECTORY_PAGE_SIZE
    assert _next_page(response)
    following, _ = measure(f"{url}{_next_page(response)}")
    filtered, _ = measure(f"{url}?purpose={purpose.slug}&q=Community")

    assert small == large == following == filtered


@pytest.mark.parametrize("viewer", ["visitor", "member", "moderator"], indirect=True)
def test_community_home_costs_the_same_at_any_size(viewer, measure, host):
    purpose = add_purpose()
    community = add_communities(1, purpose=purpose, visibilities=[Visibility.PUBLIC])[0]
    if viewer is not None:
        add_members(community, [viewer], role=_role(viewer))
    url = community.get_absolute_url()

    add_members(community, add_people(3, organisation=host))
    small, response = measure(url)

    add_members(community, add_people(40, organisation=host))
    add_communities(40, purpose=purpose, visibilities=[Visibility.PUBLIC, Visibility.LISTED])
    large, response = measure(url)

    assert response.context["community"].member_count == 43 + (viewer is not None)
    assert small == large


@pytest.mark.parametrize("viewer", ["visitor", "member", "moderator"], indirect=True)
def test_member_list_costs_the_same_at_any_size(viewer, measure, host):
    purpose = add_purpose()
    community = add_communities(1, purpose=purpose, visibilities=[Visibility.PUBLIC])[0]
    if viewer is not None:
        add_members(community, [viewer], role=_role(viewer))
    url = reverse("community_members", kwargs={"slug": community.slug})

    add_members(community, add_people(3, organisation=host))
    small, response = measure(url)
    assert _next_page(response) is None

    add_members(community, add_people(2 * MEMBERS_PAGE_SIZE + 10, organisation=host))
    add_members(community, add_people(5), role=Role.MODERATOR)
    large, response = measure(url)
    assert _rows(response, "member-row") == MEMBERS_PAGE_SIZE
    second, response = measure(f"{url}{_next_page(response)}")
    third, response = measure(f"{url}{_next_page(response)}")
    by_role, response = measure(f"{url}?role=moderator&q=Person")
    moderators = 5 + (viewer is not None and viewer.viewer_kind == "moderator")
    assert _rows(response, "member-row") == moderators

    assert small == large == second == third == by_role


# -- a visitor's GET writes nothing ------------------------------------------------------------


def _visitor_pages(host: Organisation) -> list[str]:
    owner = add_people(1, organisation=host)[0]
    purpose = add_purpose()
    purpose.owners.add(owner)
    community = add_communities(1, purpose=purpose, visibilities=[Visibility.PUBLIC])[0]
    add_members(community, [owner], role=Role.OWNER)
    add_members(community, add_people(MEMBERS_PAGE_SIZE + 5, organisation=host))
    members = reverse("community_members", kwargs={"slug": community.slug})
    last = community.memberships.order_by("joined_at", "id")[MEMBERS_PAGE_SIZE - 1]
    cursor = f"{last.joined_at.isoformat()}|{last.pk}"
    return [
        reverse("community_list"),
        purpose.get_absolute_url(),
        community.get_absolute_url(),
        members,
        f"{members}?{_after(cursor)}",
    ]


def test_a_visitors_get_writes_nothing(client, host):
    pages = _visitor_pages(host)
    counts_before = list(Community.objects.values_list("pk", "member_count"))

    assert_visitor_gets_write_nothing(client, pages)

    assert list(Community.objects.values_list("pk", "member_count")) == counts_before


def _role(viewer: User) -> str:
    return Role.MODERATOR if viewer.viewer_kind == "moderator" else Role.MEMBER


def _rows(response, kind: str) -> int:
    """How many cards of one kind (`community-card`, `member-row`) the page lists."""
    return response.text.count(f'<li class="card {kind}">')


def _next_page(response) -> str | None:
    """The query of the page's "Next page" link, None on the last page."""
    return next((link.href for link in links(response.text) if link.rel == "next"), None)


def _after(cursor: str) -> str:
    return urlencode({"after": cursor})
