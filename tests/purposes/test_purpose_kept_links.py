"""A purpose's links to its ideas are read once for every reader and kept
(`discussions.selectors.ideas._purpose_links`); what each reader may read of them is
checked again on every view. So a reader who leaves a private community, a community
made private and an idea hidden by a moderator drop out at the next view even when the
change was written behind the services (asserted with the links kept: no links query
ran); and what the services change (a vote, a status, a link, a title, a move, a merge)
shows at the next view."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Membership, Visibility
from discussions.models import Post, ReviewState, Thread
from discussions.selectors.ideas import purpose_ideas
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from tests.accounts.factories import UserFactory
from tests.discussions.factories import member_of
from tests.discussions.test_ideas_factories import idea_in, people_in, vote_by
from tests.purposes.test_purpose_section_fragments import purpose_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return purpose_scene()


LINKS_QUERY = 'SELECT "discussions_goallink"."thread_id" AS "thread_id"'


def overview(scene, user) -> tuple[dict[str, list[tuple[str, int]]], bool]:
    """What `user` sees of the linked ideas, by status ((title, votes) in order), and
    whether the links were read again for it."""
    goals = list(scene["purpose"].goals.order_by("position", "id"))
    with CaptureQueriesContext(connection) as queries:
        ideas = purpose_ideas(user=user, purpose=scene["purpose"], goals=goals)
    seen = {
        group.label: [(entry.title, entry.vote_count) for entry in group.ideas]
        for group in ideas.by_status
    }
    return seen, any(LINKS_QUERY in query["sql"] for query in queries)


def test_readers_share_the_links_and_each_sees_what_they_may_read(scene):
    insider = member_of(scene["private"])

    assert overview(scene, UserFactory(member_type="employee")) == (
        {"New": [("Bike couriers", 0)]},
        True,
    )
    assert overview(scene, insider) == (
        {"New": [("Secret depot", 0), ("Bike couriers", 0)]},
        False,
    )


def test_what_changes_behind_the_services_is_checked_again_with_the_links_kept(scene):
    insider = member_of(scene["private"])
    moderator = member_of(scene["community"], role="moderator")
    overview(scene, insider)

    Membership.objects.filter(user=insider, community=scene["private"]).delete()
    assert overview(scene, insider) == ({"New": [("Bike couriers", 0)]}, False)

    shown_thread = scene["shown"].thread
    Thread.objects.filter(pk=shown_thread.pk).update(review_state=ReviewState.HIDDEN)
    Post.objects.filter(thread=shown_thread).update(review_state=ReviewState.HIDDEN)
    assert overview(scene, insider) == ({}, False)
    assert overview(scene, moderator) == ({"New": [("Bike couriers", 0)]}, False)

    Thread.objects.filter(pk=shown_thread.pk).update(review_state=ReviewState.PUBLISHED)
    scene["community"].__class__.objects.filter(pk=scene["community"].pk).update(
        visibility=Visibility.PRIVATE
    )
    assert overview(scene, UserFactory(member_type="employee")) == ({}, False)


def test_what_the_services_change_shows_at_the_next_view(scene):
    manager, community = scene["manager"], scene["community"]
    reader = member_of(community)
    overview(scene, reader)

    vote_by(scene["shown"], people_in(community, 2))
    assert overview(scene, reader) == ({"New": [("Bike couriers", 2)]}, True)

    idea_services.change_status(idea=scene["shown"], by=manager, status="planned", response="Soon.")
    assert overview(scene, reader)[0] == {"Planned": [("Bike couriers", 2)]}

    later = idea_in(community, title="Cargo bikes")
    idea_services.link_goal(thread=later.thread, goal=scene["goal"], by=manager)
    assert overview(scene, reader)[0] == {
        "New": [("Cargo bikes", 0)],
        "Planned": [("Bike couriers", 2)],
    }

    first = Post.objects.get(thread=later.thread, is_first=True)
    first.thread = later.thread
    thread_services.edit_post(by=manager, post=first, body=first.body, title="Cargo trikes")
    assert overview(scene, reader)[0]["New"] == [("Cargo trikes", 0)]

    idea_services.unlink_goal(thread=later.thread, goal=scene["goal"], by=manager)
    assert overview(scene, reader)[0] == {"Planned": [("Bike couriers", 2)]}

    thread_services.move_thread(by=manager, thread=scene["shown"].thread, target=scene["private"])
    assert overview(scene, reader)[0] == {}


def test_a_merge_shows_at_the_next_view(scene):
    manager, community = scene["manager"], scene["community"]
    twin = idea_in(community, title="Bike couriers again")
    idea_services.link_goal(thread=twin.thread, goal=scene["goal"], by=manager)
    vote_by(twin, people_in(community, 3))
    reader = member_of(community)
    assert overview(scene, reader)[0] == {"New": [("Bike couriers again", 3), ("Bike couriers", 0)]}

    idea_services.merge_ideas(duplicate=twin, original=scene["shown"], by=manager)

    assert overview(scene, reader)[0] == {"New": [("Bike couriers", 3)]}
