"""The directory's and a purpose page's community cards come from the cache
(`communities.fragments.community_cards`) for readers who see the same cards: a new
member, a new name or another audience shows at the next view, and one reader's
membership mark never reaches another reader."""

import pytest

from communities import services
from communities.models import Visibility
from core import shown_cache
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.core.page_tree import Element, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    community = CommunityFactory(
        name="Cold chain", slug="cold-chain", visibility=Visibility.PUBLIC, audience=("employee",)
    )
    member = UserFactory(member_type="employee")
    MembershipFactory(community=community, user=member, role="member")
    outsider = UserFactory(member_type="employee")
    return {"community": community, "member": member, "outsider": outsider}


def cards(client, path: str, viewer=None) -> list[Element]:
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(path)
    assert response.status_code == 200
    return page(response.content.decode()).find_all("li", cls="community-card")


def card_of(client, scene, viewer=None, path: str = "/communities/") -> Element:
    [card] = [
        card
        for card in cards(client, path, viewer)
        if card.find("a", href="/communities/cold-chain/") is not None
    ]
    return card


def test_the_same_cards_seen_twice_are_rendered_once(client, scene, monkeypatch):
    first = cards(client, "/communities/")
    rendered = []
    monkeypatch.setattr(shown_cache, "render_to_string", lambda *args: rendered.append(args))

    second = cards(client, "/communities/")

    assert rendered == []
    assert [card.text for card in second] == [card.text for card in first]
    assert "Cold chain" in second[0].text


def test_a_new_member_a_new_name_and_a_new_audience_show_at_the_next_view(client, scene):
    community = scene["community"]
    card = card_of(client, scene)
    assert "2 members" in card.text
    assert "Employees" in card.text and "Customers" not in card.text

    services.join_community(user=UserFactory(member_type="employee"), community=community)
    community.refresh_from_db()
    community.name = "Cold chain crew"
    community.open_to_customers = True
    community.save(update_fields=["name", "open_to_customers"])

    card = card_of(client, scene)
    assert "3 members" in card.text
    assert card.find("a", href="/communities/cold-chain/").text == "Cold chain crew"
    assert "Customers" in card.text


def test_one_readers_membership_mark_is_not_shown_to_another(client, scene):
    member, outsider = scene["member"], scene["outsider"]

    assert "You are a member" in card_of(client, scene, member).text
    assert "You are a member" not in card_of(client, scene, outsider).text
    assert "You are a member" not in card_of(client, scene).text
    assert "You are a member" in card_of(client, scene, member).text


def test_a_purpose_page_shows_the_same_cards(client, scene):
    purpose_page = scene["community"].purpose.get_absolute_url()

    card = card_of(client, scene, scene["member"], path=purpose_page)

    assert "You are a member" in card.text
    assert "2 members" in card.text


def test_a_hostile_name_is_shown_as_text(client, scene):
    community = scene["community"]
    community.name = '<img src=x onerror="alert(1)">'
    community.save(update_fields=["name"])

    response = client.get("/communities/")

    assert b'<img src=x onerror="alert(1)">' not in response.content
    assert b"&lt;img src=x onerror=" in response.content
