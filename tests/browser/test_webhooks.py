"""A community owner registers a webhook endpoint in the browser, copies the secret shown
once, sends a test event to a real receiver on loopback (allowed by the administrator's
WEBHOOK_ALLOWED_HOSTS) and reads the delivery in the log; every page passes axe."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD
from tests.browser.support import sign_in
from tests.communities.factories import CommunityFactory, owner_of
from tests.webhooks.support import Receiver

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = {"127.0.0.1"}
    running = Receiver(secret="").start()
    yield running
    running.stop()


def test_an_owner_registers_an_endpoint_and_reads_its_delivery_log(visitor, receiver):
    community = CommunityFactory(name="Green Fleet", visibility="private")
    owner = owner_of(community)
    page = visitor.page
    sign_in(visitor, owner.email, DEFAULT_PASSWORD)

    visitor.goto(f"/communities/{community.slug}/settings/")
    page.get_by_role("link", name="Webhooks").last.click()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    visitor.check()
    page.get_by_role("link", name="Add an endpoint").click()
    visitor.check()

    page.get_by_label("Payload URL").fill("http://169.254.169.254/latest/meta-data/")
    page.get_by_label("Thread created").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("private, local or reserved")).to_be_visible()
    expect(page.get_by_label("Thread created")).to_be_checked()
    visitor.check()

    page.get_by_label("Payload URL").fill(receiver.url)
    page.get_by_label("Description").fill("Backlog sync")
    page.get_by_label("Idea created").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("status")).to_contain_text("Webhook endpoint added.")
    visitor.check()
    secret = page.get_by_label("Secret", exact=True).input_value()
    assert secret.startswith("whsec_")
    receiver.secret = secret

    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_role("status")).to_contain_text("Test event sent")
    log = page.locator("table.webhook-log")
    expect(log.get_by_role("cell", name="200", exact=True)).to_be_visible()
    expect(log.get_by_text("Delivered")).to_be_visible()
    expect(log.get_by_text(re.compile(r"^\d+ ms$"))).to_be_visible()
    expect(page.get_by_label("Secret", exact=True)).to_have_count(0)
    visitor.check()
    [got] = receiver.received
    assert got["verified"] is True
    assert got["body"]["type"] == "ping"

    page.get_by_role("button", name=re.compile("^Redeliver")).click()
    expect(page.get_by_role("status")).to_contain_text("Delivery sent again")
    expect(log.get_by_text("(redelivery)")).to_be_visible()
    visitor.check()
    assert len(receiver.wait_for(2)) == 2
