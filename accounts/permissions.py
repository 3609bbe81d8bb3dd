"""Who counts as an administrator of the whole installation."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User


def is_administrator(user: User) -> bool:
    """Staff accounts administer Commons: purposes, communities, organisations."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def require_administrator(user: User) -> None:
    if not is_administrator(user):
        raise PermissionDenied(_("Only administrators can do this."))
