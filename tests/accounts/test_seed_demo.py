import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import MemberTypeChange, Organisation, OrganisationDomain, User

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "commons-demo-2026"


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "domains": OrganisationDomain.objects.filter(is_verified=True).count(),
        "people": User.objects.count(),
        "addresses": EmailAddress.objects.filter(verified=True, primary=True).count(),
        "changes": MemberTypeChange.objects.count(),
    }


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    first_output = capsys.readouterr().out

    call_command("seed_demo")
    second_output = capsys.readouterr().out

    assert first == {
        "organisations": 4,
        "domains": 4,
        "people": 6,
        "addresses": 6,
        "changes": 6,
    }
    assert counts() == first
    assert "Demo data ready (6 new people)." in first_output
    assert "Demo data ready (0 new people)." in second_output


def test_seed_demo_gives_each_person_the_expected_organisation_and_type():
    call_command("seed_demo")

    people = {
        user.email: (user.organisation.name, user.member_type, user.is_superuser)
        for user in User.objects.select_related("organisation")
    }
    assert people == {
        "admin@northwind.example": ("Northwind Logistics", "employee", True),
        "ana@northwind.example": ("Northwind Logistics", "employee", False),
        "ben@northwind.example": ("Northwind Logistics", "employee", False),
        "carla@acme.example": ("Acme Retail", "customer", False),
        "victor@globex.example": ("Globex Freight", "vendor", False),
        "priya@initech.example": ("Initech Consulting", "partner", False),
    }
    assert dict(Organisation.objects.values_list("name", "kind")) == {
        "Northwind Logistics": "host",
        "Acme Retail": "customer",
        "Globex Freight": "vendor",
        "Initech Consulting": "partner",
    }


def test_seed_demo_prints_sign_in_details_that_work(client, capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out

    assert f"carla@acme.example           {DEMO_PASSWORD}  (Carla Rossi, customer)" in output
    assert f"admin@northwind.example      {DEMO_PASSWORD}  (Alex Admin, administrator)" in output
    response = client.post(
        "/accounts/login/", {"login": "victor@globex.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(
        User.objects.get(email="victor@globex.example").pk
    )


def test_seed_demo_keeps_changes_made_since(client):
    call_command("seed_demo")
    ana = User.objects.get(email="ana@northwind.example")
    ana.display_name = "Ana L."
    ana.save(update_fields=["display_name"])

    call_command("seed_demo")

    ana.refresh_from_db()
    assert ana.display_name == "Ana L."
