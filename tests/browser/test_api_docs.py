"""The API documentation renders in the browser from the site's own files, under the
site's nonce Content-Security-Policy, with no violation and no console error."""

import pytest
from playwright.sync_api import expect

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
