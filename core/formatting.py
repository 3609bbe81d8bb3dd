"""Localised dates, times and numbers for the busiest pages, cached.

Django's formatting looks the active language's formats up again for every value; on a
page of thirty posts or twenty-five threads that costs more than the rest of a row. These
keep each result per value, time zone and language (the format depends on both), which
everyone reading the same page shares. They return text; templates put it in markup
(`macros/time.html`).
"""

import datetime
from decimal import Decimal
from functools import lru_cache

from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.translation import get_language

CACHED_VALUES = 4096


@lru_cache(maxsize=CACHED_VALUES)
def _moment(
    moment: datetime.datetime, zone: datetime.tzinfo, language: str, format: str
) -> tuple[str, str]:
    local = moment.astimezone(zone)
    return local.isoformat(), formats.date_format(local, format)


def moment(value: datetime.datetime, format: str = "DATETIME_FORMAT") -> tuple[str, str]:
    """(ISO 8601 in the reader's time zone, the moment written in the reader's language's
    `format`), as `{{ value|date:"c" }}` and `{{ value|date:format }}` would give."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return _moment(value, timezone.get_current_timezone(), get_language(), format)


@lru_cache(maxsize=CACHED_VALUES)
def _number(value: Decimal, language: str) -> str:
    return floatformat(value, "-2")


def number(value: Decimal) -> str:
    """A measured value: up to two decimals, localised (`floatformat:"-2"`)."""
    return _number(value, get_language())


@lru_cache(maxsize=CACHED_VALUES)
def _date(value: datetime.date, language: str, format: str) -> str:
    return formats.date_format(value, format)


def date(value: datetime.date, format: str = "DATE_FORMAT") -> str:
    """A date (or an aware moment, in the reader's time zone) in the current language's
    `format`."""
    if isinstance(value, datetime.datetime):
        return moment(value, format)[1]
    return _date(value, get_language(), format)
