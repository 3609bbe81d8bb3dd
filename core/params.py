"""Reading values out of a query string, which anyone can fill with anything.

Every reader answers None (or "") for a value it cannot use, so a page falls back to its
first page or ignores the filter: a malformed address never fails. `str.isdigit()` alone
is not a guard, since it accepts "²" and "١٢", which `int()` refuses.
"""

import datetime
import math

from django.core.exceptions import ValidationError
from django.db import models

# The largest value a PostgreSQL bigint (and an SQLite integer) holds: ids and counters.
MAX_BIGINT = 2**63 - 1
# PostgreSQL refuses this character anywhere in text.
NUL = "\x00"


def positive_int(value: object) -> int | None:
    """`value` as an int when it is ASCII digits only (or an int), from 1 to MAX_BIGINT;
    else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_BIGINT else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) > len(str(MAX_BIGINT)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_BIGINT else None


def text(value: object, max_length: int = 200) -> str:
    """`value` without NUL characters, cut to `max_length`; "" when it is not text."""
    if not isinstance(value, str):
        return ""
    return value.replace(NUL, "")[:max_length]


def aware_datetime(value: object) -> datetime.datetime | None:
    """An ISO 8601 moment with its UTC offset, in UTC; None when it has no offset, cannot
    be read, or lies so near year 1 or 9999 that it has no UTC equivalent."""
    if not isinstance(value, str) or NUL in value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        return None


def field_value(field: models.Field, value: str):
    """`value`, read from a cursor, as a value of `field` a query may compare with; None
    when it is unreadable or out of the range the database holds."""
    if NUL in value:
        return None
    if isinstance(field, models.DateTimeField):
        return aware_datetime(value)
    try:
        result = field.to_python(value)
    except ValidationError:
        return None
    if isinstance(result, float) and not math.isfinite(result):
        return None
    if isinstance(result, int) and not isinstance(result, bool) and abs(result) > MAX_BIGINT:
        return None
    return result
