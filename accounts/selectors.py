"""Reads about people and organisations, shared by views, admin and later the API."""

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import AccountSanction, Organisation, OrganisationDomain, SanctionKind, User
from core.pagination import Page, keyset_page


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


def has_verified_email(user: User, email: str) -> bool:
    """Whether `user` has proven they receive mail at `email`."""
    if not user.is_authenticated or not email:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def verified_organisation(user: User) -> Organisation | None:
    """The organisation one of `user`'s verified addresses belongs to, primary first."""
    addresses = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk")
    for email in addresses.values_list("email", flat=True):
        organisation = organisation_for_email(email)
        if organisation is not None:
            return organisation
    return None


def member_type_after_invitation(user: User, member_type: str) -> str:
    """The type `user` would have after accepting an invitation typed `member_type`.

    An invitation gives its type only to a person whose type no organisation decides: not
    over a verified organisation domain (whether or not it has been applied yet), nor over
    an organisation or type an administrator set.
    """
    if (
        not member_type
        or user.member_type_set_by_admin
        or user.organisation_id is not None
        or verified_organisation(user) is not None
    ):
        return user.member_type
    return member_type


def people() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("organisation")


def get_person(*, pk: int, among: QuerySet[User] | None = None) -> User:
    """The person with `pk` among `among` (the people a viewer may see), else 404."""
    people_shown = people() if among is None else among.select_related("organisation")
    return get_object_or_404(people_shown, pk=pk)


ORGANISATIONS_PAGE_SIZE = 50


def _with_domain_lists(organisations: list[Organisation]) -> list[Organisation]:
    """Each organisation's email domains as `domain_list`: one query for the page."""
    domains: dict[int, list[OrganisationDomain]] = {org.pk: [] for org in organisations}
    for domain in OrganisationDomain.objects.filter(organisation__in=organisations).order_by(
        "domain"
    ):
        domains[domain.organisation_id].append(domain)
    for organisation in organisations:
        organisation.domain_list = domains[organisation.pk]
    return organisations


def organisation_page(
    *, kind: str = "", after: str | None = None, page_size: int = ORGANISATIONS_PAGE_SIZE
) -> Page:
    """Organisations by name, a page at a time, with their domains (two queries)."""
    organisations = Organisation.objects.all()
    if kind:
        organisations = organisations.filter(kind=kind)
    page = keyset_page(organisations, field="name", after=after, page_size=page_size)
    _with_domain_lists(page.items)
    return page


def get_organisation(*, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    return _with_domain_lists([organisation])[0]


def people_by_email(emails: list[str]) -> tuple[list[User], list[str]]:
    """The active people with these addresses, and the addresses nobody signed up with."""
    wanted = sorted({email.strip().lower() for email in emails} - {""})
    found = list(User.objects.filter(email__in=wanted, is_active=True))
    missing = sorted(set(wanted) - {person.email.lower() for person in found})
    return found, missing


def suspension_of(user: User) -> AccountSanction | None:
    """The suspension in force on `user`, or None: it keeps them from signing in."""
    return (
        AccountSanction.objects.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now()),
            user=user,
            kind=SanctionKind.SUSPEND,
        )
        .only("reason", "ends_at")
        .first()
    )
