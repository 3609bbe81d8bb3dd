"""Localised dates, times and numbers for markup built in Python on the busiest pages.

Django's formatting looks the active language's formats up again for every value; on a
page of thirty posts or twenty-five threads that costs more than the rest of a row. These
keep each result per value, time zone and language (the format depends on both), which
everyone reading the same page shares.
"""

import datetime
from decimal import Decimal
from functools import lru_cache

from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import get_language

CACHED_VALUES = 4096


@lru_cache(maxsize=CACHED_VALUES)
def _time_element(moment: datetime.datetime, zone: datetime.tzinfo, language: str) -> str:
    local = moment.astimezone(zone)
    text = escape(formats.date_format(local, "DATETIME_FORMAT"))
    return f'<time datetime="{local.isoformat()}">{text}</time>'


def time_element(moment: datetime.datetime) -> str:
    """`<time>` with the moment in the current time zone, written in the current
    language's DATETIME_FORMAT (as `{{ value|date:"DATETIME_FORMAT" }}` would)."""
    return _time_element(moment, timezone.get_current_timezone(), get_language())


@lru_cache(maxsize=CACHED_VALUES)
def _number(value: Decimal, language: str) -> str:
    return floatformat(value, "-2")


def number(value: Decimal) -> str:
    """A measured value: up to two decimals, localised (`floatformat:"-2"`)."""
    return _number(value, get_language())


@lru_cache(maxsize=CACHED_VALUES)
def _date(value: datetime.date, language: str) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def date(value: datetime.date) -> str:
    """A date in the current language's DATE_FORMAT (not escaped)."""
    return _date(value, get_language())


@lru_cache(maxsize=CACHED_VALUES)
def _date_element(moment: datetime.datetime, zone: datetime.tzinfo, language: str) -> str:
    local = moment.astimezone(zone)
    text = escape(formats.date_format(local, "DATE_FORMAT"))
    return f'<time datetime="{local.isoformat()}">{text}</time>'


def date_element(moment: datetime.datetime) -> str:
    """`<time>` with the moment in the current time zone, written as a day in the current
    language's DATE_FORMAT (as `{{ value|date:"DATE_FORMAT" }}` would)."""
    return _date_element(moment, timezone.get_current_timezone(), get_language())
