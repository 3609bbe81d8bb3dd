"""Reads about moderation shared by pages, the API, tasks and other apps."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import AccountSanction, OrganisationKind, User
from communities.models import Ban, Community, Membership, Silence
from communities.permissions import in_force_q
from core.pagination import Page, keyset_page
from discussions.models import Post, ReviewState, ThreadSubscription
from moderation.models import (
    AuditAction,
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

SANCTIONS_PAGE_SIZE = 50


def moderation_settings() -> ModerationSettings:
    """The site's moderation settings (made with their defaults on first use)."""
    settings_row, _created = ModerationSettings.objects.get_or_create(pk=1)
    return settings_row


def _starting_level(user: User, settings_row: ModerationSettings | None = None) -> int:
    """The level a person from the host organisation (verified by domain or SSO: that is
    how they belong to it) has before they earn any."""
    if user.organisation_id is None or user.organisation.kind != OrganisationKind.HOST:
        return TrustLevel.NEW
    return (settings_row or moderation_settings()).host_verified_level


def trust_level(user: User) -> int:
    """The person's trust level: the one computed or set; before any, NEW, or the
    configured starting level for people from the host organisation."""
    if not user.is_authenticated:
        return TrustLevel.NEW
    level = PersonTrust.objects.filter(user=user).values_list("level", flat=True).first()
    return _starting_level(user) if level is None else level


def upheld_flag_counts(user_ids: list[int] | None = None) -> dict[int, int]:
    """How often moderators acted against each person: review items of theirs resolved by
    hiding or a warning, their posts deleted by someone else (from the queue or not), and
    their community bans."""
    deleted = Post.objects.filter(deleted_at__isnull=False, author__isnull=False).exclude(
        deleted_by=F("author")
    )
    upheld = ReviewItem.objects.filter(
        status=ItemStatus.RESOLVED,
        author__isnull=False,
        resolution__in=[AuditAction.HIDE, AuditAction.WARN],
    )
    bans = Ban.objects.all()
    if user_ids is not None:
        deleted, bans = deleted.filter(author__in=user_ids), bans.filter(user__in=user_ids)
        upheld = upheld.filter(author__in=user_ids)
    counts: dict[int, int] = {}
    for rows in (
        deleted.values("author").annotate(n=Count("id")).values_list("author", "n"),
        upheld.values("author").annotate(n=Count("id")).values_list("author", "n"),
        bans.values("user").annotate(n=Count("id")).values_list("user", "n"),
    ):
        for user_id, n in rows:
            counts[user_id] = counts.get(user_id, 0) + n
    return counts


def upheld_flag_count(user: User) -> int:
    return upheld_flag_counts([user.pk]).get(user.pk, 0)


def earned_levels(*, moment: datetime.datetime | None = None) -> dict[int, int]:
    """The level each active person's participation earns now (administrators' choices
    aside), from days since joining, posts read (read markers), posts made and moderator
    actions against them. Leader is only ever given by administrators."""
    moment = moment or timezone.now()
    row = moderation_settings()
    posts = dict(
        Post.objects.filter(deleted_at__isnull=True, author__isnull=False)
        .values("author")
        .annotate(n=Count("id"))
        .values_list("author", "n")
    )
    read = dict(
        ThreadSubscription.objects.filter(last_read_post_id__gt=0)
        .values("user")
        .annotate(n=Count("thread__posts", filter=Q(thread__posts__id__lte=F("last_read_post_id"))))
        .values_list("user", "n")
    )
    upheld = upheld_flag_counts()
    levels = {}
    people = User.objects.filter(is_active=True).select_related("organisation")
    for person in people.only("pk", "date_joined", "organisation", "organisation__kind").iterator(
        chunk_size=2000
    ):
        days = (moment - person.date_joined).days
        made, seen = posts.get(person.pk, 0), read.get(person.pk, 0)
        level = TrustLevel.NEW
        if (
            days >= row.member_after_days
            and seen >= row.member_after_posts_read
            and made >= row.member_after_posts
        ):
            level = TrustLevel.MEMBER
            if (
                days >= row.regular_after_days
                and seen >= row.regular_after_posts_read
                and made >= row.regular_after_posts
                and upheld.get(person.pk, 0) <= row.regular_max_upheld_flags
            ):
                level = TrustLevel.REGULAR
        levels[person.pk] = max(level, _starting_level(person, row))
    return levels


# -- sanctions ---------------------------------------------------------------------------------


def community_silences(community: Community, *, after: str | None = None) -> Page:
    """The silences in force in `community`, newest first, a keyset page."""
    rows = Silence.objects.filter(in_force_q(), community=community).select_related(
        "user", "silenced_by"
    )
    return keyset_page(
        rows, field="created_at", after=after, page_size=SANCTIONS_PAGE_SIZE, descending=True
    )


def community_bans(community: Community, *, after: str | None = None) -> Page:
    """The bans in force in `community`, newest first, a keyset page."""
    rows = Ban.objects.filter(in_force_q(), community=community).select_related("user", "banned_by")
    return keyset_page(
        rows, field="created_at", after=after, page_size=SANCTIONS_PAGE_SIZE, descending=True
    )


def person_for_community_sanction(community: Community, user_id: int | None) -> User:
    """A member of `community` (or someone banned from it) by id; 404 for anyone else, so
    the sanction page names nobody who has nothing to do with the community."""
    tied = user_id is not None and (
        Membership.objects.filter(community=community, user_id=user_id).exists()
        or Ban.objects.filter(community=community, user_id=user_id).exists()
    )
    person = User.objects.filter(pk=user_id, is_active=True).first() if tied else None
    if person is None:
        raise Http404
    return person


def person_for_sanction(user_id: int | None) -> User:
    """Anyone by id, for administrators' site-wide sanctions; 404 when there is nobody."""
    person = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if person is None:
        raise Http404
    return person


def account_sanctions(*, after: str | None = None) -> Page:
    """Site-wide sanctions in force, newest first, a keyset page."""
    rows = AccountSanction.objects.filter(in_force_q()).select_related("user", "created_by")
    return keyset_page(
        rows, field="created_at", after=after, page_size=SANCTIONS_PAGE_SIZE, descending=True
    )


def person_trust(user: User) -> str:
    """The trust form's value for `user`: their level when an administrator set it, ""
    when it is earned."""
    trust = PersonTrust.objects.filter(user=user).first()
    return str(trust.level) if trust is not None and trust.set_by_admin else ""


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
