"""A refused htmx action shows why at the top of the page, and its control stays."""

import pytest
from playwright.sync_api import expect

from core import ratelimit
from discussions.models import IdeaVote
from discussions.services import ideas as idea_services
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.browser.support import sign_in
from tests.browser.test_discussions import ideas_community
from tests.discussions.factories import member_of

pytestmark = pytest.mark.browser


def test_a_vote_past_the_limit_is_explained_and_the_widget_stays(visitor, settings, monkeypatch):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "votes": "1/m/user"}
    # Mid-minute, held still: the window cannot end between the two clicks.
    monkeypatch.setattr(ratelimit, "now", lambda: 1_000_000.0)
    community, alex = ideas_community()
    jo = member_of(community, display_name="Jo Baker", member_type="employee")
    idea = idea_services.submit_idea(
        author=alex, community=community, title="Cargo bikes", description="From the hubs."
    )
    page = visitor.page
    sign_in(visitor, jo.email, DEFAULT_PASSWORD)
    visitor.goto(idea.thread.get_absolute_url())

    page.get_by_role("button", name="Vote for “Cargo bikes”").click()
    expect(page.locator(".idea-panel .idea-voted")).to_have_text("You voted")
    page.get_by_role("button", name="Withdraw vote for “Cargo bikes”").click()

    alert = page.locator("#main > p[role=alert]")
    expect(alert).to_contain_text("You did this many times in a short time, so it is paused.")
    expect(page.locator(".idea-panel .idea-voted")).to_have_text("You voted")
    expect(page.get_by_role("button", name="Withdraw vote for “Cargo bikes”")).to_be_visible()
    assert IdeaVote.objects.filter(user=jo, idea=idea).count() == 1
    # Chromium reports the refused request itself in the console; that one is expected.
    visitor.problems[:] = [p for p in visitor.problems if "429" not in p.text]
    visitor.check()
