"""Requests per token, per signed-in person and per visitor's address.

Counted per fixed window in the cache, like `core.ratelimit` (Redis when REDIS_URL is set,
so every web process shares the count). The rates are `settings.RATE_LIMITS["api_token"]`,
`["api_session"]` and `["api_anonymous"]` in the same syntax ("600/m"). A refused request
answers 429 with Retry-After.
"""

import math

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from api.models import AccessToken
from core import ratelimit


class ApiThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: int | None = None

    def _subject(self, request) -> tuple[str, str]:
        if isinstance(request.auth, AccessToken):
            return "api_token", f"token:{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return "api_session", f"user:{request.user.pk}"
        return "api_anonymous", f"ip:{ratelimit.client_address(request)}"

    def allow_request(self, request, view) -> bool:
        action, source = self._subject(request)
        moment = ratelimit.now()
        for rate in ratelimit.parse_rates(settings.RATE_LIMITS.get(action, "")):
            window = int(moment // rate.seconds)
            left = rate.seconds - (moment % rate.seconds)
            key = f"ratelimit:{action}:{rate.amount}/{rate.seconds}:{source}:{window}"
            cache.add(key, 0, timeout=math.ceil(left) + 1)
            try:
                count = cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=math.ceil(left) + 1)
                count = 1
            if count > rate.amount:
                self._wait = max(1, math.ceil(left))
                return False
        return True

    def wait(self) -> int | None:
        return self._wait
