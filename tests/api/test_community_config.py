"""Configuring communities through the API, as the settings page and member list do:
created under a purpose by administrators and its owners, configured by the community's
owners and administrators, roles changed by owners. Hidden communities answer 404,
refusals 403 with the reason, bad input 400 per field."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Category, Community, Membership
from tests.accounts.factories import UserFactory
from tests.api.support import api_client, place
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import member_of
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _settings(community: Community) -> str:
    return f"/api/v1/communities/{community.slug}/settings/"


def test_the_settings_follow_the_access_rule():
    spot = place("secret", categories=("Logistics",))
    moderator = member_of(spot.community, role="moderator")
    url = _settings(spot.community)
    expected = {
        "visitor": (None, 401),
        "outsider": (spot.outsider, 404),
        "member": (spot.member, 403),
        "moderator": (moderator, 403),
        "owner": (spot.owner, 200),
        "administrator": (AdministratorFactory(), 200),
    }
    for who, (person, status) in expected.items():
        client = api_client(person, scope="read")
        answer = client.get(url)
        if who == "visitor":
            status = 404
        assert answer.status_code == status, (who, answer.content)
        if status == 403:
            assert answer.json()["detail"] == (
                "Only the community's owners and administrators can change its settings."
            )
        if status == 200:
            assert answer.json()["categories"][0]["name"] == "Logistics"
        else:
            assert b"Logistics" not in answer.content


def test_owners_change_audience_visibility_policy_guidelines_and_categories():
    spot = place("listed", categories=("Logistics", "Energy"))
    community = spot.community
    logistics = Category.objects.get(community=community, name="Logistics")
    client = api_client(spot.owner)
    answer = client.patch(
        _settings(community),
        {
            "audience": ["employee", "customer"],
            "idea_voters": ["employee"],
            "visibility": "private",
            "join_policy": "request",
            "guidelines": "Be **kind**.",
            "default_notification_level": "all",
            "categories": ["Energy", "Logistics", "Fleet"],
        },
        JSON,
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["audience"] == ["employee", "customer"]
    assert body["idea_voters"] == ["employee"]
    assert [c["name"] for c in body["categories"]] == ["Energy", "Logistics", "Fleet"]
    community.refresh_from_db()
    assert (community.visibility, community.join_policy) == ("private", "request")
    assert community.guidelines_html == "<p>Be <strong>kind</strong>.</p>\n"
    assert community.default_notification_level == "all"
    # A kept name keeps its category (and its threads).
    assert Category.objects.get(community=community, name="Logistics").pk == logistics.pk
    # Fields left out keep their value.
    answer = client.patch(_settings(community), {"categories": []}, JSON)
    assert answer.status_code == 200
    community.refresh_from_db()
    assert community.visibility == "private" and community.audience == ["employee", "customer"]
    assert not Category.objects.filter(community=community).exists()


def test_bad_settings_answer_400_per_field_and_change_nothing():
    spot = place("listed")
    other = CommunityFactory(slug="taken")
    client = api_client(spot.owner)
    answer = client.patch(
        _settings(spot.community),
        {"audience": [], "visibility": "everyone", "categories": "Energy"},
        JSON,
    )
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"visibility", "categories"}
    answer = client.patch(_settings(spot.community), {"audience": []}, JSON)
    assert answer.json()["errors"] == {"audience": ["Choose at least one member type."]}
    answer = client.patch(_settings(spot.community), {"slug": other.slug}, JSON)
    assert answer.json()["errors"] == {"slug": ["This address is not available; choose another."]}
    answer = client.patch(_settings(spot.community), {"purpose": other.purpose.slug}, JSON)
    assert answer.json()["errors"] == {
        "purpose": ["Choose a purpose you may create communities under."]
    }
    spot.community.refresh_from_db()
    assert spot.community.visibility == "listed" and spot.community.audience == ["employee"]


def test_a_member_cannot_configure_and_nothing_changes():
    spot = place("public")
    answer = api_client(spot.member).patch(
        _settings(spot.community), {"visibility": "secret"}, JSON
    )
    assert answer.status_code == 403
    spot.community.refresh_from_db()
    assert spot.community.visibility == "public"


def test_administrators_and_purpose_owners_create_communities_under_a_purpose():
    owner = UserFactory(member_type="employee")
    purpose = PurposeFactory(slug="cleaner", owners=[owner])
    url = "/api/v1/purposes/cleaner/communities/"
    refused = api_client(UserFactory(member_type="employee")).post(
        url, {"name": "Drivers", "slug": "drivers"}, JSON
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only administrators and the purpose's owners can create its communities."
    )
    answer = api_client(owner).post(
        url,
        {
            "name": "Drivers",
            "slug": "drivers",
            "visibility": "secret",
            "audience": ["employee", "vendor"],
            "categories": ["Routes", "Vans"],
        },
        JSON,
    )
    assert answer.status_code == 201, answer.content
    assert answer["Location"].endswith("/api/v1/communities/drivers/settings/")
    community = Community.objects.get(slug="drivers")
    assert community.purpose == purpose and community.visibility == "secret"
    assert Membership.objects.get(community=community).user == owner
    admin = api_client(AdministratorFactory())
    bad = admin.post(url, {"name": "", "slug": "drivers"}, JSON)
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"name": ["This field may not be blank."]}
    taken = admin.post(url, {"name": "Drivers 2", "slug": "drivers"}, JSON)
    assert taken.json()["errors"] == {"slug": ["This address is not available; choose another."]}
    assert Community.objects.count() == 1
    # The secret community is listed to its owner only.
    listed = api_client(UserFactory(member_type="employee"), scope="read").get(url)
    assert listed.json()["results"] == []
    mine = api_client(owner, scope="read").get(url).json()["results"]
    assert [row["slug"] for row in mine] == ["drivers"]


def test_owners_change_roles_keeping_one_owner():
    spot = place("listed")
    url = f"/api/v1/communities/{spot.community.slug}/roles/{spot.member.pk}/"
    moderator = member_of(spot.community, role="moderator")
    refused = api_client(moderator).put(url, {"role": "owner"}, JSON)
    assert refused.status_code == 403
    answer = api_client(spot.owner).put(url, {"role": "moderator"}, JSON)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "person": {"id": spot.member.pk, "name": "Mia Member", "member_type": "employee"},
        "role": "moderator",
    }
    assert Membership.objects.get(community=spot.community, user=spot.member).role == "moderator"
    last = api_client(spot.owner).put(
        f"/api/v1/communities/{spot.community.slug}/roles/{spot.owner.pk}/",
        {"role": "member"},
        JSON,
    )
    assert last.status_code == 400
    assert last.json()["errors"] == {"non_field_errors": ["A community needs at least one owner."]}
    nobody = api_client(spot.owner).put(
        f"/api/v1/communities/{spot.community.slug}/roles/{spot.outsider.pk}/",
        {"role": "member"},
        JSON,
    )
    assert nobody.status_code == 404
    bad = api_client(spot.owner).put(url, {"role": "king"}, JSON)
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["role"]


def test_categories_are_listed_to_readers_only():
    spot = place("private", categories=("Logistics", "Energy"))
    url = f"/api/v1/communities/{spot.community.slug}/categories/"
    assert api_client(spot.outsider, scope="read").get(url).status_code == 404
    answer = api_client(spot.member, scope="read").get(url)
    assert [row["name"] for row in answer.json()["results"]] == ["Logistics", "Energy"]
    with CaptureQueriesContext(connection) as captured:
        api_client(spot.member, scope="read").get(url)
    few = len(captured)
    Category.objects.bulk_create(
        Category(community=spot.community, name=f"C{n}", position=10 + n) for n in range(20)
    )
    with CaptureQueriesContext(connection) as captured:
        answer = api_client(spot.member, scope="read").get(url)
    assert len(answer.json()["results"]) == 22
    # A new token costs its own creation queries in both runs alike.
    assert len(captured) == few
