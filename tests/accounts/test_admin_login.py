"""The Django admin signs nobody in: staff sessions come only from allauth's sign-in."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
SIGN_IN_FOR_ADMIN = f"{reverse('account_login')}?{urlencode({'next': '/admin/'})}"


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.fixture
def staff_with_totp(totp):
    user = UserFactory(email="root@northwind.example", is_staff=True, is_superuser=True)
    user.totp_secret = totp.activate(user)
    return user


def credentials(user, password: str = DEFAULT_PASSWORD) -> dict:
    # The admin's form calls the field "username"; allauth's calls it "login".
    return {"username": user.email, "login": user.email, "password": password, "next": "/admin/"}


def test_the_right_password_posted_to_the_admin_login_signs_nobody_in(client, staff_with_totp):
    response = client.post(f"{ADMIN_LOGIN}?next=/admin/", credentials(staff_with_totp))

    assert response.status_code == 302
    assert response["Location"] == SIGN_IN_FOR_ADMIN
    assert signed_in_user_id(client) is None
    admin_home = client.get("/admin/")
    assert admin_home.status_code == 302
    assert admin_home["Location"].startswith(ADMIN_LOGIN)
    assert client.get(ADMIN_LOGIN + "?next=/admin/")["Location"] == SIGN_IN_FOR_ADMIN


def test_the_admin_login_page_sends_visitors_to_allauth_and_back_to_the_admin_page(client):
    response = client.get(f"{ADMIN_LOGIN}?next=/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?{urlencode({'next': '/admin/accounts/user/'})}"
    )


def test_the_admin_login_never_sends_anyone_to_another_site(client):
    response = client.get(f"{ADMIN_LOGIN}?next=https://evil.example/admin/")

    assert response["Location"] == SIGN_IN_FOR_ADMIN


def test_a_dozen_wrong_passwords_meet_allauths_throttle_on_the_only_login_path(
    client, settings, staff_with_totp
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "10/m/ip"}
    statuses = []
    for attempt in range(12):
        bounced = client.post(ADMIN_LOGIN, credentials(staff_with_totp, f"wrong-{attempt}"))
        assert (bounced.status_code, bounced["Location"]) == (302, SIGN_IN_FOR_ADMIN)
        # The admin only points at allauth's form; guessing goes on there.
        guessed = client.post(bounced["Location"], credentials(staff_with_totp, f"wrong-{attempt}"))
        statuses.append(guessed.status_code)

    assert statuses == [200] * 10 + [429, 429]
    assert "Too many attempts" in guessed.text
    assert signed_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302


def test_staff_with_totp_reach_the_admin_only_after_the_code(client, staff_with_totp, totp):
    response = client.post(SIGN_IN_FOR_ADMIN, credentials(staff_with_totp))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302

    response = client.post(
        reverse("mfa_authenticate"), {"code": totp.code(staff_with_totp.totp_secret)}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(staff_with_totp.pk)
    admin_home = client.get("/admin/")
    assert admin_home.status_code == 200
    assert "Site administration" in admin_home.text


def test_a_signed_in_member_without_staff_rights_is_refused_not_looped(client):
    member = UserFactory()
    client.force_login(member)

    response = client.get(f"{ADMIN_LOGIN}?next=/admin/")

    assert response.status_code == 403
    assert signed_in_user_id(client) == str(member.pk)


def test_signed_in_staff_go_straight_to_the_admin_page(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(f"{ADMIN_LOGIN}?next=/admin/accounts/user/")

    assert (response.status_code, response["Location"]) == (302, "/admin/accounts/user/")


def test_the_admin_sign_out_goes_through_allauths_sign_out(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    response = client.post(reverse("admin:logout"))

    assert (response.status_code, response["Location"]) == (302, reverse("account_logout"))
    assert signed_in_user_id(client) == str(staff.pk)
    client.post(reverse("account_logout"))
    assert signed_in_user_id(client) is None
