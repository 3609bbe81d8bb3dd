"""Fixtures for the accounts tests: signing in through allauth's form, TOTP, pictures."""

import io
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.accounts.factories import DEFAULT_PASSWORD


class Totp:
    """An authenticator app: stores a secret for a person and computes their codes."""

    @staticmethod
    def activate(user) -> str:
        """Give `user` a TOTP authenticator the way allauth stores one; returns the secret."""
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    @staticmethod
    def code(secret: str) -> str:
        counter = int(time.time()) // mfa_settings.TOTP_PERIOD
        return format_hotp_value(hotp_value(secret, counter))

    @staticmethod
    def accepted_codes(secret: str) -> set[str]:
        """Every code allauth accepts for `secret` now (it tolerates some clock drift)."""
        counter = int(time.time()) // mfa_settings.TOTP_PERIOD
        tolerance = mfa_settings.TOTP_TOLERANCE
        return {
            format_hotp_value(hotp_value(secret, counter + offset))
            for offset in range(-tolerance, tolerance + 1)
        }

    def wrong_code(self, secret: str) -> str:
        """A well-formed six-digit code that is certainly not accepted now."""
        accepted = self.accepted_codes(secret)
        return next(
            code for code in ("000000", "111111", "222222", "333333") if code not in accepted
        )


@pytest.fixture
def totp() -> Totp:
    return Totp()


@pytest.fixture
def sign_in():
    """Sign in through allauth's login form, so the session records a fresh authentication
    (views that demand recent authentication, such as TOTP activation, accept it)."""

    def sign_in(client, user, password: str = DEFAULT_PASSWORD):
        return client.post(reverse("account_login"), {"login": user.email, "password": password})

    return sign_in


@pytest.fixture
def make_image():
    """An uploaded picture of the given pixel size and format."""

    def make_image(
        name: str = "me.png", size: tuple[int, int] = (600, 300), image_format: str = "PNG"
    ) -> SimpleUploadedFile:
        buffer = io.BytesIO()
        Image.new("RGB", size, color=(200, 40, 90)).save(buffer, format=image_format)
        return SimpleUploadedFile(
            name, buffer.getvalue(), content_type=f"image/{image_format.lower()}"
        )

    return make_image


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
