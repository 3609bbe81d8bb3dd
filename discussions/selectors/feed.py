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
import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import PersonName, User
from accounts.permissions import PositionedReader, reader_position
from communities import permissions as community_permissions
from communities.models import Community
from communities.selectors import member_communities
from core import params
from core.compiled_reads import rows_of
from core.expressions import column, table
from core.postgresql import one_plan
from discussions.models import Activity, ActivityKind, Decision, IdeaStatus, Thread
from purposes.models import Goal, Measurement, Purpose
from purposes.permissions import purpose_ids_visible_to

FEED_PAGE_SIZE = 20
CLOSING_SOON = datetime.timedelta(hours=48)
CLOSING_SOON_LIMIT = 6

ACTIVITY = "a"
MEASUREMENT = "m"
# At the same moment, activities come before measurements (the order is newest first).
SOURCE_RANK = {MEASUREMENT: 0, ACTIVITY: 1}


# -- what the feed shows, read as plain columns ---------------------------------------------


@dataclass(slots=True)
class FeedThread:
    """The thread an activity is about, with the community it is in now."""

    pk: int
    title: str
    kind: str
    community_name: str
    community_slug: str
    outcome_html: str  # its decision's outcome (sanitised when recorded), "" when none


@dataclass(slots=True)
class FeedActivity:
    pk: int
    kind: str
    detail: str
    created_at: datetime.datetime
    community_id: int
    thread_id: int
    thread: FeedThread
    actor: PersonName | None

    @property
    def kind_label(self) -> str:
        return str(ActivityKind(self.kind).label) if self.kind in ActivityKind.values else ""


@dataclass(slots=True)
class FeedGoal:
    pk: int
    metric: str
    unit: str
    purpose_title: str
    purpose_slug: str


@dataclass(slots=True)
class FeedMeasurement:
    pk: int
    value: Decimal
    measured_on: datetime.date
    created_at: datetime.datetime
    goal_id: int
    goal: FeedGoal
    recorded_by: PersonName | None


@dataclass
class FeedItem:
    source: str
    at: datetime.datetime
    pk: int
    activity: FeedActivity | None = None
    measurement: FeedMeasurement | None = None
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


def _after_sql(
    cursor: tuple[datetime.datetime, str, int] | None, source: str, created_at: str, pk: str
) -> tuple[str, list]:
    """SQL over the columns `created_at` and `pk` keeping the rows of `source` that come
    after the cursor in (time, source, id) descending order: (" AND ...", params).
    `created_at <= at` gives the index a range to seek to."""
    if cursor is None:
        return "", []
    at, cursor_source, cursor_pk = cursor
    # As the ORM passes a moment (SQLite compares its text, naive in UTC).
    at = connection.ops.adapt_datetimefield_value(at)
    if SOURCE_RANK[source] < SOURCE_RANK[cursor_source]:
        return f" AND {created_at} <= %s", [at]
    if SOURCE_RANK[source] > SOURCE_RANK[cursor_source]:
        return f" AND {created_at} < %s", [at]
    return (
        f" AND {created_at} <= %s AND ({created_at} < %s OR ({created_at} = %s AND {pk} < %s))",
        [at, at, at, cursor_pk],
    )


def _per_group_reads() -> bool:
    return connection.vendor == "postgresql"


def _one_of(value: str) -> str:
    """SQL: `value` is one of the ids passed as one parameter (`_ids`)."""
    if _per_group_reads():
        return f"{value} = ANY(%s::bigint[])"
    return f"{value} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a name from a model


def _ids(ids: list[int]):
    return list(ids) if _per_group_reads() else json.dumps(list(ids))


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A moment read by a plain query: SQLite gives it naive, in UTC."""
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


@dataclass(frozen=True)
class FeedScope:
    """What a person's feed reads: the ids of their communities, and of those
    communities' purposes the ones they may see; with the memberships the home page
    lists (`communities.selectors.member_communities`)."""

    communities: list[int]
    purposes: list[int]
    memberships: list = field(default_factory=list)


def feed_scope(user: User) -> FeedScope:
    """The person's `FeedScope`, kept within the access rules: one query (two when one of
    their communities' purposes is a draft)."""
    member_of = member_communities(user=user)
    return FeedScope(
        communities=member_of.community_ids,
        purposes=sorted(purpose_ids_visible_to(user, member_of.purpose_statuses)),
        memberships=member_of.memberships,
    )


def activity_feed(
    *,
    user: User,
    after: str | None = None,
    page_size: int = FEED_PAGE_SIZE,
    scope: FeedScope | None = None,
) -> FeedPage:
    """One page of the person's feed, newest first, starting after cursor `after`.

    `scope` is the person's `feed_scope`, read here when not given. Two queries for the
    page whatever the page, and the scope's without `scope`. An unreadable cursor starts
    from the first page.
    """
    if scope is None:
        scope = feed_scope(user)
    cursor = parse_cursor(after)
    # The first page's reads keep one plan (their per-community reads do not depend on
    # the values): PostgreSQL planned them on every view, for longer than they ran.
    with one_plan() if cursor is None else nullcontext():
        activities = _activities(scope.communities, cursor, page_size + 1)
        measurements = _measurements(scope.purposes, cursor, page_size + 1)
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


def _newest(
    *, model, group: str, groups: str, source: str, after: str, join: str = "", keep: str = ""
):
    """SQL selecting the ids of the newest rows of `model` after the cursor (`after`,
    from `_after_sql`) whose column `group` is one of `groups` (SQL naming the alias
    `feed_group` and its column `id`, one row per group), newest first: at most a
    number of rows given as parameter(s) after the cursor's.

    On PostgreSQL, for each group its newest rows are read through the group's (group,
    created_at, id) index and the reading stops there (a LATERAL join), so the cost is
    the number of groups times the page, whatever the groups' history. A single `group
    IN (...) ORDER BY created_at` cannot read several index ranges in order: it reads
    every row of every group and sorts them. SQLite (development only) cannot order and
    limit inside a join: it runs that simple form. Parameters: the groups', then the
    cursor's, then the limit (twice on PostgreSQL). `join` and `keep` add a join and a
    condition over the alias `feed_row` (names only, no values).
    """
    created_at = column(model, "created_at", "feed_row")
    pk = column(model, "pk", "feed_row")
    rows = f"FROM {table(model, 'feed_row')}{join} WHERE {column(model, group, 'feed_row')}"
    order = f"ORDER BY {created_at} DESC, {pk} DESC LIMIT %s"
    if _per_group_reads():
        return (
            f"WITH feed_group (id) AS ({groups}) "  # noqa: S608 - names from the models
            "SELECT feed_recent.id FROM feed_group CROSS JOIN LATERAL ("
            f"SELECT {pk} AS id, {created_at} AS created_at {rows} = feed_group.id{keep}{after} "
            f"{order}) AS feed_recent "
            "ORDER BY feed_recent.created_at DESC, feed_recent.id DESC LIMIT %s"
        )
    groups = f"(SELECT feed_group.id FROM ({groups}) AS feed_group)"  # noqa: S608 - SQL text
    return f"SELECT {pk} {rows} IN {groups}{keep}{after} {order}"  # noqa: S608 - names


@lru_cache(maxsize=16)
def _activity_sql(vendor: str, after: str) -> str:
    """The activity rows (`_activities`) of the communities passed (as `_ids`, twice),
    after the cursor, for the cursor's condition `after`: the same text per database and
    kind of cursor, built once."""
    # `move_thread` moves a thread's activity with it, so the thread's current community
    # almost never drops a row; but PostgreSQL estimates it as keeping 1 row in 100 or
    # so, and would then rather read and sort the whole community than walk its index
    # until a page is full. Inside COALESCE (the same test: a NULL drops the row as FALSE
    # does) it counts the check as keeping half the rows, and walks the index.
    thread = "feed_thread"
    join = (
        f" INNER JOIN {table(Thread, thread)}"
        f" ON {column(Thread, 'pk', thread)} = {column(Activity, 'thread', 'feed_row')}"
    )
    # Hidden and held threads stay out of everyone's feed (`permissions.published_q`):
    # their authors and moderators find them on the community's pages.
    keep = (
        f" AND COALESCE({_one_of(column(Thread, 'community', thread))}, FALSE)"
        f" AND {column(Thread, 'review_state', thread)} = ''"
    )
    groups = (
        "SELECT * FROM unnest(%s::bigint[])"
        if vendor == "postgresql"
        else "SELECT value AS id FROM json_each(%s)"
    )
    newest = _newest(
        model=Activity,
        group="community",
        groups=groups,
        source=ACTIVITY,
        after=after,
        join=join,
        keep=keep,
    )
    a, t, c, d, u = "a", "t", "c", "d", "u"
    cells = [
        column(Activity, "pk", a),
        column(Activity, "kind", a),
        column(Activity, "detail", a),
        column(Activity, "created_at", a),
        column(Activity, "community", a),
        column(Activity, "thread", a),
        column(Thread, "title", t),
        column(Thread, "kind", t),
        column(Community, "name", c),
        column(Community, "slug", c),
        column(Decision, "outcome_html", d),
        column(User, "pk", u),
        column(User, "display_name", u),
        column(User, "email", u),
        column(User, "member_type", u),
    ]
    return (
        f"SELECT {', '.join(cells)} FROM {table(Activity, a)} "  # noqa: S608 - names from the models, values as parameters
        f"INNER JOIN {table(Thread, t)} ON {column(Thread, 'pk', t)} = "
        f"{column(Activity, 'thread', a)} "
        f"INNER JOIN {table(Community, c)} ON {column(Community, 'pk', c)} = "
        f"{column(Thread, 'community', t)} "
        f"LEFT OUTER JOIN {table(Decision, d)} ON {column(Decision, 'thread', d)} = "
        f"{column(Thread, 'pk', t)} "
        f"LEFT OUTER JOIN {table(User, u)} ON {column(User, 'pk', u)} = "
        f"{column(Activity, 'actor', a)} "
        f"WHERE {column(Activity, 'pk', a)} IN ({newest})"
    )


def _activities(
    communities: list[int], cursor: tuple[datetime.datetime, str, int] | None, limit: int
) -> list[FeedActivity]:
    """Activity of the communities after the cursor: the newest `limit` of them.

    The thread's current community counts too: a thread moved out of the person's
    communities takes its earlier activity with it.
    """
    if not communities:
        return []
    after, after_params = _after_sql(
        cursor,
        ACTIVITY,
        column(Activity, "created_at", "feed_row"),
        column(Activity, "pk", "feed_row"),
    )
    ids = _ids(communities)
    values = [ids, ids, *after_params, limit]
    if _per_group_reads():
        values.append(limit)
    with connection.cursor() as db:
        db.execute(_activity_sql(connection.vendor, after), values)
        rows = db.fetchall()
    activities = []
    for row in rows:
        (pk, kind, detail, created_at, community_id, thread_id, title, thread_kind) = row[:8]
        (community_name, community_slug, outcome_html, *actor) = row[8:]
        activities.append(
            FeedActivity(
                pk=pk,
                kind=kind,
                detail=detail,
                created_at=_aware(created_at),
                community_id=community_id,
                thread_id=thread_id,
                thread=FeedThread(
                    thread_id,
                    title,
                    thread_kind,
                    community_name,
                    community_slug,
                    outcome_html or "",
                ),
                actor=PersonName.of(*actor),
            )
        )
    return activities


@lru_cache(maxsize=16)
def _measurement_sql(vendor: str, after: str) -> str:
    """The measurements (`_measurements`) of the goals of the purposes passed (as `_ids`),
    after the cursor's condition `after`: the same text per database and kind of cursor,
    built once."""
    goal = "feed_goal"
    groups = (
        f"SELECT {column(Goal, 'pk', goal)} FROM {table(Goal, goal)} "  # noqa: S608 - names from the models
        f"WHERE {_one_of(column(Goal, 'purpose', goal))}"
    )
    newest = _newest(
        model=Measurement, group="goal", groups=groups, source=MEASUREMENT, after=after
    )
    m, g, p, u = "m", "g", "p", "u"
    cells = [
        column(Measurement, "pk", m),
        column(Measurement, "value", m),
        column(Measurement, "measured_on", m),
        column(Measurement, "created_at", m),
        column(Measurement, "goal", m),
        column(Goal, "metric", g),
        column(Goal, "unit", g),
        column(Purpose, "title", p),
        column(Purpose, "slug", p),
        column(User, "pk", u),
        column(User, "display_name", u),
        column(User, "email", u),
        column(User, "member_type", u),
    ]
    return (
        f"SELECT {', '.join(cells)} FROM {table(Measurement, m)} "  # noqa: S608 - names from the models, values as parameters
        f"INNER JOIN {table(Goal, g)} ON {column(Goal, 'pk', g)} = "
        f"{column(Measurement, 'goal', m)} "
        f"INNER JOIN {table(Purpose, p)} ON {column(Purpose, 'pk', p)} = "
        f"{column(Goal, 'purpose', g)} "
        f"LEFT OUTER JOIN {table(User, u)} ON {column(User, 'pk', u)} = "
        f"{column(Measurement, 'recorded_by', m)} "
        f"WHERE {column(Measurement, 'pk', m)} IN ({newest})"
    )


def _measurements(
    purposes: list[int], cursor: tuple[datetime.datetime, str, int] | None, limit: int
) -> list[FeedMeasurement]:
    """Measurements of the goals of the purposes (those of the person's communities they
    may see) after the cursor: the newest `limit` of them. Each goal's newest come from
    its (goal, created_at, id) index."""
    if not purposes:
        return []
    after, after_params = _after_sql(
        cursor,
        MEASUREMENT,
        column(Measurement, "created_at", "feed_row"),
        column(Measurement, "pk", "feed_row"),
    )
    values = [_ids(purposes), *after_params, limit]
    if _per_group_reads():
        values.append(limit)
    with connection.cursor() as db:
        db.execute(_measurement_sql(connection.vendor, after), values)
        rows = db.fetchall()
    measurements = []
    for row in rows:
        (pk, value, measured_on, created_at, goal_id, metric, unit, title, slug, *recorder) = row
        measurements.append(
            FeedMeasurement(
                pk=pk,
                value=value if isinstance(value, Decimal) else Decimal(str(value)),
                measured_on=measured_on,
                created_at=_aware(created_at),
                goal_id=goal_id,
                goal=FeedGoal(goal_id, metric, unit, title, slug),
                recorded_by=PersonName.of(*recorder),
            )
        )
    return measurements


@dataclass(slots=True)
class ClosingDecision:
    """An open decision of the person's communities closing soon, as the home page lists it."""

    pk: int
    closes_at: datetime.datetime
    thread_id: int
    title: str
    community_name: str
    community_slug: str


def _closing_decisions(position: tuple, limit: int, user_id, now, until) -> QuerySet:
    """`closing_soon`'s read for a signed-in reader in `position` with id `user_id`."""
    memberships = community_permissions.current_memberships(PositionedReader(position, user_id))
    return (
        Decision.objects.filter(
            Decision.voting_open_at(now),
            thread__community_id__in=memberships.values("community_id"),
            closes_at__lte=until,
        )
        .order_by("closes_at", "pk")
        .values_list(
            "pk",
            "closes_at",
            "thread_id",
            "thread__title",
            "thread__community__name",
            "thread__community__slug",
        )[:limit]
    )


def closing_soon(*, user: User, limit: int = CLOSING_SOON_LIMIT) -> list[ClosingDecision]:
    """Open decisions of the person's communities (those of their `feed_scope`) closing
    within 48 hours, soonest first."""
    if not user.is_authenticated:
        return []
    position = reader_position(user)
    now = timezone.now()
    rows = rows_of(
        ("closing-soon", position, limit),
        partial(_closing_decisions, position, limit),
        (user.pk, now, now + CLOSING_SOON),
    )
    return [ClosingDecision(*row) for row in rows]
