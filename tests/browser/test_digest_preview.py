"""The digest preview in a browser (issue 10): from the notification settings, a member
opens "Preview my next digest" and sees what it would hold, grouped by community, on a
phone-sized screen too; after muting the community, the preview says nothing happened."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD
from tests.browser.support import sign_in
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.notifications.support import set_level

pytestmark = pytest.mark.browser


def test_a_member_previews_the_next_digest_from_the_settings(visitor):
    community = CommunityFactory(visibility="private", name="Depot crews")
    owner = owner_of(community)
    reader = member_of(community, email="dana@northwind.example", display_name="Dana Reyes")
    busy = ThreadFactory(community=community, author=owner, title="Night shift rota")
    PostFactory(thread=busy, author=owner, body="Swaps go through the board.")
    for number in range(6):
        ThreadFactory(community=community, author=owner, title=f"Locker {number}")
    page = visitor.page

    sign_in(visitor, reader.email, DEFAULT_PASSWORD)
    visitor.goto("/settings/notifications/")
    page.get_by_role("link", name="Preview my next digest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of my next digest")
    visitor.check()

    group = page.get_by_role("region", name="Depot crews")
    expect(group.get_by_role("heading", name="Most active threads")).to_be_visible()
    expect(group.get_by_role("link", name="Night shift rota")).to_be_visible()
    expect(group).to_contain_text("2 new posts")
    expect(group).to_contain_text("and 2 more")
    page.set_viewport_size({"width": 375, "height": 800})
    visitor.assert_no_horizontal_scroll()
    visitor.check()

    set_level(community, reader, "none")
    page.reload()
    expect(page.get_by_text("Nothing has happened yet")).to_be_visible()
    expect(page.get_by_role("link", name="Night shift rota")).to_have_count(0)
    visitor.check()
