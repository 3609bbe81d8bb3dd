"""Requests per token, per person and per visitor's address: 429 with Retry-After past
the limit, and writes keep the pages' own limits."""

import pytest
from django.test import Client

from core import ratelimit
from discussions.models import Idea
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.api.support import api_client, ideas_url, place, token_for

pytestmark = pytest.mark.django_db

IDEA = {"title": "Cargo bikes", "description": "From the hubs."}


@pytest.fixture
def still_clock(monkeypatch):
    # Mid-minute, held still: no window ends during a test.
    monkeypatch.setattr(ratelimit, "now", lambda: 1_000_050.0)


def test_a_visitor_address_is_limited_and_told_when_to_come_back(settings, still_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_anonymous": "3/m"}
    home = Client(REMOTE_ADDR="10.0.0.1")
    assert [home.get("/api/v1/communities/").status_code for _ in range(3)] == [200] * 3

    refused = home.get("/api/v1/communities/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "throttled"
    assert Client(REMOTE_ADDR="10.0.0.2").get("/api/v1/communities/").status_code == 200


def test_each_token_has_its_own_allowance(settings, still_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_token": "2/m"}
    spot = place("public")
    first = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(spot.member)}")
    second = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(spot.member)}")
    assert [first.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/me/").status_code == 200


def test_a_session_is_limited_per_person(settings, still_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_session": "1/m"}
    spot = place("public")
    client = Client()
    client.login(email=spot.member.email, password=DEFAULT_PASSWORD)
    assert [client.get("/api/v1/me/").status_code for _ in range(2)] == [200, 429]


def test_writes_keep_the_pages_limits(settings, still_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "writes": "1/m/user"}
    spot = place("public")
    client = api_client(spot.member)
    assert client.post(ideas_url(spot.community), IDEA, "application/json").status_code == 201
    refused = client.post(
        ideas_url(spot.community), {**IDEA, "title": "Night deliveries"}, "application/json"
    )
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert Idea.objects.count() == 1
