"""Helpers for the browser journeys: accessibility scans, console watching, TOTP codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Error, Page, expect

BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()


def _describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"\n[{violation['impact']}] {violation['id']}: {violation['help']}"
            f"\n  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"  - at {', '.join(map(str, node['target']))}")
            lines.append(f"    html: {node['html'].strip()[:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"    {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Scan the page with axe-core; fail on any serious or critical violation."""
    results = _axe.run(page)
    violations = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS
    ]
    if violations:
        pytest.fail(_describe_violations(page.url, violations), pytrace=False)


def totp(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The RFC 6238 code (HMAC-SHA1) an authenticator app would show for `secret`."""
    counter = int((time.time() if at is None else at) // step)
    padded = secret.strip().replace(" ", "").upper()
    key = base64.b32decode(padded + "=" * (-len(padded) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(at: float | None = None, step: int = 30) -> int:
    return int((time.time() if at is None else at) // step)


# Reports every Content-Security-Policy violation the page sees to the test, including
# ones Chromium does not print to the console (form-action on a redirect, for example).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__commonsReportCsp({
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
  });
});
"""


@dataclass
class Problem:
    url: str
    kind: str
    text: str

    def __str__(self) -> str:
        return f"[{self.kind}] on {self.url}: {self.text}"

    @property
    def is_csp(self) -> bool:
        return self.kind == "csp" or (
            "Content Security Policy" in self.text or self.text.startswith("Refused to")
        )


@dataclass
class Visitor:
    """One person's browser tab, watched: console errors, script errors and CSP violations
    are collected per page, and every page the tab lands on must be checked (axe scan and a
    clean console) before the test ends."""

    page: Page
    problems: list[Problem] = field(default_factory=list)
    landed: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    _reported: int = 0

    def __post_init__(self) -> None:
        page = self.page
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("framenavigated", self._on_navigated)
        page.expose_binding("__commonsReportCsp", self._on_csp)
        page.add_init_script(CSP_LISTENER)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(Problem(self.page.url, "console", message.text))

    def _on_page_error(self, error: Error) -> None:
        self.problems.append(Problem(self.page.url, "script", str(error)))

    def _on_csp(self, source, report: dict) -> None:
        text = (
            f"Content Security Policy directive {report.get('directive')!r} blocked "
            f"{report.get('blocked')!r} (source {report.get('source')}:{report.get('line')})"
        )
        self.problems.append(Problem(self.page.url, "csp", text))

    def _on_navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.landed.append(frame.url)

    def goto(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.ok, (
            f"{path} answered {response.status if response else 'nothing'}"
        )
        self.check()

    def goto_refused(self, path: str, status: int) -> None:
        """Open a page that must answer `status` (a 404 or 403 page): the browser logs
        the status as a console error, which is expected here and only here."""
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"{path} answered {response.status if response else 'nothing'}, not {status}"
        )
        expected = f"the server responded with a status of {status}"
        new = [
            problem for problem in self.problems[self._reported :] if expected not in problem.text
        ]
        self.problems = self.problems[: self._reported] + new
        self.check()

    def check(self) -> None:
        """The page the tab is on now: fully loaded, accessible, and a clean console."""
        page = self.page
        page.wait_for_load_state("load")
        assert_accessible(page)
        self.assert_clean_console()
        self.checked.add(page.url)

    def assert_clean_console(self) -> None:
        new = self.problems[self._reported :]
        self._reported = len(self.problems)
        csp = [problem for problem in new if problem.is_csp]
        assert not csp, "Content-Security-Policy violations:\n" + "\n".join(map(str, csp))
        assert not new, "Browser console errors:\n" + "\n".join(map(str, new))

    def assert_every_page_checked(self) -> None:
        unchecked = [url for url in self.landed if url not in self.checked]
        assert not unchecked, f"pages visited without a check(): {unchecked}"
        self.assert_clean_console()

    def assert_no_horizontal_scroll(self) -> None:
        sizes = self.page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth,"
            " client: document.documentElement.clientWidth,"
            " body: document.body.scrollWidth})"
        )
        assert sizes["scroll"] <= sizes["client"] and sizes["body"] <= sizes["client"], (
            f"{self.page.url} scrolls sideways at {sizes['client']}px wide: "
            f"document {sizes['scroll']}px, body {sizes['body']}px"
        )


def fresh_totp(
    secret: str, *, avoid_step: int | None = None, margin: float = 3.0
) -> tuple[str, int]:
    """A code that stays valid long enough to be typed and checked: never one from the last
    `margin` seconds of its 30-second window, and never one from `avoid_step`, the window
    whose code was already used (allauth accepts each code once). Waits when it must."""
    while True:
        now = time.time()
        step = time_step(now)
        seconds_left = 30 - (now % 30)
        if step != avoid_step and seconds_left > margin:
            return totp(secret, at=now), step
        time.sleep(seconds_left + 0.05)


def sign_in(visitor: Visitor, email: str, password: str) -> None:
    """Sign in through the site's form, as a person would; the page it lands on is checked."""
    page = visitor.page
    visitor.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    visitor.check()


def silence_for_a_week(visitor: Visitor, community_slug: str, name: str, reason: str) -> None:
    """As a signed-in moderator: from the member list, silence `name` for a week with
    `reason`, and land on the community's sanctions page with their row showing it (each
    page checked for accessibility)."""
    page = visitor.page
    visitor.goto(f"/communities/{community_slug}/members/")
    visitor.check()
    page.get_by_text(f"Manage {name}").click()
    page.get_by_role("link", name=f"Silence or ban {name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sanction {name} in this community")
    visitor.check()
    page.get_by_label("Silence: may read, may not write").check()
    page.get_by_label("For").select_option(label="1 week")
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Apply the sanction").click()
    expect(page).to_have_url(re.compile(rf"/communities/{community_slug}/moderation/sanctions/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sanctions in force")
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text(reason)
    visitor.check()
