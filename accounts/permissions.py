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


def reader_position(user: User) -> tuple[bool, bool, str]:
    """What the reading rules ask of a reader beyond their id: whether they are signed
    in, whether they administer Commons, and their member type. Readers in the same
    position get the same SQL from every rule, with their id as a value: a read compiled
    once (`core.compiled_reads`) names this in its shape."""
    if not user.is_authenticated:
        return (False, False, "")
    return (True, is_administrator(user), user.member_type or "")


class PositionedReader:
    """A stand-in for a reader in `position` (`reader_position`) with id `pk`, for the
    rules to write a compiled read's SQL with. It has nothing else: a rule that starts
    asking more of a person fails here (AttributeError) instead of compiling one
    reader's SQL for others."""

    __slots__ = (
        "id",
        "is_active",
        "is_anonymous",
        "is_authenticated",
        "is_staff",
        "member_type",
        "pk",
    )

    def __init__(self, position: tuple[bool, bool, str], pk: int | None = None) -> None:
        signed_in, administrator, member_type = position
        self.pk = self.id = pk if signed_in else None
        self.is_authenticated, self.is_anonymous = signed_in, not signed_in
        self.is_active, self.is_staff = signed_in, administrator
        self.member_type = member_type
