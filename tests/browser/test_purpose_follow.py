"""Following a purpose in a browser (issue 10): a customer follows a purpose from its
page, finds it on the notification settings page, and unfollows it there."""

import re

import pytest
from playwright.sync_api import expect

from purposes.models import PurposeFollow
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in
from tests.purposes.factories import PurposeFactory

pytestmark = pytest.mark.browser


def test_a_customer_follows_a_purpose_and_unfollows_it_from_the_settings(visitor):
    purpose = PurposeFactory(title="Refund customers within three days", slug="faster-returns")
    carla = UserFactory(member_type="customer", email="carla@acme.example")
    page = visitor.page

    sign_in(visitor, carla.email, DEFAULT_PASSWORD)
    visitor.goto(purpose.get_absolute_url())
    page.get_by_role("button", name="Follow", exact=True).click()

    expect(page.get_by_text("You follow this purpose")).to_be_visible()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    visitor.check()
    assert PurposeFollow.objects.filter(user=carla, purpose=purpose).exists()

    visitor.goto("/settings/notifications/")
    followed = page.get_by_role("region", name="Purposes I follow")
    expect(followed.get_by_role("link", name="Refund customers within three days")).to_be_visible()
    visitor.check()
    followed.get_by_role("button", name="Unfollow Refund customers within three days").click()

    expect(page).to_have_url(re.compile(r"/settings/notifications/$"))
    expect(
        page.get_by_text("You no longer follow “Refund customers within three days”.")
    ).to_be_visible()
    expect(page.get_by_text("You follow no purpose.")).to_be_visible()
    assert not PurposeFollow.objects.exists()
