import pytest
from django.db import IntegrityError, transaction

from accounts.models import Organisation, User


@pytest.mark.parametrize(
    ("display_name", "email", "name", "initials"),
    [
        ("Ana Lima", "ana@example.org", "Ana Lima", "AL"),
        ("ana maria de souza", "ana@example.org", "ana maria de souza", "AM"),
        ("Ben", "ben@example.org", "Ben", "B"),
        ("", "jean.paul@example.org", "jean.paul", "JP"),
        ("", "x@example.org", "x", "X"),
        ("...", "x@example.org", "...", "?"),
    ],
)
def test_name_and_initials(display_name, email, name, initials):
    person = User(display_name=display_name, email=email)

    assert (person.name, person.initials, str(person)) == (name, initials, name)


@pytest.mark.parametrize(
    ("kind", "member_type"),
    [("host", "employee"), ("customer", "customer"), ("vendor", "vendor"), ("partner", "partner")],
)
def test_organisation_kind_gives_the_member_type(kind, member_type):
    assert Organisation(name="X", kind=kind).member_type == member_type


@pytest.mark.django_db
def test_email_addresses_are_stored_lower_case_and_unique_whatever_the_case():
    User.objects.create_user(email="Ana@Example.ORG", password="x")

    assert User.objects.get().email == "ana@example.org"
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="ANA@example.org").save()
