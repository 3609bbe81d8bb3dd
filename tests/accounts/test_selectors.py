import pytest
from django.http import Http404

from accounts import selectors
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory, UserFactory


@pytest.mark.parametrize(
    ("email", "candidates"),
    [
        ("ann@acme.example", ["acme.example"]),
        ("ann@eu.acme.example", ["eu.acme.example", "acme.example"]),
        ("Ann@EU.Acme.Example", ["eu.acme.example", "acme.example"]),
        ("ann@a.b.acme.co.uk", ["a.b.acme.co.uk", "b.acme.co.uk", "acme.co.uk", "co.uk"]),
        ("ann@localhost", []),
    ],
)
def test_email_domain_candidates(email, candidates):
    assert selectors.email_domain_candidates(email) == candidates


@pytest.mark.django_db
def test_organisation_for_email_uses_verified_domains_only():
    acme = OrganisationFactory(name="Acme", kind="customer")
    OrganisationDomainFactory(organisation=acme, domain="acme.example")
    shady = OrganisationFactory(name="Shady", kind="host")
    OrganisationDomainFactory(organisation=shady, domain="eu.acme.example", is_verified=False)

    assert selectors.organisation_for_email("ann@eu.acme.example") == acme
    assert selectors.organisation_for_email("ann@acme.example.org") is None
    assert selectors.organisation_for_email("ann@localhost") is None


@pytest.mark.django_db
def test_get_person_hides_inactive_people():
    active = UserFactory()
    inactive = UserFactory(is_active=False)

    assert selectors.get_person(pk=active.pk) == active
    with pytest.raises(Http404):
        selectors.get_person(pk=inactive.pk)
