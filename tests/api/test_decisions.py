"""Decisions through the API, as the decision pages allow: members open them, vote and
change their vote; the author or a moderator closes them and records the outcome. Hidden
decisions answer 404, refusals 403 with the reason, bad input 400 per field."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discussions.models import Decision, DecisionVote, Thread
from tests.api.support import api_client, place
from tests.discussions.decisions_support import counts, open_decision, option
from tests.discussions.factories import member_of

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _url(community, rest: str = "") -> str:
    return f"/api/v1/communities/{community.slug}/decisions/{rest}"


def test_decisions_follow_the_access_rule_in_list_and_detail():
    spot = place("private")
    decision = open_decision(spot.community, title="Which colour?")
    for person, status in ((None, 404), (spot.outsider, 404), (spot.member, 200)):
        client = api_client(person, scope="read")
        listed = client.get(_url(spot.community))
        detail = client.get(_url(spot.community, f"{decision.thread_id}/"))
        assert (listed.status_code, detail.status_code) == (status, status)
        if status == 404:
            assert b"colour" not in listed.content + detail.content
    rows = api_client(spot.member, scope="read").get(_url(spot.community)).json()["results"]
    assert [(row["title"], row["mode"], row["voter_count"]) for row in rows] == [
        ("Which colour?", "single", 0)
    ]


def test_a_member_opens_a_decision_and_bad_input_is_refused_per_field():
    spot = place("public")
    client = api_client(spot.member)
    closes = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    bad = client.post(
        _url(spot.community),
        {"title": "Vans", "body": "Which?", "options": ["Only one"], "closes_at": closes},
        JSON,
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"options": ["Give at least two options, one per line."]}
    past = client.post(
        _url(spot.community),
        {
            "title": "Vans",
            "body": "Which?",
            "options": ["A", "B"],
            "closes_at": "2001-01-01T00:00:00Z",
        },
        JSON,
    )
    assert past.json()["errors"] == {"closes_at": ["The closing time must be in the future."]}
    answer = client.post(
        _url(spot.community),
        {
            "title": "Vans",
            "body": "Which **brand**?",
            "mode": "multiple",
            "options": ["Alpha", "Beta", "Gamma"],
            "closes_at": closes,
            "voter_types": ["employee"],
            "show_results_before_close": False,
        },
        JSON,
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert answer["Location"] == body["url"]
    assert [o["label"] for o in body["options"]] == ["Alpha", "Beta", "Gamma"]
    assert body["voter_types"] == ["employee"]
    # Its author may always see the results; others wait for the close.
    assert body["results_visible"] is True
    other = api_client(member_of(spot.community), scope="read").get(body["url"]).json()
    assert other["results_visible"] is False
    assert other["options"][0]["vote_count"] is None and other["voter_count"] is None
    outsider = api_client(spot.outsider).post(
        _url(spot.community),
        {"title": "X", "body": "Y", "options": ["A", "B"], "closes_at": closes},
        JSON,
    )
    assert outsider.status_code == 403
    assert outsider.json()["detail"] == "Join the community to take part."
    assert Thread.objects.filter(kind="decision").count() == 1


def test_members_vote_change_their_vote_and_withdraw():
    spot = place("public")
    decision = open_decision(spot.community)
    red, green = option(decision, "Red"), option(decision, "Green")
    client = api_client(spot.member)
    base = _url(spot.community, f"{decision.thread_id}/votes/")
    answer = client.put(f"{base}{red.pk}/")
    assert answer.status_code == 200, answer.content
    assert [o["chosen"] for o in answer.json()["options"]] == [True, False, False]
    again = client.put(f"{base}{red.pk}/")
    assert again.status_code == 400
    assert again.json()["errors"] == {"non_field_errors": ["You have already chosen this option."]}
    changed = client.put(f"{base}{green.pk}/")
    assert [o["chosen"] for o in changed.json()["options"]] == [False, True, False]
    assert counts(decision) == {"Red": 0, "Green": 1, "Blue": 0, "voters": 1}
    withdrawn = client.delete(f"{base}{green.pk}/")
    assert withdrawn.status_code == 200
    assert counts(decision)["voters"] == 0
    outsider = api_client(spot.outsider).put(f"{base}{red.pk}/")
    assert outsider.status_code == 403
    assert client.put(f"{base}999999/").status_code == 404
    assert not DecisionVote.objects.exists()


def test_the_author_or_a_moderator_closes_and_records_the_outcome(
    django_capture_on_commit_callbacks,
):
    spot = place("public")
    decision = open_decision(spot.community, author=spot.member)
    close = _url(spot.community, f"{decision.thread_id}/close/")
    outcome = _url(spot.community, f"{decision.thread_id}/outcome/")
    stranger = api_client(member_of(spot.community))
    refused = stranger.post(close, {}, JSON)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only the person who opened this decision or a moderator can close it."
    )
    early = api_client(spot.member).put(outcome, {"outcome": "Red"}, JSON)
    assert early.json()["errors"] == {
        "non_field_errors": ["Close the decision before recording its outcome."]
    }
    answer = api_client(spot.member).post(close, {}, JSON)
    assert answer.status_code == 200, answer.content
    assert answer.json()["closed_at"] and answer.json()["viewer"]["can_record_outcome"]
    twice = api_client(spot.owner).post(close, {}, JSON)
    assert twice.json()["errors"] == {"non_field_errors": ["This decision is already closed."]}
    recorded = api_client(spot.owner).put(outcome, {"outcome": "We buy *red* bikes."}, JSON)
    assert recorded.status_code == 200
    assert recorded.json()["outcome_html"] == "<p>We buy <em>red</em> bikes.</p>\n"
    decision.refresh_from_db()
    assert decision.outcome == "We buy *red* bikes." and decision.outcome_by == spot.owner
    blank = api_client(spot.owner).put(outcome, {"outcome": " "}, JSON)
    assert blank.json()["errors"] == {"outcome": ["Write what was decided."]}
    voting = api_client(member_of(spot.community)).put(
        _url(spot.community, f"{decision.thread_id}/votes/{option(decision, 'Red').pk}/")
    )
    assert voting.status_code == 403
    assert voting.json()["detail"] == "Voting on this decision has closed."


def test_the_decision_list_costs_the_same_whatever_its_size(django_assert_max_num_queries):
    spot = place("public")
    for number in range(8):
        open_decision(spot.community, title=f"Decision {number}")
    client = api_client(spot.member, scope="read")
    url = _url(spot.community)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(url, {"page_size": 2}).json()["results"]) == 2
    with django_assert_max_num_queries(13), CaptureQueriesContext(connection) as large:
        assert len(client.get(url, {"page_size": 100}).json()["results"]) == 8
    assert len(small) == len(large)
    assert Decision.objects.count() == 8
