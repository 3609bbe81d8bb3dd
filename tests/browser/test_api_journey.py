"""A token made in the browser drives a whole journey through the API alone: join a
community, post an idea, vote, hear of a reply in the notifications and read them."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from discussions.models import Idea, IdeaVote
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in
from tests.communities.factories import CommunityFactory, owner_of

pytestmark = pytest.mark.browser


def _call(base: str, secret: str, method: str, path: str, body: dict | None = None):
    request = urllib.request.Request(
        f"{base}/api/v1/{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return answer.status, json.load(answer)


def test_a_token_made_in_the_browser_drives_a_journey(visitor, live_server):
    community = CommunityFactory(visibility="public", name="Fleet", join_policy="open")
    owner = owner_of(community)
    proposal = idea_services.submit_idea(
        author=owner, community=community, title="Night deliveries", description="Fewer jams."
    )
    person = UserFactory(member_type="employee", display_name="Ana Lima")
    page = visitor.page
    sign_in(visitor, person.email, DEFAULT_PASSWORD)

    visitor.goto("/settings/tokens/")
    page.get_by_label("Name").fill("Journey")
    page.get_by_label("Read and write: also post, reply and vote as you").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status")).to_contain_text("Token “Journey” created.")
    secret = page.get_by_label("Token", exact=True).input_value()
    base, slug = live_server.url, community.slug

    status, membership = _call(base, secret, "POST", f"communities/{slug}/membership/")
    assert (status, membership["role"]) == (201, "member")

    status, idea = _call(
        base,
        secret,
        "POST",
        f"communities/{slug}/ideas/",
        {"title": "Cargo bikes", "description": "From the hubs."},
    )
    assert (status, idea["author"]["name"]) == (201, "Ana Lima")

    status, voted = _call(
        base, secret, "POST", f"communities/{slug}/ideas/{proposal.thread_id}/vote/"
    )
    assert (status, voted["vote_count"], voted["viewer"]["voted"]) == (200, 1, True)
    assert IdeaVote.objects.filter(user=person, idea=proposal).exists()

    # The owner answers in the browser's stead: the author of the idea hears of it.
    thread = Idea.objects.get(thread__title="Cargo bikes").thread
    thread_services.post_reply(author=owner, thread=thread, body="Let's try it at the north hub.")

    _status, notifications = _call(base, secret, "GET", "notifications/")
    assert [row["headline"] for row in notifications["results"]] == [
        f"{owner.name} replied in “Cargo bikes”"
    ]
    assert notifications["results"][0]["excerpt"] == "Let's try it at the north hub."
    status, read = _call(base, secret, "POST", "notifications/read/")
    assert read == {"marked_read": 1, "unread_count": 0}

    # What the API did shows on the pages.
    visitor.goto(f"/communities/{slug}/")
    expect(page.get_by_role("button", name="Leave community")).to_be_visible()
    visitor.check()
