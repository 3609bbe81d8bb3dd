"""Addresses of our pages, reversed once per view and arguments.

A list page names the same views row after row, and Django's `reverse` costs more than the
rest of a short row; these keep what it answered (per script prefix and URL
configuration, which tests may change). Templates call `url`; models' `get_absolute_url`
and the API's serializers use the same functions.
"""

from functools import lru_cache
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=8192)
def _reverse(prefix: tuple, viewname: str, args: tuple, kwargs: tuple) -> str:
    return reverse(viewname, args=args or None, kwargs=dict(kwargs) or None)


_PLACEHOLDER = 987654321


@lru_cache(maxsize=1024)
def _id_pattern(prefix: tuple, viewname: str, args: tuple) -> tuple[str, str]:
    """The address of `viewname` for `args` followed by an id, as the text (before, after)
    the id: reversed once with a placeholder, split at its last occurrence (a slug before
    it may hold digits)."""
    address = reverse(viewname, args=[*args, _PLACEHOLDER])
    before, _found, after = address.rpartition(str(_PLACEHOLDER))
    return before, after


@lru_cache(maxsize=1024)
def _keyword_id_pattern(
    prefix: tuple, viewname: str, fixed: tuple, id_name: str
) -> tuple[str, str]:
    """As `_id_pattern`, for an address named by keywords: the id one left out of `fixed`.
    Raises ValueError when the placeholder is not found exactly once (a slug holding it)."""
    address = reverse(viewname, kwargs={**dict(fixed), id_name: _PLACEHOLDER})
    if address.count(str(_PLACEHOLDER)) != 1:
        raise ValueError(address)
    before, _found, after = address.partition(str(_PLACEHOLDER))
    return before, after


def keyword_url(viewname: str, **kwargs: Any) -> str:
    """`keyword_url("api:thread-detail", slug=slug, thread_id=pk)`: the address by keywords,
    reversed once per view and non-id keywords, each row's id put in (see `url`)."""
    prefix = (get_script_prefix(), get_urlconf())
    ids = [name for name, value in kwargs.items() if type(value) is int and value >= 0]
    if ids:
        id_name = ids[-1]
        fixed = tuple(sorted((k, v) for k, v in kwargs.items() if k != id_name))
        try:
            before, after = _keyword_id_pattern(prefix, viewname, fixed, id_name)
        except (NoReverseMatch, ValueError):
            pass  # reversed below, or refused there
        else:
            return f"{before}{kwargs[id_name]}{after}"
    return _reverse(prefix, viewname, (), tuple(sorted(kwargs.items())))


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    """`url("thread_detail", slug, thread.pk)` or `url("invitation_detail", token=token)`.

    Kept per address: a list page names the same profiles and threads row after row. An
    address ending in an id (a list's rows each name their own thread, idea or person)
    is reversed once per view and leading arguments, and each id put in: reversing
    every row's own address cost more than the rest of the row."""
    prefix = (get_script_prefix(), get_urlconf())
    if args and not kwargs and type(args[-1]) is int and args[-1] >= 0:
        try:
            before, after = _id_pattern(prefix, viewname, args[:-1])
        except NoReverseMatch:
            pass  # not an address ending in a number: reversed below, or refused there
        else:
            return f"{before}{args[-1]}{after}"
    return _reverse(prefix, viewname, args, tuple(sorted(kwargs.items())))


@receiver(setting_changed)
def _forget_addresses(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
        _id_pattern.cache_clear()
        _keyword_id_pattern.cache_clear()
