"""What a page shows, kept in the cache under the values it shows.

The key is a digest of every value the cached thing shows or decides by, with the
language and the time zone every rendering depends on: any change to those values gives
another key, so nothing is invalidated by hand and old entries expire. Used by the
cached markup of the busiest lists (`discussions.fragments`) and by the API's rows.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone, translation

# How long an entry is kept: its key changes with any value it shows.
CACHE_SECONDS = 10 * 60

T = TypeVar("T")


def shown_key(kind: str, *values) -> str:
    """`kind` and a digest of `values` (their repr), the language and the time zone."""
    shown = (translation.get_language(), timezone.get_current_timezone_name(), values)
    return f"{kind}:{hashlib.blake2b(repr(shown).encode(), digest_size=20).hexdigest()}"


def cached(key: str, build: Callable[[], T]) -> T:
    """The entry under `key`, built by `build` and kept when there is none."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value
