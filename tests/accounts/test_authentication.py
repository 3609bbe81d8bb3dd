"""Signing in (password, TOTP), password reset links and allauth's rate limits."""

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an-entirely-new-passphrase-42"


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_sign_in_with_the_right_password_lands_on_the_member_home(client, sign_in):
    user = UserFactory(display_name="Ana Lima")

    response = sign_in(client, user)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(user.pk)
    assert "Welcome, Ana Lima" in client.get(reverse("home")).text


def test_sign_in_with_a_wrong_password_says_so_on_the_same_page(client, sign_in):
    user = UserFactory()

    response = sign_in(client, user, password="not-the-password-1")

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.text
    assert f'value="{user.email}"' in response.text
    assert signed_in_user_id(client) is None


# Two-factor authentication at sign-in


def test_sign_in_with_totp_asks_for_a_code_before_signing_in(client, sign_in, totp):
    user = UserFactory()
    totp.activate(user)

    response = sign_in(client, user)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None


def test_wrong_totp_code_is_refused_on_the_same_page(client, sign_in, totp):
    user = UserFactory()
    secret = totp.activate(user)
    sign_in(client, user)

    response = client.post(reverse("mfa_authenticate"), {"code": totp.wrong_code(secret)})

    assert response.status_code == 200
    assert "Incorrect code." in response.text
    assert "Two-Factor Authentication" in response.text
    assert signed_in_user_id(client) is None
    assert Authenticator.objects.get(user=user).last_used_at is None


def test_right_totp_code_after_a_wrong_one_signs_in(client, sign_in, totp):
    user = UserFactory()
    secret = totp.activate(user)
    sign_in(client, user)
    client.post(reverse("mfa_authenticate"), {"code": totp.wrong_code(secret)})

    response = client.post(reverse("mfa_authenticate"), {"code": totp.code(secret)})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(user.pk)
    assert Authenticator.objects.get(user=user, type="totp").last_used_at is not None


def test_a_totp_code_cannot_be_used_twice(client, sign_in, totp):
    user = UserFactory()
    secret = totp.activate(user)
    code = totp.code(secret)
    sign_in(client, user)
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("account_logout"))
    sign_in(client, user)

    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 200
    assert "Incorrect code." in response.text
    assert signed_in_user_id(client) is None


# Password reset links


def reset_url(uidb36: str, key: str) -> str:
    return reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": key})


def key_issued(user, seconds_ago: int) -> str:
    """A reset key made by allauth's own token generator, dated `seconds_ago`."""
    generator = default_token_generator
    issued = generator._num_seconds(generator._now()) - seconds_ago
    return generator._make_token_with_timestamp(user, issued, generator.secret)


def test_reset_email_link_opens_the_new_password_form(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ana@example.org")
    client.post(reverse("account_reset_password"), {"email": "ana@example.org"})
    [message] = mailoutbox
    link = re.search(r"/accounts/password/reset/key/\S+/", message.body).group(0)

    response = client.get(link, follow=True)

    assert response.status_code == 200
    assert "Bad Token" not in response.text
    response = client.post(
        response.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("kind", ["expired", "tampered", "other person's"])
def test_bad_reset_link_shows_bad_token_and_changes_no_password(client, settings, kind):
    user = UserFactory()
    uidb36 = user_pk_to_url_str(user)
    if kind == "expired":
        key = key_issued(user, seconds_ago=settings.PASSWORD_RESET_TIMEOUT + 60)
    elif kind == "tampered":
        good = default_token_generator.make_token(user)
        key = good[:-1] + ("a" if good[-1] != "a" else "b")
    else:
        key = default_token_generator.make_token(UserFactory())

    response = client.get(reset_url(uidb36, key))

    assert response.status_code == 200
    assert "Bad Token" in response.text
    assert "The password reset link was invalid" in response.text

    response = client.post(
        reset_url(uidb36, key), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert "Bad Token" in response.text
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert not user.check_password(NEW_PASSWORD)


def test_a_key_made_the_same_way_within_the_timeout_is_accepted(client, settings):
    """The control for the bad-link test: only the key's age differs."""
    user = UserFactory()
    uidb36 = user_pk_to_url_str(user)
    key = key_issued(user, seconds_ago=settings.PASSWORD_RESET_TIMEOUT - 60)

    response = client.get(reset_url(uidb36, key))

    assert response.status_code == 302
    assert response["Location"] == reset_url(uidb36, "set-password")


def test_weak_new_password_on_the_reset_form_is_refused(client):
    user = UserFactory()
    uidb36 = user_pk_to_url_str(user)
    client.get(reset_url(uidb36, default_token_generator.make_token(user)))

    response = client.post(
        reset_url(uidb36, "set-password"), {"password1": "12345", "password2": "12345"}
    )

    assert response.status_code == 200
    assert "This password is too short. It must contain at least 10 characters." in response.text
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


# Rate limits


def test_repeated_failed_sign_ins_lock_the_account_even_for_the_right_password(
    client, sign_in, settings
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    user = UserFactory()
    for _attempt in range(3):
        response = sign_in(client, user, password="wrong-password-1")
        assert "not correct" in response.text

    response = sign_in(client, user)

    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.text
    assert signed_in_user_id(client) is None


def test_repeated_sign_in_attempts_answer_429_with_the_too_many_attempts_page(client, sign_in):
    """With the site's own limits: 10 failures per minute per address stop the form, and
    allauth's default of 30 sign-in posts per minute per address then answers 429."""
    user = UserFactory()
    statuses = [sign_in(client, user, password=f"wrong-{n}").status_code for n in range(30)]

    response = sign_in(client, user)

    assert statuses == [200] * 30
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert "this action is paused after several tries" in response.text
    assert signed_in_user_id(client) is None


def test_password_reset_requests_are_rate_limited_per_address(client, mailoutbox):
    UserFactory(email="ana@example.org")
    for _attempt in range(5):
        client.post(reverse("account_reset_password"), {"email": "ana@example.org"})

    response = client.post(reverse("account_reset_password"), {"email": "ana@example.org"})

    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert len(mailoutbox) == 5
