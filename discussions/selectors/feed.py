"""The member home page's feed: what happened in the person's communities.

Two streams are merged newest first: `Activity` rows of the communities the person is a
member of (new threads, ideas, idea status changes, decisions opened and closed), and
the measurements recorded on the goals of those communities' purposes. Keyset
pagination runs over the merged stream: the cursor is the last item's
"timestamp|source|id", each source is read from just after it (one query each, at most
a page and one row), and the two are merged in Python. Page 100 costs what page 1 does.

On PostgreSQL each source is read per group (a community for activity, a goal for
measurements): a LATERAL join takes, for each group, its newest page-and-one rows after
the cursor from the group's (group, created_at, id) index, and the newest page-and-one
of those are loaded. The cost follows the number of groups and the page size, never how
much history the groups have. A single `group IN (...) ORDER BY created_at` cannot read
several index ranges in order, so it reads every row of every group and sorts them.
SQLite (development only) cannot order and limit inside a join: it runs that simple form.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from communities.models import Community
from communities.permissions import communities_member_of
from core import params
from core.expressions import column, table
from discussions.models import Activity, ActivityKind, Decision, IdeaStatus, Thread
from purposes.models import Goal, Measurement
from purposes.permissions import purposes_visible_to

FEED_PAGE_SIZE = 20
CLOSING_SOON = datetime.timedelta(hours=48)
CLOSING_SOON_LIMIT = 6

ACTIVITY = "a"
MEASUREMENT = "m"
# At the same moment, activities come before measurements (the order is newest first).
SOURCE_RANK = {MEASUREMENT: 0, ACTIVITY: 1}

_COMMUNITY_TEXTS = (
    "community__description",
    "community__description_html",
    "community__guidelines",
    "community__guidelines_html",
)


@dataclass
class FeedItem:
    source: str
    at: datetime.datetime
    pk: int
    activity: Activity | None = None
    measurement: Measurement | None = None
    # How many events of the same kind about the same thing this row stands for (the
    # newest of them is shown): "6 new measurements of …" rather than six rows.
    repeats: int = 1

    @property
    def repeats_well(self) -> bool:
        """Whether events like this one are told as one row when they follow each other."""
        return self.measurement is not None or self.activity.kind == ActivityKind.IDEA_STATUS

    @property
    def group_key(self) -> tuple:
        if self.measurement is not None:
            return (MEASUREMENT, self.measurement.goal_id)
        return (ACTIVITY, self.activity.thread_id, self.activity.kind)

    @property
    def sort_key(self) -> tuple:
        return (self.at, SOURCE_RANK[self.source], self.pk)

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}|{self.source}|{self.pk}"

    @property
    def is_activity(self) -> bool:
        return self.source == ACTIVITY

    @property
    def status_label(self) -> str:
        """For an idea status change: the new status, as people read it."""
        if self.activity is None or self.activity.kind != ActivityKind.IDEA_STATUS:
            return ""
        detail = self.activity.detail
        return str(IdeaStatus(detail).label) if detail in IdeaStatus.values else detail


@dataclass
class FeedPage:
    items: list[FeedItem]
    next_cursor: str | None

    @property
    def rows(self) -> list[FeedItem]:
        """The page's items with a run of repeated events (one goal's measurements, one
        idea's status changes, in a row) folded into its newest one."""
        rows: list[FeedItem] = []
        for item in self.items:
            item.repeats = 1
            previous = rows[-1] if rows else None
            if previous is not None and item.group_key == previous.group_key and item.repeats_well:
                previous.repeats += 1
            else:
                rows.append(item)
        return rows


def parse_cursor(after: str | None) -> tuple[datetime.datetime, str, int] | None:
    """(timestamp, source, id) from "timestamp|source|id"; None when absent or unreadable."""
    if not after:
        return None
    parts = after.split("|")
    if len(parts) != 3:
        return None
    raw_at, source, raw_pk = parts
    at, pk = params.aware_datetime(raw_at), params.positive_int(raw_pk)
    if source not in SOURCE_RANK or at is None or pk is None:
        return None
    return at, source, pk


def _after(cursor: tuple[datetime.datetime, str, int] | None, source: str) -> Q:
    """Rows of `source` that come after the cursor in (time, source, id) descending order."""
    if cursor is None:
        return Q()
    at, cursor_source, pk = cursor
    # `created_at <= at` gives the index a range to seek to.
    bound = Q(created_at__lte=at)
    if SOURCE_RANK[source] < SOURCE_RANK[cursor_source]:
        return bound
    if SOURCE_RANK[source] > SOURCE_RANK[cursor_source]:
        return bound & Q(created_at__lt=at)
    return bound & (Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))


def _after_sql(
    cursor: tuple[datetime.datetime, str, int] | None, source: str, created_at: str, pk: str
) -> tuple[str, list]:
    """`_after` as SQL over the columns `created_at` and `pk`: (" AND ...", params)."""
    if cursor is None:
        return "", []
    at, cursor_source, cursor_pk = cursor
    if SOURCE_RANK[source] < SOURCE_RANK[cursor_source]:
        return f" AND {created_at} <= %s", [at]
    if SOURCE_RANK[source] > SOURCE_RANK[cursor_source]:
        return f" AND {created_at} < %s", [at]
    return (
        f" AND {created_at} <= %s AND ({created_at} < %s OR ({created_at} = %s AND {pk} < %s))",
        [at, at, at, cursor_pk],
    )


def _newest_per_group(
    *,
    model: type[Model],
    group_field: str,
    groups: QuerySet,
    cursor: tuple[datetime.datetime, str, int] | None,
    source: str,
    limit: int,
    join: str = "",
    keep: str = "",
) -> RawSQL:
    """Primary keys of the `limit` newest rows of `model` after the cursor whose
    `group_field` is one of `groups` (a one-column queryset), for `pk__in` (PostgreSQL).

    For each group, its `limit` newest rows are read through the group's (group,
    created_at, id) index and the reading stops there, so the cost is the number of
    groups times `limit`, whatever the groups' history. `join` and `keep` add a join and
    a condition (SQL over the alias `feed_row` for the row and `feed_group.id` for its
    group; names only, no values).
    """
    groups_sql, groups_params = groups.order_by().query.sql_with_params()
    created_at = column(model, "created_at", "feed_row")
    pk = column(model, "pk", "feed_row")
    after, after_params = _after_sql(cursor, source, created_at, pk)
    sql = (
        f"WITH feed_group (id) AS ({groups_sql}) "  # noqa: S608 - names from the models and compiled querysets, values as parameters
        "SELECT feed_recent.id FROM feed_group CROSS JOIN LATERAL ("
        f"SELECT {pk} AS id, {created_at} AS created_at FROM {table(model, 'feed_row')}{join} "
        f"WHERE {column(model, group_field, 'feed_row')} = feed_group.id{keep}{after} "
        f"ORDER BY {created_at} DESC, {pk} DESC LIMIT %s"
        ") AS feed_recent ORDER BY feed_recent.created_at DESC, feed_recent.id DESC LIMIT %s"
    )
    return RawSQL(sql, (*groups_params, *after_params, limit, limit))  # noqa: S611 - names from the models, values as parameters


def _per_group_reads() -> bool:
    return connection.vendor == "postgresql"


def member_community_ids(user: User) -> QuerySet:
    """The person's communities as a subquery, kept within the access rule."""
    return communities_member_of(user).values("pk")


def activity_feed(
    *, user: User, after: str | None = None, page_size: int = FEED_PAGE_SIZE
) -> FeedPage:
    """One page of the person's feed, newest first, starting after cursor `after`.

    Two queries whatever the page. An unreadable cursor starts from the first page.
    """
    cursor = parse_cursor(after)
    activities = (
        _activities(user, cursor, page_size + 1)
        .select_related("thread", "thread__community", "thread__decision", "actor")
        .defer(*(f"thread__{name}" for name in _COMMUNITY_TEXTS))
        .order_by("-created_at", "-pk")[: page_size + 1]
    )
    measurements = (
        _measurements(user, cursor, page_size + 1)
        .select_related("goal", "goal__purpose", "recorded_by")
        .order_by("-created_at", "-pk")[: page_size + 1]
    )
    items = [
        FeedItem(ACTIVITY, activity.created_at, activity.pk, activity=activity)
        for activity in activities
    ] + [
        FeedItem(MEASUREMENT, measurement.created_at, measurement.pk, measurement=measurement)
        for measurement in measurements
    ]
    items.sort(key=lambda item: item.sort_key, reverse=True)
    next_cursor = None
    if len(items) > page_size:
        items = items[:page_size]
        next_cursor = items[-1].cursor
    return FeedPage(items, next_cursor)


def _activities(
    user: User, cursor: tuple[datetime.datetime, str, int] | None, limit: int
) -> QuerySet[Activity]:
    """The person's activity after the cursor: the newest `limit` of them, or more.

    The thread's current community counts too: a thread moved out of the person's
    communities takes its earlier activity with it.
    """
    communities = member_community_ids(user)
    if not _per_group_reads():
        return Activity.objects.filter(
            community__in=communities, thread__community__in=communities
        ).filter(_after(cursor, ACTIVITY))
    # `move_thread` moves a thread's activity with it, so this check almost never drops a
    # row; but PostgreSQL estimates it as keeping 1 row in 100 or so, and would then
    # rather read and sort the whole community than walk its index until a page is
    # full. Inside COALESCE (the same test: a NULL drops the row as FALSE does) it counts
    # the check as keeping half the rows, and walks the index.
    thread = "feed_thread"
    join = (
        f" INNER JOIN {table(Thread, thread)}"
        f" ON {column(Thread, 'pk', thread)} = {column(Activity, 'thread', 'feed_row')}"
    )
    keep = (
        f" AND COALESCE({column(Thread, 'community', thread)}"  # noqa: S608 - names from the models
        " = ANY(ARRAY(SELECT id FROM feed_group)), FALSE)"
    )
    newest = _newest_per_group(
        model=Activity,
        group_field="community",
        groups=communities,
        cursor=cursor,
        source=ACTIVITY,
        limit=limit,
        join=join,
        keep=keep,
    )
    return Activity.objects.filter(pk__in=newest)


def _measurements(
    user: User, cursor: tuple[datetime.datetime, str, int] | None, limit: int
) -> QuerySet[Measurement]:
    """Measurements of the goals of the person's communities' purposes (those they may
    see) after the cursor: the newest `limit` of them, or more.

    Each goal's newest `limit` come from its (goal, created_at, id) index.
    """
    goals = Goal.objects.filter(
        purpose__in=Community.objects.filter(pk__in=member_community_ids(user)).values("purpose_id")
    ).filter(purpose__in=purposes_visible_to(user).values("pk"))
    if not _per_group_reads():
        return Measurement.objects.filter(goal__in=goals.values("pk")).filter(
            _after(cursor, MEASUREMENT)
        )
    newest = _newest_per_group(
        model=Measurement,
        group_field="goal",
        groups=goals.values("pk"),
        cursor=cursor,
        source=MEASUREMENT,
        limit=limit,
    )
    return Measurement.objects.filter(pk__in=newest)


def closing_soon(*, user: User, limit: int = CLOSING_SOON_LIMIT) -> list[Decision]:
    """Open decisions of the person's communities closing within 48 hours, soonest first."""
    now = timezone.now()
    return list(
        Decision.objects.filter(
            Decision.voting_open_at(now),
            thread__community__in=member_community_ids(user),
            closes_at__lte=now + CLOSING_SOON,
        )
        .select_related("thread", "thread__community")
        .defer(*(f"thread__{name}" for name in _COMMUNITY_TEXTS))
        .order_by("closes_at", "pk")[:limit]
    )
