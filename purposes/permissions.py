"""Who may see and manage purposes. Communities hold the rules for their own content.

A draft purpose is seen only by its owners and administrators: its title, statement,
goals and challenges, wherever they would show (the purpose directory and page, a
community's page, idea lists and forms, feeds; see `purposes.selectors.purpose_shown_to`).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_administrator
from purposes.models import Purpose, PurposeStatus

PUBLISHED_STATUSES = (PurposeStatus.ACTIVE, PurposeStatus.ACHIEVED, PurposeStatus.RETIRED)


def is_purpose_owner(user: User, purpose: Purpose) -> bool:
    if not user.is_authenticated:
        return False
    owner_ids = getattr(purpose, "owner_ids", None)
    if owner_ids is None:
        return purpose.owners.filter(pk=user.pk).exists()
    return user.pk in owner_ids


def can_see_purpose(user: User, purpose: Purpose) -> bool:
    return (
        purpose.status in PUBLISHED_STATUSES
        or is_administrator(user)
        or is_purpose_owner(user, purpose)
    )


def owned_purpose_ids(user: User) -> QuerySet:
    """The ids of the purposes `user` owns, as a subquery: read from the owners' table
    alone (no join to the purposes), which the ORM builds and PostgreSQL plans faster."""
    return Purpose.owners.through.objects.filter(user_id=user.pk).values("purpose_id")


def purposes_visible_to(user: User) -> QuerySet[Purpose]:
    purposes = Purpose.objects.all()
    if is_administrator(user):
        return purposes
    published = Q(status__in=PUBLISHED_STATUSES)
    if user.is_authenticated:
        return purposes.filter(published | Q(pk__in=owned_purpose_ids(user)))
    return purposes.filter(published)


def sees_purpose_q(*, person: str, purpose: str) -> Q:
    """The rule of `can_see_purpose` as a filter on rows that name a person and a purpose
    by the lookup paths `person` and `purpose` (as `"user"`, `"purpose"` on a follow):
    for checking many people and purposes in one query (notifications, digests)."""
    owners = Purpose.owners.through.objects.filter(
        purpose_id=OuterRef(purpose), user_id=OuterRef(person)
    )
    return (
        Q(**{f"{purpose}__status__in": PUBLISHED_STATUSES})
        | Q(**{f"{person}__is_active": True, f"{person}__is_staff": True})
        | Q(Exists(owners))
    )


def audience_for(purpose: Purpose) -> QuerySet[User]:
    """People allowed to see `purpose` (active accounts): for notifications."""
    people = User.objects.filter(is_active=True)
    if purpose.status in PUBLISHED_STATUSES:
        return people
    return people.filter(Q(is_staff=True) | Q(pk__in=purpose.owners.values("pk")))


def can_follow_purpose(user: User, purpose: Purpose) -> bool:
    """A signed-in person who may see the purpose may follow it."""
    return bool(user.is_authenticated and user.is_active and can_see_purpose(user, purpose))


def require_follow_purpose(user: User, purpose: Purpose) -> None:
    if not can_follow_purpose(user, purpose):
        raise PermissionDenied


def purpose_ids_visible_to(user: User, statuses: dict[int, str]) -> set[int]:
    """Of the purposes given as {id: status}, those `user` may see (the rule of
    `can_see_purpose`): the published ones at once, the others (drafts) with one query
    when there are any."""
    shown = {pk for pk, status in statuses.items() if status in PUBLISHED_STATUSES}
    others = statuses.keys() - shown
    if others:
        shown.update(purposes_visible_to(user).filter(pk__in=others).values_list("pk", flat=True))
    return shown


def can_create_purpose(user: User) -> bool:
    return is_administrator(user)


def can_manage_purpose(user: User, purpose: Purpose) -> bool:
    return is_administrator(user) or is_purpose_owner(user, purpose)


def require_create_purpose(user: User) -> None:
    if not can_create_purpose(user):
        raise PermissionDenied(_("Only administrators can create purposes."))


def require_manage_purpose(user: User, purpose: Purpose) -> None:
    if not can_manage_purpose(user, purpose):
        raise PermissionDenied(
            _("Only the purpose's owners and administrators can change its goals and challenges.")
        )
