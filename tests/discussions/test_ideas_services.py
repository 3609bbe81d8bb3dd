"""The idea services: submitting, voting, the status workflow, merging and goal links."""

import datetime
import math

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.models import Role
from discussions.models import (
    TRENDING_EPOCH,
    TRENDING_SECONDS_PER_DECADE,
    Activity,
    ActivityKind,
    GoalLink,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Post,
    Thread,
    ThreadKind,
)
from discussions.services import ideas as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import ThreadFactory, member_of
from tests.discussions.test_ideas_factories import (
    challenge_of,
    goal_of,
    idea_in,
    open_community,
    people_in,
    vote_by,
)
from tests.purposes.factories import GoalFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple:
    return (
        Thread.objects.count(),
        Post.objects.count(),
        Idea.objects.count(),
        IdeaVote.objects.count(),
        IdeaStatusChange.objects.count(),
        Activity.objects.count(),
        list(Idea.objects.order_by("pk").values_list("pk", "vote_count", "status")),
    )


# -- submitting -----------------------------------------------------------------------------


def test_submit_creates_an_idea_thread_and_records_activity():
    community = open_community()
    author = member_of(community, member_type="customer")

    idea = services.submit_idea(
        author=author,
        community=community,
        title="  Dark   mode for the app ",
        description="**Please**: my eyes.",
        tags=["UI", "accessibility"],
    )

    thread = idea.thread
    assert thread.kind == ThreadKind.IDEA
    assert thread.title == "Dark mode for the app"
    assert thread.author == author
    assert sorted(thread.tags.values_list("name", flat=True)) == ["accessibility", "ui"]
    first = Post.objects.get(thread=thread, is_first=True)
    assert first.body_html == "<p><strong>Please</strong>: my eyes.</p>\n"
    assert (idea.status, idea.vote_count, idea.community) == (IdeaStatus.NEW, 0, community)
    assert idea.trending_score == pytest.approx(
        (thread.created_at.timestamp() - TRENDING_EPOCH) / TRENDING_SECONDS_PER_DECADE
    )
    activity = Activity.objects.get(kind=ActivityKind.IDEA_POSTED)
    assert (activity.thread, activity.actor, activity.community) == (thread, author, community)


def test_submit_answers_an_open_challenge():
    community = open_community()
    challenge = challenge_of(community, opens_in_days=-1, closes_in_days=5)
    idea = idea_in(community, challenge=challenge)
    assert idea.challenge == challenge


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(-10, -1, "closed on"), (2, 9, "opens on")],
    ids=["closed", "not-yet-open"],
)
def test_a_challenge_that_is_not_open_is_refused_and_nothing_changes(opens, closes, message):
    community = open_community()
    challenge = challenge_of(community, opens_in_days=opens, closes_in_days=closes)
    before = _snapshot()

    with pytest.raises(ValidationError) as caught:
        idea_in(community, challenge=challenge)

    assert message in caught.value.message_dict["challenge"][0]
    assert challenge.title in caught.value.message_dict["challenge"][0]
    assert _snapshot() == before


def test_a_challenge_of_another_purpose_is_refused():
    community = open_community()
    other = open_community()
    challenge = challenge_of(other, opens_in_days=-1, closes_in_days=1)
    with pytest.raises(ValidationError) as caught:
        idea_in(community, challenge=challenge)
    assert caught.value.message_dict == {
        "challenge": ["Choose a challenge of this community's purpose."]
    }


@pytest.mark.parametrize(
    ("title", "description", "field", "message"),
    [
        ("   ", "Text", "title", "Give your idea a title."),
        ("T" * 201, "Text", "title", "A title can be at most 200 characters."),
        ("Title", "  ", "description", "Describe your idea: what should change, and why."),
        ("Title", "x" * 1024 * 1024, "description", "A description can be at most"),
    ],
    ids=["empty-title", "long-title", "empty-description", "one-megabyte"],
)
def test_bad_text_is_refused_with_a_clear_message_and_nothing_changes(
    title, description, field, message
):
    community = open_community()
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        idea_in(community, title=title, description=description)
    assert caught.value.message_dict[field][0].startswith(message)
    assert _snapshot() == before


def test_one_megabyte_message_names_the_limit():
    community = open_community()
    with pytest.raises(ValidationError) as caught:
        idea_in(community, description="x" * 1024 * 1024)
    assert caught.value.message_dict["description"] == [
        f"A description can be at most {settings.POST_MAX_LENGTH} characters; "
        f"this one has {1024 * 1024}."
    ]


@pytest.mark.parametrize("who", ["anonymous", "non-member", "banned"])
def test_people_who_may_not_post_cannot_submit(who):
    from django.contrib.auth.models import AnonymousUser

    from tests.communities.factories import ban

    community = open_community()
    if who == "anonymous":
        author = AnonymousUser()
    else:
        author = UserFactory(member_type="employee")
        if who == "banned":
            ban(community, author)
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        idea_in(community, author=author)
    assert _snapshot() == before


# -- voting ---------------------------------------------------------------------------------


def test_vote_and_withdraw_keep_the_count_and_trending_score():
    community = open_community()
    idea = idea_in(community)
    people = people_in(community, 10)

    vote_by(idea, people)
    idea.refresh_from_db()
    assert idea.vote_count == 10
    assert idea.trending_score == pytest.approx(
        services.trending_score_for(created_at=idea.created_at, votes=10)
    )
    assert idea.trending_score == pytest.approx(1 + services.trending_age_term(idea.created_at))

    services.withdraw_vote(user=people[0], idea=idea)
    idea.refresh_from_db()
    assert idea.vote_count == 9
    assert idea.trending_score == pytest.approx(
        math.log10(9) + services.trending_age_term(idea.created_at)
    )
    assert not IdeaVote.objects.filter(idea=idea, user=people[0]).exists()


def test_voting_twice_says_so_and_never_double_counts():
    community = open_community()
    idea = idea_in(community)
    person = member_of(community)
    services.vote(user=person, idea=idea)

    for _attempt in range(3):
        with pytest.raises(ValidationError) as caught:
            services.vote(user=person, idea=idea)
        assert caught.value.messages == ["You have already voted for this idea."]

    idea.refresh_from_db()
    assert idea.vote_count == 1
    assert IdeaVote.objects.filter(idea=idea).count() == 1


def test_withdrawing_without_a_vote_changes_nothing():
    community = open_community()
    idea = idea_in(community)
    vote_by(idea, people_in(community, 2))
    person = member_of(community)

    with pytest.raises(ValidationError) as caught:
        services.withdraw_vote(user=person, idea=idea)
    assert caught.value.messages == ["You have not voted for this idea."]
    idea.refresh_from_db()
    assert idea.vote_count == 2


def test_the_community_may_keep_vendors_from_voting():
    community = open_community(idea_voters=("employee", "customer", "partner"))
    idea = idea_in(community)
    vendor = member_of(community, member_type="vendor")

    with pytest.raises(PermissionDenied) as caught:
        services.vote(user=vendor, idea=idea)
    assert str(caught.value) == (
        "In this community, vendor members may comment on ideas but not vote."
    )
    idea.refresh_from_db()
    assert idea.vote_count == 0
    assert not IdeaVote.objects.exists()

    services.vote(user=member_of(community, member_type="partner"), idea=idea)
    idea.refresh_from_db()
    assert idea.vote_count == 1


@pytest.mark.parametrize("who", ["anonymous", "non-member"])
def test_people_outside_the_community_cannot_vote(who):
    from django.contrib.auth.models import AnonymousUser

    community = open_community()
    idea = idea_in(community)
    person = AnonymousUser() if who == "anonymous" else UserFactory(member_type="employee")
    with pytest.raises(PermissionDenied):
        services.vote(user=person, idea=idea)
    assert not IdeaVote.objects.exists()


# -- trending -------------------------------------------------------------------------------


def test_trending_order_weighs_votes_against_age():
    community = open_community()
    now = timezone.now()
    old = idea_in(community, title="Old but popular")
    fresh = idea_in(community, title="Fresh and quiet")
    older = idea_in(community, title="Old and quiet")
    # A day and a half older is worth about three tenfolds of votes less.
    for idea, age in ((old, 36), (older, 36), (fresh, 0)):
        created = now - datetime.timedelta(hours=age)
        Idea.objects.filter(pk=idea.pk).update(
            created_at=created,
            trending_score=services.trending_score_for(created_at=created, votes=0),
        )
        idea.refresh_from_db()
    vote_by(old, people_in(community, 12))
    vote_by(fresh, people_in(community, 1))

    order = list(
        Idea.objects.filter(community=community)
        .order_by("-trending_score", "-pk")
        .values_list("thread__title", flat=True)
    )
    # 12 votes (about 1.08 decades) do not make up for 36 hours (about 2.9 decades).
    assert order == ["Fresh and quiet", "Old but popular", "Old and quiet"]
    old.refresh_from_db()
    assert old.trending_score == pytest.approx(
        math.log10(12) + services.trending_age_term(old.created_at)
    )


# -- status workflow ------------------------------------------------------------------------


def test_a_moderator_changes_status_with_an_official_response():
    community = open_community()
    moderator = member_of(community, role=Role.MODERATOR)
    idea = idea_in(community)
    before = idea.status_changed_at

    change = services.change_status(
        idea=idea, by=moderator, status=IdeaStatus.PLANNED, response="We will build it in **Q3**."
    )

    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PLANNED
    assert idea.status_changed_at > before
    assert (change.from_status, change.to_status, change.changed_by) == (
        "new",
        "planned",
        moderator,
    )
    assert change.response_html == "<p>We will build it in <strong>Q3</strong>.</p>\n"
    activity = Activity.objects.get(kind=ActivityKind.IDEA_STATUS)
    assert (activity.thread_id, activity.actor, activity.detail) == (
        idea.thread_id,
        moderator,
        "planned",
    )


def test_a_purpose_owner_manages_ideas_without_being_a_moderator():
    community = open_community()
    owner = community.purpose.owners.first()
    idea = idea_in(community)
    services.change_status(idea=idea, by=owner, status="under_review", response="Looking.")
    services.change_status(idea=idea, by=owner, status="implemented", response="Done.")
    idea.refresh_from_db()
    assert idea.status == "implemented"
    assert list(idea.status_changes.values_list("from_status", "to_status")) == [
        ("under_review", "implemented"),
        ("new", "under_review"),
    ]


@pytest.mark.parametrize("who", ["member", "author", "non-member"])
def test_others_cannot_change_status(who):
    community = open_community()
    author = member_of(community)
    idea = idea_in(community, author=author)
    person = {
        "member": lambda: member_of(community),
        "author": lambda: author,
        "non-member": lambda: UserFactory(member_type="employee"),
    }[who]()
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.change_status(idea=idea, by=person, status="planned", response="Sure.")
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("status", "response", "message"),
    [
        ("planned", "   ", "Write the official response that explains this change."),
        ("new", "Still new.", "The idea is already “New”."),
        ("duplicate", "Dup.", "To mark an idea as a duplicate, merge it into the original."),
        ("bogus", "Hm.", "Choose a valid status."),
    ],
)
def test_bad_status_changes_are_refused(status, response, message):
    community = open_community()
    idea = idea_in(community)
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        services.change_status(idea=idea, by=owner_of(community), status=status, response=response)
    assert caught.value.messages == [message]
    assert _snapshot() == before


# -- merging --------------------------------------------------------------------------------


def test_merge_moves_votes_without_double_counting_overlapping_voters():
    community = open_community()
    manager = owner_of(community)
    original = idea_in(community, title="Dark mode")
    duplicate = idea_in(community, title="Night theme")
    both = people_in(community, 3)
    only_original = people_in(community, 2)
    only_duplicate = people_in(community, 4)
    vote_by(original, both + only_original)
    vote_by(duplicate, both + only_duplicate)
    earlier = idea_in(community, title="Darker colours")
    vote_by(earlier, people_in(community, 1))
    services.merge_ideas(duplicate=earlier, original=duplicate, by=manager)

    merged = services.merge_ideas(
        duplicate=duplicate, original=original, by=manager, response="Same as dark mode."
    )

    assert merged.vote_count == 3 + 2 + 4 + 1
    original.refresh_from_db()
    duplicate.refresh_from_db()
    earlier.refresh_from_db()
    assert original.vote_count == 10 == IdeaVote.objects.filter(idea=original).count()
    assert original.trending_score == pytest.approx(
        1 + services.trending_age_term(original.created_at)
    )
    assert (duplicate.status, duplicate.merged_into, duplicate.vote_count) == (
        IdeaStatus.DUPLICATE,
        original,
        0,
    )
    assert not IdeaVote.objects.filter(idea=duplicate).exists()
    # Ideas merged into the duplicate earlier now lead to the original.
    assert earlier.merged_into == original
    change = duplicate.status_changes.get()
    assert (change.to_status, change.response) == ("duplicate", "Same as dark mode.")
    assert IdeaVote.objects.filter(user__in=both).count() == 3


def test_merge_without_a_response_explains_itself():
    community = open_community()
    original = idea_in(community, title="Dark mode")
    duplicate = idea_in(community, title="Night theme")
    services.merge_ideas(duplicate=duplicate, original=original, by=owner_of(community))
    assert duplicate.status_changes.get().response == "Merged into “Dark mode”."


def test_a_merged_idea_takes_no_more_votes():
    community = open_community()
    original, duplicate = idea_in(community), idea_in(community)
    services.merge_ideas(duplicate=duplicate, original=original, by=owner_of(community))
    duplicate.refresh_from_db()
    with pytest.raises(PermissionDenied) as caught:
        services.vote(user=member_of(community), idea=duplicate)
    assert str(caught.value) == "This idea was merged into another; vote there."


def test_a_stale_copy_of_a_merged_idea_takes_no_votes_either():
    community = open_community()
    original, duplicate = idea_in(community), idea_in(community)
    stale = Idea.objects.select_related("community").get(pk=duplicate.pk)
    services.merge_ideas(duplicate=duplicate, original=original, by=owner_of(community))
    with pytest.raises(ValidationError):
        services.vote(user=member_of(community), idea=stale)
    assert IdeaVote.objects.count() == 0


@pytest.mark.parametrize("case", ["itself", "other-community", "already-merged", "into-merged"])
def test_bad_merges_are_refused(case):
    community = open_community()
    manager = owner_of(community)
    first, second, third = idea_in(community), idea_in(community), idea_in(community)
    vote_by(first, people_in(community, 2))
    if case == "itself":
        duplicate, original = first, first
    elif case == "other-community":
        other = open_community(owner=manager, purpose=community.purpose)
        duplicate, original = first, idea_in(other)
    elif case == "already-merged":
        services.merge_ideas(duplicate=second, original=third, by=manager)
        duplicate, original = second, first
    else:
        services.merge_ideas(duplicate=third, original=second, by=manager)
        duplicate, original = first, third
    before = _snapshot()
    with pytest.raises(ValidationError):
        services.merge_ideas(duplicate=duplicate, original=original, by=manager)
    assert _snapshot() == before


def test_members_cannot_merge():
    community = open_community()
    original, duplicate = idea_in(community), idea_in(community)
    with pytest.raises(PermissionDenied):
        services.merge_ideas(duplicate=duplicate, original=original, by=member_of(community))
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


# -- goals ----------------------------------------------------------------------------------


def test_link_and_unlink_goals_with_expected_impact():
    community = open_community()
    manager = owner_of(community)
    idea = idea_in(community)
    first, second = goal_of(community), goal_of(community)

    services.link_goal(thread=idea.thread, goal=first, by=manager, expected_impact="-5 t a year")
    services.link_goal(thread=idea.thread, goal=second, by=manager)
    link = services.link_goal(
        thread=idea.thread, goal=first, by=manager, expected_impact="  -8 t   a year "
    )

    assert link.expected_impact == "-8 t a year"
    assert GoalLink.objects.filter(thread=idea.thread).count() == 2
    services.unlink_goal(thread=idea.thread, goal=first, by=manager)
    assert list(GoalLink.objects.values_list("goal", flat=True)) == [second.pk]
    with pytest.raises(ValidationError):
        services.unlink_goal(thread=idea.thread, goal=first, by=manager)


def test_decisions_can_be_linked_but_discussions_cannot():
    community = open_community()
    manager = owner_of(community)
    goal = goal_of(community)
    decision = ThreadFactory(community=community, kind=ThreadKind.DECISION)
    discussion = ThreadFactory(community=community, kind=ThreadKind.DISCUSSION)

    services.link_goal(thread=decision, goal=goal, by=manager, expected_impact="Decides it")
    with pytest.raises(ValidationError):
        services.link_goal(thread=discussion, goal=goal, by=manager)
    assert list(GoalLink.objects.values_list("thread", flat=True)) == [decision.pk]


def test_goal_links_are_refused_for_other_purposes_and_non_managers():
    community = open_community()
    idea = idea_in(community)
    foreign_goal = GoalFactory()
    with pytest.raises(ValidationError) as caught:
        services.link_goal(thread=idea.thread, goal=foreign_goal, by=owner_of(community))
    assert caught.value.message_dict == {"goal": ["Choose a goal of this community's purpose."]}
    with pytest.raises(PermissionDenied):
        services.link_goal(thread=idea.thread, goal=goal_of(community), by=member_of(community))
    with pytest.raises(ValidationError):
        services.link_goal(
            thread=idea.thread,
            goal=goal_of(community),
            by=owner_of(community),
            expected_impact="x" * 301,
        )
    assert not GoalLink.objects.exists()


def test_a_private_communitys_owner_is_an_idea_manager_there_only():
    community = CommunityFactory(visibility="private")
    idea = idea_in(community)
    elsewhere = open_community()
    with pytest.raises(PermissionDenied):
        services.change_status(
            idea=idea, by=owner_of(elsewhere), status="planned", response="Not mine."
        )
