"""A search's ranking is kept for a while (`RANKING_SECONDS`), for the same reader, words
and kind. Whatever changes who may read a match meanwhile shows at the very next search:
a kept ranking's posts are checked again one by one, and what makes more readable (a
post written, edited or approved, someone joining) starts the rankings again.
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


@pytest.mark.parametrize("transition", TRANSITIONS)
def test_a_kept_ranking_never_shows_what_the_reader_may_no_longer_read(place, transition):
    reader = place["member"]
    assert searched(reader) == ([place["match"].pk], False)
    assert searched(reader) == ([place["match"].pk], True)

    TRANSITIONS[transition](place)

    assert searched(reader) == ([], True)
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
