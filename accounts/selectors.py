"""Reads about people and organisations, shared by views, admin and later the API."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Organisation, OrganisationDomain, User


def email_domain_candidates(email: str) -> list[str]:
    """`ann@eu.acme.com` -> ["eu.acme.com", "acme.com"]: a subdomain belongs to its parent."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    parts = domain.split(".")
    return [".".join(parts[index:]) for index in range(len(parts) - 1)]


def organisation_for_email(email: str) -> Organisation | None:
    """The organisation owning the most specific verified domain of `email`, if any."""
    candidates = email_domain_candidates(email)
    if not candidates:
        return None
    domains = {
        entry.domain: entry.organisation
        for entry in OrganisationDomain.objects.filter(
            domain__in=candidates, is_verified=True
        ).select_related("organisation")
    }
    for candidate in candidates:
        if candidate in domains:
            return domains[candidate]
    return None


def people() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("organisation")


def get_person(*, pk: int, among: QuerySet[User] | None = None) -> User:
    """The person with `pk` among `among` (the people a viewer may see), else 404."""
    people_shown = people() if among is None else among.select_related("organisation")
    return get_object_or_404(people_shown, pk=pk)
