"""Purposes, goals, measurements and challenges through the API: the purpose pages' rules
(drafts for their owners and administrators only, changes by owners and administrators),
the pages' services, one error shape, and lists of constant cost."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purposes.models import Challenge, Goal, Measurement, Purpose, PurposeStatus
from tests.accounts.factories import UserFactory
from tests.api.support import api_client
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import member_of
from tests.notifications.support import notified
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory, record

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def purposes():
    owner = UserFactory(member_type="employee", display_name="Olga Owner")
    active = PurposeFactory(title="Cleaner deliveries", slug="cleaner", owners=[owner])
    draft = PurposeFactory(
        title="Secret merger", slug="merger", owners=[owner], status=PurposeStatus.DRAFT
    )
    goal = GoalFactory(purpose=active, metric="Delivery CO2", baseline=Decimal(100), target=50)
    draft_goal = GoalFactory(purpose=draft, metric="Hidden metric")
    return {
        "owner": owner,
        "active": active,
        "draft": draft,
        "goal": goal,
        "draft_goal": draft_goal,
    }


def test_drafts_never_leak_through_list_detail_or_filter(purposes):
    stranger = UserFactory(member_type="employee")
    admin = AdministratorFactory()
    expectations = [(None, False), (stranger, False), (purposes["owner"], True), (admin, True)]
    draft = purposes["draft"]
    urls = [
        "/api/v1/purposes/merger/",
        "/api/v1/purposes/merger/goals/",
        f"/api/v1/purposes/merger/goals/{purposes['draft_goal'].pk}/",
        f"/api/v1/purposes/merger/goals/{purposes['draft_goal'].pk}/measurements/",
        "/api/v1/purposes/merger/challenges/",
        "/api/v1/purposes/merger/communities/",
    ]
    for person, sees in expectations:
        client = api_client(person, scope="read")
        listed = client.get("/api/v1/purposes/").json()["results"]
        filtered = client.get("/api/v1/purposes/", {"status": "draft"}).json()["results"]
        assert ("merger" in [row["slug"] for row in listed]) is sees
        assert [row["slug"] for row in filtered] == (["merger"] if sees else [])
        for url in urls:
            answer = client.get(url)
            assert answer.status_code == (200 if sees else 404), (person, url)
            if not sees:
                assert answer["Content-Type"] == "application/problem+json"
                assert b"Hidden" not in answer.content and b"merger" not in answer.content
    assert Purpose.objects.get(pk=draft.pk).status == "draft"


def test_a_purpose_shows_its_goals_challenges_owners_and_the_readers_rights(purposes):
    goal = purposes["goal"]
    record(goal, "80", days_ago=1)
    reader = api_client(UserFactory(member_type="customer"), scope="read")
    answer = reader.get("/api/v1/purposes/cleaner/")
    assert answer.status_code == 200
    body = answer.json()
    assert answer["ETag"]
    assert body["title"] == "Cleaner deliveries"
    assert [owner["name"] for owner in body["owners"]] == ["Olga Owner"]
    assert body["goals"][0]["metric"] == "Delivery CO2"
    assert body["goals"][0]["current_value"] == "80.0000"
    assert body["goals"][0]["progress"] == 40.0
    assert body["viewer"] == {
        "can_manage": False,
        "can_create_communities": False,
        "following": False,
    }
    again = reader.get("/api/v1/purposes/cleaner/", HTTP_IF_NONE_MATCH=answer["ETag"])
    assert (again.status_code, again.content) == (304, b"")


def test_only_administrators_create_purposes_with_owners_by_email(purposes):
    person = UserFactory(member_type="employee", email="ana@example.org")
    answer = api_client(person).post("/api/v1/purposes/", {"title": "Mine", "slug": "mine"}, JSON)
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Only administrators can create purposes."
    admin = AdministratorFactory()
    client = api_client(admin)
    answer = client.post(
        "/api/v1/purposes/",
        {"title": "Zero waste", "slug": "zero-waste", "owners": ["nobody@example.org"]},
        JSON,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"owners": ["No one has signed up with: nobody@example.org"]}
    answer = client.post(
        "/api/v1/purposes/",
        {"title": "Zero waste", "slug": "zero-waste", "owners": ["ANA@example.org"]},
        JSON,
    )
    assert answer.status_code == 201, answer.content
    assert answer["Location"].endswith("/api/v1/purposes/zero-waste/")
    assert answer.json()["status"] == "draft"
    assert list(Purpose.objects.get(slug="zero-waste").owners.all()) == [person]
    taken = client.post("/api/v1/purposes/", {"title": "Again", "slug": "zero-waste"}, JSON)
    assert taken.status_code == 400
    assert taken.json()["errors"] == {"slug": ["Another purpose already uses this address."]}


def test_owners_update_a_purpose_and_its_status_others_are_refused(purposes):
    member = UserFactory(member_type="employee")
    refused = api_client(member).patch("/api/v1/purposes/cleaner/", {"title": "Mine"}, JSON)
    assert refused.status_code == 403
    assert "owners and administrators" in refused.json()["detail"]
    answer = api_client(purposes["owner"]).patch(
        "/api/v1/purposes/cleaner/", {"title": "Cleaner routes", "status": "achieved"}, JSON
    )
    assert answer.status_code == 200, answer.content
    purpose = Purpose.objects.get(slug="cleaner")
    assert (purpose.title, purpose.status) == ("Cleaner routes", "achieved")
    assert purpose.statement == "Why this matters."
    bad = api_client(purposes["owner"]).patch(
        "/api/v1/purposes/cleaner/", {"title": "Two\nlines", "status": "won"}, JSON
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"status"}


def test_owners_add_and_change_goals(purposes):
    client = api_client(purposes["owner"])
    answer = client.post(
        "/api/v1/purposes/cleaner/goals/",
        {"metric": "Electric vans", "unit": "%", "baseline": "10", "target": 80},
        JSON,
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["direction"] == "increase"
    goal_id = answer.json()["id"]
    same = client.post(
        "/api/v1/purposes/cleaner/goals/", {"metric": "Flat", "baseline": 5, "target": 5}, JSON
    )
    assert same.status_code == 400
    assert list(same.json()["errors"]) == ["target"]
    changed = client.patch(f"/api/v1/purposes/cleaner/goals/{goal_id}/", {"target": 0}, JSON)
    assert changed.status_code == 200
    assert changed.json()["direction"] == "decrease"
    assert Goal.objects.get(pk=goal_id).target == 0
    stranger = api_client(UserFactory(member_type="employee"))
    assert (
        stranger.patch(
            f"/api/v1/purposes/cleaner/goals/{goal_id}/", {"target": 1}, JSON
        ).status_code
        == 403
    )
    assert client.get("/api/v1/purposes/cleaner/goals/999999/").status_code == 404


def test_a_measurement_moves_progress_and_tells_the_communities(
    purposes, django_capture_on_commit_callbacks
):
    goal = purposes["goal"]
    community = CommunityFactory(purpose=purposes["active"], owner=purposes["owner"])
    follower = member_of(community)
    url = f"/api/v1/purposes/cleaner/goals/{goal.pk}/measurements/"
    refused = api_client(follower).post(url, {"value": 70}, JSON)
    assert refused.status_code == 403
    assert not Measurement.objects.exists()
    client = api_client(purposes["owner"])
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    bad = client.post(url, {"value": 70, "measured_on": future}, JSON)
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"measured_on": ["A measurement cannot be dated in the future."]}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"value": "70.5", "note": "From BI"}, JSON)
    assert answer.status_code == 201, answer.content
    assert answer.json()["measured_on"] == timezone.localdate().isoformat()
    goal.refresh_from_db()
    assert goal.current_value == Decimal("70.5")
    detail = client.get(f"/api/v1/purposes/cleaner/goals/{goal.pk}/").json()
    assert detail["progress"] == 59.0
    listed = client.get(url).json()["results"]
    assert [row["note"] for row in listed] == ["From BI"]
    assert [n.kind for n in notified(follower)] == ["measurement"]


def test_challenges_are_listed_and_opened_by_owners(purposes):
    client = api_client(purposes["owner"])
    now = timezone.now()
    answer = client.post(
        "/api/v1/purposes/cleaner/challenges/",
        {
            "title": "Last mile",
            "question": "How do we cut the last mile?",
            "opens_at": now.isoformat(),
            "closes_at": (now - datetime.timedelta(days=1)).isoformat(),
        },
        JSON,
    )
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["closes_at"]
    answer = client.post(
        "/api/v1/purposes/cleaner/challenges/",
        {
            "title": "Last mile",
            "question": "How do we cut the last mile?",
            "description": "*Bikes?*",
            "opens_at": now.isoformat(),
            "closes_at": (now + datetime.timedelta(days=7)).isoformat(),
        },
        JSON,
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["state"] == "open"
    assert answer.json()["description_html"] == "<p><em>Bikes?</em></p>\n"
    reader = api_client(UserFactory(member_type="customer"), scope="read")
    rows = reader.get("/api/v1/purposes/cleaner/challenges/").json()["results"]
    assert [row["title"] for row in rows] == ["Last mile"]
    detail = reader.get(answer["Location"])
    assert detail.status_code == 200 and detail.json()["question"] == "How do we cut the last mile?"
    outsider = api_client(UserFactory(member_type="employee"))
    refused = outsider.post(
        "/api/v1/purposes/cleaner/challenges/",
        {"title": "X", "question": "Y", "opens_at": now.isoformat(), "closes_at": now.isoformat()},
        JSON,
    )
    assert refused.status_code == 403
    assert Challenge.objects.count() == 1


def test_read_tokens_and_visitors_cannot_write(purposes):
    goal = purposes["goal"]
    url = f"/api/v1/purposes/cleaner/goals/{goal.pk}/measurements/"
    assert (
        api_client(purposes["owner"], scope="read").post(url, {"value": 1}, JSON).status_code == 403
    )
    assert api_client(None).post(url, {"value": 1}, JSON).status_code == 401
    assert not Measurement.objects.exists()


def _count(client, url: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, {"page_size": page_size})
    assert answer.status_code == 200, answer.content
    return len(captured), len(answer.json()["results"])


def test_purpose_lists_cost_the_same_whatever_their_page_size(
    purposes, django_assert_max_num_queries
):
    owner = purposes["owner"]
    purpose = purposes["active"]
    for number in range(6):
        extra = PurposeFactory(title=f"Extra {number}", owners=[owner])
        GoalFactory(purpose=extra)
        goal = GoalFactory(purpose=purpose, metric=f"Metric extra {number}")
        record(goal, str(90 - number), by=owner)
        record(purposes["goal"], str(90 - number), days_ago=number, by=owner)
        Challenge.objects.create(
            purpose=purpose,
            title=f"C{number}",
            question="Q",
            opens_at=timezone.now() - datetime.timedelta(days=number + 1),
            closes_at=timezone.now() + datetime.timedelta(days=1),
        )
    lists = [
        "/api/v1/purposes/",
        "/api/v1/purposes/cleaner/goals/",
        f"/api/v1/purposes/cleaner/goals/{purposes['goal'].pk}/measurements/",
        "/api/v1/purposes/cleaner/challenges/",
    ]
    client = api_client(owner, scope="read")
    for url in lists:
        client.get(url)
        small, small_rows = _count(client, url, 2)
        with django_assert_max_num_queries(8):
            large, large_rows = _count(client, url, 100)
        assert small_rows == 2 and large_rows >= 6, url
        assert small == large, (url, small, large)
