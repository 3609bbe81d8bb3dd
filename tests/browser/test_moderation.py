"""Moderation in a browser (issue 12): a customer flags a post as spam; a moderator opens
the review queue, hides it with a reason and silences its author for a week; the author
sees the post hidden with the reason, and why they cannot post; the community's audit log
shows both actions. The queue, the sanctions page and the log pass axe."""

import pytest
from playwright.sync_api import expect

from communities.models import Role, Silence
from discussions.models import Post
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in, silence_for_a_week
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.browser

SPAM = "Cheap parcels at www.example.com, buy now!"


def test_a_flag_leads_to_a_hidden_post_a_silenced_author_who_knows_why_and_a_logged_action(
    visitor, new_visitor
):
    owner = UserFactory(
        email="ines.okafor@northwind.example", display_name="Ines Okafor", member_type="employee"
    )
    community = CommunityFactory(
        owner=owner,
        name="Last-mile partners",
        slug="last-mile-partners",
        audience=("employee", "customer"),
        visibility="private",
    )
    thread = ThreadFactory(community=community, author=owner, title="Locker pilots")
    spammer = member_of(
        community, email="sam@spam.example", display_name="Sam Spammer", member_type="customer"
    )
    PostFactory(thread=thread, author=spammer, body=SPAM)
    maria = member_of(
        community,
        email="maria.santos@bluewave.example",
        display_name="Maria Santos",
        member_type="customer",
    )
    moderator = member_of(
        community,
        role=Role.MODERATOR,
        email="rui.costa@northwind.example",
        display_name="Rui Costa",
        member_type="employee",
    )
    del owner

    # The customer flags the post as spam, from its thread page.
    maria_tab = new_visitor()
    maria_page = maria_tab.page
    sign_in(maria_tab, maria.email, DEFAULT_PASSWORD)
    maria_tab.goto(thread.get_absolute_url())
    post = maria_page.locator("article.post", has_text=SPAM)
    post.get_by_role("link", name="Flag").click()
    expect(maria_page.get_by_role("heading", level=1)).to_have_text("Flag for the moderators")
    maria_tab.check()
    maria_page.get_by_label("Spam").check()
    maria_page.get_by_role("button", name="Send the flag").click()
    expect(maria_page.get_by_role("status")).to_contain_text("The moderators will take a look")
    maria_tab.check()

    # The moderator finds it in the community's review queue and hides it with a reason.
    page = visitor.page
    sign_in(visitor, moderator.email, DEFAULT_PASSWORD)
    visitor.goto(community.get_absolute_url())
    page.get_by_role("link", name="Review queue (1)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    item = page.locator("article.review-item", has_text=SPAM)
    expect(item).to_contain_text("Spam")
    expect(item).to_contain_text("Maria Santos")
    visitor.check()
    item.get_by_label("Reason").fill("Advertising is not allowed here.")
    item.get_by_role("button", name="Hide").click()
    expect(page.get_by_role("status")).to_contain_text("Done.")
    expect(page.get_by_text("Nothing waits for review.")).to_be_visible()
    visitor.check()

    # And silences its author for a week, with a reason the author will read.
    silence_for_a_week(visitor, community.slug, "Sam Spammer", "Adverts in every thread")
    assert Silence.objects.get(user=spammer).ends_at is not None

    # Its author sees it hidden, with the reason, and why they cannot post; the customer
    # no longer sees it.
    author_tab = new_visitor()
    sign_in(author_tab, spammer.email, DEFAULT_PASSWORD)
    author_tab.goto(thread.get_absolute_url())
    hidden = author_tab.page.locator("article.post", has_text=SPAM)
    expect(hidden).to_contain_text("Hidden by the moderators")
    expect(hidden).to_contain_text("Advertising is not allowed here.")
    refusal = author_tab.page.get_by_role("note").filter(
        has_text="You are silenced in this community"
    )
    expect(refusal).to_contain_text("Adverts in every thread")
    expect(author_tab.page.get_by_role("button", name="Post reply")).to_have_count(0)
    author_tab.check()
    assert Post.objects.filter(author=spammer).count() == 1
    maria_tab.goto(thread.get_absolute_url())
    expect(maria_page.get_by_text(SPAM)).to_have_count(0)
    maria_tab.check()

    # The audit log (an owner's page; administrators and owners) shows the action.
    owner_tab = new_visitor()
    sign_in(owner_tab, "ines.okafor@northwind.example", DEFAULT_PASSWORD)
    owner_tab.goto(f"/communities/{community.slug}/moderation/log/")
    row = owner_tab.page.locator("tr", has_text="Advertising is not allowed here.")
    expect(row).to_contain_text("Hidden")
    expect(row).to_contain_text("Rui Costa")
    expect(row).to_contain_text("Sam Spammer")
    silenced = owner_tab.page.locator("tr", has_text="Adverts in every thread")
    expect(silenced).to_contain_text("Silenced")
    expect(silenced).to_contain_text("Rui Costa")
    owner_tab.check()
