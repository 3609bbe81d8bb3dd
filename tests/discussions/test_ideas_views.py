"""Idea pages through the browser's eyes: forms, messages, redirects, the role matrix."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from communities.models import Role
from discussions.models import Activity, GoalLink, Idea, IdeaStatus, IdeaStatusChange, IdeaVote
from discussions.services import ideas as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import member_of
from tests.discussions.test_ideas_factories import (
    challenge_of,
    goal_of,
    idea_in,
    open_community,
    people_in,
    vote_by,
)

pytestmark = pytest.mark.django_db


def _url(name: str, community, idea=None, **extra) -> str:
    kwargs = {"slug": community.slug, **extra}
    if idea is not None:
        kwargs["thread_id"] = idea.thread_id
    return reverse(name, kwargs=kwargs)


def _messages(response) -> list[str]:
    """The messages a response leaves for the next page (tests post with `_fresh`)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def _fresh(client):
    """The client without the messages of earlier, unfollowed redirects."""
    client.cookies.pop("messages", None)
    return client


def _person(kind: str, community):
    """anonymous, non-member, member, moderator, owner (community) or purpose-owner."""
    if kind == "anonymous":
        return None
    if kind == "non-member":
        return UserFactory(member_type="employee")
    if kind == "member":
        return member_of(community)
    if kind == "moderator":
        return member_of(community, role=Role.MODERATOR)
    if kind == "owner":
        return owner_of(community)
    return community.purpose.owners.exclude(memberships__community=community).get()


ROLES = ["anonymous", "non-member", "member", "moderator", "owner", "purpose-owner"]


# -- the list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "kind", "status"),
    [
        ("public", "anonymous", 200),
        ("public", "non-member", 200),
        ("public", "member", 200),
        ("private", "anonymous", 404),
        ("private", "non-member", 404),
        ("private", "member", 200),
        ("listed", "non-member", 404),
        ("secret", "non-member", 404),
        ("secret", "member", 200),
    ],
)
def test_who_may_read_the_idea_list(client, visibility, kind, status):
    community = CommunityFactory(visibility=visibility)
    idea_in(community, title="Solar roofs")
    person = _person(kind, community)
    if person is not None:
        client.force_login(person)
    response = client.get(_url("idea_list", community))
    assert response.status_code == status
    if status == 200:
        assert "Solar roofs" in response.content.decode()


def test_list_shows_votes_status_and_the_viewers_vote(client):
    community = open_community()
    liked = idea_in(community, title="Solar roofs", tags=["energy"])
    idea_in(community, title="Bike sheds")
    person = member_of(community)
    vote_by(liked, [person] + people_in(community, 2))
    client.force_login(person)

    response = client.get(_url("idea_list", community) + "?sort=top")

    page = response.context["page"]
    assert [(i.thread.title, i.vote_count, i.viewer_voted) for i in page.items] == [
        ("Solar roofs", 3, True),
        ("Bike sheds", 0, False),
    ]
    html = response.content.decode()
    assert "Withdraw vote" in html
    assert "#energy" in html
    assert 'href="/communities/' in html


def test_list_filters_by_tag_and_htmx_gets_only_the_rows(client):
    community = open_community()
    idea_in(community, title="Solar roofs", tags=["energy"])
    idea_in(community, title="Bike sheds")
    response = client.get(_url("idea_list", community) + "?tag=energy", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Solar roofs" in html and "Bike sheds" not in html
    assert "<html" not in html


# -- submitting -----------------------------------------------------------------------------


def test_submitting_suggests_similar_ideas_then_posts_anyway(client):
    community = open_community()
    existing = idea_in(community, title="Dark mode for the mobile app")
    person = member_of(community)
    client.force_login(person)
    url = _url("idea_create", community)
    data = {"title": "Add a dark mode to the app", "description": "Night reading."}

    first = client.post(url, data)

    assert first.status_code == 200
    html = first.content.decode()
    assert "Similar ideas" in html
    assert existing.thread.get_absolute_url() in html
    assert 'name="confirm"' in html and "Post anyway" in html
    assert Idea.objects.count() == 1

    second = client.post(url, {**data, "confirm": "1"})

    idea = Idea.objects.exclude(pk=existing.pk).get()
    assert second.status_code == 302
    assert second["Location"] == idea.thread.get_absolute_url()
    assert idea.thread.title == "Add a dark mode to the app"
    assert idea.thread.author == person
    assert Activity.objects.filter(thread=idea.thread, kind="idea_posted").count() == 1


def test_submitting_without_similar_ideas_posts_at_once(client):
    community = open_community()
    idea_in(community, title="Better coffee in the canteen")
    client.force_login(member_of(community))
    response = client.post(
        _url("idea_create", community), {"title": "Dark mode", "description": "Please."}
    )
    assert response.status_code == 302
    assert Idea.objects.count() == 2


def test_similar_ideas_while_typing(client):
    community = open_community()
    idea_in(community, title="Dark mode for the mobile app")
    response = client.get(_url("idea_similar", community) + "?title=dark+mode+app")
    assert "Dark mode for the mobile app" in response.content.decode()
    nothing = client.get(_url("idea_similar", community) + "?title=coffee")
    assert "Similar ideas" not in nothing.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "description": "Text"}, "This field is required."),
        ({"title": "   ", "description": "Text"}, "This field is required."),
        ({"title": "Big", "description": "x" * 1024 * 1024}, "A description can be at most"),
        ({"title": "T", "description": "Text", "challenge": "999999"}, "Choose a challenge"),
    ],
    ids=["empty-title", "blank-title", "one-megabyte", "unknown-challenge"],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_posted(client, data, message):
    community = open_community()
    client.force_login(member_of(community))
    response = client.post(_url("idea_create", community), {**data, "confirm": "1"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Idea.objects.count() == 0


def test_answering_a_closed_challenge_is_refused_with_its_closing_date(client):
    community = open_community()
    closed = challenge_of(community, opens_in_days=-20, closes_in_days=-2)
    open_one = challenge_of(community, opens_in_days=-1, closes_in_days=4)
    client.force_login(member_of(community))
    url = _url("idea_create", community)

    form = client.get(url).content.decode()
    assert open_one.title in form and closed.title not in form

    response = client.post(
        url, {"title": "Late", "description": "Too late?", "challenge": closed.pk, "confirm": "1"}
    )
    html = response.content.decode()
    assert "closed on" in html and closed.title in html
    assert Idea.objects.count() == 0

    client.post(
        url, {"title": "On time", "description": "Yes", "challenge": open_one.pk, "confirm": "1"}
    )
    assert Idea.objects.get().challenge == open_one


@pytest.mark.parametrize(("kind", "status"), [("anonymous", 302), ("non-member", 403)])
def test_only_members_get_the_form(client, kind, status):
    community = open_community()
    person = _person(kind, community)
    if person is not None:
        client.force_login(person)
    response = client.post(
        _url("idea_create", community), {"title": "Mine", "description": "Text", "confirm": "1"}
    )
    assert response.status_code == status
    if status == 403:
        assert "Join the community to take part." in response.content.decode()
    assert Idea.objects.count() == 0


# -- voting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ROLES)
def test_voting_per_role(client, kind):
    community = open_community()
    idea = idea_in(community)
    person = _person(kind, community)
    if person is not None:
        client.force_login(person)

    response = client.post(_url("idea_vote", community, idea))

    idea.refresh_from_db()
    if kind == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert idea.vote_count == 0
    elif kind in ("non-member", "purpose-owner"):
        # A purpose owner who is not a member manages ideas but votes only as a member.
        assert _messages(response) == ["Join the community to take part."]
        assert idea.vote_count == 0
    else:
        assert _messages(response) == ["Thank you: your vote is counted."]
        assert response["Location"] == idea.thread.get_absolute_url()
        assert idea.vote_count == 1


def test_voting_twice_and_withdrawing(client):
    community = open_community()
    idea = idea_in(community)
    person = member_of(community)
    client.force_login(person)
    url = _url("idea_vote", community, idea)
    back = _url("idea_list", community) + "?sort=top"

    client.post(url, {"next": back})
    again = _fresh(client).post(url, {"next": back})
    assert _messages(again) == ["You have already voted for this idea."]
    assert again["Location"] == back
    idea.refresh_from_db()
    assert idea.vote_count == 1

    withdrawn = _fresh(client).post(
        url, {"action": "withdraw", "next": "https://elsewhere.example/"}
    )
    assert _messages(withdrawn) == ["Your vote is withdrawn."]
    assert withdrawn["Location"] == idea.thread.get_absolute_url()
    idea.refresh_from_db()
    assert idea.vote_count == 0


def test_vendors_are_told_why_they_cannot_vote(client):
    community = open_community(idea_voters=("employee", "customer"))
    idea = idea_in(community)
    vendor = member_of(community, member_type="vendor")
    client.force_login(vendor)

    page = client.get(idea.thread.get_absolute_url()).content.decode()
    assert "vendor members may comment on ideas but not vote" in page

    response = client.post(_url("idea_vote", community, idea))
    assert _messages(response) == [
        "In this community, vendor members may comment on ideas but not vote."
    ]
    assert IdeaVote.objects.count() == 0


def test_htmx_vote_returns_the_button(client):
    community = open_community()
    idea = idea_in(community)
    client.force_login(member_of(community))
    url = _url("idea_vote", community, idea)

    response = client.post(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="idea-vote-{idea.pk}"' in html
    assert "Withdraw vote" in html and "<strong>1</strong>" in html

    again = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "You have already voted for this idea." in again
    assert "<strong>1</strong>" in again


def test_voting_in_a_private_community_one_is_not_in_is_a_404(client):
    community = CommunityFactory(visibility="private")
    idea = idea_in(community)
    client.force_login(UserFactory(member_type="employee"))
    assert client.post(_url("idea_vote", community, idea)).status_code == 404
    assert IdeaVote.objects.count() == 0


# -- the idea page --------------------------------------------------------------------------


def test_the_thread_page_shows_the_panel(client):
    community = open_community()
    idea = idea_in(community, title="Solar roofs")
    vote_by(idea, people_in(community, 6, "customer"))
    goal = goal_of(community, metric="CO2 emissions")
    manager = owner_of(community)
    services.link_goal(thread=idea.thread, goal=goal, by=manager, expected_impact="-5 t a year")
    services.change_status(idea=idea, by=manager, status="planned", response="We *will*.")

    html = client.get(idea.thread.get_absolute_url()).content.decode()

    assert "Official response" in html
    assert "We <em>will</em>." in html
    assert "Planned" in html
    assert "CO2 emissions" in html and "-5 t a year" in html
    assert "fewer than 5" in html and ">6<" in html
    assert "Sign in to vote" in html
    assert "Change status" not in html

    client.force_login(manager)
    managing = client.get(idea.thread.get_absolute_url()).content.decode()
    assert "Change status" in managing
    assert _url("idea_merge", community, idea) in managing


# -- managing -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ROLES)
def test_status_change_per_role(client, kind):
    community = open_community()
    idea = idea_in(community)
    person = _person(kind, community)
    if person is not None:
        client.force_login(person)

    response = client.post(
        _url("idea_status", community, idea), {"status": "planned", "response": "Next month."}
    )

    idea.refresh_from_db()
    if kind in ("moderator", "owner", "purpose-owner"):
        assert response.status_code == 302
        assert idea.status == IdeaStatus.PLANNED
        assert _messages(response) == [
            "Status changed to “Planned”; the response is shown on the idea."
        ]
    else:
        assert response.status_code == (302 if kind == "anonymous" else 403)
        assert idea.status == IdeaStatus.NEW
        assert IdeaStatusChange.objects.count() == 0


def test_status_change_needs_a_response(client):
    community = open_community()
    idea = idea_in(community)
    client.force_login(owner_of(community))
    response = client.post(_url("idea_status", community, idea), {"status": "planned"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == "new"


def test_merge_page_suggests_and_merges(client):
    community = open_community()
    original = idea_in(community, title="Dark mode for the mobile app")
    duplicate = idea_in(community, title="Dark mode on the app")
    both = people_in(community, 2)
    vote_by(original, both + people_in(community, 1))
    vote_by(duplicate, both + people_in(community, 3))
    client.force_login(owner_of(community))
    url = _url("idea_merge", community, duplicate)

    page = client.get(url).content.decode()
    assert "Dark mode for the mobile app" in page and f"?into={original.thread_id}" in page

    missing = client.post(url, {"original": 999999})
    assert "There is no idea with this number in this community." in missing.content.decode()

    response = client.post(url, {"original": original.thread_id, "response": ""})
    assert response["Location"] == original.thread.get_absolute_url()
    assert _messages(response) == ["Merged. The original now has 6 votes."]
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert (original.vote_count, duplicate.merged_into) == (6, original)

    html = client.get(duplicate.thread.get_absolute_url()).content.decode()
    assert "This idea was merged into" in html
    assert original.thread.get_absolute_url() in html


def test_members_cannot_open_the_merge_page(client):
    community = open_community()
    idea = idea_in(community)
    client.force_login(member_of(community))
    assert client.get(_url("idea_merge", community, idea)).status_code == 403


def test_link_and_unlink_a_goal(client):
    community = open_community()
    idea = idea_in(community)
    goal = goal_of(community, metric="Waste")
    client.force_login(owner_of(community))

    linked = client.post(
        _url("idea_link_goal", community, idea), {"goal": goal.pk, "expected_impact": "-10 %"}
    )
    assert _messages(linked) == ["Linked to the goal “Waste”."]
    assert GoalLink.objects.get().expected_impact == "-10 %"

    foreign = goal_of(open_community())
    refused = _fresh(client).post(_url("idea_link_goal", community, idea), {"goal": foreign.pk})
    assert _messages(refused) == ["Choose a goal of this community's purpose."]
    assert GoalLink.objects.count() == 1

    unlinked = _fresh(client).post(_url("idea_unlink_goal", community, idea, goal_id=goal.pk))
    assert _messages(unlinked) == ["The goal is no longer linked."]
    assert GoalLink.objects.count() == 0


def test_members_cannot_link_goals(client):
    community = open_community()
    idea = idea_in(community)
    goal = goal_of(community)
    client.force_login(member_of(community))
    response = client.post(_url("idea_link_goal", community, idea), {"goal": goal.pk})
    assert response.status_code == 403
    assert GoalLink.objects.count() == 0


# -- the purpose page -----------------------------------------------------------------------


def test_purpose_page_lists_linked_ideas_by_status_respecting_visibility(client):
    public = open_community()
    private = CommunityFactory(visibility="private", purpose=public.purpose, owner=owner_of(public))
    manager = owner_of(public)
    goal = goal_of(public, metric="Energy use")
    shown = idea_in(public, title="Public solar idea")
    hidden = idea_in(private, title="Secret heat pump idea")
    for idea in (shown, hidden):
        services.link_goal(thread=idea.thread, goal=goal, by=manager)
        services.change_status(idea=idea, by=manager, status="implemented", response="Done.")
    url = public.purpose.get_absolute_url()

    visitor = client.get(url).content.decode()
    assert "Public solar idea" in visitor
    assert "Secret heat pump idea" not in visitor
    assert "1 implemented idea" in visitor

    client.force_login(UserFactory(member_type="employee"))
    outsider = client.get(url).content.decode()
    assert "Secret heat pump idea" not in outsider

    client.force_login(member_of(private))
    insider = client.get(url).content.decode()
    assert "Secret heat pump idea" in insider
    assert "2 implemented ideas" in insider


# -- tampered addresses ---------------------------------------------------------------------


def test_tampered_cursors_and_numbers_are_harmless(client):
    community = open_community()
    idea = idea_in(community, title="Solar roofs")
    url = _url("idea_list", community)
    for query in (
        "?after=1e400|5",
        "?after=nan|5",
        "?sort=top&after=99999999999999999999999|99999999999999999999999",
        "?sort=newest&after=yesterday|1",
        "?challenge=99999999999999999999999&status=bogus&sort=bogus",
    ):
        response = client.get(url + query)
        assert response.status_code == 200, query
        assert "Solar roofs" in response.content.decode(), query
    client.force_login(member_of(community))
    huge = reverse("idea_vote", kwargs={"slug": community.slug, "thread_id": 10**30})
    assert client.post(huge).status_code == 404
    merge = _url("idea_merge", community, idea)
    client.force_login(owner_of(community))
    response = client.post(merge, {"original": 10**30})
    assert response.status_code == 200
    idea.refresh_from_db()
    assert idea.merged_into is None
