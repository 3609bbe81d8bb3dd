"""Query budgets for the thread list and the thread page.

Each page is measured at a small and a large size (the large rows made with bulk_create
to stay fast): both counts must match and fit the budget, 8 queries for a visitor and 12
for a member. A visitor's GET writes nothing; a member's GET of a thread writes only their
read marker.
"""

import datetime
import itertools
import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationKind, User
from communities.models import Category, Community, Role, Visibility
from discussions.models import (
    Mention,
    Post,
    Reaction,
    ReactionKind,
    Tag,
    Thread,
    ThreadKind,
    ThreadSubscription,
)
from discussions.selectors.threads import POSTS_PAGE_SIZE, THREADS_PAGE_SIZE, thread_page
from tests.accounts.factories import OrganisationFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.query_budgets import (
    VISITOR_BUDGET,
    assert_visitor_gets_write_nothing,
    budgeted_get,
    bulk_people,
    writes_in,
)

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


# -- bulk helpers -----------------------------------------------------------------------------


def add_people(count: int) -> list[User]:
    return bulk_people(count, label="reader")


def add_threads(
    community: Community, count: int, *, author: User, category=None, tag: Tag | None = None
) -> list[Thread]:
    """`count` threads, each with a first post, one minute apart in activity."""
    start = timezone.now() - datetime.timedelta(days=30)
    kinds = itertools.cycle([ThreadKind.DISCUSSION, ThreadKind.QUESTION])
    threads = Thread.objects.bulk_create(
        Thread(
            community=community,
            category=category,
            kind=next(kinds),
            title=f"Bulk thread {next(_serial)}",
            author=author,
            created_at=start + datetime.timedelta(minutes=index),
            last_activity_at=start + datetime.timedelta(minutes=index),
            post_count=1,
        )
        for index in range(count)
    )
    posts = Post.objects.bulk_create(
        Post(
            thread=thread,
            community_id=thread.community_id,
            author=author,
            body="First post",
            body_html="<p>First post</p>",
            is_first=True,
            created_at=thread.created_at,
        )
        for thread in threads
    )
    for thread, post in zip(threads, posts, strict=True):
        Thread.objects.filter(pk=thread.pk).update(last_post_id_cache=post.pk)
    if tag is not None:
        Thread.tags.through.objects.bulk_create(
            Thread.tags.through(thread_id=thread.pk, tag_id=tag.pk) for thread in threads
        )
    return threads


def add_replies(thread: Thread, count: int, *, people: list[User]) -> list[Post]:
    """`count` replies by `people` in turn, with quotes, reactions, mentions and a
    deleted post among them; the thread's counters kept."""
    first = Post.objects.get(thread=thread, is_first=True)
    posts = Post.objects.bulk_create(
        Post(
            thread=thread,
            community_id=thread.community_id,
            author=people[index % len(people)],
            body=f"Reply {index}",
            body_html=f"<p>Reply {index}</p>",
            quoted_post=first if index % 3 == 0 else None,
            deleted_at=timezone.now() if index % 7 == 0 else None,
            deleted_by=people[0] if index % 7 == 0 else None,
            deletion_reason="Off topic" if index % 7 == 0 else "",
            revision_count=1 if index % 5 == 0 else 0,
            edited_at=timezone.now() if index % 5 == 0 else None,
        )
        for index in range(count)
    )
    kinds = itertools.cycle(ReactionKind.values)
    Reaction.objects.bulk_create(
        Reaction(post=post, user=person, kind=next(kinds))
        for post in posts
        for person in people[:3]
    )
    Mention.objects.bulk_create(Mention(post=post, user=people[1]) for post in posts[::4])
    Thread.objects.filter(pk=thread.pk).update(
        post_count=F("post_count") + count,
        last_post_id_cache=posts[-1].pk,
        last_activity_at=timezone.now(),
    )
    return posts


# -- measuring --------------------------------------------------------------------------------


@pytest.fixture
def community():
    return CommunityFactory(visibility=Visibility.PUBLIC, categories=["Operations", "Fleet"])


@pytest.fixture
def viewer(request, client, community):
    """None for a visitor; otherwise a signed-in member (or moderator) of `community`."""
    if request.param == "visitor":
        return None
    role = Role.MODERATOR if request.param == "moderator" else Role.MEMBER
    # A person of an organisation: the costly case (the middleware reads it too).
    host = OrganisationFactory(name="Northwind", kind=OrganisationKind.HOST)
    user = member_of(community, role=role, organisation=host)
    client.force_login(user)
    return user


@pytest.fixture
def measure(client, viewer, django_assert_max_num_queries):
    return budgeted_get(client, viewer, django_assert_max_num_queries)


VIEWERS = ["visitor", "member", "moderator"]


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
def test_thread_list_costs_the_same_at_any_size(viewer, measure, community):
    author = member_of(community)
    category = community.categories.get(name="Fleet")
    tag = Tag.objects.create(community=community, name="pilot")
    url = reverse("thread_list", args=[community.slug])

    threads = add_threads(community, 3, author=author, category=category, tag=tag)
    if viewer is not None:
        ThreadSubscription.objects.create(thread=threads[0], user=viewer, last_read_post_id=1)
    small, response = measure(url)
    assert len(response.context["page"].items) == 3

    more = add_threads(community, 3 * THREADS_PAGE_SIZE, author=author, category=category, tag=tag)
    Thread.objects.filter(pk__in=[more[0].pk, more[1].pk]).update(is_pinned=True)
    if viewer is not None:
        ThreadSubscription.objects.bulk_create(
            ThreadSubscription(thread=thread, user=viewer, last_read_post_id=1)
            for thread in more[::2]
        )
    large, response = measure(url)
    page = response.context["page"]
    assert len(page.items) == THREADS_PAGE_SIZE
    assert [thread.is_pinned for thread in page.items[:3]] == [True, True, False]
    assert page.next_cursor
    following, response = measure(f"{url}?{urlencode({'after': page.next_cursor})}")
    assert len(response.context["page"].items) == THREADS_PAGE_SIZE
    filtered, response = measure(
        f"{url}?{urlencode({'kind': 'question', 'category': category.pk, 'tag': 'pilot'})}"
    )
    assert len(response.context["page"].items) == THREADS_PAGE_SIZE

    assert small == large == following == filtered


def _behind(viewer: User | None, thread: Thread) -> None:
    """Put the member's read marker back on the first post, so every visit writes it once."""
    if viewer is None:
        return
    first = Post.objects.get(thread=thread, is_first=True)
    ThreadSubscription.objects.update_or_create(
        thread=thread, user=viewer, defaults={"last_read_post_id": first.pk}
    )


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
@pytest.mark.parametrize("kind", [ThreadKind.DISCUSSION, ThreadKind.QUESTION])
def test_thread_page_costs_the_same_at_any_size(viewer, measure, community, kind):
    people = [member_of(community) for _ in range(3)]
    thread = ThreadFactory(community=community, kind=kind, tags=["pilot", "fleet"])
    url = thread.get_absolute_url()

    # Like every larger page below, the small one quotes a post and shows a deleted one:
    # their posts and deleters are read by one query each, only when a page has some.
    first = Post.objects.get(thread=thread, is_first=True)
    replies = [PostFactory(thread=thread, author=people[0]) for _ in range(2)]
    Post.objects.filter(pk=replies[0].pk).update(quoted_post=first)
    Post.objects.filter(pk=replies[1].pk).update(
        deleted_at=timezone.now(), deleted_by=people[1], deletion_reason="Off topic"
    )
    if kind == ThreadKind.QUESTION:
        Thread.objects.filter(pk=thread.pk).update(accepted_answer=replies[0])
    _behind(viewer, thread)
    small, response = measure(url)
    assert len(response.context["post_page"].items) == 3

    add_replies(thread, 3 * POSTS_PAGE_SIZE, people=people)
    add_threads(community, 40, author=people[0])
    _behind(viewer, thread)
    large, response = measure(url)
    page = response.context["post_page"]
    assert len(page.items) == POSTS_PAGE_SIZE
    assert page.later_cursor == page.items[-1].pk

    _behind(viewer, thread)
    following, response = measure(f"{url}?after={page.later_cursor}")
    assert len(response.context["post_page"].items) == POSTS_PAGE_SIZE
    _behind(viewer, thread)
    thread.refresh_from_db()
    latest, response = measure(f"{url}?before={thread.last_post_id_cache + 1}")
    assert response.context["post_page"].items[-1].pk == thread.last_post_id_cache

    assert small == large == following == latest


def test_a_visitors_get_writes_nothing(client, community):
    thread = ThreadFactory(community=community, tags=["pilot"])
    add_replies(thread, POSTS_PAGE_SIZE + 5, people=[member_of(community) for _ in range(3)])
    first_page = Post.objects.filter(thread=thread).order_by("pk")[POSTS_PAGE_SIZE - 1]
    pages = [
        community.get_absolute_url(),
        reverse("thread_list", args=[community.slug]),
        f"{reverse('thread_list', args=[community.slug])}?tag=pilot&kind=discussion",
        thread.get_absolute_url(),
        f"{thread.get_absolute_url()}?after={first_page.pk}",
    ]
    subscriptions = list(ThreadSubscription.objects.values_list("pk", "last_read_post_id"))

    assert_visitor_gets_write_nothing(client, pages)

    assert list(ThreadSubscription.objects.values_list("pk", "last_read_post_id")) == (
        subscriptions
    )


def test_a_members_get_writes_only_their_read_marker(client, community):
    member = member_of(community)
    thread = ThreadFactory(community=community)
    replies = [PostFactory(thread=thread) for _ in range(3)]
    client.force_login(member)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(thread.get_absolute_url()).status_code == 200
    writes = writes_in(captured)
    assert len(writes) == 1
    assert "discussions_threadsubscription" in writes[0]
    subscription = ThreadSubscription.objects.get(thread=thread, user=member)
    assert subscription.last_read_post_id == replies[-1].pk
    assert subscription.following is False

    with CaptureQueriesContext(connection) as captured:
        assert client.get(thread.get_absolute_url()).status_code == 200
    assert writes_in(captured) == []


def test_community_home_lists_latest_threads_at_constant_cost(client, community):
    author = member_of(community)
    add_threads(community, 2, author=author)
    url = community.get_absolute_url()
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert len(response.context["latest_threads"]) == 2
    add_threads(community, 30, author=author)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["latest_threads"]) == 5
    assert len(small) == len(large) <= VISITOR_BUDGET


# A category of another community never filters this one's list.
def test_foreign_category_in_filter_is_ignored(client, community):
    other = CommunityFactory(visibility=Visibility.PUBLIC, categories=["Elsewhere"])
    foreign = Category.objects.get(community=other)
    add_threads(community, 2, author=member_of(community))
    response = client.get(reverse("thread_list", args=[community.slug]), {"category": foreign.pk})
    assert response.status_code == 200
    assert len(response.context["page"].items) == 2


# -- deep pages of the thread list seek to their cursor -------------------------------------


def test_pages_walk_pinned_then_unpinned_threads_without_repeats_or_gaps(community):
    author = ThreadFactory(community=community).author
    threads = add_threads(community, 60, author=author)
    pinned = [thread.pk for thread in threads[::20]]
    Thread.objects.filter(pk__in=pinned).update(is_pinned=True)
    expected = list(
        Thread.objects.filter(community=community)
        .order_by("-is_pinned", "-last_activity_at", "-id")
        .values_list("pk", flat=True)
    )

    seen, after = [], None
    while True:
        page = thread_page(user=AnonymousUser(), community=community, after=after, page_size=7)
        seen += [row.pk for row in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert seen == expected
    assert seen[:3] == sorted(pinned, reverse=True)


def test_a_deep_page_seeks_through_the_index_to_its_cursor(community):
    """The cursor bounds (`last_activity_at`, id) in the index condition, so page 100
    reads its own rows, not every row before it (on PostgreSQL, its plan shows it)."""
    author = ThreadFactory(community=community).author
    add_threads(community, 120, author=author)
    cursor = thread_page(user=AnonymousUser(), community=community, page_size=100).next_cursor

    with CaptureQueriesContext(connection) as queries:
        thread_page(user=AnonymousUser(), community=community, after=cursor)
    [listing] = [q["sql"] for q in queries.captured_queries if "last_activity_at" in q["sql"]]
    where = listing.partition(" WHERE ")[2]
    assert re.search(
        r'\("discussions_thread"."last_activity_at", "discussions_thread"."id"\) < ', where
    ), where
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as db:
        db.execute("SET LOCAL enable_seqscan = off")
        db.execute("EXPLAIN (FORMAT JSON) " + listing)
        [[plan]] = db.fetchone()

    def nodes(node):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    conditions = [
        node.get("Index Cond", "")
        for node in nodes(plan["Plan"])
        if node.get("Relation Name") == "discussions_thread"
    ]
    assert any("ROW(last_activity_at, id) <" in condition for condition in conditions), conditions


def test_paging_through_ties_and_pinned_threads_shows_each_thread_once_in_order(community):
    """Threads active at the same moment follow by id, pinned ones come first, and the
    cursor after a pinned thread leads on to the rest of the pinned ones, then to every
    unpinned one: walking the pages meets every thread once, in the list's order."""
    author = ThreadFactory(community=community).author
    threads = add_threads(community, 11, author=author)
    moment = timezone.now() - datetime.timedelta(days=1)
    tied = [thread.pk for thread in threads[:6]]
    Thread.objects.filter(pk__in=tied).update(last_activity_at=moment)
    Thread.objects.filter(pk__in=[threads[0].pk, threads[1].pk, threads[8].pk]).update(
        is_pinned=True
    )
    expected = list(
        Thread.objects.filter(community=community)
        .order_by("-is_pinned", "-last_activity_at", "-id")
        .values_list("pk", flat=True)
    )

    seen, cursor = [], None
    for _ in range(10):
        page = thread_page(user=AnonymousUser(), community=community, after=cursor, page_size=2)
        seen += [row.pk for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == expected
    assert len(seen) == 12
