"""A moderator silences a member for a week with a reason; the member sees the reason
and cannot post."""

import pytest
from playwright.sync_api import expect

from communities.models import Role, Silence
from discussions.models import Post
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.browser.support import sign_in, silence_for_a_week
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import ThreadFactory, member_of

pytestmark = pytest.mark.browser


def test_a_moderator_silences_a_member_who_then_sees_why_and_cannot_post(visitor, new_visitor):
    community = CommunityFactory(visibility="public", name="Bike Fleet")
    moderator = member_of(community, role=Role.MODERATOR, display_name="Mo Derator")
    member = member_of(community, display_name="Mallory Member")
    thread = ThreadFactory(community=community, title="Winter tyres")

    sign_in(visitor, moderator.email, DEFAULT_PASSWORD)
    silence_for_a_week(
        visitor, community.slug, "Mallory Member", "Posting the same advert in every thread"
    )
    assert Silence.objects.get(user=member).ends_at is not None

    tab = new_visitor()
    sign_in(tab, member.email, DEFAULT_PASSWORD)
    tab.goto(community.get_absolute_url())
    notice = tab.page.locator("#sanction-notice")
    expect(notice).to_contain_text("You are silenced in this community")
    expect(notice).to_contain_text("Posting the same advert in every thread")
    tab.check()
    tab.goto(thread.get_absolute_url())
    refusal = tab.page.get_by_role("note").filter(has_text="You are silenced in this community")
    expect(refusal).to_contain_text("Posting the same advert in every thread")
    expect(tab.page.get_by_role("button", name="Post reply")).to_have_count(0)
    tab.check()
    assert not Post.objects.filter(author=member).exists()
