import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import MemberType, User
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory

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
