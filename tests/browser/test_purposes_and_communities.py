"""Purposes with measurable goals, and the communities that form around them, in a browser.

An administrator sets up a purpose and its goals and records progress; communities open to
different member types are joined, asked to join, refused and entered by invitation. Each
person has a tab (and a session) of their own; every page is scanned with axe-core.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from communities import services as community_services
from communities.models import Community, JoinRequest, Membership
from purposes import services as purpose_services
from purposes.models import Goal, Measurement
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in

pytestmark = pytest.mark.browser

NEW_PERSON_PASSWORD = "harbour-crane-73-slowly"


# -- people and places ------------------------------------------------------------------


def administrator() -> User:
    return UserFactory(
        email="alex.morgan@northwind.example",
        display_name="Alex Morgan",
        member_type="employee",
        is_staff=True,
    )


def active_purpose(by: User):
    return purpose_services.create_purpose(
        by=by,
        title="Cleaner deliveries",
        slug="cleaner-deliveries",
        statement="Halve the emissions of getting parcels to people.",
        status="active",
    )


def employees_only_open_community(admin: User) -> Community:
    """Public, so everyone may read it; open, so employees join in one click."""
    community = community_services.create_community(
        by=admin,
        purpose=active_purpose(admin),
        name="Warehouse energy savers",
        slug="warehouse-energy-savers",
        description="Lights, heating and chargers in our warehouses.",
        audience=["employee"],
        visibility="public",
        join_policy="open",
    )
    colleague = UserFactory(display_name="Jo Baker", member_type="employee")
    # A fresh copy: permission checks remember the viewer's role on the instance.
    community_services.join_community(
        user=colleague, community=Community.objects.get(pk=community.pk)
    )
    return community


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def community_tabs(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Community")


def next_steps(page: Page) -> Locator:
    return page.get_by_role("complementary", name="What to do next")


def goal_card(page: Page, metric: str) -> Locator:
    return page.locator("article.goal").filter(
        has=page.get_by_role("progressbar", name=f"Progress on {metric}")
    )


def chart_of(card: Locator) -> Locator:
    return card.get_by_role("img", name=re.compile(r"^Chart of "))


def assert_chart_loaded(card: Locator) -> None:
    """The chart is an <img> (lazy): bring it into view and wait until it has been drawn."""
    chart = chart_of(card)
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_js_property("complete", True)
    width = chart.evaluate("img => img.naturalWidth")
    assert width > 0, "the goal chart did not load as an image"


# -- purposes and goals -----------------------------------------------------------------


def test_administrator_creates_a_purpose_with_two_goals_and_records_a_measurement(visitor):
    admin = administrator()
    page = visitor.page
    charts = []
    page.on(
        "response",
        lambda response: charts.append(response) if "chart.svg" in response.url else None,
    )
    sign_in(visitor, admin.email, DEFAULT_PASSWORD)

    main_nav(page).get_by_role("link", name="Purposes").click()
    expect(page).to_have_url(re.compile(r"/purposes/$"))
    visitor.check()
    page.get_by_role("link", name="New purpose").click()
    expect(page).to_have_url(re.compile(r"/purposes/new/$"))
    visitor.check()

    page.get_by_label("Title").fill("Cleaner deliveries")
    page.get_by_label("Address").fill("cleaner-deliveries")
    page.get_by_label("Statement").fill("Halve the **emissions** of getting parcels to people.")
    page.get_by_label("Cover colour").select_option(label="Green")
    page.get_by_role("button", name="Create purpose").click()

    expect(page).to_have_url(re.compile(r"/purposes/cleaner-deliveries/$"))
    expect(page.get_by_role("status")).to_contain_text("Purpose created. Add its goals next.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cleaner deliveries")
    expect(page.locator(".prose strong")).to_have_text("emissions")
    expect(page.get_by_role("main")).to_contain_text("No goals yet.")
    visitor.check()

    # Publish it: a draft purpose is seen only by administrators and its owners.
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("Status changed to Active.")
    expect(page.locator(".purpose-header .badge-status")).to_have_text("Active")
    visitor.check()

    # Two goals: one metric should go up, the other down.
    goals = [
        ("Deliveries by electric van", "%", "20", "80"),
        ("Delivery emissions", "tonnes CO2e", "480", "300"),
    ]
    for metric, unit, baseline, target in goals:
        page.get_by_role("link", name="Add a goal").click()
        expect(page).to_have_url(re.compile(r"/purposes/cleaner-deliveries/goals/new/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Add a goal")
        visitor.check()
        page.get_by_label("Metric").fill(metric)
        page.get_by_label("Unit").fill(unit)
        page.get_by_label("Baseline").fill(baseline)
        page.get_by_label("Target").fill(target)
        page.get_by_label("Due date").fill("2027-12-31")
        page.get_by_role("button", name="Add goal").click()
        expect(page).to_have_url(re.compile(r"/purposes/cleaner-deliveries/$"))
        expect(page.get_by_role("status")).to_contain_text("Goal added.")
        visitor.check()

    vans = goal_card(page, "Deliveries by electric van")
    emissions = goal_card(page, "Delivery emissions")
    expect(vans.get_by_role("progressbar")).to_have_attribute("value", "0")
    expect(vans).to_contain_text("0% of the way · higher is better")
    expect(emissions.get_by_role("progressbar")).to_have_attribute("value", "0")
    expect(emissions).to_contain_text("0% of the way · lower is better")
    expect(emissions).to_contain_text("480 tonnes CO2e")
    expect(emissions).to_contain_text("No measurements yet.")
    emissions_goal = Goal.objects.get(metric="Delivery emissions")
    chart_path = f"/purposes/cleaner-deliveries/goals/{emissions_goal.pk}/chart.svg"
    expect(chart_of(emissions)).to_have_attribute("src", chart_path)
    expect(chart_of(emissions)).to_have_attribute(
        "alt", "Chart of Delivery emissions over time (0 measurements)"
    )
    assert_chart_loaded(emissions)
    assert emissions_goal.direction == "decrease"
    assert Goal.objects.get(metric="Deliveries by electric van").direction == "increase"

    # Record a measurement of the metric that should go down: halfway there.
    emissions.get_by_role("link", name="Record a measurement").click()
    expect(page).to_have_url(re.compile(rf"/goals/{emissions_goal.pk}/measurements/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record a measurement of Delivery emissions"
    )
    expect(page.get_by_role("main")).to_contain_text(
        "Baseline 480 tonnes CO2e, target 300 tonnes CO2e."
    )
    visitor.check()
    page.get_by_label("Value").fill("390")
    page.get_by_label("Note").fill("Night routes re-planned")
    charts.clear()
    page.get_by_role("button", name="Record").click()

    expect(page).to_have_url(re.compile(r"/purposes/cleaner-deliveries/$"))
    expect(page.get_by_role("status")).to_contain_text("Measurement recorded.")
    expect(emissions.get_by_role("progressbar")).to_have_attribute("value", "50")
    expect(emissions).to_contain_text("50% of the way · lower is better")
    expect(emissions.locator(".goal-value")).to_contain_text("390 tonnes CO2e")
    expect(vans.get_by_role("progressbar")).to_have_attribute("value", "0")
    expect(chart_of(emissions)).to_have_attribute(
        "alt", "Chart of Delivery emissions over time (1 measurement)"
    )
    assert_chart_loaded(emissions)
    fresh = [response for response in charts if response.url.endswith(chart_path)]
    assert fresh, "the chart was not fetched again after the measurement"
    assert fresh[-1].status == 200
    assert fresh[-1].headers["content-type"].startswith("image/svg+xml")
    assert "390" in fresh[-1].text(), "the chart does not show the new measurement"

    emissions.get_by_text("Measurement history").click()
    history = emissions.get_by_role("table", name="Measurements of Delivery emissions")
    expect(history).to_be_visible()
    rows = history.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("390 tonnes CO2e")
    expect(rows.first).to_contain_text("Night routes re-planned")
    visitor.check()

    measurement = Measurement.objects.get()
    assert measurement.goal == emissions_goal
    assert measurement.recorded_by == admin


def test_target_equal_to_baseline_is_refused_on_the_same_page(visitor):
    admin = administrator()
    purpose = active_purpose(admin)
    page = visitor.page
    sign_in(visitor, admin.email, DEFAULT_PASSWORD)

    visitor.goto(f"/purposes/{purpose.slug}/goals/new/")
    page.get_by_label("Metric").fill("Returned parcels")
    page.get_by_label("Unit").fill("parcels")
    page.get_by_label("Baseline").fill("120")
    page.get_by_label("Target").fill("120")
    page.get_by_role("button", name="Add goal").click()

    expect(page).to_have_url(re.compile(r"/purposes/cleaner-deliveries/goals/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a goal")
    target = page.get_by_label("Target")
    expect(target).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-invalid")).to_contain_text(
        "The target must differ from the baseline, or there is nothing to move."
    )
    expect(page.get_by_label("Metric")).to_have_value("Returned parcels")
    expect(page.get_by_label("Unit")).to_have_value("parcels")
    expect(page.get_by_label("Baseline")).to_have_value("120")
    expect(target).to_have_value("120")
    visitor.check()
    assert not Goal.objects.exists()

    # Correcting the target is enough: nothing else has to be typed again.
    target.fill("60")
    page.get_by_role("button", name="Add goal").click()
    expect(page).to_have_url(re.compile(r"/purposes/cleaner-deliveries/$"))
    expect(page.get_by_role("status")).to_contain_text("Goal added.")
    expect(goal_card(page, "Returned parcels")).to_contain_text("lower is better")
    visitor.check()
    assert Goal.objects.get().target == 60


# -- communities --------------------------------------------------------------------------


def test_customer_asks_to_join_and_a_moderator_approves(visitor, new_visitor):
    admin = administrator()
    purpose = active_purpose(admin)
    customer = UserFactory(
        email="maria.santos@bluewave.example", display_name="Maria Santos", member_type="customer"
    )
    page = visitor.page

    # The administrator creates a community for the purpose, from the purpose's page.
    sign_in(visitor, admin.email, DEFAULT_PASSWORD)
    visitor.goto(purpose.get_absolute_url())
    page.get_by_role("link", name="New community").click()
    expect(page).to_have_url(re.compile(r"/communities/new/\?purpose=cleaner-deliveries$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New community")
    expect(page.get_by_label("Purpose")).to_have_value(str(purpose.pk))
    visitor.check()

    page.get_by_label("Name").fill("Last-mile partners")
    page.get_by_label("Address").fill("last-mile-partners")
    page.get_by_label("Description").fill("Customers and staff planning greener last miles.")
    page.get_by_label("Guidelines").fill("Share data you are allowed to share.")
    audience = page.get_by_role("group", name="Open to")
    expect(audience.get_by_label("Employee")).to_be_checked()
    audience.get_by_label("Customer").check()
    page.get_by_role("radio", name=re.compile(r"^Listed:")).check()
    page.get_by_label("Request: moderators approve").check()
    page.get_by_role("button", name="Create community").click()

    expect(page).to_have_url(re.compile(r"/communities/last-mile-partners/$"))
    expect(page.get_by_role("status")).to_contain_text("Community created.")
    header = page.locator(".community-header")
    expect(header.get_by_role("heading", level=1)).to_have_text("Last-mile partners")
    expect(header).to_contain_text("1 member")
    expect(header.locator(".audience .badge")).to_have_text(["Employees", "Customers"])
    expect(next_steps(page)).to_contain_text("You are an owner of this community.")
    visitor.check()
    community = Community.objects.get(slug="last-mile-partners")
    assert community.purpose == purpose
    assert (community.visibility, community.join_policy) == ("listed", "request")

    # A customer finds it in the directory and asks to join, saying why.
    maria = new_visitor()
    maria_page = maria.page
    sign_in(maria, customer.email, DEFAULT_PASSWORD)
    main_nav(maria_page).get_by_role("link", name="Communities").click()
    expect(maria_page).to_have_url(re.compile(r"/communities/$"))
    maria.check()
    maria_page.get_by_label("Name").fill("last-mile")
    maria_page.get_by_role("button", name="Filter").click()
    expect(maria_page).to_have_url(re.compile(r"/communities/\?q=last-mile"))
    card = maria_page.locator(".community-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("1 member")
    expect(card.locator(".badge")).to_have_text(["Employees", "Customers"])
    maria.check()
    card.get_by_role("link", name="Last-mile partners").click()
    expect(maria_page).to_have_url(re.compile(r"/communities/last-mile-partners/$"))
    expect(maria_page.get_by_role("main")).to_contain_text(
        "Discussions in this community are for its members."
    )
    maria.check()

    maria_page.get_by_label("Message to the moderators").fill(
        "I run deliveries for Bluewave and can share our route data."
    )
    maria_page.get_by_role("button", name="Ask to join").click()
    expect(maria_page.get_by_role("status")).to_contain_text("Your request has been sent.")
    expect(next_steps(maria_page)).to_contain_text("You have asked to join.")
    expect(maria_page.get_by_role("button", name="Withdraw my request")).to_be_visible()
    expect(maria_page.get_by_role("button", name="Ask to join")).to_have_count(0)
    maria.check()
    assert JoinRequest.objects.get(community=community).status == "pending"

    # The administrator, its owner, opens Moderation and approves the request.
    community_tabs(page).get_by_role("link", name="Moderation").click()
    expect(page).to_have_url(re.compile(r"/communities/last-mile-partners/moderation/$"))
    requests = page.get_by_role("region", name="Join requests")
    expect(requests).to_contain_text("Maria Santos")
    expect(requests.locator("blockquote")).to_have_text(
        "I run deliveries for Bluewave and can share our route data."
    )
    visitor.check()
    requests.get_by_role("button", name="Approve Maria Santos").click()
    expect(page.get_by_role("status")).to_contain_text("Maria Santos is now a member.")
    expect(requests).to_contain_text("No pending requests.")
    visitor.check()

    # The customer now sees the member view, and is on the member list.
    maria_page.reload()
    expect(next_steps(maria_page)).to_contain_text("You are a member of this community.")
    expect(maria_page.get_by_role("button", name="Leave community")).to_be_visible()
    expect(maria_page.locator(".community-header")).to_contain_text("2 members")
    expect(maria_page.get_by_role("heading", name="Discussions")).to_be_visible()
    maria.check()
    community_tabs(maria_page).get_by_role("link", name="Members").click()
    expect(maria_page).to_have_url(re.compile(r"/communities/last-mile-partners/members/$"))
    members = maria_page.locator(".member-row")
    expect(members).to_have_count(2)
    expect(members.filter(has_text="Maria Santos")).to_contain_text("Member · since")
    expect(members.filter(has_text="Alex Morgan")).to_contain_text("Owner · since")
    maria.check()
    main_nav(maria_page).get_by_role("link", name="Communities").click()
    expect(maria_page.locator(".community-card")).to_contain_text("You are a member")
    maria.check()

    membership = Membership.objects.get(community=community, user=customer)
    assert (membership.role, membership.joined_via) == ("member", "request")


def test_employee_joins_an_open_employees_only_community_in_one_click(visitor):
    admin = administrator()
    community = employees_only_open_community(admin)
    employee = UserFactory(display_name="Priya Shah", member_type="employee")
    page = visitor.page
    sign_in(visitor, employee.email, DEFAULT_PASSWORD)

    visitor.goto("/communities/?open_to_me=1")
    expect(page.get_by_label("Only communities I can join")).to_be_checked()
    card = page.locator(".community-card").filter(has_text="Warehouse energy savers")
    expect(card).to_contain_text("2 members")
    expect(card.locator(".badge")).to_have_text(["Employees"])
    card.get_by_role("link", name="Warehouse energy savers").click()
    expect(page).to_have_url(re.compile(r"/communities/warehouse-energy-savers/$"))
    expect(page.locator(".community-header")).to_contain_text("2 members")
    visitor.check()

    page.get_by_role("button", name="Join community").click()
    expect(page).to_have_url(re.compile(r"/communities/warehouse-energy-savers/$"))
    expect(page.get_by_role("status")).to_have_text("Welcome to Warehouse energy savers!")
    expect(page.locator(".community-header")).to_contain_text("3 members")
    expect(next_steps(page)).to_contain_text("You are a member of this community.")
    expect(page.get_by_role("button", name="Join community")).to_have_count(0)
    expect(page.get_by_role("button", name="Leave community")).to_be_visible()
    visitor.check()

    membership = Membership.objects.get(community=community, user=employee)
    assert (membership.role, membership.joined_via) == ("member", "open")


def test_vendor_is_told_an_employees_only_community_is_not_for_them(visitor):
    admin = administrator()
    community = employees_only_open_community(admin)
    vendor = UserFactory(display_name="Rui Costa", member_type="vendor")
    page = visitor.page
    sign_in(visitor, vendor.email, DEFAULT_PASSWORD)

    # Public, so it is in the directory; but not among the ones the vendor can join.
    main_nav(page).get_by_role("link", name="Communities").click()
    card = page.locator(".community-card").filter(has_text="Warehouse energy savers")
    expect(card.locator(".badge")).to_have_text(["Employees"])
    visitor.check()
    page.get_by_label("Only communities I can join").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"open_to_me=1"))
    expect(page.get_by_role("main")).to_contain_text("No community matches these filters.")
    visitor.check()

    visitor.goto(community.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Warehouse energy savers")
    refusal = next_steps(page).get_by_role("note")
    expect(refusal).to_have_text(
        "This community is open to employees only, and your account is a vendor account."
    )
    expect(page.get_by_role("button", name="Join community")).to_have_count(0)
    expect(page.get_by_role("button", name="Ask to join")).to_have_count(0)
    expect(page.locator(".community-header")).to_contain_text("2 members")
    visitor.check()

    assert community.memberships.count() == 2
    assert not community.memberships.filter(user=vendor).exists()
    assert not JoinRequest.objects.filter(user=vendor).exists()


def test_person_invited_by_email_signs_up_and_lands_in_the_community_as_a_vendor(
    visitor, new_visitor, smtp_mailbox, live_server, settings
):
    settings.SITE_URL = live_server.url  # where links in the site's emails point
    admin = administrator()
    community = community_services.create_community(
        by=admin,
        purpose=active_purpose(admin),
        name="Supplier circle",
        slug="supplier-circle",
        audience=["employee", "vendor"],
        visibility="listed",
        join_policy="invitation",
    )
    page = visitor.page
    sign_in(visitor, admin.email, DEFAULT_PASSWORD)

    # An administrator (only they may set a member type) invites a new person as a vendor.
    visitor.goto(community.get_absolute_url())
    community_tabs(page).get_by_role("link", name="Moderation").click()
    expect(page).to_have_url(re.compile(r"/communities/supplier-circle/moderation/$"))
    visitor.check()
    # Both invitation forms ask for a validity and a member type: each field has its own label.
    link_form = page.get_by_role("region", name="Create an invitation link")
    expect(link_form.get_by_label("Valid for (days)")).to_have_value("7")
    expect(link_form.get_by_label("Maximum uses")).to_have_value("25")
    invite = page.get_by_role("region", name="Invite people by email")
    expect(invite.get_by_label("Valid for (days)")).to_have_value("14")
    invite.get_by_label("Email addresses").fill("rui.costa@harbourfreight.example")
    invite.get_by_label("Member type for people new to the site").select_option(label="Vendor")
    invite.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status")).to_contain_text("sent to 1")
    invitations = page.get_by_role("region", name="Invitations")
    row = invitations.get_by_role("row").filter(has_text="rui.costa@harbourfreight.example")
    expect(row).to_contain_text("Vendor")
    expect(row).to_contain_text("Valid")
    visitor.check()

    [invitation_email] = smtp_mailbox.wait_for(1)
    assert invitation_email["To"] == "rui.costa@harbourfreight.example"
    assert "Supplier circle" in invitation_email["Subject"]
    assert "Alex Morgan invites you to join" in smtp_mailbox.text(invitation_email)
    assert "Accept the invitation" in smtp_mailbox.html(invitation_email)
    link = re.search(r"https?://\S+/invitations/[^/\s]+/", smtp_mailbox.text(invitation_email))
    assert link, smtp_mailbox.text(invitation_email)
    assert link.group(0).startswith(live_server.url)

    # The invited person opens the link, and creates an account from there.
    rui = new_visitor()
    rui_page = rui.page
    rui.goto(link.group(0))
    expect(rui_page.get_by_role("heading", level=1)).to_have_text(
        "You're invited to Supplier circle"
    )
    rui_page.get_by_role("button", name="Create an account").click()
    expect(rui_page).to_have_url(re.compile(r"/accounts/signup/\?email="))
    expect(rui_page.get_by_label("Email")).to_have_value("rui.costa@harbourfreight.example")
    rui.check()
    rui_page.get_by_label("Your name").fill("Rui Costa")
    rui_page.get_by_label(re.compile(r"^Password:?$")).fill(NEW_PERSON_PASSWORD)
    rui_page.get_by_label("Password (again)").fill(NEW_PERSON_PASSWORD)
    rui_page.get_by_role("button", name="Sign Up").click()
    expect(rui_page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    rui.check()
    assert not community.memberships.filter(user__email="rui.costa@harbourfreight.example")

    # Verifying the address brings them into the community.
    smtp_mailbox.wait_for(2)
    [verification] = smtp_mailbox.to("rui.costa@harbourfreight.example")[1:]
    confirm = re.search(
        r"https?://\S+/accounts/confirm-email/\S+/", smtp_mailbox.text(verification)
    )
    assert confirm, smtp_mailbox.text(verification)
    rui_page.goto(confirm.group(0))
    expect(rui_page.get_by_role("main")).to_contain_text("rui.costa@harbourfreight.example")
    rui.check()
    rui_page.get_by_role("button", name="Confirm").click()

    expect(rui_page).to_have_url(re.compile(r"/communities/supplier-circle/$"))
    expect(rui_page.get_by_role("heading", level=1)).to_have_text("Supplier circle")
    expect(next_steps(rui_page)).to_contain_text("You are a member of this community.")
    expect(rui_page.locator(".community-header")).to_contain_text("2 members")
    rui.check()

    main_nav(rui_page).get_by_role("link", name="My profile").click()
    heading = rui_page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Rui Costa")
    expect(heading.locator(".badge")).to_have_text("Vendor")
    rui.check()

    # The moderator sees the invitation used.
    page.reload()
    expect(row).to_contain_text("Used")
    expect(row).to_contain_text("1 / 1")
    visitor.check()

    person = User.objects.get(email="rui.costa@harbourfreight.example")
    assert person.member_type == "vendor"
    membership = Membership.objects.get(community=community, user=person)
    assert (membership.role, membership.joined_via) == ("member", "invitation")
