"""An owner narrows a community's audience in the browser: the customers already in it are
suspended (they read nothing a visitor would not, and are told why), the owner sees the
suspension and its reason in the member list, and widening the audience again restores
them without anyone re-joining."""

import re

import pytest
from playwright.sync_api import expect

from communities import services as community_services
from communities.models import Membership
from purposes import services as purpose_services
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in
from tests.discussions.factories import ThreadFactory

pytestmark = pytest.mark.browser


def test_narrowing_the_audience_suspends_a_customer_until_it_is_widened(visitor, new_visitor):
    owner = UserFactory(
        email="olga.owner@northwind.example", display_name="Olga Owner", member_type="employee"
    )
    customer = UserFactory(
        email="carl.customer@bluewave.example",
        display_name="Carl Customer",
        member_type="customer",
    )
    admin = UserFactory(member_type="employee", is_staff=True)
    purpose = purpose_services.create_purpose(
        by=admin,
        title="Cleaner deliveries",
        slug="cleaner-deliveries",
        statement="Cut delivery emissions.",
        status="active",
        owners=[owner],
    )
    community = community_services.create_community(
        by=owner,
        purpose=purpose,
        name="Route partners",
        slug="route-partners",
        audience=("employee", "customer"),
        visibility="private",
        join_policy="open",
    )
    community_services.join_community(user=customer, community=community)
    thread = ThreadFactory(community=community, author=owner, title="Shared route data")

    carl = new_visitor()
    sign_in(carl, customer.email, DEFAULT_PASSWORD)
    carl.goto(thread.get_absolute_url())
    expect(carl.page.get_by_role("heading", level=1)).to_have_text("Shared route data")

    # The owner takes customers out of the audience on the settings page.
    page = visitor.page
    sign_in(visitor, owner.email, DEFAULT_PASSWORD)
    visitor.goto("/communities/route-partners/settings/")
    page.get_by_role("group", name="Open to").get_by_label("Customer").uncheck()
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_role("status")).to_contain_text("Community settings saved.")
    visitor.check()

    # Carl's next look finds nothing, exactly as for anyone outside the audience.
    carl.goto_refused(thread.get_absolute_url(), 404)
    expect(carl.page.get_by_role("main")).not_to_contain_text("Shared route data")
    assert Membership.objects.filter(community=community, user=customer).exists()

    # The owner sees the suspension and why.
    visitor.goto("/communities/route-partners/members/")
    row = page.locator(".member-row", has_text="Carl Customer")
    expect(row).to_contain_text("Suspended: customer, outside this community's audience")
    visitor.check()

    # Customers are welcome again: Carl reads without re-joining.
    visitor.goto("/communities/route-partners/settings/")
    page.get_by_role("group", name="Open to").get_by_label("Customer").check()
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_role("status")).to_contain_text("Community settings saved.")
    visitor.check()
    carl.goto(thread.get_absolute_url())
    expect(carl.page.get_by_role("heading", level=1)).to_have_text("Shared route data")
