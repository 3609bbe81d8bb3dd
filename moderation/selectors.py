"""Reads about moderation shared by pages, the API, tasks and other apps."""

from accounts.models import User
from moderation.models import ModerationSettings, PersonTrust, TrustLevel


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
