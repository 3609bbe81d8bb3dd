"""A member protects their account with an authenticator app and signs in with a code."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import fresh_totp, totp


def test_totp_helper_matches_rfc_6238_test_vectors():
    # RFC 6238 appendix B, SHA-1, secret "12345678901234567890", eight digits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp(secret, at=59, digits=8) == "94287082"
    assert totp(secret, at=1111111109, digits=8) == "07081804"
    assert totp(secret, at=2000000000, digits=8) == "69279037"
    assert totp(secret, at=59) == "287082"


def sign_in_with_password(visitor, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page = visitor.page
    visitor.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.browser
def test_enable_totp_then_sign_in_with_a_code(visitor):
    UserFactory(email="mo.haddad@example.org", display_name="Mo Haddad")
    page = visitor.page

    sign_in_with_password(visitor, "mo.haddad@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mo Haddad")
    visitor.check()

    # Activating an authenticator app asks to confirm the password first.
    visitor.goto("/accounts/2fa/totp/activate/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    page.get_by_label(re.compile(r"^Password:?$")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    # The page shows the secret to type into the app.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Authenticator App"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    expect(page.get_by_role("img", name=secret)).to_be_visible()  # the QR code
    visitor.check()
    code, used_step = fresh_totp(secret)
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Activate").click()

    # Recovery codes are offered at once.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10 and len(set(codes)) == 10, codes
    expect(page.get_by_role("main")).to_contain_text("There are 10 out of 10 recovery codes")
    visitor.check()

    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()
    visitor.check()

    # The password alone is no longer enough: the code is asked for.
    sign_in_with_password(visitor, "mo.haddad@example.org")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    visitor.check()

    right_now = totp(secret)
    wrong = f"{(int(right_now) + 1) % 1_000_000:06d}"
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("main")).to_contain_text("Incorrect code")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    visitor.check()

    # The code used to activate cannot be replayed; the next window's code signs them in.
    code, _ = fresh_totp(secret, avoid_step=used_step)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mo Haddad")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    visitor.check()
