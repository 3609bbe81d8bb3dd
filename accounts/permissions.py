"""Who counts as an administrator of the whole installation."""

from accounts.models import User


def is_administrator(user: User) -> bool:
    """Staff accounts administer Commons: purposes, communities, organisations."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)
