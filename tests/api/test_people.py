"""The signed-in person's profile, people's profiles and organisations through the API,
and service accounts made by administrators on their settings page."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organisation, OrganisationKind, User
from api.models import AccessToken
from tests.accounts.factories import (
    DEFAULT_PASSWORD,
    OrganisationDomainFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.api.support import api_client, place
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


# -- the profile -------------------------------------------------------------------------------


def test_a_person_reads_and_changes_their_profile():
    person = UserFactory(display_name="Ana Lima", bio="Hi", timezone="UTC", language="en")
    client = api_client(person)
    answer = client.get("/api/v1/me/profile/")
    assert answer.status_code == 200
    assert answer.json() == {
        "id": person.pk,
        "display_name": "Ana Lima",
        "bio": "Hi",
        "timezone": "UTC",
        "language": "en",
        "avatar_url": None,
    }
    changed = client.patch(
        "/api/v1/me/profile/", {"bio": "Logistics lead", "timezone": "Europe/Lisbon"}, JSON
    )
    assert changed.status_code == 200, changed.content
    person.refresh_from_db()
    assert (person.display_name, person.bio, person.timezone) == (
        "Ana Lima",
        "Logistics lead",
        "Europe/Lisbon",
    )
    bad = client.patch(
        "/api/v1/me/profile/", {"display_name": "Two\nlines", "timezone": "Mars/Base"}, JSON
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"timezone"}
    bad = client.patch("/api/v1/me/profile/", {"display_name": "Two\nlines"}, JSON)
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["display_name"]
    person.refresh_from_db()
    assert person.display_name == "Ana Lima"


def test_the_profile_needs_a_sign_in_and_a_writing_token():
    person = UserFactory(bio="Before")
    assert Client().get("/api/v1/me/profile/").status_code == 401
    refused = api_client(person, scope="read").patch("/api/v1/me/profile/", {"bio": "X"}, JSON)
    assert refused.status_code == 403
    person.refresh_from_db()
    assert person.bio == "Before"


def test_profiles_show_as_the_people_pages_allow():
    spot = place("private")
    url = f"/api/v1/people/{spot.member.pk}/"
    stranger = UserFactory(member_type="employee")
    assert api_client(stranger, scope="read").get(url).status_code == 404
    assert Client().get(url).status_code == 404
    answer = api_client(spot.owner, scope="read").get(url)
    assert answer.status_code == 200
    assert answer.json()["name"] == "Mia Member"
    assert answer.json()["html_url"].endswith(reverse("person_detail", args=[spot.member.pk]))
    assert api_client(spot.member, scope="read").get(url).status_code == 200
    assert api_client(stranger, scope="read").get("/api/v1/people/999999999/").status_code == 404


# -- organisations -----------------------------------------------------------------------------


def test_organisations_are_for_administrators():
    OrganisationFactory(name="Acme")
    member = UserFactory(member_type="employee")
    for method, url in (("get", "/api/v1/organisations/"), ("post", "/api/v1/organisations/")):
        answer = (
            getattr(api_client(member), method)(url, {"name": "X", "kind": "vendor"}, JSON)
            if method == "post"
            else api_client(member).get(url)
        )
        assert answer.status_code == 403, url
        assert answer.json()["detail"] == "Only administrators can do this."
    assert Organisation.objects.count() == 1


def test_administrators_list_create_and_update_organisations(django_assert_max_num_queries):
    acme = OrganisationFactory(name="Acme", kind=OrganisationKind.CUSTOMER)
    OrganisationDomainFactory(organisation=acme, domain="acme.example")
    client = api_client(AdministratorFactory())
    made = client.post("/api/v1/organisations/", {"name": "Bolt Vans", "kind": "vendor"}, JSON)
    assert made.status_code == 201, made.content
    assert made.json()["member_type"] == "vendor"
    same = client.post("/api/v1/organisations/", {"name": "acme", "kind": "vendor"}, JSON)
    assert same.json()["errors"] == {"name": ["Another organisation already has this name."]}
    bad = client.post("/api/v1/organisations/", {"name": "X", "kind": "alien"}, JSON)
    assert list(bad.json()["errors"]) == ["kind"]
    updated = client.patch(
        f"/api/v1/organisations/{acme.pk}/", {"kind": "partner", "require_mfa": True}, JSON
    )
    assert updated.status_code == 200
    acme.refresh_from_db()
    assert (acme.name, acme.kind, acme.require_mfa) == ("Acme", "partner", True)
    rows = client.get("/api/v1/organisations/").json()["results"]
    assert [(row["name"], [d["domain"] for d in row["domains"]]) for row in rows] == [
        ("Acme", ["acme.example"]),
        ("Bolt Vans", []),
    ]
    assert [
        r["name"]
        for r in client.get("/api/v1/organisations/", {"kind": "vendor"}).json()["results"]
    ] == ["Bolt Vans"]
    for number in range(6):
        organisation = OrganisationFactory(name=f"Org {number}")
        OrganisationDomainFactory(organisation=organisation)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/organisations/", {"page_size": 2}).json()["results"]) == 2
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/organisations/", {"page_size": 100}).json()["results"]) == 8
    assert len(small) == len(large)
    assert client.get("/api/v1/organisations/999999/").status_code == 404


# -- service accounts --------------------------------------------------------------------------


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=DEFAULT_PASSWORD)
    return client


def test_non_administrators_cannot_reach_the_service_accounts_page():
    person = UserFactory(member_type="employee")
    client = _signed_in(person)
    assert client.get("/settings/service-accounts/").status_code == 404
    posted = client.post(
        "/settings/service-accounts/",
        {"name": "Bot", "member_type": "employee", "token_name": "t", "scope": "read_write"},
    )
    assert posted.status_code == 404
    assert Client().get("/settings/service-accounts/").status_code == 302
    assert not User.objects.filter(is_service_account=True).exists()
    assert "Service accounts" not in client.get("/settings/tokens/").content.decode()


def test_an_administrator_makes_a_service_account_whose_token_works_on_the_api(
    django_capture_on_commit_callbacks,
):
    admin = AdministratorFactory()
    client = _signed_in(admin)
    assert 'href="/settings/service-accounts/"' in client.get("/settings/tokens/").content.decode()
    page = client.get("/settings/service-accounts/")
    assert page.status_code == 200
    assert "No service accounts yet." in page.content.decode()
    made = client.post(
        "/settings/service-accounts/",
        {
            "name": "BI export",
            "member_type": "employee",
            "token_name": "prod",
            "scope": "read_write",
        },
    )
    assert made.status_code == 200
    secret = made.context["new_token"].secret
    html = made.content.decode()
    assert secret in html and "BI export" in html
    account = User.objects.get(is_service_account=True)
    assert (account.display_name, account.member_type, account.has_usable_password()) == (
        "BI export",
        "employee",
        False,
    )
    # Shown once only.
    assert secret not in client.get("/settings/service-accounts/").content.decode()

    bot = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert bot.get("/api/v1/me/").json()["name"] == "BI export"
    goal = GoalFactory(purpose=PurposeFactory(slug="cleaner", owners=[account]))
    pushed = bot.post(
        f"/api/v1/purposes/cleaner/goals/{goal.pk}/measurements/", {"value": 42}, JSON
    )
    assert pushed.status_code == 201, pushed.content
    goal.refresh_from_db()
    assert goal.current_value == 42

    # Another token, then revoking it.
    more = client.post(
        reverse("settings_service_token_create", args=[account.pk]),
        {"name": "dev", "scope": "read"},
    )
    assert more.status_code == 200
    token = AccessToken.objects.get(user=account, name="dev")
    client.post(reverse("settings_service_token_revoke", args=[account.pk, token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    other = Client(HTTP_AUTHORIZATION=f"Bearer {more.context['new_token'].secret}")
    assert other.get("/api/v1/me/").status_code == 401
    # A person's token cannot be revoked through this page.
    person_token = AccessToken.objects.create(
        user=admin, name="mine", digest="x" * 64, hint="cmns_pat_x"
    )
    client.post(reverse("settings_service_token_revoke", args=[admin.pk, person_token.pk]))
    person_token.refresh_from_db()
    assert person_token.revoked_at is None


def test_a_service_account_cannot_sign_in_to_the_site():
    admin = AdministratorFactory()
    client = _signed_in(admin)
    client.post(
        "/settings/service-accounts/",
        {"name": "Sync", "member_type": "customer", "token_name": "t", "scope": "read"},
    )
    account = User.objects.get(is_service_account=True)
    # Even with a password set and an address verified by someone, the sign-in is refused.
    account.set_password(DEFAULT_PASSWORD)
    account.save(update_fields=["password"])
    EmailAddress.objects.create(user=account, email=account.email, verified=True, primary=True)
    browser = Client()
    browser.post(reverse("account_login"), {"login": account.email, "password": DEFAULT_PASSWORD})
    assert "_auth_user_id" not in browser.session
    assert browser.get("/settings/profile/").status_code == 302


def test_a_service_account_form_reshows_errors():
    client = _signed_in(AdministratorFactory())
    answer = client.post(
        "/settings/service-accounts/",
        {"name": "", "member_type": "robot", "token_name": "t", "scope": "read"},
    )
    assert answer.status_code == 200
    assert set(answer.context["form"].errors) == {"name", "member_type"}
    assert not User.objects.filter(is_service_account=True).exists()
