"""An Idempotency-Key makes a retried create answer the first result instead of
creating twice."""

import pytest

from api.models import IdempotentResult
from discussions.models import Idea, IdeaVote, Post, Thread
from tests.api.support import api_client, ideas_url, place, thread_in, threads_url

pytestmark = pytest.mark.django_db

IDEA = {"title": "Cargo bikes", "description": "From the hubs."}


def test_a_retried_create_answers_the_first_result():
    spot = place("public")
    client = api_client(spot.member)
    first = client.post(
        ideas_url(spot.community), IDEA, "application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    retry = client.post(
        ideas_url(spot.community), IDEA, "application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Idea.objects.count() == 1
    assert Thread.objects.count() == 1


def test_each_key_creates_once_and_without_a_key_every_post_creates():
    spot = place("public")
    thread = thread_in(spot.community)
    client = api_client(spot.member)
    url = f"{threads_url(spot.community)}{thread.pk}/posts/"
    for key in ("a", "b", "a", "b"):
        client.post(url, {"body": "Same words"}, "application/json", HTTP_IDEMPOTENCY_KEY=key)
    client.post(url, {"body": "Same words"}, "application/json")
    client.post(url, {"body": "Same words"}, "application/json")
    assert Post.objects.filter(thread=thread, is_first=False).count() == 4


def test_the_same_key_for_another_request_is_refused():
    spot = place("public")
    client = api_client(spot.member)
    client.post(ideas_url(spot.community), IDEA, "application/json", HTTP_IDEMPOTENCY_KEY="k")
    other = client.post(
        ideas_url(spot.community),
        {**IDEA, "title": "Night deliveries"},
        "application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert other.status_code == 422
    assert other.json()["detail"] == (
        "This Idempotency-Key was used for another request; use a new key."
    )
    assert list(Idea.objects.values_list("thread__title", flat=True)) == ["Cargo bikes"]


def test_a_failed_request_keeps_nothing_and_may_be_corrected():
    spot = place("public")
    client = api_client(spot.member)
    failed = client.post(
        ideas_url(spot.community),
        {"title": "", "description": ""},
        "application/json",
        HTTP_IDEMPOTENCY_KEY="fix-me",
    )
    assert failed.status_code == 400
    assert not IdempotentResult.objects.exists()
    fixed = client.post(
        ideas_url(spot.community), IDEA, "application/json", HTTP_IDEMPOTENCY_KEY="fix-me"
    )
    assert fixed.status_code == 201
    assert Idea.objects.count() == 1


def test_keys_belong_to_each_person():
    spot = place("public")
    for person in (spot.member, spot.owner):
        answer = api_client(person).post(
            ideas_url(spot.community), IDEA, "application/json", HTTP_IDEMPOTENCY_KEY="shared"
        )
        assert answer.status_code == 201
    assert Idea.objects.count() == 2


def test_a_retried_vote_is_counted_once_and_answers_as_the_first():
    spot = place("public")
    idea = api_client(spot.member).post(ideas_url(spot.community), IDEA, "application/json")
    url = f"{ideas_url(spot.community)}{idea.json()['id']}/vote/"
    client = api_client(spot.owner)
    first = client.post(url, content_type="application/json", HTTP_IDEMPOTENCY_KEY="vote-1")
    retry = client.post(url, content_type="application/json", HTTP_IDEMPOTENCY_KEY="vote-1")
    assert first.status_code == retry.status_code == 200
    assert retry.json()["vote_count"] == 1
    assert IdeaVote.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_an_unusable_key_is_refused(key):
    spot = place("public")
    answer = api_client(spot.member).post(
        ideas_url(spot.community), IDEA, "application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["Idempotency-Key"]
    assert not Idea.objects.exists()
