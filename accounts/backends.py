from allauth.account.auth_backends import AuthenticationBackend
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


def site_sanction_exists(person: str = "pk") -> Exists:
    """Whether the person at `person` (an outer lookup) is under a site-wide sanction in
    force."""
    from accounts.models import AccountSanction

    return Exists(
        AccountSanction.objects.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now()), user=OuterRef(person)
        )
    )


def with_site_sanction_flag(people):
    """Annotate `has_site_sanction`, so the access rule knows without a query that a
    person is under no site-wide sanction (`communities.permissions.site_sanction`)."""
    return people.annotate(has_site_sanction=site_sanction_exists())


class CommonsAuthenticationBackend(AuthenticationBackend):
    """allauth's backend, loading the signed-in person with their organisation in one query."""

    def get_user(self, user_id):
        from accounts.models import User

        user = (
            with_site_sanction_flag(User._default_manager.select_related("organisation"))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
