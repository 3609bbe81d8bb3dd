import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import MemberType
from tests.accounts.factories import DEFAULT_PASSWORD, OrganisationFactory, UserFactory
from tests.discussions.factories import publicly_active

pytestmark = pytest.mark.django_db

ACTIVATE_TOTP_URL = reverse("mfa_activate_totp")
MFA_REQUIRED_MESSAGE = (
    "Northwind requires two-factor authentication. Set up an authenticator app to continue."
)


# RequireMFAMiddleware


@pytest.fixture
def strict_employee():
    northwind = OrganisationFactory(name="Northwind", kind="host", require_mfa=True)
    return UserFactory(organisation=northwind, member_type=MemberType.EMPLOYEE)


@pytest.mark.parametrize(
    "url",
    [reverse("home"), reverse("settings_profile"), reverse("person_detail", args=[1])],
)
def test_person_without_totp_is_sent_to_set_it_up_from_any_page(client, strict_employee, url):
    client.force_login(strict_employee)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_TOTP_URL


def test_redirect_explains_why_and_leads_to_the_activation_page(client, strict_employee):
    client.force_login(strict_employee)

    response = client.get(reverse("home"), follow=True)

    # allauth asks for the password again before an authenticator can be added.
    reauthenticate_url = (
        f"{reverse('account_reauthenticate')}?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )
    assert response.redirect_chain == [(ACTIVATE_TOTP_URL, 302), (reauthenticate_url, 302)]
    assert response.status_code == 200
    assert MFA_REQUIRED_MESSAGE in response.text

    response = client.post(
        reauthenticate_url, {"password": DEFAULT_PASSWORD, "next": ACTIVATE_TOTP_URL}, follow=True
    )

    assert response.redirect_chain == [(ACTIVATE_TOTP_URL, 302)]
    assert "Activate Authenticator App" in response.text
    assert 'name="code"' in response.text


@pytest.fixture
def on_activation_page(client, strict_employee):
    """Signed in, password confirmed, looking at the TOTP activation page; returns the secret."""
    client.force_login(strict_employee)
    client.post(
        reverse("account_reauthenticate"),
        {"password": DEFAULT_PASSWORD, "next": ACTIVATE_TOTP_URL},
    )
    response = client.get(ACTIVATE_TOTP_URL)
    assert response.status_code == 200
    return client.session["mfa.totp.secret"]


def test_after_activating_totp_the_person_reaches_the_page(
    client, totp, strict_employee, on_activation_page
):
    response = client.post(ACTIVATE_TOTP_URL, {"code": totp.code(on_activation_page)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=strict_employee, type="totp").count() == 1
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Welcome, " in response.text


def test_wrong_code_when_activating_totp_keeps_the_person_on_the_page(
    client, totp, strict_employee, on_activation_page
):
    response = client.post(ACTIVATE_TOTP_URL, {"code": totp.wrong_code(on_activation_page)})

    assert response.status_code == 200
    assert "Incorrect code." in response.text
    assert Authenticator.objects.filter(user=strict_employee).count() == 0
    assert client.get(reverse("home"))["Location"] == ACTIVATE_TOTP_URL


def test_person_with_totp_is_not_redirected(client, totp, strict_employee):
    totp.activate(strict_employee)
    client.force_login(strict_employee)

    response = client.get(reverse("home"))

    assert response.status_code == 200


@pytest.mark.parametrize("has_organisation", [True, False])
def test_people_of_other_organisations_are_not_redirected(client, has_organisation):
    OrganisationFactory(name="Northwind", kind="host", require_mfa=True)
    relaxed = OrganisationFactory(name="Acme", kind="customer", require_mfa=False)
    person = UserFactory(organisation=relaxed if has_organisation else None)
    client.force_login(person)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "requires two-factor authentication" not in response.text


def test_visitors_are_not_redirected(client):
    OrganisationFactory(name="Northwind", kind="host", require_mfa=True)

    assert client.get(reverse("home")).status_code == 200


# UserPreferencesMiddleware


def test_signed_in_person_sees_the_site_in_their_language(client):
    client.force_login(UserFactory(language="fr"))

    response = client.get(reverse("account_email"))

    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert response["Content-Language"] == "fr"
    assert "Adresse e-mail" in response.text
    assert "Email Address" not in response.text


def test_language_follows_each_person_not_the_previous_request(client):
    client.force_login(UserFactory(language="fr"))
    client.get(reverse("account_email"))
    client.logout()
    client.force_login(UserFactory(language="en"))

    response = client.get(reverse("account_email"))

    assert '<html lang="en">' in response.text
    assert "Email Address" in response.text


def test_visitor_gets_the_browser_language(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de")

    assert '<html lang="de">' in response.text
    assert "Anmeldung" in response.text


def test_signed_in_person_sees_times_in_their_time_zone(client):
    person = publicly_active(UserFactory(timezone="America/Los_Angeles"))
    person.date_joined = person.date_joined.replace(
        year=2024, month=3, day=1, hour=3, minute=0, second=0, microsecond=0
    )
    person.save(update_fields=["date_joined"])
    url = reverse("person_detail", args=[person.pk])

    as_visitor = client.get(url).text
    client.force_login(person)
    as_person = client.get(url).text

    assert "Member since March 1, 2024" in as_visitor
    assert "Member since Feb. 29, 2024" in as_person


def test_an_unknown_stored_time_zone_falls_back_to_utc(client):
    person = UserFactory(timezone="Mars/Olympus_Mons")
    person.date_joined = person.date_joined.replace(
        year=2024, month=3, day=1, hour=3, minute=0, second=0, microsecond=0
    )
    person.save(update_fields=["date_joined"])
    client.force_login(person)

    response = client.get(reverse("person_detail", args=[person.pk]))

    assert response.status_code == 200
    assert "Member since March 1, 2024" in response.text
