"""The member home page's feed: what happened in the person's communities.

Two streams are merged newest first: `Activity` rows of the communities the person is a
member of (new threads, ideas, idea status changes, decisions opened and closed), and
the measurements recorded on the goals of those communities' purposes. Keyset
pagination runs over the merged stream: the cursor is the last item's
"timestamp|source|id", each source is read from just after it (one query each, at most
a page and one row), and the two are merged in Python. Page 100 costs what page 1 does.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from communities.models import Community, Membership
from communities.permissions import communities_readable_by
from discussions.models import Activity, ActivityKind, Decision, IdeaStatus
from purposes.models import Measurement
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


def parse_cursor(after: str | None) -> tuple[datetime.datetime, str, int] | None:
    """(timestamp, source, id) from "timestamp|source|id"; None when absent or unreadable."""
    if not after:
        return None
    parts = after.split("|")
    if len(parts) != 3:
        return None
    raw_at, source, raw_pk = parts
    if source not in SOURCE_RANK or not raw_pk.isdigit():
        return None
    try:
        at = parse_datetime(raw_at)
    except ValueError:
        return None
    if at is None or timezone.is_naive(at):
        return None
    return at, source, int(raw_pk)


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


def member_community_ids(user: User) -> QuerySet:
    """The person's communities as a subquery, kept within the access rule."""
    return (
        communities_readable_by(user)
        .filter(pk__in=Membership.objects.filter(user=user).values("community_id"))
        .values("pk")
    )


def activity_feed(
    *, user: User, after: str | None = None, page_size: int = FEED_PAGE_SIZE
) -> FeedPage:
    """One page of the person's feed, newest first, starting after cursor `after`.

    Two queries whatever the page. An unreadable cursor starts from the first page.
    """
    cursor = parse_cursor(after)
    communities = member_community_ids(user)
    activities = (
        # The thread's current community counts too: a thread moved out of the person's
        # communities takes its earlier activity with it.
        Activity.objects.filter(community__in=communities, thread__community__in=communities)
        .filter(_after(cursor, ACTIVITY))
        .select_related("thread", "thread__community", "thread__decision", "actor")
        .defer(*(f"thread__{name}" for name in _COMMUNITY_TEXTS))
        .order_by("-created_at", "-pk")[: page_size + 1]
    )
    measurements = (
        Measurement.objects.filter(
            goal__purpose__in=Community.objects.filter(pk__in=communities).values("purpose_id")
        )
        .filter(goal__purpose__in=purposes_visible_to(user).values("pk"))
        .filter(_after(cursor, MEASUREMENT))
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


def closing_soon(*, user: User, limit: int = CLOSING_SOON_LIMIT) -> list[Decision]:
    """Open decisions of the person's communities closing within 48 hours, soonest first."""
    now = timezone.now()
    return list(
        Decision.objects.filter(
            thread__community__in=member_community_ids(user),
            closed_at__isnull=True,
            closes_at__gt=now,
            closes_at__lte=now + CLOSING_SOON,
        )
        .select_related("thread", "thread__community")
        .defer(*(f"thread__{name}" for name in _COMMUNITY_TEXTS))
        .order_by("closes_at", "pk")[:limit]
    )
