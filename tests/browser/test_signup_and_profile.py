"""A newcomer from the host organisation signs up, verifies, signs in and fills their profile."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory

pytestmark = pytest.mark.browser

PASSWORD = "lantern-orchard-41-quietly"


def make_avatar(path):
    """A 400x300 PNG, so the test can see the site cropped and resized it."""
    image = Image.new("RGB", (400, 300), (29, 78, 216))
    for x in range(150, 250):
        for y in range(100, 200):
            image.putpixel((x, y), (245, 158, 11))
    image.save(path, format="PNG")
    return path


def test_sign_up_verify_sign_in_and_edit_profile(visitor, smtp_mailbox, live_server, tmp_path):
    northwind = OrganisationFactory(name="Northwind", kind="host")
    OrganisationDomainFactory(organisation=northwind, domain="northwind.example")
    page = visitor.page

    # A visitor finds the way to sign up from the home page.
    visitor.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Communities that move a purpose forward"
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    visitor.check()

    page.get_by_label("Email").fill("ana.lima@northwind.example")
    page.get_by_label("Your name").fill("Ana Lima")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("main")).to_contain_text("ana.lima@northwind.example")
    visitor.check()

    # The verification email arrives over SMTP with a link to confirm the address.
    [message] = smtp_mailbox.wait_for(1)
    assert message["To"] == "ana.lima@northwind.example"
    assert "Confirm" in message["Subject"]
    assert "Confirm my email address" in smtp_mailbox.html(message)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", smtp_mailbox.text(message))
    assert link, smtp_mailbox.text(message)
    assert link.group(0).startswith(live_server.url)

    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Confirm", re.I))
    expect(page.get_by_role("main")).to_contain_text("ana.lima@northwind.example")
    visitor.check()
    page.get_by_role("button", name="Confirm").click()

    # Confirming signs them in, as an employee of the host organisation.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ana Lima")
    signed_in_as = page.get_by_role("main").locator(".welcome")
    expect(signed_in_as).to_contain_text("Employee")
    expect(signed_in_as).to_contain_text("Northwind")
    visitor.check()

    # Sign out, then back in with the password.
    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    visitor.check()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    visitor.check()
    page.get_by_label("Email").fill("ana.lima@northwind.example")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ana Lima")
    visitor.check()

    # Edit the profile: name, bio, time zone and a picture.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings/profile/$"))
    visitor.check()
    page.get_by_label("Display name").fill("Ana Lima Souza")
    page.get_by_label("Short bio").fill("Logistics planner. Cutting delivery CO2 in Lisbon.")
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_label("Avatar").set_input_files(make_avatar(tmp_path / "ana.png"))
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")
    expect(page.get_by_label("Display name")).to_have_value("Ana Lima Souza")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Lisbon")
    visitor.check()

    # The public profile shows the new name, bio, picture and the member type badge.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My profile").click()
    ana = User.objects.get(email="ana.lima@northwind.example")
    expect(page).to_have_url(re.compile(rf"/people/{ana.pk}/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Ana Lima Souza")
    badge = heading.locator(".badge")
    expect(badge).to_have_text("Employee")
    expect(page.get_by_role("main")).to_contain_text("Northwind")
    expect(page.get_by_role("main")).to_contain_text(
        "Logistics planner. Cutting delivery CO2 in Lisbon."
    )
    picture = page.locator(".profile-header img.avatar")
    expect(picture).to_have_attribute("src", re.compile(r"^/media/avatars/\d+/"))
    picture.scroll_into_view_if_needed()
    size = picture.evaluate("img => img.complete ? [img.naturalWidth, img.naturalHeight] : null")
    assert size == [256, 256], f"the avatar did not load as a 256 px square: {size}"
    visitor.check()

    ana.refresh_from_db()
    assert ana.timezone == "Europe/Lisbon"
    assert ana.member_type == "employee"
