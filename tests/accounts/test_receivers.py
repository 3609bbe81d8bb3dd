"""What follows when allauth reports a verified address: the person's organisation and type."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts import services
from accounts.models import MemberType, MemberTypeChange
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def confirmation_key(message) -> str:
    return re.search(r"/accounts/confirm-email/([-:\w]+)/", message.body).group(1)


@pytest.fixture
def northwind():
    host = OrganisationFactory(name="Northwind", kind="host")
    OrganisationDomainFactory(organisation=host, domain="northwind.example")
    return host


@pytest.fixture
def customer_person():
    """Someone who joined with a private address and got the default type."""
    user = UserFactory(email="ana@mail.example", member_type="")
    services.assign_member_type_from_email(user=user, email="ana@mail.example")
    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (None, MemberType.CUSTOMER)
    return user


def test_changing_email_to_a_host_address_makes_the_person_an_employee_once_verified(
    client, mailoutbox, northwind, customer_person
):
    client.force_login(customer_person)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "ana@northwind.example"}
    )

    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == ["ana@northwind.example"]
    customer_person.refresh_from_db()
    # Not yet verified: nothing about the person has changed.
    assert customer_person.email == "ana@mail.example"
    assert customer_person.member_type == MemberType.CUSTOMER
    assert MemberTypeChange.objects.filter(user=customer_person).count() == 1

    response = client.post(reverse("account_confirm_email", args=[confirmation_key(message)]))

    assert response.status_code == 302
    customer_person.refresh_from_db()
    assert customer_person.email == "ana@northwind.example"
    assert (customer_person.organisation, customer_person.member_type) == (
        northwind,
        MemberType.EMPLOYEE,
    )
    assert list(
        EmailAddress.objects.filter(user=customer_person).values_list("email", "verified")
    ) == [("ana@northwind.example", True)]
    latest = MemberTypeChange.objects.filter(user=customer_person).order_by("-pk")
    assert latest.count() == 2
    change = latest.first()
    assert (change.from_member_type, change.to_member_type) == ("customer", "employee")
    assert (change.from_organisation, change.to_organisation) == (None, northwind)
    assert change.changed_by is None


def test_changing_email_to_a_host_address_keeps_an_administrator_set_type(
    client, mailoutbox, northwind, customer_person
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    services.change_member_type(
        user=customer_person,
        organisation=None,
        member_type=MemberType.PARTNER,
        changed_by=admin,
    )
    client.force_login(customer_person)
    client.post(reverse("account_email"), {"action_add": "", "email": "ana@northwind.example"})

    client.post(reverse("account_confirm_email", args=[confirmation_key(mailoutbox[0])]))

    customer_person.refresh_from_db()
    assert customer_person.email == "ana@northwind.example"
    assert (customer_person.organisation, customer_person.member_type) == (None, "partner")
    assert MemberTypeChange.objects.filter(user=customer_person).count() == 2


def test_changing_email_to_an_address_someone_else_uses_is_refused(
    client, mailoutbox, customer_person
):
    UserFactory(email="taken@northwind.example")
    client.force_login(customer_person)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "Taken@Northwind.example"}
    )

    assert response.status_code == 200
    assert "A user is already registered with this email address." in response.text
    assert mailoutbox == []
    assert EmailAddress.objects.filter(user=customer_person).count() == 1


def test_signing_up_with_a_vendor_address_makes_a_vendor_after_verification(client, mailoutbox):
    vendor = OrganisationFactory(name="Globex", kind="vendor")
    OrganisationDomainFactory(organisation=vendor, domain="globex.example")
    client.post(
        reverse("account_signup"),
        {
            "email": "victor@sales.globex.example",
            "display_name": "Victor Chen",
            "password1": "a-long-and-unusual-passphrase-7",
            "password2": "a-long-and-unusual-passphrase-7",
        },
    )

    client.post(reverse("account_confirm_email", args=[confirmation_key(mailoutbox[0])]))

    change = MemberTypeChange.objects.get(user__email="victor@sales.globex.example")
    assert (change.to_organisation, change.to_member_type) == (vendor, MemberType.VENDOR)
    assert change.reason == "Verified email address victor@sales.globex.example"
