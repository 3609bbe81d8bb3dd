"""A staff member with an authenticator app reaches the admin only through allauth's sign-in."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import fresh_totp


@pytest.mark.browser
def test_staff_with_totp_visiting_the_admin_signs_in_with_a_code_first(visitor):
    staff = UserFactory(
        email="root@northwind.example", display_name="Rita Root", is_staff=True, is_superuser=True
    )
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    page = visitor.page

    visitor.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    visitor.check()
    page.get_by_label("Email").fill("root@northwind.example")
    page.get_by_label(re.compile(r"^Password:?$")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # The password alone opens nothing: the code is asked for, and the admin stays shut.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    visitor.check()

    code, _ = fresh_totp(secret)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Site administration")
    visitor.check()
