"""Notifications in a browser (issue 10): a customer follows an idea; its manager changes
the status with an official response; the customer sees the bell's count change, opens the
notification and lands on the response, and finds the email in the mailbox; a one-click
unsubscribe from that email stops the next one."""

import re
import urllib.request

import pytest
from playwright.sync_api import expect

from discussions.services import ideas as idea_services
from notifications.models import Notification
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import member_of
from tests.purposes.factories import PurposeFactory

pytestmark = pytest.mark.browser

TITLE = "Parcel lockers at the stations"


def test_a_followed_idea_rings_the_bell_and_emails_until_unsubscribed(
    visitor, new_visitor, smtp_mailbox, live_server, settings
):
    settings.SITE_URL = live_server.url  # links in emails lead to this server
    alex = UserFactory(
        email="alex.morgan@northwind.example", display_name="Alex Morgan", member_type="employee"
    )
    purpose = PurposeFactory(title="Cleaner deliveries", slug="cleaner-deliveries", owners=[alex])
    community = CommunityFactory(
        owner=alex,
        purpose=purpose,
        name="Last-mile partners",
        slug="last-mile-partners",
        audience=("employee", "customer"),
        visibility="private",
    )
    author = member_of(community, display_name="Rui Costa", member_type="employee")
    maria = member_of(
        community,
        email="maria.santos@bluewave.example",
        display_name="Maria Santos",
        member_type="customer",
    )
    idea = idea_services.submit_idea(
        author=author, community=community, title=TITLE, description="Fewer missed deliveries."
    )
    thread_url = idea.thread.get_absolute_url()

    # The customer follows the idea from its page; her bell shows nothing yet.
    maria_tab = new_visitor()
    maria_page = maria_tab.page
    sign_in(maria_tab, maria.email, DEFAULT_PASSWORD)
    maria_tab.goto(thread_url)
    maria_page.get_by_role("button", name="Follow").click()
    expect(maria_page.get_by_role("status")).to_contain_text("You follow this thread.")
    bell = maria_page.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("No unread notifications")
    maria_tab.check()

    # Its manager plans it, with an official response.
    page = visitor.page
    sign_in(visitor, alex.email, DEFAULT_PASSWORD)
    visitor.goto(thread_url)
    page.locator("summary", has_text="Change status").click()
    page.get_by_label("New status").select_option(label="Planned")
    page.get_by_role("textbox", name="Official response").fill("Ten stations by **June**.")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("Status changed to “Planned”")
    visitor.check()

    # The customer's bell changes without a reload when she comes back to the tab.
    maria_page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(bell.locator(".bell-count")).to_have_text("1")
    maria_tab.check()

    # She opens the notification and lands on the official response.
    bell.click()
    expect(maria_page.get_by_role("heading", level=1)).to_have_text("Notifications")
    maria_tab.check()
    maria_page.get_by_role(
        "link", name=f"“{TITLE}” is now Planned, with an official response"
    ).click()
    expect(maria_page).to_have_url(re.compile(r"#official-response-heading$"))
    response = maria_page.get_by_role("article", name="Official response")
    expect(response).to_contain_text("Ten stations by June.")
    expect(bell).to_contain_text("No unread notifications")
    maria_tab.check()

    # The email is in her mailbox, with a one-click unsubscribe link.
    smtp_mailbox.wait_for(2)  # hers, and the idea's author's
    [message] = smtp_mailbox.to(maria.email)
    assert TITLE in message["Subject"] and "Last-mile partners" in message["Subject"]
    assert "Ten stations by June." in smtp_mailbox.text(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith(live_server.url)
    one_click = urllib.request.Request(  # noqa: S310 - the live server's own address
        link, data=b"List-Unsubscribe=One-Click", method="POST"
    )
    with urllib.request.urlopen(one_click) as answer:  # noqa: S310
        assert answer.status == 200

    # The next status change reaches her in the app only.
    visitor.goto(thread_url)
    page.locator("summary", has_text="Change status").click()
    page.get_by_label("New status").select_option(label="In progress")
    page.get_by_role("textbox", name="Official response").fill("Three are open.")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("Status changed to “In progress”")
    visitor.check()
    maria_tab.goto("/notifications/")
    expect(
        maria_page.get_by_role("link", name=re.compile(r"2 notifications about"))
    ).to_be_visible()
    assert Notification.objects.filter(recipient=maria, kind="idea_status").count() == 2
    assert len(smtp_mailbox.to(maria.email)) == 1
    maria_tab.check()

    # Her settings show that choice, and she can take it back.
    maria_tab.goto("/settings/notifications/")
    choice = maria_page.get_by_role("group", name="Status changes and official responses on ideas")
    expect(choice.get_by_label("Never")).to_be_checked()
    choice.get_by_label("Immediately").check()
    maria_page.get_by_role("button", name="Save notification settings").click()
    expect(maria_page.get_by_role("status")).to_contain_text(
        "Your notification settings are saved."
    )
    expect(choice.get_by_label("Immediately")).to_be_checked()
    maria_tab.check()
