"""How often one person, and one address, may repeat an action.

Limits are read from `settings.RATE_LIMITS` in the syntax of allauth's
ACCOUNT_RATE_LIMITS: "60/m/user,600/m/ip" allows 60 a minute per person and 600 a minute
per address ("60/m" alone counts per address, as in allauth). Hits are counted per fixed
window in the cache, which is Redis when REDIS_URL is set, so every web process shares
the count; `cache.add` then `cache.incr` is atomic there.
"""

import contextlib
import functools
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Addresses in one IPv6 /64 belong to one customer line, as allauth counts them.
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str


def parse_rates(text: str) -> list[Rate]:
    """The rates in "amount/period[/per],…"; period is s, m, h or d with an optional
    count ("5m"), per is "user" or "ip" (the default). "" is no limit."""
    rates = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        pieces = part.split("/")
        if len(pieces) not in (2, 3):
            raise ImproperlyConfigured(f"Unreadable rate limit: {part}")
        amount, period, per = pieces[0], pieces[1], pieces[2] if len(pieces) == 3 else "ip"
        if not amount.isascii() or not amount.isdigit() or period[-1:] not in UNITS:
            raise ImproperlyConfigured(f"Unreadable rate limit: {part}")
        count = period[:-1]
        if count and not (count.isascii() and count.isdigit()):
            raise ImproperlyConfigured(f"Unreadable rate limit: {part}")
        if per not in ("user", "ip"):
            raise ImproperlyConfigured(f"Rate limits count per user or ip: {part}")
        rates.append(Rate(int(amount), int(count or 1) * UNITS[period[-1]], per))
    return rates


def client_address(request: HttpRequest) -> str:
    """The address allauth's own rate limits count by: REMOTE_ADDR, unless allauth is
    told to trust a proxy's header. An IPv6 address stands for its /64."""
    try:
        address = get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False).network_address)
    return str(parsed)


def now() -> float:
    """The clock windows are counted by (a function, so tests can hold it still)."""
    return time.time()


def _count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:
        # The window ended between add and incr: this hit opens the next one.
        cache.set(key, 1, timeout=timeout)
        return 1


def consume(request: HttpRequest, action: str, *, rates: str | None = None) -> int | None:
    """Count one `action` for the person and the address of `request`.

    None when every limit allows it; otherwise the seconds until the window that refused
    it ends (and the hit is not counted against any limit). `rates`, in the same syntax,
    replaces the setting's for limits decided elsewhere (per trust level, in moderation).
    """
    moment = now()
    counted: list[str] = []
    text = settings.RATE_LIMITS.get(action, "") if rates is None else rates
    for rate in parse_rates(text):
        if rate.per == "user":
            if not request.user.is_authenticated:
                continue
            source = f"user:{request.user.pk}"
        else:
            source = f"ip:{client_address(request)}"
        window = int(moment // rate.seconds)
        left = rate.seconds - (moment % rate.seconds)
        key = f"ratelimit:{action}:{rate.amount}/{rate.seconds}:{source}:{window}"
        if _count(key, math.ceil(left) + 1) > rate.amount:
            for earlier in [*counted, key]:
                # A window that has just ended has nothing left to give back.
                with contextlib.suppress(ValueError):
                    cache.decr(earlier)
            return max(1, math.ceil(left))
        counted.append(key)
    return None


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429: the site's page for it, or for htmx a short message. An action's message
    goes to the top of the page (the control that sent it stays); a lookup's takes the
    place of its results."""
    context = {"retry_after": retry_after, "rate_limited": True}
    if request.htmx:
        response = render(request, "core/_rate_limited.html", context, status=429)
        if request.method != "GET":
            response["HX-Retarget"] = "#main"
            response["HX-Reswap"] = "afterbegin"
    else:
        response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(action: str, *, methods: tuple[str, ...] | None = None) -> Callable:
    """Answer 429 once the person or their address has done `action` too often.

    Only requests with one of `methods` count (all by default). Put it below
    `login_required` and `require_POST`, so refused sign-ins and methods cost nothing.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if methods is None or request.method in methods:
                retry_after = consume(request, action)
                if retry_after is not None:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
