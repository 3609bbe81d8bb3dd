"""Demo notifications: the demo's events fanned out at once, so the first look at Commons
shows a bell with a count (the worker would do the same a moment later), and a first
digest in the dev mailbox."""

import datetime

from django.utils import timezone

from accounts.models import User
from notifications import digests, services
from notifications.models import Event


def seed_notifications() -> int:
    """Fan out every demo event not fanned out yet; returns how many. Idempotent."""
    pending = Event.objects.filter(fanned_out_at__isnull=True).order_by("pk")
    count = 0
    for event_id in pending.values_list("pk", flat=True):
        services.fan_out_event(event_id=event_id)
        count += 1
    return count


DIGEST_PERSON = "ben@northwind.example"


def seed_digests(*, now: datetime.datetime | None = None) -> int:
    """Ben reads a daily digest at 07:00: his first one, covering the demo's last day, is
    sent at once (to the dev mailbox), and the preview page shows what the next holds.
    Idempotent: the period is recorded, so a second run sends nothing. Returns how many
    emails were queued."""
    ben = User.objects.filter(email=DIGEST_PERSON).first()
    if ben is None:
        return 0
    services.update_settings(user=ben, digest_cadence="daily", digest_hour=7)
    due_at = digests.top_of_hour(now or timezone.now()) + datetime.timedelta(hours=1)
    return digests.send_digests(user_ids=[ben.pk], due_at=due_at)
