"""Reads about moderation shared by pages, the API, tasks and other apps."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from communities.models import Community
from core.pagination import Page, keyset_page
from discussions.models import Post, ReviewState
from moderation.models import (
    AuditEntry,
    Decision,
    Flag,
    ItemKind,
    ItemStatus,
    ModerationSettings,
    PersonTrust,
    ReviewItem,
    TrustLevel,
)


def moderation_settings() -> ModerationSettings:
    """The site's moderation settings (made with their defaults on first use)."""
    settings_row, _created = ModerationSettings.objects.get_or_create(pk=1)
    return settings_row


def trust_level(user: User) -> int:
    """The person's trust level; NEW for anyone without a computed level."""
    if not user.is_authenticated:
        return TrustLevel.NEW
    level = PersonTrust.objects.filter(user=user).values_list("level", flat=True).first()
    return TrustLevel.NEW if level is None else level


# -- the review queue -------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 20
# Flags shown per item (the newest); the item says how many there are in all.
FLAGS_SHOWN = 10
QUEUE_ORDERS = {"newest": "queued_at", "most": "open_flag_count"}


def _open_items() -> QuerySet[ReviewItem]:
    return ReviewItem.objects.filter(status=ItemStatus.OPEN)


def open_item_count(community: Community | None = None) -> int:
    """Items waiting in a community's queue, or in the whole site's with no community."""
    items = _open_items()
    if community is not None:
        items = items.filter(community=community)
    return items.count()


def queue_page(
    *,
    user: User,
    community: Community | None,
    order: str = "newest",
    after: str | None = None,
    page_size: int = QUEUE_PAGE_SIZE,
) -> Page:
    """A page of the open items of `community`'s queue (every community's and profiles'
    with None, for administrators; the caller checks who may see it), newest or most
    flagged first, keyset-paginated: three queries whatever the page.

    Each item carries `flags_shown` (its newest open flags with their flaggers),
    `target_post` (the post, or a thread's first post), `decisions` and `reason_counts`.
    """
    items = _open_items().select_related(
        "community", "thread", "post", "post__thread", "person", "author"
    )
    if community is not None:
        items = items.filter(community=community)
    newest_flags = Flag.objects.filter(resolved_at__isnull=True).select_related("flagger")
    items = items.prefetch_related(
        Prefetch(
            "flags", queryset=newest_flags.order_by("-id")[:FLAGS_SHOWN], to_attr="flags_shown"
        ),
        Prefetch(
            "thread__posts", queryset=Post.objects.filter(is_first=True), to_attr="first_posts"
        ),
    )
    field = QUEUE_ORDERS.get(order, QUEUE_ORDERS["newest"])
    page = keyset_page(items, field=field, after=after, page_size=page_size, descending=True)
    for item in page.items:
        if item.thread_id:
            item.target_post = item.thread.first_posts[0] if item.thread.first_posts else None
        else:
            item.target_post = item.post
        if item.target_post is not None:
            item.target_post.thread = item.thread or item.post.thread
            item.target_post.thread.community = item.community
        item.decisions = decisions_for(item, item.target_post)
        item.reason_counts = Counter(flag.reason_label for flag in item.flags_shown)
    return page


def get_open_item(*, pk: int, community: Community | None) -> ReviewItem:
    """An item of `community`'s queue (of any, with None), else 404."""
    items = ReviewItem.objects.select_related("community")
    if community is not None:
        items = items.filter(community=community)
    return get_object_or_404(items, pk=pk)


# -- the audit log ----------------------------------------------------------------------------

LOG_PAGE_SIZE = 50


@dataclass
class LogFilters:
    person: User | None = None
    community: Community | None = None
    action: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.person or self.community or self.action or self.since or self.until)


def audit_entries(*, community: Community | None, filters: LogFilters) -> QuerySet[AuditEntry]:
    """The log of `community` (of the whole site with None), filtered, newest first; the
    caller checks who may read it. A person matches as the actor or as the subject."""
    entries = AuditEntry.objects.select_related("actor", "subject", "community")
    if community is not None:
        entries = entries.filter(community=community)
    elif filters.community is not None:
        entries = entries.filter(community=filters.community)
    if filters.person is not None:
        entries = entries.filter(Q(actor=filters.person) | Q(subject=filters.person))
    if filters.action:
        entries = entries.filter(action=filters.action)
    zone = timezone.get_current_timezone()
    if filters.since:
        start = datetime.datetime.combine(filters.since, datetime.time.min, tzinfo=zone)
        entries = entries.filter(created_at__gte=start)
    if filters.until:
        end = datetime.datetime.combine(
            filters.until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        entries = entries.filter(created_at__lt=end)
    return entries.order_by("-id")


def audit_page(
    *,
    community: Community | None,
    filters: LogFilters,
    after: str | None = None,
    page_size: int = LOG_PAGE_SIZE,
) -> Page:
    return keyset_page(
        audit_entries(community=community, filters=filters),
        field="id",
        after=after,
        page_size=page_size,
        descending=True,
    )


def decisions_for(item: ReviewItem, post: Post | None) -> list[str]:
    """The decisions that make sense for `item` now (the queue shows one button each)."""
    if item.kind == ItemKind.PROFILE:
        return [Decision.DISMISS, Decision.WARN]
    if post is not None and post.review_state == ReviewState.HELD:
        return [Decision.APPROVE, Decision.REJECT]
    shown = [Decision.DISMISS]
    if post is None or post.review_state != ReviewState.HIDDEN or item.auto_hidden:
        shown.append(Decision.HIDE)
    if post is None or not post.is_deleted:
        shown.append(Decision.DELETE)
    shown.append(Decision.WARN)
    return shown
