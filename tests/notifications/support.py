"""Helpers for the notification tests: running what a service scheduled after commit."""

from communities.models import Membership
from notifications.models import Notification


def notified(person, **filters) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, **filters).order_by("pk"))


def set_level(community, person, level: str) -> None:
    Membership.objects.filter(community=community, user=person).update(notification_level=level)
