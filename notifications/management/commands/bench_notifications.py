"""`bench_notifications`: issue 10's scale aims for notifications, measured in-process.

On the current database (the bench's, seeded by `seed_scale`), inside one transaction
rolled back at the end, so the database is left as it was:

- the fan-out: N people (default 10,000, all but the replier when there are fewer) follow
  one thread of the community with the most members; a reply is posted through
  `post_reply` and its event fanned out by `fan_out_event` in-process. Beside it, the
  yardstick: as many bare notification rows bulk-inserted into the same table with the
  same batch size. Both are measured in rounds alternating which goes first, each round
  in a savepoint rolled back, so every round starts from the same rows; the aim is the
  median fan-out at most 2× the median yardstick.
- the fan-out's query count, at the chunk size, at half of it, and at half of it for half
  the people: it must follow a + b × chunks exactly, whatever the number of people.
- posting a reply (the request's part: the service, its outbox row, no fan-out) in the
  community with about 10 members and in the one with the most, alternating, each post
  rolled back: the medians must be about equal (at most 1.3×).

Prints a Markdown table with a check column, to paste as it is (`scripts/bench.py`
appends it to its report).
"""

import math
import statistics
import time
from contextlib import nullcontext
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Func, Value
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import User
from communities.models import Community, Membership
from discussions import permissions as discussion_permissions
from discussions.models import Thread, ThreadSubscription
from discussions.services.threads import post_reply
from notifications import services
from notifications.models import Event, EventKind, Notification, NotificationKind

RATIO_AIM = 2.0
REPLY_AIM = 1.3


class Rollback(Exception):
    """Raised to leave a savepoint or the whole run without keeping anything."""


@dataclass
class FanOut:
    seconds: float
    told: int
    queries: int
    chunks: int


def markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]], left: set[int]) -> str:
    """A Markdown table padded to its columns, text columns (`left`) left-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        padded = [
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    separator = (
        "|"
        + "|".join(
            "-" * (width + 1) + ("-" if i in left else ":") for i, width in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(header), separator, *(line(row) for row in rows)])


def _members(community: Community) -> int:
    return Membership.objects.filter(community=community).count()


def _open_thread(community: Community) -> Thread | None:
    thread = (
        Thread.objects.filter(community=community, is_locked=False, is_closed=False)
        .order_by("pk")
        .first()
    )
    if thread is not None:
        thread.community = community
    return thread


def _replier(community: Community, thread: Thread) -> User | None:
    """A member who may reply in `thread` (the first found, by membership)."""
    memberships = Membership.objects.filter(community=community).select_related("user")
    for membership in memberships.order_by("pk")[:50]:
        person = membership.user
        if person.is_active and discussion_permissions.reply_refusal(person, thread) is None:
            return person
    return None


def _place(community: Community) -> tuple[Thread, User]:
    thread = _open_thread(community)
    author = _replier(community, thread) if thread is not None else None
    if thread is None or author is None:
        raise CommandError(f"Community {community.pk} has no open thread a member may reply in.")
    return thread, author


class Command(BaseCommand):
    help = "Time the notification fan-out and posting a reply at scale (all rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--followers", type=int, default=10_000)
        parser.add_argument("--chunk-size", type=int, default=0, help="default: the setting")
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--posts", type=int, default=20, help="replies per community")
        parser.add_argument("--small-members", type=int, default=10)

    def handle(self, *args, **options):
        chunk = options["chunk_size"] or services.chunk_size()
        if chunk < 2 or options["followers"] < 2 or options["rounds"] < 1 or options["posts"] < 1:
            raise CommandError("Sizes must be positive (followers and chunk size at least 2).")
        started = time.monotonic()
        try:
            with transaction.atomic():
                lines = self.measure(
                    followers=options["followers"],
                    chunk=chunk,
                    rounds=options["rounds"],
                    posts=options["posts"],
                    small_members=options["small_members"],
                )
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(lines)
        self.stdout.write(f"(notification bench: {time.monotonic() - started:.0f}s, rolled back)")

    # -- the run -------------------------------------------------------------------------

    def measure(self, *, followers, chunk, rounds, posts, small_members) -> str:
        ranked = Community.objects.annotate(members=Count("memberships")).order_by("-members", "pk")
        big = ranked.first()
        if big is None:
            raise CommandError("No community: seed the database first (seed_scale).")
        small = (
            ranked.exclude(pk=big.pk)
            .annotate(distance=Func(F("members") - Value(small_members), function="ABS"))
            .order_by("distance", "pk")
        )
        thread, author = _place(big)
        people = list(
            User.objects.filter(is_active=True)
            .exclude(pk=author.pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:followers]
        )
        self.follow(thread, people)

        # Warm: the first fan-out pays for cold caches; it also says how many are told.
        told = self.fan_out(thread, author, chunk).told
        fan_outs, yardsticks = [], []
        for number in range(rounds):
            if number % 2:
                yardsticks.append(self.yardstick(big, thread, author, people, told, chunk))
                fan_outs.append(self.fan_out(thread, author, chunk))
            else:
                fan_outs.append(self.fan_out(thread, author, chunk))
                yardsticks.append(self.yardstick(big, thread, author, people, told, chunk))
        half_chunk = max(1, chunk // 2)
        by_chunk = self.fan_out(thread, author, chunk, count=True)
        smaller = self.fan_out(thread, author, half_chunk, count=True)
        fewer = self.fan_out(
            thread, author, half_chunk, count=True, unfollow=people[len(people) // 2 :]
        )

        small_place = None
        for community in small[:20]:
            try:
                small_place = (community, *_place(community))
                break
            except CommandError:
                continue
        if small_place is None:
            raise CommandError("No small community with an open thread a member may reply in.")
        small_community, small_thread, small_author = small_place
        small_times, big_times = [], []
        for number in range(posts + 1):  # the first pair warms
            pair = [(small_thread, small_author, small_times), (thread, author, big_times)]
            for reply_thread, reply_author, times in pair if number % 2 else pair[::-1]:
                seconds = self.reply(reply_thread, reply_author)
                if number:
                    times.append(seconds)

        return self.report(
            chunk=chunk,
            rounds=rounds,
            posts=posts,
            fan_outs=fan_outs,
            yardsticks=yardsticks,
            queries=[(chunk, by_chunk), (half_chunk, smaller), (half_chunk, fewer)],
            replies=[
                (small_community, _members(small_community), small_times),
                (big, _members(big), big_times),
            ],
        )

    def follow(self, thread: Thread, people: list[int]) -> None:
        ThreadSubscription.objects.bulk_create(
            [ThreadSubscription(thread=thread, user_id=pk, following=True) for pk in people],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["thread", "user"],
            update_fields=["following", "muted"],
        )

    def fan_out(self, thread, author, chunk, *, count=False, unfollow=()) -> FanOut:
        """Post a reply and fan it out in-process, timed and its queries counted; the
        whole round is rolled back."""
        found = None
        try:
            with transaction.atomic():
                if unfollow:
                    ThreadSubscription.objects.filter(
                        thread=thread, user_id__in=list(unfollow)
                    ).update(following=False)
                post = post_reply(
                    author=author, thread=thread, body="A reply for the bench.", rate_limit=False
                )
                event = Event.objects.get(kind=EventKind.POST_CREATED, object_id=post.pk)
                # Queries are counted on runs of their own: capturing them slows a run.
                counter = CaptureQueriesContext(connection) if count else nullcontext([])
                with override_settings(NOTIFICATIONS_CHUNK_SIZE=chunk), counter as queries:
                    began = time.perf_counter()
                    told = services.fan_out_event(event_id=event.pk)
                    seconds = time.perf_counter() - began
                found = FanOut(seconds, told, len(queries), math.ceil(told / chunk))
                raise Rollback
        except Rollback:
            pass
        return found

    def yardstick(self, community, thread, author, people, count, chunk) -> float:
        """Bulk-insert `count` bare notification rows in batches of `chunk`; rolled back."""
        seconds = 0.0
        try:
            with transaction.atomic():
                event = Event.objects.create(
                    kind=EventKind.POST_CREATED,
                    object_id=-1,  # no post has it: a row of the yardstick's own
                    actor=author,
                    community=community,
                    thread=thread,
                )
                began = time.perf_counter()
                Notification.objects.bulk_create(
                    [
                        Notification(
                            recipient_id=pk,
                            event=event,
                            kind=NotificationKind.REPLY,
                            community_id=community.pk,
                            thread_id=thread.pk,
                            created_at=event.created_at,
                        )
                        for pk in people[:count]
                    ],
                    batch_size=chunk,
                )
                seconds = time.perf_counter() - began
                raise Rollback
        except Rollback:
            pass
        return seconds

    def reply(self, thread, author) -> float:
        """The request's part of posting a reply (the fan-out runs after it); rolled back."""
        seconds = 0.0
        try:
            with transaction.atomic():
                began = time.perf_counter()
                post_reply(
                    author=author, thread=thread, body="A reply for the bench.", rate_limit=False
                )
                seconds = time.perf_counter() - began
                raise Rollback
        except Rollback:
            pass
        return seconds

    # -- the report ----------------------------------------------------------------------

    def report(self, *, chunk, rounds, posts, fan_outs, yardsticks, queries, replies) -> str:
        fan_out = statistics.median(f.seconds for f in fan_outs)
        yardstick = statistics.median(yardsticks)
        told = fan_outs[0].told
        ratio = fan_out / yardstick if yardstick else math.inf
        rows = [
            (
                f"fan-out of one reply, chunks of {chunk}",
                str(told),
                str(fan_outs[0].chunks),
                str(queries[0][1].queries),
                f"{fan_out:.3f}s",
                "-",
                "-",
            ),
            (
                f"yardstick: {told} bare rows, batches of {chunk}",
                str(told),
                "-",
                "-",
                f"{yardstick:.3f}s",
                "-",
                "-",
            ),
            (
                "fan-out ÷ yardstick",
                "-",
                "-",
                "-",
                f"{ratio:.2f}×",
                f"≤{RATIO_AIM:.0f}×",
                "ok" if ratio <= RATIO_AIM else f"MISS: {ratio:.2f}× > {RATIO_AIM:.0f}×",
            ),
        ]
        (first_chunk, first), (second_chunk, second), (_third_chunk, third) = queries
        per_chunk = (
            (second.queries - first.queries) / (second.chunks - first.chunks)
            if second.chunks != first.chunks
            else None
        )
        base = first.queries - per_chunk * first.chunks if per_chunk is not None else None
        for (size, found), who in zip(queries, ("", "", ", half the followers"), strict=True):
            rows.append(
                (
                    f"fan-out queries, chunks of {size}{who}",
                    str(found.told),
                    str(found.chunks),
                    str(found.queries),
                    "-",
                    "-",
                    "-",
                )
            )
        if per_chunk is None:
            check = "MISS: the two chunk sizes gave as many chunks"
            formula = "-"
        else:
            formula = f"{base:g} + {per_chunk:g}×chunks"
            predicted = [base + per_chunk * found.chunks for _size, found in queries]
            wrong = [
                f"{found.queries} ≠ {expected:g} at {found.chunks} chunks"
                for (_size, found), expected in zip(queries, predicted, strict=True)
                if found.queries != expected
            ]
            check = "MISS: " + "; ".join(wrong) if wrong else "ok"
            if not wrong and third.told == first.told:
                check = "MISS: half the followers told as many people"
        rows.append(
            ("queries follow chunks, not people", "-", "-", formula, "-", "a + b×chunks", check)
        )
        medians = []
        for _community, members, times in replies:
            median = statistics.median(times)
            medians.append(median)
            rows.append(
                (
                    f"post a reply, community of {members} members",
                    "-",
                    "-",
                    "-",
                    f"{median * 1000:.1f}ms",
                    "-",
                    "-",
                )
            )
        reply_ratio = max(medians) / min(medians) if min(medians) else math.inf
        rows.append(
            (
                f"reply: {replies[1][1]} ÷ {replies[0][1]} members",
                "-",
                "-",
                "-",
                f"{medians[1] / medians[0]:.2f}×" if medians[0] else "-",
                f"≤{REPLY_AIM:.1f}× either way",
                "ok"
                if reply_ratio <= REPLY_AIM
                else f"MISS: {reply_ratio:.2f}× > {REPLY_AIM:.1f}×",
            )
        )
        header = ("measure", "people", "chunks", "queries", "median", "aim", "check")
        missed = sum(1 for row in rows if row[-1].startswith("MISS"))
        title = (
            f"Notifications bench ({connection.vendor}): {rounds} rounds of the fan-out "
            f"beside the yardstick, alternating which goes first; {posts} replies per "
            f"community, {time.strftime('%Y-%m-%d %H:%M')}"
        )
        notes = (
            "Fan-out: `fan_out_event` in-process after `post_reply`, with the recipients' "
            "query, one bulk insert per chunk, counters and email scheduling; the "
            "yardstick bulk-inserts as many bare rows into the same table. Queries: the "
            "fan-out's, at the chunk size, half of it, and half of it for half the "
            "followers (same chunks as the first, half the people). Reply: `post_reply` "
            "with its outbox row, fan-out after commit (not timed). Everything is rolled "
            "back."
        )
        summary = f"{missed} line(s) miss an aim." if missed else "Every line meets its aim."
        return "\n".join([title, "", markdown_table(header, rows, {0, 5, 6}), "", notes, summary])
