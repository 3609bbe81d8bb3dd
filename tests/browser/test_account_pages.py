"""Every account and settings page a person can reach passes the axe scan with a clean
console and no Content-Security-Policy violation."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.sites.models import Site
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in

pytestmark = pytest.mark.browser

VISITOR_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-not-a-key/",
    "/accounts/password/reset/key/done/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
    "/accounts/inactive/",
    "/accounts/3rdparty/login/cancelled/",
    "/accounts/oidc/sso/login/",
]
MEMBER_PAGES = [
    "/settings/profile/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/3rdparty/",
    "/accounts/logout/",
]
TWO_FACTOR_PAGES = [
    "/accounts/2fa/",
    "/accounts/2fa/totp/deactivate/",
    "/accounts/2fa/recovery-codes/",
    "/accounts/2fa/recovery-codes/generate/",
    "/accounts/2fa/reauthenticate/",
]


def test_account_pages_are_accessible(visitor, settings):
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="sso",
        name="Northwind SSO",
        client_id="commons",
        secret="not-a-secret",
        settings={"server_url": "http://127.0.0.1:9"},
    )
    app.sites.add(Site.objects.get(pk=settings.SITE_ID))
    for path in VISITOR_PAGES:
        visitor.goto(path)

    ana = UserFactory(email="ana@example.org")
    SocialAccount.objects.create(
        user=ana, provider="sso", uid="idp-1", extra_data={"email": "ana@example.org"}
    )
    sign_in(visitor, ana.email, DEFAULT_PASSWORD)
    for path in MEMBER_PAGES:
        visitor.goto(path)

    # Changes to how one signs in ask for the password again first.
    page = visitor.page
    visitor.goto("/accounts/reauthenticate/")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Confirm Access")
    visitor.check()

    TOTP.activate(ana, generate_totp_secret())
    RecoveryCodes.activate(ana)
    for path in TWO_FACTOR_PAGES:
        visitor.goto(path)
