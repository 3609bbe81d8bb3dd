"""Reads about moderation shared by pages, the API, tasks and other apps."""

import datetime

from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import AccountSanction, OrganisationKind, User
from communities.models import Ban, Community, Membership, Silence
from communities.permissions import in_force_q
from core.pagination import Page, keyset_page
from discussions.models import Post, ThreadSubscription
from moderation.models import ModerationSettings, PersonTrust, TrustLevel

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
    """How often moderators acted against each person: their posts deleted by someone
    else, and their community bans. Stands for flags upheld against them, which the
    review queue's resolved flags add to when it is merged in."""
    deleted = Post.objects.filter(deleted_at__isnull=False, author__isnull=False).exclude(
        deleted_by=F("author")
    )
    bans = Ban.objects.all()
    if user_ids is not None:
        deleted, bans = deleted.filter(author__in=user_ids), bans.filter(user__in=user_ids)
    counts: dict[int, int] = {}
    for rows in (
        deleted.values("author").annotate(n=Count("id")).values_list("author", "n"),
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
