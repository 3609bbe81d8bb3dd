"""The community directory and its purpose filter, compiled once per reader's position
(`core.compiled_reads`): whoever opened the directory first, every reader gets, page by
page, exactly what the access rules list for them, with their own membership marks, and
the purpose filter and "create a community" offer are theirs."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities import permissions
from communities.models import Visibility
from communities.selectors import community_directory, directory_purposes
from core.compiled_reads import forget_compiled
from purposes.models import PurposeStatus
from purposes.permissions import purposes_visible_to
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, ban
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    forget_compiled()
    purpose = PurposeFactory(title="Cleaner depots")
    owner = purpose.owners.get()
    made = {}
    for name, visibility, audience in (
        ("Anchor yard", Visibility.PUBLIC, ("employee",)),
        ("Boiler room", Visibility.LISTED, ("employee",)),
        ("Customer desk", Visibility.LISTED, ("customer",)),
        ("Dry dock", Visibility.PRIVATE, ("employee", "customer")),
        ("Engine shop", Visibility.LISTED, ("employee", "customer")),
    ):
        made[name] = CommunityFactory(
            purpose=purpose, owner=owner, name=name, visibility=visibility, audience=audience
        )
    PurposeFactory(title="Secret plan", status=PurposeStatus.DRAFT)
    insider = UserFactory(member_type="customer")
    MembershipFactory(community=made["Dry dock"], user=insider)
    MembershipFactory(community=made["Engine shop"], user=insider)
    banned = UserFactory(member_type="employee")
    ban(made["Boiler room"], banned)
    found = {
        "admin": AdministratorFactory(),
        "owner": owner,
        "employee": UserFactory(member_type="employee"),
        "customer": UserFactory(member_type="customer"),
        "insider": insider,
        "banned": banned,
        "visitor": AnonymousUser(),
    }
    yield found
    forget_compiled()


def _expected(person):
    """What the rules list for `person`, read without anything compiled: (name, member?)."""
    listed = permissions.communities_listed_for(person).order_by("name", "pk")
    return [(community.name, permissions.is_member(person, community)) for community in listed]


def _directory(person):
    shown, after = [], None
    while True:
        page = community_directory(user=person, after=after, page_size=2)
        shown += [(community.name, community.viewer_is_member) for community in page.items]
        if page.next_cursor is None:
            return shown
        after = page.next_cursor


@pytest.mark.parametrize("first", ["admin", "insider", "banned", "visitor"])
def test_every_reader_pages_through_their_own_directory_whoever_came_first(people, first):
    order = [first, *(name for name in people if name != first)]
    for name in order:
        person = people[name]
        expected = _expected(person)
        assert _directory(person) == expected, name
    # The rules differ between these readers; the test would not notice a mix-up otherwise.
    assert len({tuple(_expected(person)) for person in people.values()}) >= 5
    assert ("Dry dock", True) in _directory(people["insider"])


@pytest.mark.parametrize("first", ["admin", "owner", "customer", "visitor"])
def test_the_purpose_filter_and_create_offer_are_each_readers_own(people, first):
    order = [first, *(name for name in people if name != first)]
    for name in order:
        person = people[name]
        offered = directory_purposes(user=person)
        visible = purposes_visible_to(person).order_by("title", "id")
        assert offered.choices == [(purpose.slug, purpose.title) for purpose in visible], name
        may_create = person.is_authenticated and permissions.purposes_for_new_community(person)
        assert offered.can_create == bool(may_create and may_create.exists()), name
    assert directory_purposes(user=people["admin"]).can_create
    assert directory_purposes(user=people["owner"]).can_create
    assert not directory_purposes(user=people["customer"]).can_create
    assert "Secret plan" in dict(directory_purposes(user=people["admin"]).choices).values()
    assert "Secret plan" not in dict(directory_purposes(user=people["owner"]).choices).values()


def test_a_later_page_costs_the_queries_of_the_first(people, django_assert_max_num_queries):
    first = community_directory(user=people["employee"], page_size=1)
    with CaptureQueriesContext(connection) as first_queries:
        community_directory(user=people["employee"], page_size=1)
    with django_assert_max_num_queries(len(first_queries)):
        community_directory(user=people["employee"], after=first.next_cursor, page_size=1)
