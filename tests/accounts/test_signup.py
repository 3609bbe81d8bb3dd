import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import MemberType, User
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "a-long-and-unusual-passphrase-7"


def sign_up(client, email, password=STRONG_PASSWORD, password2=None, name="Ana Lima"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "display_name": name,
            "password1": password,
            "password2": password2 or password,
        },
    )


def test_sign_up_sends_verification_email_over_smtp_and_verifying_assigns_member_type(
    client, smtp_mailbox, django_capture_on_commit_callbacks
):
    host = OrganisationFactory(name="Northwind", kind="host")
    OrganisationDomainFactory(organisation=host, domain="northwind.example")

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "Ana@Northwind.example")

    assert response.status_code == 302
    user = User.objects.get(email__iexact="ana@northwind.example")
    assert user.display_name == "Ana Lima"
    assert user.member_type == ""
    [message] = smtp_mailbox.wait_for(1)
    assert "ana@northwind.example" in message["To"].lower()
    body = smtp_mailbox.text(message)
    assert "Confirm my email address" in smtp_mailbox.html(message)
    confirm_url = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)

    path = confirm_url.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)

    assert response.status_code == 302
    user.refresh_from_db()
    assert EmailAddress.objects.get(user=user).verified is True
    assert user.organisation == host
    assert user.member_type == MemberType.EMPLOYEE
    change = user.member_type_changes.get()
    assert (change.from_member_type, change.to_member_type) == ("", "employee")
    assert change.changed_by is None


def test_unverified_person_cannot_sign_in(client):
    sign_up(client, "new@example.org")
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "new@example.org", "password": STRONG_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


# Bad input: a clear message on the same page, and nothing created or sent.


def assert_nothing_created(users_before: int, callbacks: list) -> None:
    assert User.objects.count() == users_before
    assert EmailAddress.objects.count() == users_before
    assert callbacks == []


@pytest.mark.parametrize("email", ["ana@example.org", "ANA@Example.ORG"])
def test_sign_up_with_a_taken_email_is_refused(client, email, django_capture_on_commit_callbacks):
    existing = UserFactory(email="ana@example.org", display_name="Ana")

    with django_capture_on_commit_callbacks() as callbacks:
        response = sign_up(client, email, name="Impostor")

    assert response.status_code == 200
    assert "A user is already registered with this email address." in response.text
    assert_nothing_created(1, callbacks)
    existing.refresh_from_db()
    assert existing.display_name == "Ana"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("email", ["ana.example.org", "ana@", "ana@@example.org", "ana @x.org"])
def test_sign_up_with_a_malformed_email_is_refused(
    client, email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = sign_up(client, email)

    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert_nothing_created(0, callbacks)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pw", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
        ("4817263950184", "This password is entirely numeric."),
    ],
)
def test_sign_up_with_a_weak_password_is_refused(
    client, password, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = sign_up(client, "ana@example.org", password=password)

    assert response.status_code == 200
    assert message in response.text
    assert_nothing_created(0, callbacks)


def test_sign_up_with_mismatched_passwords_is_refused(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = sign_up(client, "ana@example.org", password2="a-different-passphrase-8")

    assert response.status_code == 200
    assert "You must type the same password each time." in response.text
    assert_nothing_created(0, callbacks)


def test_sign_up_form_keeps_what_was_typed_after_an_error(client):
    response = sign_up(client, "ana@example.org", password="short", name="Ana Lima")

    assert response.status_code == 200
    assert 'value="ana@example.org"' in response.text
    assert 'value="Ana Lima"' in response.text
    assert User.objects.count() == 0


def test_sign_up_without_a_name_is_refused(client):
    response = sign_up(client, "ana@example.org", name="")

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert User.objects.count() == 0


def test_sign_up_on_an_unverified_organisation_domain_gives_the_default_type(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    host = OrganisationFactory(name="Northwind", kind="host")
    OrganisationDomainFactory(organisation=host, domain="northwind.example", is_verified=False)
    sign_up(client, "mallory@northwind.example")
    [message] = mailoutbox
    key = re.search(r"/accounts/confirm-email/([-:\w]+)/", message.body).group(1)

    response = client.post(reverse("account_confirm_email", args=[key]))

    assert response.status_code == 302
    user = User.objects.get(email="mallory@northwind.example")
    assert (user.organisation, user.member_type) == (None, MemberType.CUSTOMER)


def test_sign_up_is_closed_when_open_sign_up_is_off(client, settings):
    settings.COMMONS_OPEN_SIGNUP = False

    response = sign_up(client, "ana@example.org")

    assert response.status_code == 200
    assert "Sign Up Closed" in response.text
    assert User.objects.count() == 0


def test_sign_up_rate_limit_answers_429_with_a_clear_message(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    for attempt in range(3):
        assert sign_up(client, f"person{attempt}@example.org", password="x").status_code == 200

    response = sign_up(client, "ana@example.org")

    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert User.objects.count() == 0
