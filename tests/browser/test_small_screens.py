"""At 360 px wide (a small phone) the pages fit: nothing scrolls sideways."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_home_and_sign_up_fit_a_360px_screen(visitor):
    page = visitor.page
    page.set_viewport_size({"width": 360, "height": 740})

    visitor.goto("/")
    expect(page.get_by_role("link", name="Create your account")).to_be_visible()
    visitor.assert_no_horizontal_scroll()

    visitor.goto("/accounts/signup/")
    expect(page.get_by_role("button", name="Sign Up")).to_be_visible()
    visitor.assert_no_horizontal_scroll()

    # The signed-in home page, with its longer navigation, fits too.
    UserFactory(email="lee.chen@example.org", display_name="Lee Chen")
    visitor.goto("/accounts/login/")
    visitor.assert_no_horizontal_scroll()
    page.get_by_label("Email").fill("lee.chen@example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Lee Chen")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    visitor.check()
    visitor.assert_no_horizontal_scroll()
