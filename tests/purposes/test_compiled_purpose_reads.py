"""The purpose page's purpose and its communities read through SQL compiled once per
reader's position (`core.compiled_reads`, `accounts.permissions.reader_position`):
whoever opened the page first, every reader sees exactly the communities the rule lists
for them, and a draft stays its owners' and administrators'."""

import pytest

from communities.models import Visibility
from core.compiled_reads import forget_compiled
from purposes.models import PurposeStatus
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    forget_compiled()
    purpose = PurposeFactory(title="Cleaner depots", slug="cleaner-depots")
    owner = purpose.owners.get()
    for name, visibility, audience in (
        ("Open yard", Visibility.PUBLIC, ("employee",)),
        ("Staff room", Visibility.LISTED, ("employee",)),
        ("Customer desk", Visibility.LISTED, ("customer",)),
        ("Back office", Visibility.PRIVATE, ("employee", "customer")),
    ):
        CommunityFactory(
            purpose=purpose, owner=owner, name=name, visibility=visibility, audience=audience
        )
    insider = UserFactory(member_type="customer", display_name="Ines Insider")
    MembershipFactory(community=purpose.communities.get(name="Back office"), user=insider)
    draft = PurposeFactory(title="Secret plan", slug="secret-plan", status=PurposeStatus.DRAFT)
    people = {
        "admin": AdministratorFactory(),
        "owner": owner,
        "draft_owner": draft.owners.get(),
        "employee": UserFactory(member_type="employee"),
        "customer": UserFactory(member_type="customer"),
        "insider": insider,
        None: None,
    }
    yield people
    forget_compiled()


EVERY_COMMUNITY = {"Open yard", "Staff room", "Customer desk", "Back office"}
LISTED = {
    "admin": EVERY_COMMUNITY,
    "owner": {"Open yard", "Staff room", "Back office"},  # an employee who owns them all
    "draft_owner": {"Open yard", "Staff room"},
    "employee": {"Open yard", "Staff room"},
    "customer": {"Open yard", "Customer desk"},
    "insider": {"Open yard", "Customer desk", "Back office"},
    None: {"Open yard"},
}
SEES_DRAFT = {"admin", "draft_owner"}


def _view(client, people, viewer):
    client.logout()
    if viewer:
        client.force_login(people[viewer])
    page = client.get("/purposes/cleaner-depots/")
    assert page.status_code == 200
    shown = {name for name in EVERY_COMMUNITY if name in page.content.decode()}
    draft = client.get("/purposes/secret-plan/")
    assert draft.status_code in (200, 404)
    return shown, draft.status_code == 200


@pytest.mark.parametrize("first", ["admin", "owner", "customer", None])
def test_each_reader_sees_their_own_list_and_drafts_whoever_came_first(client, scene, first):
    order = [first, *(viewer for viewer in LISTED if viewer != first)]
    for viewer in order:
        assert _view(client, scene, viewer) == (LISTED[viewer], viewer in SEES_DRAFT), viewer
