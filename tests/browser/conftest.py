"""Browser journeys: Debian's Chromium, driven by Playwright, against the live server."""

import os
import threading
import time

# Playwright's sync API runs an event loop in the test thread; the test still talks to the
# database directly (factories, assertions), which Django otherwise refuses next to a loop.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from allauth.socialaccount.models import SocialApp  # noqa: E402
from django.contrib.sites.models import Site  # noqa: E402

from tests.browser.fake_oidc import FakeOIDCProvider, Identity  # noqa: E402
from tests.browser.support import Visitor  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class RequestsInFlight:
    """The live server's application, counting the requests it is answering: a request
    the browser sent just before its page closed may still be running in Python, where
    no database statistics show it."""

    def __init__(self, app) -> None:
        self.app = app
        self.running = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.running += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.running -= 1


def _counted(live_server) -> RequestsInFlight:
    server = live_server.thread.httpd
    app = server.get_app()
    if not isinstance(app, RequestsInFlight):
        app = RequestsInFlight(app)
        server.set_app(app)
    return app


def _busy_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
        )
        return cursor.fetchone()[0]


@pytest.fixture(autouse=True)
def server_done_before_the_flush(request):
    """After a journey the browser may have left a request running in the live server (a
    bell poll, a lazy image, say). The database is emptied right after this fixture ends,
    and a TRUNCATE next to that request's reads can deadlock, so wait until the server
    answers no request and no other connection is busy. Being autouse, this ends after
    the page is closed and before the database is flushed."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.db import connection

    in_flight = _counted(request.getfixturevalue("live_server"))
    yield
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if in_flight.running == 0 and _busy_connections() == 0:
            return
        time.sleep(0.05)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(
            f"Chromium not found at {executable}: install Debian's chromium package "
            "(apt-get install chromium) or set CHROMIUM_PATH.",
            pytrace=False,
        )
    return {"executable_path": executable, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(live_server):
    return {
        "base_url": live_server.url,
        "viewport": {"width": 1280, "height": 900},
        "locale": "en-GB",
        "timezone_id": "UTC",
    }


@pytest.fixture
def site_settings(settings, tmp_path):
    """Uploads go to a fresh folder and are served by the app, as with SERVE_MEDIA=true."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.browser.urls"
    return settings


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def visitor(request, page, live_server, site_settings):
    """A watched browser tab; at the end, every page it landed on must have been checked.

    When the test itself failed, what the browser reported is printed instead, since a
    blocked request (a CSP violation, say) is often the reason a page never appeared.
    """
    page.set_default_timeout(10_000)
    watched = Visitor(page)
    yield watched
    if request.node.stash.get(CALL_FAILED, False):
        for problem in watched.problems:
            print(f"browser reported: {problem}")
    else:
        watched.assert_every_page_checked()


@pytest.fixture
def oidc_provider(settings, live_server):
    """The host organisation's identity provider, faked on loopback and configured in allauth
    the way an administrator would: a SocialApp for the site, with the IdP's origin allowed
    as a form target in the Content-Security-Policy (django-csp builds the header from
    settings on every response, so overriding the setting is enough)."""
    provider = FakeOIDCProvider(
        client_id="commons-test",
        client_secret="not-a-real-secret",
        identity=Identity(sub="idp-4711", email="sam.rivera@northwind.example", name="Sam Rivera"),
    ).start()
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="sso",
        name="Northwind SSO",
        client_id=provider.client_id,
        secret=provider.client_secret,
        settings={"server_url": provider.issuer},
    )
    app.sites.add(Site.objects.get(pk=settings.SITE_ID))
    policy = {**settings.CONTENT_SECURITY_POLICY}
    directives = {**policy["DIRECTIVES"]}
    directives["form-action"] = [*directives["form-action"], provider.origin]
    policy["DIRECTIVES"] = directives
    settings.CONTENT_SECURITY_POLICY = policy
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def new_visitor(request, new_context, live_server, site_settings):
    """Opens another person's watched tab, in a browser context of its own (its own cookies,
    so its own session). Each tab it opened gets the same end-of-test check as `visitor`."""
    opened: list[Visitor] = []

    def open_tab() -> Visitor:
        page = new_context().new_page()
        page.set_default_timeout(10_000)
        watched = Visitor(page)
        opened.append(watched)
        return watched

    yield open_tab
    if request.node.stash.get(CALL_FAILED, False):
        for watched in opened:
            for problem in watched.problems:
                print(f"browser reported (another tab): {problem}")
    else:
        for watched in opened:
            watched.assert_every_page_checked()
