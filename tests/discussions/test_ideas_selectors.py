"""Reads about ideas: the list, similar titles, support by member type, the purpose page."""

import pytest
from django.contrib.auth.models import AnonymousUser

from discussions.models import IdeaStatus
from discussions.selectors import ideas as selectors
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


def _titles(page) -> list[str]:
    return [idea.thread.title for idea in page.items]


# -- similar titles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "similar"),
    [
        ("Dark mode for the mobile app", "Add a dark mode to the app", True),
        ("Notifications by email", "Email notification settings", True),
        ("Dark mode for the mobile app", "Better coffee in the canteen", False),
        ("The and of", "The and of", False),
    ],
)
def test_title_similarity(first, second, similar):
    score = selectors.title_similarity(first, second)
    assert (score >= selectors.SIMILARITY_THRESHOLD) is similar
    assert selectors.title_similarity(first, second) == selectors.title_similarity(second, first)


def test_similar_ideas_are_found_in_the_same_community_only_and_merged_ones_left_out():
    community = open_community()
    manager = owner_of(community)
    dark = idea_in(community, title="Dark mode for the mobile app")
    night = idea_in(community, title="Dark mode on the app at night")
    idea_in(community, title="Better coffee in the canteen")
    merged = idea_in(community, title="Dark mode app please")
    services.merge_ideas(duplicate=merged, original=dark, by=manager)
    vote_by(night, people_in(community, 2))
    other = open_community()
    idea_in(other, title="Dark mode for the mobile app")

    found = selectors.similar_ideas(community=community, title="Add a dark mode to the app")

    assert {idea.pk for idea in found} == {dark.pk, night.pk}
    scores = [idea.similarity for idea in found]
    assert scores == sorted(scores, reverse=True)
    assert selectors.similar_ideas(community=community, title="the of and") == []
    assert [idea.pk for idea in selectors.merge_candidates(idea=dark)] == [night.pk]


# -- support by member type -----------------------------------------------------------------


def test_support_shows_groups_of_fewer_than_five_only_as_fewer_than_five():
    community = open_community()
    idea = idea_in(community)
    vote_by(idea, people_in(community, 5, "employee"))
    vote_by(idea, people_in(community, 4, "customer"))
    vote_by(idea, people_in(community, 7, "partner"))

    groups = selectors.idea_support(idea=idea)

    assert [(group.member_type, group.count, group.display) for group in groups] == [
        ("employee", 5, "5"),
        ("customer", None, "fewer than 5"),
        ("vendor", None, "fewer than 5"),
        ("partner", 7, "7"),
    ]
    panel = selectors.idea_panel_context(user=AnonymousUser(), thread=idea.thread)["idea_panel"]
    assert [group.display for group in panel.support] == ["5", "fewer than 5", "fewer than 5", "7"]


# -- the panel ------------------------------------------------------------------------------


def test_panel_for_a_voter_a_manager_and_a_visitor():
    community = open_community(idea_voters=("employee",))
    idea = idea_in(community)
    voter = member_of(community)
    vendor = member_of(community, member_type="vendor")
    services.vote(user=voter, idea=idea)
    goal = goal_of(community)
    services.link_goal(thread=idea.thread, goal=goal, by=owner_of(community), expected_impact="A")
    services.change_status(
        idea=idea, by=owner_of(community), status="planned", response="In **May**."
    )
    thread = idea.thread
    thread.community = community

    mine = selectors.idea_panel_context(user=voter, thread=thread)["idea_panel"]
    assert (mine.idea.viewer_voted, mine.idea.viewer_can_vote, mine.can_manage) == (
        True,
        False,
        False,
    )
    assert mine.official_response.response_html == "<p>In <strong>May</strong>.</p>\n"
    assert [link.goal for link in mine.goal_links] == [goal]

    vendors = selectors.idea_panel_context(user=vendor, thread=thread)["idea_panel"]
    assert vendors.idea.viewer_vote_refusal == (
        "In this community, vendor members may comment on ideas but not vote."
    )

    managers = selectors.idea_panel_context(user=owner_of(community), thread=thread)
    panel = managers["idea_panel"]
    assert panel.can_manage is True
    assert "planned" not in [value for value, _label in panel.status_choices]
    assert "duplicate" not in [value for value, _label in panel.status_choices]
    assert panel.goals == []  # the only goal is linked already

    visitors = selectors.idea_panel_context(user=AnonymousUser(), thread=thread)["idea_panel"]
    assert (visitors.idea.viewer_voted, visitors.can_manage) == (False, False)
    assert visitors.idea.viewer_vote_refusal == "Sign in to take part."


def test_panel_is_empty_for_other_threads():
    from tests.discussions.factories import ThreadFactory

    thread = ThreadFactory()
    assert selectors.idea_panel_context(user=AnonymousUser(), thread=thread) == {}


# -- the list -------------------------------------------------------------------------------


def test_sorts_filters_and_keyset_pages():
    community = open_community()
    challenge = challenge_of(community, opens_in_days=-1, closes_in_days=3)
    first = idea_in(community, title="First", tags=["ux"])
    second = idea_in(community, title="Second", challenge=challenge)
    idea_in(community, title="Third", tags=["ux"])
    vote_by(first, people_in(community, 3))
    vote_by(second, people_in(community, 1))
    services.change_status(idea=second, by=owner_of(community), status="planned", response="Y")
    user = AnonymousUser()

    def page(after=None, page_size=20, **filters):
        return selectors.idea_page(
            user=user,
            community=community,
            filters=selectors.IdeaFilters(**filters),
            after=after,
            page_size=page_size,
        )

    assert _titles(page(sort="newest")) == ["Third", "Second", "First"]
    assert _titles(page(sort="top")) == ["First", "Second", "Third"]
    assert _titles(page(status="planned")) == ["Second"]
    assert _titles(page(challenge=challenge.pk)) == ["Second"]
    assert _titles(page(tag="ux", sort="newest")) == ["Third", "First"]

    one = page(sort="top", page_size=1)
    two = page(sort="top", page_size=1, after=one.next_cursor)
    three = page(sort="top", page_size=1, after=two.next_cursor)
    assert [_titles(one), _titles(two), _titles(three)] == [["First"], ["Second"], ["Third"]]
    assert three.next_cursor is None
    trending = page(page_size=2)
    rest = page(page_size=2, after=trending.next_cursor)
    assert sorted(_titles(trending) + _titles(rest)) == ["First", "Second", "Third"]
    assert rest.next_cursor is None
    assert _titles(page(sort="newest", after="not|a|cursor")) == ["Third", "Second", "First"]


def test_merged_ideas_are_listed_only_under_duplicate():
    community = open_community()
    original, duplicate = idea_in(community, title="Keep"), idea_in(community, title="Dup")
    services.merge_ideas(duplicate=duplicate, original=original, by=owner_of(community))
    assert _titles(
        selectors.idea_page(
            user=AnonymousUser(), community=community, filters=selectors.IdeaFilters()
        )
    ) == ["Keep"]
    assert _titles(
        selectors.idea_page(
            user=AnonymousUser(),
            community=community,
            filters=selectors.IdeaFilters(status=IdeaStatus.DUPLICATE),
        )
    ) == ["Dup"]


def test_the_viewers_votes_are_marked():
    community = open_community()
    liked = idea_in(community, title="Liked")
    idea_in(community, title="Other")
    person = member_of(community)
    services.vote(user=person, idea=liked)
    page = selectors.idea_page(
        user=person, community=community, filters=selectors.IdeaFilters(sort="newest")
    )
    assert [(i.thread.title, i.viewer_voted, i.viewer_can_vote) for i in page.items] == [
        ("Other", False, True),
        ("Liked", True, False),
    ]


# -- the purpose page -----------------------------------------------------------------------


def test_purpose_page_lists_only_ideas_the_viewer_may_read():
    public = open_community()
    purpose = public.purpose
    private = CommunityFactory(visibility="private", purpose=purpose, owner=owner_of(public))
    secret_member = member_of(private)
    goal, other_goal = goal_of(public), goal_of(public)
    manager = owner_of(public)
    visible = idea_in(public, title="Public idea")
    hidden = idea_in(private, title="Private idea")
    for idea in (visible, hidden):
        services.link_goal(thread=idea.thread, goal=goal, by=manager)
        services.change_status(idea=idea, by=manager, status="implemented", response="Done")
    planned = idea_in(public, title="Planned idea")
    services.link_goal(thread=planned.thread, goal=goal, by=manager)
    services.link_goal(thread=planned.thread, goal=other_goal, by=manager)
    services.change_status(idea=planned, by=manager, status="planned", response="Soon")
    idea_in(public, title="Unlinked idea")

    def overview(user):
        goals = [goal, other_goal]
        result = selectors.purpose_ideas(user=user, purpose=purpose, goals=goals)
        listed = {group.label: [entry.title for entry in group.ideas] for group in result.by_status}
        return listed, [g.implemented_idea_count for g in goals]

    outsider = UserFactory(member_type="employee")
    for viewer in (AnonymousUser(), outsider):
        assert overview(viewer) == (
            {"Implemented": ["Public idea"], "Planned": ["Planned idea"]},
            [1, 0],
        )
    listed, counts = overview(secret_member)
    assert sorted(listed["Implemented"]) == ["Private idea", "Public idea"]
    assert counts == [2, 0]
    assert [link_goal.pk for link_goal in _goals_of(purpose, secret_member, "Planned idea")] == [
        goal.pk,
        other_goal.pk,
    ]


def _goals_of(purpose, user, title):
    goals = list(purpose.goals.order_by("position", "id"))
    result = selectors.purpose_ideas(user=user, purpose=purpose, goals=goals)
    for group in result.by_status:
        for entry in group.ideas:
            if entry.title == title:
                return entry.goals
    return []
