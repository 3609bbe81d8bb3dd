"""An employee signs in through the host organisation's OpenID Connect identity provider."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from accounts.models import User
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory

pytestmark = pytest.mark.browser


def test_first_sign_in_through_sso_makes_an_employee(visitor, oidc_provider):
    northwind = OrganisationFactory(name="Northwind", kind="host")
    OrganisationDomainFactory(organisation=northwind, domain="northwind.example")
    page = visitor.page

    visitor.goto("/accounts/login/")
    page.get_by_role("link", name="Northwind SSO").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In Via Northwind SSO")
    visitor.check()

    # Continue posts to the site, which sends the browser to the identity provider; the
    # provider approves at once and sends it back with a code.
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sam Rivera")
    signed_in_as = page.get_by_role("main").locator(".welcome")
    expect(signed_in_as.locator(".badge")).to_have_text("Employee")
    expect(signed_in_as).to_contain_text("Northwind")
    visitor.check()

    assert oidc_provider.errors == []
    assert oidc_provider.log.count("GET /authorize") == 1
    assert "POST /token" in oidc_provider.log
    assert "GET /userinfo" in oidc_provider.log

    sam = User.objects.get(email="sam.rivera@northwind.example")
    assert SocialAccount.objects.get(user=sam).uid == "idp-4711"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My profile").click()
    expect(page).to_have_url(re.compile(rf"/people/{sam.pk}/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Sam Rivera")
    expect(heading.locator(".badge")).to_have_text("Employee")
    visitor.check()
