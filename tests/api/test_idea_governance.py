"""Governing ideas through the API, as idea managers do on an idea's page: status changes
with official responses (voters are told), merges, goal links. Readers see the history;
others are refused with the reason; hidden ideas answer 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discussions.models import GoalLink, Idea, IdeaStatusChange, IdeaVote
from discussions.services import ideas as idea_services
from tests.api.support import api_client, ideas_url, place
from tests.discussions.factories import member_of
from tests.notifications.support import notified
from tests.purposes.factories import GoalFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def ideas():
    spot = place("private")
    moderator = member_of(spot.community, role="moderator", display_name="Mo Moderator")
    voter = member_of(spot.community)
    idea = idea_services.submit_idea(
        author=spot.member, community=spot.community, title="Cargo bikes", description="Yes."
    )
    duplicate = idea_services.submit_idea(
        author=voter, community=spot.community, title="Cargo bicycles", description="Same."
    )
    idea_services.vote(user=voter, idea=idea)
    idea_services.vote(user=spot.owner, idea=duplicate)
    goal = GoalFactory(purpose=spot.community.purpose, metric="Delivery CO2")
    return {
        "spot": spot,
        "moderator": moderator,
        "voter": voter,
        "idea": idea,
        "duplicate": duplicate,
        "goal": goal,
    }


def _url(data, idea, rest: str) -> str:
    return f"{ideas_url(data['spot'].community)}{idea.thread_id}/{rest}"


def test_a_moderator_changes_the_status_with_a_response_and_voters_are_told(
    ideas, django_capture_on_commit_callbacks
):
    url = _url(ideas, ideas["idea"], "status-changes/")
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client(ideas["moderator"]).post(
            url, {"status": "planned", "response": "We order **ten**."}, JSON
        )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["from_status"], body["to_status"]) == ("new", "planned")
    assert body["response_html"] == "<p>We order <strong>ten</strong>.</p>\n"
    assert body["changed_by"]["name"] == "Mo Moderator"
    assert Idea.objects.get(pk=ideas["idea"].pk).status == "planned"
    assert "idea_status" in [n.kind for n in notified(ideas["voter"])]
    history = api_client(ideas["spot"].member, scope="read").get(url)
    assert [row["to_status"] for row in history.json()["results"]] == ["planned"]


def test_status_changes_are_refused_with_the_reason_or_the_field(ideas):
    url = _url(ideas, ideas["idea"], "status-changes/")
    refused = api_client(ideas["spot"].member).post(
        url, {"status": "planned", "response": "Me"}, JSON
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only the community's moderators and the purpose's owners can manage ideas."
    )
    hidden = api_client(ideas["spot"].outsider).post(
        url, {"status": "planned", "response": "Me"}, JSON
    )
    assert hidden.status_code == 404
    client = api_client(ideas["moderator"])
    blank = client.post(url, {"status": "planned", "response": "  "}, JSON)
    assert blank.json()["errors"] == {
        "response": ["Write the official response that explains this change."]
    }
    duplicate = client.post(url, {"status": "duplicate", "response": "x"}, JSON)
    assert list(duplicate.json()["errors"]) == ["status"]
    same = client.post(url, {"status": "new", "response": "x"}, JSON)
    assert same.json()["errors"] == {"status": ["The idea is already “New”."]}
    assert not IdeaStatusChange.objects.exists()


def test_merging_moves_the_votes_to_the_original(ideas):
    url = _url(ideas, ideas["duplicate"], "merge/")
    client = api_client(ideas["moderator"])
    itself = client.post(url, {"original": ideas["duplicate"].thread_id}, JSON)
    assert itself.json()["errors"] == {"original": ["An idea cannot be merged into itself."]}
    nowhere = client.post(url, {"original": 999999}, JSON)
    assert nowhere.json()["errors"] == {
        "original": ["There is no idea with this number in this community."]
    }
    refused = api_client(ideas["voter"]).post(url, {"original": ideas["idea"].thread_id}, JSON)
    assert refused.status_code == 403
    answer = client.post(url, {"original": ideas["idea"].thread_id}, JSON)
    assert answer.status_code == 200, answer.content
    assert (answer.json()["id"], answer.json()["vote_count"]) == (ideas["idea"].thread_id, 2)
    merged = Idea.objects.get(pk=ideas["duplicate"].pk)
    assert (merged.status, merged.merged_into_id, merged.vote_count) == (
        "duplicate",
        ideas["idea"].pk,
        0,
    )
    assert IdeaVote.objects.filter(idea=ideas["idea"]).count() == 2
    again = client.post(url, {"original": ideas["idea"].thread_id}, JSON)
    assert again.json()["errors"] == {
        "non_field_errors": ["This idea has already been merged into another."]
    }


def test_goal_links_by_managers_read_by_readers(ideas):
    url = _url(ideas, ideas["idea"], "goals/")
    goal = ideas["goal"]
    elsewhere = GoalFactory(metric="Other purpose's goal")
    client = api_client(ideas["moderator"])
    wrong = client.post(url, {"goal": elsewhere.pk}, JSON)
    assert wrong.json()["errors"] == {"goal": ["Choose a goal of this community's purpose."]}
    refused = api_client(ideas["spot"].member).post(url, {"goal": goal.pk}, JSON)
    assert refused.status_code == 403
    answer = client.post(url, {"goal": goal.pk, "expected_impact": "Less CO2"}, JSON)
    assert answer.status_code == 201, answer.content
    assert answer.json()["goal"]["metric"] == "Delivery CO2"
    rows = api_client(ideas["spot"].member, scope="read").get(url).json()["results"]
    assert [(row["goal"]["id"], row["expected_impact"]) for row in rows] == [(goal.pk, "Less CO2")]
    assert api_client(ideas["spot"].outsider, scope="read").get(url).status_code == 404
    assert api_client(ideas["spot"].member).delete(f"{url}{goal.pk}/").status_code == 403
    assert client.delete(f"{url}{goal.pk}/").status_code == 204
    assert not GoalLink.objects.exists()
    assert client.delete(f"{url}{elsewhere.pk}/").status_code == 404


def test_governance_lists_cost_the_same_whatever_their_size(ideas, django_assert_max_num_queries):
    client = api_client(ideas["moderator"], scope="read")
    idea = ideas["idea"]
    statuses = ["under_review", "planned", "in_progress", "implemented", "declined", "planned"]
    for status in statuses:
        idea_services.change_status(idea=idea, by=ideas["moderator"], status=status, response="R")
    for number in range(5):
        goal = GoalFactory(purpose=ideas["spot"].community.purpose, metric=f"M{number}")
        idea_services.link_goal(thread=idea.thread, goal=goal, by=ideas["moderator"])
    for rest in ("status-changes/", "goals/"):
        url = _url(ideas, idea, rest)
        client.get(url)
        with CaptureQueriesContext(connection) as small:
            assert len(client.get(url, {"page_size": 2}).json()["results"]) == 2
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as large:
            assert len(client.get(url, {"page_size": 100}).json()["results"]) >= 5
        assert len(small) == len(large), rest
