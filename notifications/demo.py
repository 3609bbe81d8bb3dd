"""Demo notifications: the demo's events fanned out at once, so the first look at Commons
shows a bell with a count (the worker would do the same a moment later)."""

from notifications import services
from notifications.models import Event


def seed_notifications() -> int:
    """Fan out every demo event not fanned out yet; returns how many. Idempotent."""
    pending = Event.objects.filter(fanned_out_at__isnull=True).order_by("pk")
    count = 0
    for event_id in pending.values_list("pk", flat=True):
        services.fan_out_event(event_id=event_id)
        count += 1
    return count
