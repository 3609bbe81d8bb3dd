"""A search's ranking is kept for a while (`RANKING_SECONDS`), for the same reader, words
and kind. Whatever changes who may read a match meanwhile shows at the very next search:
a kept ranking's posts are checked again one by one, and what makes more readable (a
post written, edited, approved or shown again, someone joining, a new moderator) starts
the rankings again.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities import services as community_services
from communities.models import Community, Membership
from discussions.models import Post
from discussions.selectors.search import search
from discussions.services.threads import delete_post, edit_post, move_thread
from moderation.models import ReviewItem
from moderation.services import flag, review
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import PostFactory
from tests.moderation.support import world

pytestmark = pytest.mark.django_db

WORD = "wristwatch"


def searched(user, word: str = WORD) -> tuple[list[int], bool]:
    """The ids of the posts found, and whether the ranking was kept (none was made)."""
    with CaptureQueriesContext(connection) as queries:
        page = search(user=user, query=word)
    ranked = any("search_candidate" in query["sql"] for query in queries.captured_queries)
    return [result.post.pk for result in page.results], not ranked


@pytest.fixture
def place():
    d = world()
    d["match"] = PostFactory(thread=d["thread"], author=d["author"], body=f"A {WORD} deal.")
    return d


def _hide(d, **target) -> None:
    flag(by=d["member"], reason="spam", **target)
    item = ReviewItem.objects.get(**target)
    review(by=d["moderator"], item=item, decision="hide", reason="Advertising")


TRANSITIONS = {
    "the post is deleted": lambda d: delete_post(by=d["moderator"], post=d["match"], reason="Spam"),
    "the post is hidden": lambda d: _hide(d, post=d["match"]),
    "its thread is hidden": lambda d: _hide(d, thread=d["thread"]),
    "the reader leaves": lambda d: community_services.leave_community(
        user=d["member"], community=d["community"]
    ),
    "the reader is banned": lambda d: community_services.remove_member(
        membership=Membership.objects.get(community=d["community"], user=d["member"]),
        by=d["owner"],
        ban=True,
        reason="Trolling",
    ),
    # By any path, not only a service: the check reads the post's row as it is now.
    "the post is erased": lambda d: Post.objects.filter(pk=d["match"].pk).update(
        deleted_at=timezone.now()
    ),
    "the reader leaves the audience": lambda d: Community.objects.filter(
        pk=d["community"].pk
    ).update(open_to_customers=False),
}


# Written straight to the database, as no service would: nothing starts the rankings
# again, so the next search reads the kept ranking and only the check on each shown post
# keeps the match out.
BEHIND_THE_SERVICES = {
    "the post is erased",
    "the reader leaves the audience",
}


@pytest.mark.parametrize("transition", TRANSITIONS)
def test_a_kept_ranking_never_shows_what_the_reader_may_no_longer_read(place, transition):
    reader = place["member"]
    assert searched(reader) == ([place["match"].pk], False)
    assert searched(reader) == ([place["match"].pk], True)

    TRANSITIONS[transition](place)

    found, kept = searched(reader)
    assert found == []
    if transition in BEHIND_THE_SERVICES:
        assert kept
    # The moderators still see what is hidden; a deleted post is no one's to find.
    still_there = "deleted" not in transition and "erased" not in transition
    assert searched(place["moderator"])[0] == ([place["match"].pk] if still_there else [])


def test_a_thread_moved_out_of_reach_is_not_found_the_next_time(place):
    reader = place["member"]
    elsewhere = CommunityFactory(visibility="private", audience=("employee", "customer"))
    MembershipFactory(community=elsewhere, user=place["admin"])
    assert searched(reader)[0] == [place["match"].pk]

    move_thread(by=place["admin"], thread=place["thread"], target=elsewhere)

    assert searched(reader)[0] == []


def test_a_public_community_made_private_hides_its_matches_from_visitors():
    d = world("public")
    match = PostFactory(thread=d["thread"], author=d["author"], body=f"A {WORD} deal.")
    visitor = d["outsider"]
    assert searched(visitor) == ([match.pk], False)
    assert searched(visitor) == ([match.pk], True)

    Community.objects.filter(pk=d["community"].pk).update(visibility="private")

    assert searched(visitor) == ([], True)


def test_someone_who_joins_finds_the_communitys_posts_at_once(place):
    """Joining starts the rankings again: no kept ranking made before it hides what the
    newcomer may now read."""
    newcomer = place["outsider"]
    assert searched(newcomer) == ([], False)
    assert searched(newcomer) == ([], True)

    community_services.join_community(user=newcomer, community=place["community"])

    assert searched(newcomer) == ([place["match"].pk], False)


def test_a_post_written_or_edited_is_found_at_once(place):
    reader = place["member"]
    assert searched(reader, "stopwatch") == ([], False)
    assert searched(reader, "stopwatch") == ([], True)

    # Written by any path (here a factory, no service): the newest post's id changed.
    written = PostFactory(thread=place["thread"], author=place["author"], body="A stopwatch.")
    assert searched(reader, "stopwatch") == ([written.pk], False)

    edit_post(by=place["author"], post=place["match"], body="A stopwatch deal.")
    assert sorted(searched(reader, "stopwatch")[0]) == sorted([written.pk, place["match"].pk])
    assert searched(reader)[0] == []


def test_each_reader_has_their_own_ranking(place):
    """A member's kept ranking is never served to someone else."""
    assert searched(place["member"]) == ([place["match"].pk], False)
    assert searched(place["outsider"]) == ([], False)
    assert searched(place["moderator"]) == ([place["match"].pk], False)


def test_a_post_shown_again_is_found_at_once(place):
    """A hidden post its author edits goes back to the queue; a moderator who dismisses
    the flags shows it again, and it is found at the very next search."""
    reader = place["member"]
    _hide(place, post=place["match"])
    edit_post(by=place["author"], post=place["match"], body=f"A fair {WORD} offer.")
    assert searched(reader) == ([], False)
    assert searched(reader) == ([], True)

    item = ReviewItem.objects.get(post=place["match"], status="open")
    review(by=place["moderator"], item=item, decision="dismiss")

    assert searched(reader) == ([place["match"].pk], False)


def test_a_new_moderator_finds_the_held_posts_at_once(place):
    held = PostFactory(thread=place["thread"], author=place["author"], body=f"Held {WORD}.")
    Post.objects.filter(pk=held.pk).update(review_state="held")
    reader = place["member"]
    assert searched(reader) == ([place["match"].pk], False)
    assert searched(reader) == ([place["match"].pk], True)

    community_services.change_role(
        membership=Membership.objects.get(community=place["community"], user=reader),
        by=place["owner"],
        role="moderator",
    )

    found, kept = searched(reader)
    assert sorted(found) == sorted([held.pk, place["match"].pk])
    assert not kept
