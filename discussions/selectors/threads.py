"""Reads about threads and posts, always behind the community's access rule.

Every list is keyset-paginated and costs a fixed number of queries: the page itself, one
query for the tags of its threads, one for the viewer's read markers or reactions. Posts
carry their rendered HTML; nothing here renders Markdown or counts posts.
"""

import datetime
import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from accounts.models import PersonName, User
from communities import permissions as community_permissions
from communities.models import Category, Community
from communities.selectors import get_community_for
from core import params
from core.compiled_reads import models_of, rows_of
from core.expressions import column, json_rows, load_json_rows, row_value, table
from core.pagination import Page, keyset_page
from core.postgresql import one_plan
from discussions import permissions
from discussions.models import (
    REACTION_SYMBOLS,
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    Tag,
    Thread,
    ThreadKind,
    ThreadSubscription,
)

THREADS_PAGE_SIZE = 25
POSTS_PAGE_SIZE = 30
LATEST_THREADS = 5
REVISIONS_PAGE_SIZE = 20
MENTION_SUGGESTIONS = 8
QUOTE_EXCERPT_CHARS = 240
THREAD_ORDER = ("-is_pinned", "-last_activity_at", "-id")


# -- thread lists -------------------------------------------------------------------------------


def _thread_cursor_values(after: str | None) -> tuple[bool, object, int] | None:
    """A thread list's cursor (`_thread_cursor`) as (pinned, the moment as the database
    takes it, id); None when there is none or it cannot be read."""
    if not after:
        return None
    parts = after.split("|")
    if len(parts) != 3 or parts[0] not in ("0", "1"):
        return None
    moment, pk = params.aware_datetime(parts[1]), params.positive_int(parts[2])
    if moment is None or pk is None:
        return None
    moment = Thread._meta.get_field("last_activity_at").get_db_prep_value(moment, connection)
    return parts[0] == "1", moment, pk


def _after_thread(pinned: bool, moment: object, pk: int) -> Q:
    """Threads strictly after the cursor (`_thread_cursor_values`) in (pinned, last
    activity, id) descending order."""
    # One row comparison next to an equality on `is_pinned`: the index seeks to the
    # cursor whatever its values, so one plan serves every page (`one_plan`). Written as
    # `last_activity_at < moment OR (= moment AND id < pk)`, the cursor's values decided
    # the plan, and PostgreSQL planned every deep page afresh.
    earlier = RawSQL(  # noqa: S611 - names from the models, values as parameters
        f"({column(Thread, 'last_activity_at')}, {column(Thread, 'pk')}) < (%s, %s)",
        (moment, pk),
        output_field=BooleanField(),
    )
    later = Q(earlier, is_pinned=pinned)
    # After a pinned thread come the rest of the pinned ones, then every unpinned one.
    return later | Q(is_pinned=False) if pinned else later


@dataclass(slots=True)
class ThreadRow:
    """What a thread list shows of one thread, read straight from one query's columns
    (no model instances: lists are the busiest pages)."""

    pk: int
    title: str
    kind: str
    is_pinned: bool
    is_locked: bool
    is_closed: bool
    is_answered: bool
    reply_count: int
    last_activity_at: datetime.datetime
    last_post_id: int
    author: PersonName | None
    category_name: str
    tag_names: list[str]
    is_new: bool = False
    has_new_posts: bool = False


_ROW_COLUMNS = (
    "pk",
    "title",
    "kind",
    "is_pinned",
    "is_locked",
    "is_closed",
    "accepted_answer_id",
    "post_count",
    "last_activity_at",
    "last_post_id_cache",
    "author_id",
    "author__display_name",
    "author__email",
    "author__member_type",
    "category__name",
)


def tag_names_of(thread_id: str) -> RawSQL:
    """The names of the tags of the thread whose id is in the column `thread_id`, as a JSON
    list (`load_json_rows`), for an annotation: a correlated subquery on the link table's
    thread index, in the rows' own query. Prefetching the tags instead costs a second
    query and, to build it, more than the whole list's query takes to run."""
    link = Thread.tags.through
    tags = (
        f"FROM {table(Tag, 'json_tag')} JOIN {table(link, 'json_link')} "
        f"ON {column(link, 'tag', 'json_link')} = {column(Tag, 'pk', 'json_tag')} "
        f"WHERE {column(link, 'thread', 'json_link')} = {thread_id}"
    )
    return json_rows([column(Tag, "name", "json_tag")], tags)


def _row_values(
    threads: QuerySet[Thread], limit: int, *, with_tags: bool, reader_id: int | None
) -> QuerySet:
    """The columns of `_thread_rows` for the first `limit` of `threads`."""
    columns = _ROW_COLUMNS
    if with_tags:
        threads = threads.annotate(tag_names=tag_names_of(column(Thread, "pk")))
        columns = (*columns, "tag_names")
    if reader_id is not None:
        mine = (
            f"FROM {table(ThreadSubscription, 'mine')} "
            f"WHERE {column(ThreadSubscription, 'thread', 'mine')} = {column(Thread, 'pk')} "
            f"AND {column(ThreadSubscription, 'user', 'mine')} = %s"
        )
        last_read = column(ThreadSubscription, "last_read_post_id", "mine")
        threads = threads.annotate(
            reader_last_read=row_value(last_read, mine, (reader_id,), BigIntegerField())
        )
        columns = (*columns, "reader_last_read")
    return threads.values_list(*columns)[:limit]


def _rows_from(found: Iterable[tuple], *, with_tags: bool, marked: bool) -> list[ThreadRow]:
    """`ThreadRow`s of the columns `_row_values` reads."""
    rows = []
    for values in found:
        (pk, title, kind, pinned, locked, closed, answer_id, post_count, last_activity) = values[:9]
        (last_post_id, author_id, display_name, email, member_type, category_name) = values[9:15]
        rows.append(
            ThreadRow(
                pk=pk,
                title=title,
                kind=kind,
                is_pinned=pinned,
                is_locked=locked,
                is_closed=closed,
                is_answered=kind == ThreadKind.QUESTION and answer_id is not None,
                reply_count=max(post_count - 1, 0),
                last_activity_at=last_activity,
                last_post_id=last_post_id,
                author=PersonName.of(author_id, display_name, email, member_type),
                category_name=category_name or "",
                tag_names=sorted(load_json_rows(values[15])) if with_tags else [],
            )
        )
        if marked:
            row = rows[-1]
            last_read = values[-1]
            row.is_new = last_read is None
            row.has_new_posts = last_read is not None and row.last_post_id > last_read
    return rows


def _thread_rows(
    threads: QuerySet[Thread], limit: int, *, with_tags: bool, reader: User | None = None
) -> list[ThreadRow]:
    """`ThreadRow`s of the first `limit` threads, in one query.

    With `with_tags`, their tag names; with a signed-in `reader`, unread markers: `is_new`
    when they never opened the thread, `has_new_posts` when posts came after their last
    read (their subscription row, read by a correlated subquery on its unique index).
    """
    reader_id = _viewer_id(reader) if reader is not None else None
    found = _row_values(threads, limit, with_tags=with_tags, reader_id=reader_id)
    return _rows_from(found, with_tags=with_tags, marked=reader_id is not None)


def _list_page(
    rule: str, signed_in: bool, pinned: bool | None, limit: int, community_id: int, *values
) -> QuerySet:
    """The columns of a page of a community's unfiltered thread list (`thread_page`): the
    reader's id follows `community_id` when they are signed in, then, past the first page
    (`pinned` not None), the cursor's moment and id."""
    user_id = values[0] if signed_in else None
    threads = _shown_threads(rule, user_id, community_id)
    if pinned is not None:
        threads = threads.filter(_after_thread(pinned, *values[-2:]))
    return _row_values(threads, limit, with_tags=True, reader_id=user_id)


def _shown_threads(rule: str, user_id: int | None, community_id: int) -> QuerySet[Thread]:
    """The threads of a community its reader (`shown_rule`'s `rule`, their id) may see,
    in the list's order."""
    return Thread.objects.filter(
        permissions.shown_q_by_rule(rule, user_id), community_id=community_id
    ).order_by(*THREAD_ORDER)


def _community_threads(community: Community, user: User) -> QuerySet[Thread]:
    return _shown_threads(permissions.shown_rule(user, community), _viewer_id(user), community.pk)


def _thread_cursor(thread: ThreadRow) -> str:
    return f"{int(thread.is_pinned)}|{thread.last_activity_at.isoformat()}|{thread.pk}"


@dataclass
class ThreadFilters:
    kind: str = ""
    category: Category | None = None
    tag: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kind or self.category or self.tag)


def thread_page(
    *,
    user: User,
    community: Community,
    filters: ThreadFilters | None = None,
    after: str | None = None,
    page_size: int = THREADS_PAGE_SIZE,
) -> Page:
    """The community's threads, pinned first then by latest activity, one page at a time.

    404 when `user` may not read the community's content. Items are `ThreadRow`s with
    their tags and, for signed-in people, unread markers.
    """
    community_permissions.require_read_content(user, community)
    filters = filters or ThreadFilters()
    cursor = _thread_cursor_values(after)
    if not filters.active:
        # The community's own list, first page or any other, reads the same index whatever
        # the values: one plan serves them all (PostgreSQL planned each page for longer
        # than it ran), and one compiled SQL every community and reader in the same place.
        rule = permissions.shown_rule(user, community)
        user_id = _viewer_id(user)
        values = (community.pk,)
        if user_id is not None:
            values += (user_id,)
        if cursor is not None:
            values += cursor[1:]
        pinned = cursor[0] if cursor is not None else None
        shape = ("thread-list", rule, user_id is not None, pinned, page_size + 1)
        with one_plan():
            found = rows_of(
                shape,
                partial(_list_page, rule, user_id is not None, pinned, page_size + 1),
                values,
            )
        items = _rows_from(found, with_tags=True, marked=user_id is not None)
    else:
        # A filtered list is planned and compiled for its values.
        threads = _community_threads(community, user)
        if filters.kind:
            threads = threads.filter(kind=filters.kind)
        if filters.category is not None:
            threads = threads.filter(category=filters.category)
        if filters.tag:
            threads = threads.filter(tags__name=filters.tag.lower())
        if cursor is not None:
            threads = threads.filter(_after_thread(*cursor))
        items = _thread_rows(threads, page_size + 1, with_tags=True, reader=user)
    next_cursor = None
    if len(items) > page_size:
        items = items[:page_size]
        next_cursor = _thread_cursor(items[-1])
    return Page(items, next_cursor)


def latest_threads(*, user: User, community: Community, limit: int = LATEST_THREADS) -> list:
    """The first few threads of the community's list, for its home page (no tags, no
    markers); empty when `user` may not read the community's content."""
    if not community_permissions.can_read_content(user, community):
        return []
    return _thread_rows(_community_threads(community, user), limit, with_tags=False)


def get_category(community: Community, category_id: str | None) -> Category | None:
    category_id = params.positive_int(category_id)
    if category_id is None:
        return None
    return community.categories.filter(pk=category_id).first()


# -- one thread ---------------------------------------------------------------------------------


def _threads_with_viewer_rows(user_id: int | None, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """`threads` with `tag_names` and, for the signed-in person `user_id` (None for a
    visitor), `viewer_last_read`, `viewer_following` and `viewer_muted` (None when they
    have no subscription row)."""
    # No ordering: one row by primary key (the model's default order only costs planning).
    # The thread's author is not shown on its page (its first post is). The accepted answer
    # and the community a thread was moved from are joined only when there is one (below):
    # most threads have neither, and each join costs every page view planning time.
    threads = (
        threads.select_related("category")
        .annotate(tag_names=tag_names_of(column(Thread, "pk")))
        .order_by()
    )
    if user_id is not None:
        # The subscription row on its unique (thread, user) index, as SQL: cheaper to build
        # than two ORM subqueries (see core.expressions).
        mine = (
            f"FROM {table(ThreadSubscription, 'mine')} "
            f"WHERE {column(ThreadSubscription, 'thread', 'mine')} = {column(Thread, 'pk')} "
            f"AND {column(ThreadSubscription, 'user', 'mine')} = %s"
        )
        threads = threads.annotate(
            viewer_last_read=row_value(
                column(ThreadSubscription, "last_read_post_id", "mine"),
                mine,
                (user_id,),
                BigIntegerField(),
            ),
            viewer_following=row_value(
                column(ThreadSubscription, "following", "mine"), mine, (user_id,), BooleanField()
            ),
            viewer_muted=row_value(
                column(ThreadSubscription, "muted", "mine"), mine, (user_id,), BooleanField()
            ),
        )
    return threads


def _finish_thread(user: User, community: Community, thread: Thread) -> Thread:
    """What a thread's page shows beyond its own row, read only when there is some."""
    thread.community = community
    thread.tag_names = sorted(load_json_rows(thread.tag_names))
    if not user.is_authenticated:
        thread.viewer_last_read = thread.viewer_following = thread.viewer_muted = None
    if thread.accepted_answer_id:
        thread.accepted_answer = (
            Post.objects.select_related("author").filter(pk=thread.accepted_answer_id).first()
        )
    # `moved_from` is read (one query) only for a thread that was moved.
    thread.moved_from_name = readable_community_name(user, thread.moved_from)
    return thread


def get_thread(*, user: User, community: Community, thread_id: int) -> Thread:
    """The thread of `community` with id `thread_id`, or 404 when it is not there or
    `user` may not read the community's content.

    It carries its `tag_names` in order and, for signed-in people, `viewer_last_read`,
    `viewer_following` and `viewer_muted` (None when they have no subscription row), all
    loaded in the same query.
    """
    community_permissions.require_read_content(user, community)
    threads = Thread.objects.filter(
        permissions.shown_q(user, community=community), community=community, pk=thread_id
    )
    thread = next(iter(_threads_with_viewer_rows(_viewer_id(user), threads)[:1]), None)
    if thread is None:
        raise Http404
    return _finish_thread(user, community, thread)


def _viewer_id(user: User) -> int | None:
    return user.pk if user.is_authenticated else None


def _thread_at(thread_id: int, slug: str) -> QuerySet[Thread]:
    return Thread.objects.select_related("community").filter(pk=thread_id, community__slug=slug)


def _visitor_thread_at(thread_id: int, slug: str) -> QuerySet[Thread]:
    return _threads_with_viewer_rows(None, _thread_at(thread_id, slug))[:1]


def _member_thread_at(
    thread_id: int, slug: str, user_id: int, moment: datetime.datetime
) -> QuerySet[Thread]:
    threads = community_permissions.with_viewer_flags_of(
        _thread_at(thread_id, slug), user_id, moment
    )
    return _threads_with_viewer_rows(user_id, threads)[:1]


def get_thread_at(*, user: User, slug: str, thread_id: int) -> Thread:
    """`get_thread` of the community at `slug` (`get_community_for`'s rules: 404 when
    `user` may not see it), with the community read in the thread's own query: for the
    thread page, the busiest of all. `thread.community` carries the viewer's facts
    (`with_viewer_flags`) but not its purpose.

    When no thread of that community has that id, the community is looked up on its own,
    so the answer is exactly `get_community_for`'s and `get_thread`'s (the thread page
    then looks for a thread moved elsewhere).
    """
    # One row by its id: one plan serves every thread (planned on every view, it took
    # longer to plan than to run), and one compiled SQL every thread and reader.
    with one_plan():
        if params.positive_int(thread_id) is None:
            # Past any id (the address converter takes any digits): no thread, as below.
            found = []
        elif user.is_authenticated:
            found = models_of(
                ("thread-at", "member"),
                _member_thread_at,
                (thread_id, slug, user.pk, timezone.now()),
            )
        else:
            found = models_of(("thread-at", "visitor"), _visitor_thread_at, (thread_id, slug))
    thread = found[0] if found else None
    if thread is None:
        return get_thread(
            user=user, community=get_community_for(user=user, slug=slug), thread_id=thread_id
        )
    community = thread.community
    community_permissions.carry_viewer_flags(thread, community)
    if not community_permissions.can_see(user, community):
        raise Http404
    community_permissions.require_read_content(user, community)
    # `shown_q` for this one thread, now that its community (and the viewer's standing
    # there) is known.
    if not permissions.can_see_item(user, thread):
        raise Http404
    return _finish_thread(user, community, thread)


def readable_community_name(user: User, community: Community | None) -> str | None:
    """The name of a community another page refers to ("moved here from"), or None when
    `user` may not read it: pages then say "another community" and never leak a secret
    community's name."""
    if community is None or not community_permissions.can_read_content(user, community):
        return None
    return community.name


def find_moved_thread(*, user: User, thread_id: int) -> Thread | None:
    """The thread with this id wherever it lives now, if `user` may read it there: an old
    address of a moved thread redirects instead of failing."""
    thread = Thread.objects.select_related("community").filter(pk=thread_id).first()
    if thread is None or not permissions.can_read_thread(user, thread):
        return None
    return thread


def get_post(*, thread: Thread, post_id: int) -> Post:
    """A post of `thread` (deleted ones included), 404 otherwise. The caller has loaded
    `thread` through `get_thread`, so the reader may read it."""
    post = (
        Post.objects.filter(thread=thread, pk=post_id)
        .select_related("author", "deleted_by", "quoted_post", "quoted_post__author")
        .first()
    )
    if post is None:
        raise Http404
    post.thread = thread
    return post


def first_post(*, thread: Thread) -> Post:
    """The opening post of `thread` (loaded through `get_thread`), deleted or not."""
    post = Post.objects.filter(thread=thread, is_first=True).select_related("author").first()
    if post is None:
        raise Http404
    post.thread = thread
    return post


def thread_tag_names(thread: Thread) -> list[str]:
    """The names of a thread's tags in order, for a thread not read by `get_thread` (which
    brings them in its own query)."""
    return list(thread.tags.order_by("name").values_list("name", flat=True))


def quote_excerpt(post: Post | None) -> str:
    """The start of a post as plain text (from its stored, sanitised HTML)."""
    if post is None:
        return ""
    text = html.unescape(strip_tags(post.body_html))
    return Truncator(" ".join(text.split())).chars(QUOTE_EXCERPT_CHARS)


def _with_reactions(posts: QuerySet[Post], user_id: int | None) -> QuerySet[Post]:
    """Each post with `reaction_counts`: JSON rows [kind, how many reacted, whether the
    person `user_id` did (1 or 0; None: a visitor)], one per kind someone used.

    One correlated subquery per post, grouped by kind on the (post, user, kind) unique
    index, in the posts' own query: a page of posts and all its reaction counts cost one
    query. Written as SQL (core.expressions): eight ORM subqueries (a count and an
    "is it mine" per kind) cost more to build than the whole query takes to run.
    """
    kind = column(Reaction, "kind", "rx")
    if user_id is not None:
        mine, values = (
            f"MAX(CASE WHEN {column(Reaction, 'user', 'rx')} = %s THEN 1 ELSE 0 END)",
            (user_id,),
        )
    else:
        mine, values = "0", ()
    # Table and column names only: the viewer's id travels as a parameter.
    counted = (
        f"SELECT {kind} AS kind, COUNT(*) AS reacted, {mine} AS mine "  # noqa: S608
        f"FROM {table(Reaction, 'rx')} "
        f"WHERE {column(Reaction, 'post', 'rx')} = {column(Post, 'pk')} GROUP BY {kind}"
    )
    rows = json_rows(
        ["counted.kind", "counted.reacted", "counted.mine"], f"FROM ({counted}) AS counted", values
    )
    return posts.annotate(reaction_counts=rows)


@dataclass(slots=True)
class ReactionCount:
    kind: str
    label: str
    symbol: str
    count: int
    mine: bool


def _reaction_kinds() -> list[tuple[str, str, str]]:
    """Every reaction kind as (value, label in the active language, symbol), in order."""
    return [(kind.value, str(kind.label), REACTION_SYMBOLS[kind]) for kind in ReactionKind]


def _reaction_list(
    counts_json: str | None, kinds: list[tuple[str, str, str]]
) -> list[ReactionCount]:
    """The counts annotated by `_with_reactions`, in the fixed order of the kinds."""
    counted = {kind: (count, mine) for kind, count, mine in load_json_rows(counts_json)}
    reactions = []
    for value, label, symbol in kinds:
        count, mine = counted.get(value, (0, 0))
        reactions.append(ReactionCount(value, label, symbol, count, bool(mine)))
    return reactions


def _decorate(user: User, thread: Thread, posts: list[Post]) -> None:
    """Per-post rights, reactions, quote excerpts and "new" markers, without queries
    (every post shares the thread and its community; reactions come annotated)."""
    last_read = getattr(thread, "viewer_last_read", None) if user.is_authenticated else None
    # The viewer's standing in the community is the same for every post of the page.
    standing = permissions.standing_in(user, thread.community)
    can_accept = thread.kind == ThreadKind.QUESTION and permissions.can_accept_answer(user, thread)
    kinds = _reaction_kinds()
    for post in posts:
        post.thread = thread
        post.reaction_list = _reaction_list(post.reaction_counts, kinds)
        post.reaction_total = sum(item.count for item in post.reaction_list)
        post.can_edit = permissions.can_edit_post(user, post, standing)
        post.can_delete = permissions.can_delete_post(user, post, standing)
        post.can_see_revisions = post.revision_count > 0 and permissions.can_see_revisions(
            user, post, standing
        )
        post.can_react = permissions.can_react(user, post, standing)
        post.can_accept = can_accept and not post.is_first and not post.is_deleted
        post.is_accepted = thread.accepted_answer_id == post.pk
        post.show_deletion_details = post.is_deleted and standing.moderator
        post.can_flag = (
            standing.user_id is not None
            and post.author_id != standing.user_id
            and not post.is_deleted
        )
        post.is_new = (
            last_read is not None and post.pk > last_read and post.author_id != standing.user_id
        )
        quoted = post.quoted_post
        post.quote_excerpt = "" if quoted is None or quoted.is_deleted else quote_excerpt(quoted)


# What a thread page shows of its posts and their authors: the Markdown source, the search
# text and the rest of the people's rows stay in the database.
_PERSON_FIELDS = ("display_name", "email", "member_type", "avatar")
_PAGE_POST_FIELDS = (
    "thread_id",
    "author_id",
    "body_html",
    "is_first",
    "quoted_post_id",
    "created_at",
    "edited_at",
    "revision_count",
    "deleted_at",
    "deleted_by_id",
    "deletion_reason",
    "review_state",
    "review_note",
    *(f"author__{name}" for name in _PERSON_FIELDS),
)
_QUOTED_POST_FIELDS = (
    "author_id",
    "body_html",
    "deleted_at",
    *(f"author__{name}" for name in _PERSON_FIELDS),
)


def _attach_quotes_and_deleters(posts: list[Post]) -> None:
    """The posts quoted on the page and the people who deleted posts, by one query each
    and only when the page has some. Joining them into the page's query instead made the
    database plan four joins for every page view (about 1.5 ms of planning against
    0.4 ms), for rows most pages do not have."""
    quoted_ids = {post.quoted_post_id for post in posts if post.quoted_post_id}
    if quoted_ids:
        quoted = (
            Post.objects.filter(pk__in=quoted_ids)
            .select_related("author")
            .only(*_QUOTED_POST_FIELDS)
            .in_bulk()
        )
        for post in posts:
            if post.quoted_post_id:
                post.quoted_post = quoted.get(post.quoted_post_id)
    deleter_ids = {post.deleted_by_id for post in posts if post.deleted_by_id}
    if deleter_ids:
        deleters = User.objects.only(*_PERSON_FIELDS).in_bulk(deleter_ids)
        for post in posts:
            if post.deleted_by_id:
                post.deleted_by = deleters.get(post.deleted_by_id)


@dataclass
class PostPage:
    items: list = field(default_factory=list)
    earlier_cursor: int | None = None
    later_cursor: int | None = None


def _page_posts(
    rule: str, signed_in: bool, direction: str, page_size: int, thread_id: int, *values: int
) -> QuerySet[Post]:
    """A page of a thread's posts (`thread_posts`): the reader's id follows `thread_id`
    when they are signed in, then the cursor when there is one."""
    user_id = values[0] if signed_in else None
    posts = (
        Post.objects.filter(permissions.shown_q_by_rule(rule, user_id), thread_id=thread_id)
        .select_related("author")
        .only(*_PAGE_POST_FIELDS)
    )
    posts = _with_reactions(posts, user_id)
    if direction == "before":
        return posts.filter(pk__lt=values[-1]).order_by("-pk")[:page_size]
    if direction == "after":
        posts = posts.filter(pk__gt=values[-1])
    return posts.order_by("pk")[:page_size]


def thread_posts(
    *,
    user: User,
    thread: Thread,
    after: int | None = None,
    before: int | None = None,
    page_size: int = POSTS_PAGE_SIZE,
) -> PostPage:
    """A page of the thread's posts in order: from the start, after post id `after`, or
    the `page_size` posts before post id `before`. Keyset by post id, so every page
    costs the same. The page knows whether earlier or later posts exist without counting:
    the first post is flagged, and the thread remembers its last post id.
    """
    rule = permissions.shown_rule(user, thread.community)
    user_id = _viewer_id(user)
    cursor = before or after
    direction = "before" if before else "after" if after else "start"
    values = (thread.pk,)
    if user_id is not None:
        values += (user_id,)
    if cursor:
        values += (cursor,)
    # One plan serves every thread and place in it (the thread's posts by id, read on
    # the (thread, id) index): PostgreSQL planned it on every view, for longer than it ran.
    # One compiled SQL serves every thread and reader in the same position.
    with one_plan():
        items = models_of(
            ("thread-posts", rule, user_id is not None, direction, page_size),
            partial(_page_posts, rule, user_id is not None, direction, page_size),
            values,
        )
    if before:
        items.reverse()
    _attach_quotes_and_deleters(items)
    _decorate(user, thread, items)
    page = PostPage(items=items)
    if items:
        if not items[0].is_first:
            page.earlier_cursor = items[0].pk
        if items[-1].pk < thread.last_post_id_cache:
            page.later_cursor = items[-1].pk
    elif after or before:
        # Past either end: offer the way back to the start.
        page.earlier_cursor = before or after
    return page


def reactions_of(*, user: User, post: Post) -> list[ReactionCount]:
    """The reaction counts of one post, for the htmx update after a reaction."""
    counts = _with_reactions(Post.objects.filter(pk=post.pk), _viewer_id(user)).values_list(
        "reaction_counts", flat=True
    )
    return _reaction_list(counts.get(), _reaction_kinds())


def post_revisions(*, post: Post, after: str | None = None) -> Page:
    """Earlier versions of a post, oldest first. The caller checked `can_see_revisions`."""
    revisions = PostRevision.objects.filter(post=post).select_related("edited_by")
    return keyset_page(revisions, field="created_at", after=after, page_size=REVISIONS_PAGE_SIZE)


# -- mentions and moving -----------------------------------------------------------------------


def mention_suggestions(
    *, community: Community, query: str, limit: int = MENTION_SUGGESTIONS
) -> list[User]:
    """Up to `limit` members who may read the community's content
    (`permissions.mention_audience`) whose display name has a word starting with `query`.

    Only display names are matched and shown: never an email address, nor its local part
    (people without a display name are not offered, since their shown name is that
    local part).
    """
    query = " ".join(query.strip().lstrip("@").split())[:80]
    if not query or "@" in query:
        return []
    by_name = Q(display_name__istartswith=query) | Q(display_name__icontains=f" {query}")
    return list(
        permissions.mention_audience(community)
        .filter(by_name)
        .exclude(display_name="")
        .order_by("display_name", "id")[:limit]
    )


def get_reader(*, community: Community, person_id: str | None) -> User | None:
    """The person with this id if the mention lookup may offer them in `community`."""
    person_id = params.positive_int(person_id)
    if person_id is None:
        return None
    return (
        permissions.mention_audience(community)
        .exclude(display_name="")
        .filter(pk=person_id)
        .first()
    )


@dataclass
class MoveTarget:
    community: Community
    widens: bool


def move_targets(*, user: User, thread: Thread, limit: int = 200) -> list[MoveTarget]:
    """Communities `user` may move `thread` to, each marked when more people would be
    able to read the thread there."""
    source = thread.community
    candidates = community_permissions.communities_moderated_by(user)
    candidates = community_permissions.with_viewer_flags(
        candidates.exclude(pk=source.pk).order_by("name", "id"), user
    )
    return [
        MoveTarget(community=target, widens=community_permissions.readers_wider(source, target))
        for target in candidates[:limit]
        if permissions.move_refusal(user, thread, target) is None
    ]


def get_move_target(*, user: User, thread: Thread, community_id: str | None) -> Community | None:
    community_id = params.positive_int(community_id)
    if community_id is None:
        return None
    for target in move_targets(user=user, thread=thread):
        if target.community.pk == community_id:
            return target.community
    return None
