"""Rate limits through the pages: every limited action, per person and per address.

Each action gets a tiny limit; the request past it answers 429 with the page's words and
changes nothing, while another person from another address goes on as before. A second
limit per address stops a second account behind the same address too.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from communities.models import Invitation, JoinRequest, Membership, Role
from core import ratelimit
from discussions.models import IdeaVote, Post, Reaction, ThreadSubscription
from discussions.services import ideas as idea_services
from purposes.models import PurposeFollow
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.decisions_support import counts, open_decision, option
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, member_of

pytestmark = pytest.mark.django_db

PAUSED = "You did this many times in a short time, so it is paused."
HOME, ELSEWHERE = "10.0.0.1", "10.0.0.2"


@dataclass
class Action:
    limit: str
    # The n-th request (from 0) of `person`; each changes something the one before left.
    send: Callable[[Client, dict, str, int], object]
    # What the requests change, for `person`; None for reads, which change nothing.
    state: Callable[[dict, str], object] | None = None
    people: str = "members"


def _thread_url(name: str, d: dict, **more) -> str:
    return reverse(name, args=[d["community"].slug, d["thread"].pk, *more.values()])


ACTIONS = {
    "idea vote": Action(
        "votes",
        lambda c, d, who, n: c.post(
            reverse("idea_vote", args=[d["community"].slug, d["idea"].pk]),
            {"action": "withdraw" if n % 2 else "vote"},
        ),
        lambda d, who: (
            IdeaVote.objects.filter(user=d[who]).count(),
            IdeaVote.objects.filter(idea__thread=d["idea"]).count(),
        ),
    ),
    "decision vote": Action(
        "votes",
        lambda c, d, who, n: c.post(
            reverse("decision_vote", args=[d["community"].slug, d["decision"].thread.pk]),
            {"option": option(d["decision"], "Red").pk, "choose": "0" if n % 2 else "1"},
        ),
        lambda d, who: (counts(d["decision"]), d["decision"].votes.filter(user=d[who]).count()),
    ),
    "reaction": Action(
        "reactions",
        lambda c, d, who, n: c.post(
            _thread_url("post_react", d, post=d["first_post"].pk), {"kind": "like"}
        ),
        lambda d, who: Reaction.objects.filter(user=d[who]).count(),
    ),
    "follow": Action(
        "follows",
        lambda c, d, who, n: c.post(
            _thread_url("thread_follow", d), {"following": "1" if n % 2 else "0"}
        ),
        lambda d, who: list(
            ThreadSubscription.objects.filter(user=d[who]).values_list("following", flat=True)
        ),
    ),
    "purpose follow": Action(
        "follows",
        lambda c, d, who, n: c.post(
            reverse("purpose_follow", args=[d["community"].purpose.slug]),
            {"following": "1" if n % 2 == 0 else "0"},
        ),
        lambda d, who: PurposeFollow.objects.filter(user=d[who]).count(),
    ),
    "join": Action(
        "joins",
        lambda c, d, who, n: c.post(reverse("community_join", args=[d["open"][n].slug])),
        lambda d, who: Membership.objects.filter(user=d[who]).count(),
        people="outsiders",
    ),
    "request to join": Action(
        "joins",
        lambda c, d, who, n: c.post(
            reverse("community_request", args=[d["on_request"][n].slug]), {"message": "Hi"}
        ),
        lambda d, who: JoinRequest.objects.filter(user=d[who]).count(),
        people="outsiders",
    ),
    "invitation link": Action(
        "invitations",
        lambda c, d, who, n: c.post(
            reverse("community_invite_link", args=[d["community"].slug]),
            {"max_uses": "5", "valid_days": "7", "member_type": ""},
        ),
        lambda d, who: Invitation.objects.filter(invited_by=d[who]).count(),
        people="moderators",
    ),
    "invitation emails": Action(
        "invitations",
        lambda c, d, who, n: c.post(
            reverse("community_invite", args=[d["community"].slug]),
            {"emails": f"new{who}{n}@example.org", "valid_days": "7", "member_type": ""},
        ),
        lambda d, who: Invitation.objects.filter(invited_by=d[who]).count(),
        people="moderators",
    ),
    "mention lookup in a thread": Action(
        "lookups",
        lambda c, d, who, n: c.get(_thread_url("thread_mentions", d), {"q": "Per"}),
    ),
    "mention lookup in a community": Action(
        "lookups",
        lambda c, d, who, n: c.get(
            reverse("community_mentions", args=[d["community"].slug]), {"q": "Per"}
        ),
    ),
    "similar ideas": Action(
        "lookups",
        lambda c, d, who, n: c.get(
            reverse("idea_similar", args=[d["community"].slug]), {"title": "Night deliveries"}
        ),
    ),
    "search": Action("search", lambda c, d, who, n: c.get(reverse("search"), {"q": "thread"})),
    # Every other form that writes shares one ceiling ("writes"): a reply, an edit, the
    # profile and a moderator's removal stand for the rest.
    "reply": Action(
        "writes",
        lambda c, d, who, n: c.post(_thread_url("thread_reply", d), {"body": f"Reply {n}"}),
        lambda d, who: Post.objects.filter(author=d[who]).count(),
    ),
    "post edit": Action(
        "writes",
        lambda c, d, who, n: c.post(
            _thread_url("post_edit", d, post=d[f"{who}_post"].pk), {"body": f"Edited {n}"}
        ),
        lambda d, who: Post.objects.get(pk=d[f"{who}_post"].pk).body,
    ),
    "profile": Action(
        "writes",
        lambda c, d, who, n: c.post(
            reverse("settings_profile"),
            {"display_name": f"Name {n}", "bio": "", "timezone": "UTC", "language": "en"},
        ),
        lambda d, who: User.objects.get(pk=d[who].pk).display_name,
    ),
    "member removal": Action(
        "writes",
        lambda c, d, who, n: c.post(
            reverse(
                "community_member_remove",
                args=[d["community"].slug, d[f"{who}_removable"][n].pk],
            )
        ),
        lambda d, who: Membership.objects.filter(community=d["community"]).count(),
        people="moderators",
    ),
}


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """Mid-minute, held still: no window ends (and resets the counts) during a test."""
    monkeypatch.setattr(ratelimit, "now", lambda: 1_000_000.0)


@pytest.fixture
def data() -> dict:
    owner = UserFactory(member_type="employee")
    community = CommunityFactory(
        owner=owner, visibility="public", audience=("employee", "customer")
    )
    d = {"community": community}
    d["ana"], d["bo"] = member_of(community), member_of(community)
    d["ana_outsider"], d["bo_outsider"] = (UserFactory(member_type="employee") for _ in "ab")
    d["ana_moderator"], d["bo_moderator"] = (
        member_of(community, role=Role.MODERATOR) for _ in "ab"
    )
    d["thread"] = ThreadFactory(community=community, author=owner)
    d["first_post"] = first_post(d["thread"])
    d["idea"] = idea_services.submit_idea(
        author=owner, community=community, title="Night deliveries", description="Fewer trucks."
    ).thread
    d["decision"] = open_decision(community)
    for name in ("ana", "bo"):
        d[f"{name}_post"] = PostFactory(thread=d["thread"], author=d[name])
        d[f"{name}_moderator_removable"] = [
            Membership.objects.get(community=community, user=member_of(community)) for _ in range(3)
        ]
    purpose = community.purpose
    d["open"] = [CommunityFactory(owner=owner, purpose=purpose) for _ in range(3)]
    d["on_request"] = [
        CommunityFactory(owner=owner, purpose=purpose, join_policy="request") for _ in range(3)
    ]
    return d


def _person(action: Action, name: str) -> str:
    return {"members": name, "outsiders": f"{name}_outsider", "moderators": f"{name}_moderator"}[
        action.people
    ]


def _client(d: dict, who: str, address: str) -> Client:
    client = Client(REMOTE_ADDR=address)
    client.force_login(d[who])
    return client


def _allowed(action: Action, d: dict, client: Client, who: str, n: int) -> None:
    """Send the n-th request and check it went through and (for writes) changed something."""
    before = action.state(d, who) if action.state else None
    response = action.send(client, d, who, n)
    assert response.status_code in {200, 302}, (n, response.status_code)
    if action.state:
        assert action.state(d, who) != before, n


def _refused(action: Action, d: dict, client: Client, who: str, n: int) -> None:
    """Send the n-th request and check it was refused with the 429 page, changing nothing."""
    before = action.state(d, who) if action.state else None
    response = action.send(client, d, who, n)
    assert response.status_code == 429
    assert PAUSED in response.text
    assert "Too many attempts" in response.text
    assert int(response["Retry-After"]) >= 1
    if action.state:
        assert action.state(d, who) == before


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_person_past_the_limit_is_refused_and_others_are_not(name, data, settings):
    action = ACTIONS[name]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, action.limit: "2/m/user,100/m/ip"}
    ana, bo = _person(action, "ana"), _person(action, "bo")
    ana_client = _client(data, ana, HOME)

    _allowed(action, data, ana_client, ana, 0)
    _allowed(action, data, ana_client, ana, 1)
    _refused(action, data, ana_client, ana, 2)

    _allowed(action, data, _client(data, bo, ELSEWHERE), bo, 0)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_an_address_past_its_limit_stops_a_second_account_behind_it(name, data, settings):
    action = ACTIONS[name]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, action.limit: "100/m/user,2/m/ip"}
    ana, bo = _person(action, "ana"), _person(action, "bo")
    ana_client = _client(data, ana, HOME)
    _allowed(action, data, ana_client, ana, 0)
    _allowed(action, data, ana_client, ana, 1)

    _refused(action, data, _client(data, bo, HOME), bo, 0)
    _allowed(action, data, _client(data, bo, ELSEWHERE), bo, 0)


def test_a_visitors_searches_are_counted_by_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m/user,2/m/ip"}
    visitor = Client(REMOTE_ADDR=HOME)
    assert visitor.get(reverse("search"), {"q": "a"}).status_code == 200
    assert visitor.get(reverse("search"), {"q": "b"}).status_code == 200
    response = visitor.get(reverse("search"), {"q": "c"})
    assert response.status_code == 429
    assert PAUSED in response.text
    assert Client(REMOTE_ADDR=ELSEWHERE).get(reverse("search"), {"q": "c"}).status_code == 200


def test_htmx_gets_the_short_message_an_action_at_the_top_of_the_page(data, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "votes": "1/m/user", "lookups": "1/m/user"}
    client = _client(data, "ana", HOME)
    url = reverse("idea_vote", args=[data["community"].slug, data["idea"].pk])
    htmx = {"HX-Request": "true"}
    assert client.post(url, {"action": "vote"}, headers=htmx).status_code == 200

    response = client.post(url, {"action": "withdraw"}, headers=htmx)

    assert response.status_code == 429
    assert response["HX-Retarget"] == "#main"
    assert response["HX-Reswap"] == "afterbegin"
    assert int(response["Retry-After"]) >= 1
    assert PAUSED in response.text
    assert "<html" not in response.text
    assert IdeaVote.objects.filter(user=data["ana"]).count() == 1

    lookup = _thread_url("thread_mentions", data)
    assert client.get(lookup, {"q": "Per"}, headers=htmx).status_code == 200
    response = client.get(lookup, {"q": "Pe"}, headers=htmx)
    assert response.status_code == 429
    assert "HX-Retarget" not in response  # the message takes the suggestions' place
    assert int(response["Retry-After"]) >= 1
    assert PAUSED in response.text


def test_inserting_a_mention_is_not_a_lookup(data, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookups": "1/m/user"}
    client = _client(data, "ana", HOME)
    url = reverse("community_mentions", args=[data["community"].slug])
    assert client.get(url, {"q": "Per"}).status_code == 200
    for _ in range(3):
        response = client.post(url, {"person": data["bo"].pk, "body": "Hello"})
        assert response.status_code == 200
        assert f"@{data['bo'].name}" in response.text


def test_the_invitations_per_hour_limit_still_holds(data, settings):
    settings.INVITATIONS_PER_HOUR = 1
    client = _client(data, "ana_moderator", HOME)
    url = reverse("community_invite", args=[data["community"].slug])
    form = {"valid_days": "7", "member_type": ""}
    client.post(url, {**form, "emails": "one@example.org"})

    response = client.post(url, {**form, "emails": "two@example.org"})

    assert response.status_code == 200
    assert Invitation.objects.filter(invited_by=data["ana_moderator"]).count() == 1
