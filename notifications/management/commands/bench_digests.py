"""Build (render, without sending) the digests of N members in this one process, and
print how many per second and how many SQL queries each chunk took. Rendering is the
subject and both bodies from the templates; the MIME encoding done at sending is not
counted.

For `make bench` after `seed_scale`: `manage.py bench_digests --members 10000`. The window
ends a minute after the newest post (so a database seeded days ago still has a week of
news to tell), unless `--until` says otherwise. Nothing is written.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Exists, Max, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from communities.models import Membership
from discussions.models import Post
from notifications import digests

AIM_PER_SECOND = 1000


class Command(BaseCommand):
    help = "Build and render the digests of N members without sending them; print the rate."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=10_000)
        parser.add_argument("--chunk", type=int, default=digests.CHUNK)
        parser.add_argument("--until", help="end of the window (ISO 8601); default: newest post")

    def handle(self, *args, members: int, chunk: int, until: str | None, **options):
        if until:
            moment = parse_datetime(until)
            if moment is None or timezone.is_naive(moment):
                raise CommandError("--until needs an ISO 8601 moment with its offset.")
        else:
            newest = Post.objects.aggregate(newest=Max("created_at"))["newest"]
            moment = (newest or timezone.now()) + timezone.timedelta(minutes=1)
        ids = list(
            User.objects.filter(is_active=True)
            .filter(Exists(Membership.objects.filter(user=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)[:members]
        )
        if not ids:
            raise CommandError("No member to build a digest for: seed the database first.")
        built = emails = 0
        per_chunk: list[int] = []
        started = time.perf_counter()
        for batch in digests._batched(ids, chunk):
            with CaptureQueriesContext(connection) as captured:
                people = list(User.objects.filter(pk__in=batch).order_by("pk"))
                fragments: dict = {}
                for digest in digests.build_digests(people=people, until=moment):
                    built += 1
                    if not digest.is_empty:
                        digests.build_digest_email(digest, fragments)
                        emails += 1
            per_chunk.append(len(captured))
        seconds = time.perf_counter() - started
        rate = built / seconds if seconds else float("inf")
        verdict = "meets" if rate >= AIM_PER_SECOND else "MISSES"
        self.stdout.write(
            f"Digests: {built} members in {len(per_chunk)} chunks of up to {chunk}, "
            f"{emails} with news (rendered, not sent), window ending {moment.isoformat()}"
        )
        self.stdout.write(
            f"Time: {seconds:.2f}s, {rate:.0f} digests/s ({verdict} the aim of {AIM_PER_SECOND}/s)"
        )
        self.stdout.write(
            f"Queries: {sum(per_chunk)} in all; per chunk min {min(per_chunk)}, "
            f"max {max(per_chunk)}; {sum(per_chunk) / built:.3f} per member"
        )
