"""What a page shows, kept in the cache under the values it shows.

The key is a digest of every value the cached thing shows or decides by, with the
language and the time zone every rendering depends on: any change to those values gives
another key, so nothing is invalidated by hand and old entries expire. Used by the
cached markup of the busiest pages (`discussions.fragments`, `communities.fragments`,
`purposes.fragments`) and by the API's rows.
"""

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from django.core.cache import cache
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone, translation
from markupsafe import Markup

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


@lru_cache(maxsize=32)
def templates_digest(names: tuple[str, ...]) -> str:
    """A digest of the Jinja2 templates `names`: markup kept under a key holding it is
    not served again after an edit to any of them."""
    environment = engines["jinja2"].env
    digest = hashlib.blake2b(digest_size=8)
    for name in names:
        source, _filename, _uptodate = environment.loader.get_source(environment, name)
        digest.update(source.encode())
    return digest.hexdigest()


def rendered(key: str | None, template: str, context: dict) -> Markup:
    """`template` rendered with `context`, from the cache under `key` when it is there;
    with no key, rendered and not kept (what one reader alone will see)."""
    if key is None:
        markup = render_to_string(template, context)
    else:
        markup = cached(key, lambda: render_to_string(template, context))
    # The template engine wrote it, escaping every value: it is markup, not text.
    return Markup(markup)  # noqa: S704
