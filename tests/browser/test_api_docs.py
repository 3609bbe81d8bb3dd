"""The API in the browser: its documentation renders from the site's own files under the
site's nonce Content-Security-Policy (no violation, no console error), and a token made on
the settings page drives the API."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from discussions.models import Idea
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.browser.support import sign_in
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import member_of

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_the_csp(visitor):
    page = visitor.page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    response = page.goto("/api/docs/")
    assert response is not None and response.ok
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Commons API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/communities/{slug}/ideas/" in [path.strip() for path in paths]
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()

    # Everything came from this site: no CDN.
    origin = visitor.page.url.split("/api/")[0]
    assert requested and all(url.startswith(origin) for url in requested), requested
    # The console and CSP check of every page; not the axe scan, which Swagger UI's own
    # markup fails (its colour contrast, a button inside a button): a third-party page.
    visitor.assert_clean_console()
    visitor.checked.add(page.url)


def test_a_token_made_in_the_browser_posts_an_idea(visitor, live_server):
    community = CommunityFactory(visibility="public")
    person = member_of(community, display_name="Ana Lima")
    page = visitor.page
    sign_in(visitor, person.email, DEFAULT_PASSWORD)

    visitor.goto("/settings/tokens/")
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()
    page.get_by_label("Name").fill("Backlog sync")
    page.get_by_label("Read and write: also post, reply and vote as you").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status")).to_contain_text("Token “Backlog sync” created.")
    visitor.check()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("cmns_pat_")

    request = urllib.request.Request(
        f"{live_server.url}/api/v1/communities/{community.slug}/ideas/",
        data=json.dumps({"title": "Cargo bikes", "description": "From the hubs."}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        assert answer.status == 201
        assert json.load(answer)["author"]["name"] == "Ana Lima"
    assert Idea.objects.get().thread.title == "Cargo bikes"

    visitor.goto("/settings/tokens/")
    expect(page.get_by_role("cell", name="Backlog sync", exact=True)).to_be_visible()
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Revoke Backlog sync").click()
    expect(page.get_by_role("status")).to_contain_text("revoked: it no longer works")
    visitor.check()
