"""Flags and audit entries for the scale dataset (`manage.py seed_scale` and
`seed_discussions_scale` call it after the discussions): thousands of each, so the review
queue and the audit log are measured at size. Written in bulk, like the rest of the seed."""

import datetime
import random

from communities.models import Community, Membership
from discussions.models import Post
from moderation.models import (
    AuditAction,
    AuditEntry,
    Flag,
    FlagReason,
    ItemKind,
    ReviewItem,
)

SLUG_PREFIX = "scale-"
FLAGGED_POSTS = 600
MOST_FLAGS = 10
AUDIT_ENTRIES = 5000
BATCH = 5000
# Marks the seed's entries, which outlive their communities (the log keeps its rows when
# a community goes), so a reset can find and delete them.
SCALE_MARK = {"scale": True}


def seed_moderation_scale(*, rng: random.Random, now: datetime.datetime) -> str:
    AuditEntry.objects.filter(after__scale=True).delete()
    communities = list(
        Community.objects.filter(slug__startswith=SLUG_PREFIX).values_list("pk", flat=True)
    )
    if not communities:
        return "no scale communities"
    posts = list(
        Post.objects.filter(community__in=communities, is_first=False, deleted_at__isnull=True)
        .order_by("-id")
        .values_list("pk", "community_id", "author_id")[:FLAGGED_POSTS]
    )
    members: dict[int, list[int]] = {}
    for community_id, user_id in Membership.objects.filter(community__in=communities).values_list(
        "community_id", "user_id"
    ):
        members.setdefault(community_id, []).append(user_id)
    items = []
    flaggers_of = []
    for index, (post_id, community_id, author_id) in enumerate(posts):
        people = [pk for pk in members.get(community_id, []) if pk != author_id]
        chosen = rng.sample(people, min(len(people), rng.randint(1, MOST_FLAGS)))
        if not chosen:
            continue
        queued = now - datetime.timedelta(minutes=index * 7)
        items.append(
            ReviewItem(
                kind=ItemKind.POST,
                community_id=community_id,
                post_id=post_id,
                author_id=author_id,
                open_flag_count=len(chosen),
                queued_at=queued,
            )
        )
        flaggers_of.append((chosen, queued))
    items = ReviewItem.objects.bulk_create(items, batch_size=BATCH)
    reasons = FlagReason.values
    flags = [
        Flag(
            item=item,
            flagger_id=person,
            reason=rng.choice(reasons[:3]),
            created_at=queued,
            counts=False,
        )
        for item, (chosen, queued) in zip(items, flaggers_of, strict=True)
        for person in chosen
    ]
    Flag.objects.bulk_create(flags, batch_size=BATCH)
    actions = [AuditAction.HIDE, AuditAction.FLAG_DISMISSED, AuditAction.DELETE, AuditAction.WARN]
    entries = []
    for number in range(AUDIT_ENTRIES):
        community_id = rng.choice(communities)
        moderators = members.get(community_id) or [None]
        entries.append(
            AuditEntry(
                actor_id=moderators[0],
                community_id=community_id,
                action=rng.choice(actions),
                target_type="discussions.post",
                target_label=f"Scale post {number}",
                subject_id=rng.choice(moderators),
                after=SCALE_MARK,
                reason=rng.choice(["Spam", "Off-topic", "Rude", "Duplicate"]),
                created_at=now - datetime.timedelta(minutes=number * 3),
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)
    return f"{len(items)} flagged posts with {len(flags)} flags, {len(entries)} audit entries"
