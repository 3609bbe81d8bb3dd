"""Limits rise with trust: a new account hits a limit a regular does not; a rate answers
429 with a clear message, a post holding too much answers on the form; the text typed is
kept either way."""

import json

import pytest
from django.urls import reverse

from core import ratelimit
from discussions.models import Post, Thread
from moderation import selectors
from moderation.models import PersonTrust, TrustLevel
from tests.api.support import api_client
from tests.discussions.factories import member_of
from tests.moderation.support import client_for, place, text

pytestmark = pytest.mark.django_db

# The clock the limits count by, held 800 s before an hour ends and 36,800 s before a
# day does, so the wait a refusal names is exact.
STILL = 1_000_000.0


@pytest.fixture
def still_clock(monkeypatch):
    monkeypatch.setattr(ratelimit, "now", lambda: STILL)


def configure(**values) -> None:
    row = selectors.moderation_settings()
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


def regular(user) -> None:
    PersonTrust.objects.create(user=user, level=TrustLevel.REGULAR)


def reply(client, where, body):
    return client.post(
        reverse("thread_reply", args=[where.community.slug, where.thread.pk]), {"body": body}
    )


def test_a_new_account_hits_the_hourly_post_limit_a_regular_does_not(still_clock):
    where = place()
    configure(posts_per_hour_new=2, posts_per_hour_regular=50)
    newcomer, old_hand = member_of(where.community), member_of(where.community)
    regular(old_hand)
    new_client, old_client = client_for(newcomer), client_for(old_hand)

    assert [reply(new_client, where, f"Hello {n}").status_code for n in range(2)] == [302, 302]
    refused = reply(new_client, where, "My third carefully typed reply")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "800"
    body = text(refused)
    assert "You have posted as much as your trust level allows in an hour" in body
    assert "Try again in 13 minutes" in body
    assert "My third carefully typed reply" in body
    assert not Post.objects.filter(body="My third carefully typed reply").exists()

    assert [reply(old_client, where, f"Hi {n}").status_code for n in range(3)] == [302] * 3


def test_links_per_post_are_limited_for_new_accounts_and_the_form_keeps_the_text():
    where = place()
    configure(links_per_post_new=2, links_per_post_regular=20)
    newcomer, old_hand = member_of(where.community), member_of(where.community)
    regular(old_hand)
    spammy = "See https://a.example and https://b.example and [c](https://c.example)"

    refused = reply(client_for(newcomer), where, spammy)
    assert refused.status_code == 200
    assert "Retry-After" not in refused  # nothing to wait for: the post must change
    assert "a post may hold at most 2 links; this one has 3" in text(refused)
    assert "https://b.example" in text(refused)
    assert not Post.objects.filter(author=newcomer, body=spammy).exists()

    assert reply(client_for(old_hand), where, spammy).status_code == 302
    assert Post.objects.filter(author=old_hand, body=spammy).exists()


def test_mentions_and_images_are_limited_by_trust_too():
    where = place()
    configure(mentions_per_post_new=1, images_per_post_new=0)
    newcomer = member_of(where.community)
    refused = reply(client_for(newcomer), where, "@Ada and @Bob, look")
    assert "may mention at most 1 person; this one mentions 2" in text(refused)


def test_the_thread_and_idea_forms_past_the_hourly_thread_limit_say_when_to_retry(still_clock):
    where = place()
    configure(threads_per_hour_new=1, posts_per_hour_new=50)
    client = client_for(member_of(where.community))
    slug = where.community.slug

    def start_thread(title):
        return client.post(
            reverse("thread_create", args=[slug]),
            {"kind": "discussion", "title": title, "body": "Body of it", "tags": ""},
        )

    assert start_thread("First of the hour").status_code == 302
    refused = start_thread("Second carefully titled thread")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "800"
    assert "started as many threads as your trust level allows" in text(refused)
    assert "Second carefully titled thread" in text(refused)

    refused = client.post(
        reverse("idea_create", args=[slug]),
        {"title": "Solar roof on the depot", "description": "Panels", "confirm": "1"},
    )
    assert refused.status_code == 429
    assert refused["Retry-After"] == "800"
    assert "started as many threads as your trust level allows" in text(refused)
    assert "Solar roof on the depot" in text(refused)
    assert not Thread.objects.filter(
        title__in=["Second carefully titled thread", "Solar roof on the depot"]
    ).exists()


def test_the_api_answers_429_past_the_hourly_thread_limit():
    where = place()
    configure(threads_per_hour_new=1)
    newcomer = member_of(where.community)
    api = api_client(newcomer)
    url = f"/api/v1/communities/{where.community.slug}/threads/"

    def start(title):
        return api.post(
            url,
            data=json.dumps({"kind": "discussion", "title": title, "body": "Body"}),
            content_type="application/json",
        )

    assert start("First").status_code == 201
    refused = start("Second")
    assert refused.status_code == 429
    assert "started as many threads as your trust level allows" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    assert not Thread.objects.filter(title="Second").exists()


def test_invitations_per_day_are_limited_by_the_moderators_trust(still_clock):
    where = place()
    configure(invitations_per_day_new=1)
    client = client_for(where.moderator)
    url = reverse("community_invite", args=[where.community.slug])
    first = client.post(url, {"emails": "one@example.org", "valid_days": 14})
    assert first.status_code == 302
    refused = client.post(url, {"emails": "two@example.org", "valid_days": 14})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "36800"
    assert "sent as many invitations as your trust level allows in a day" in text(refused)
    assert "two@example.org" in text(refused)
