"""Keyset (cursor) pagination: page 100 costs what page 1 costs.

A list is ordered by one field and then the primary key; the cursor is "value|pk" of the
last row shown, and the next page starts strictly after it.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core import params


@dataclass
class Page:
    items: list
    next_cursor: str | None


def cursor_values(model, field: str, after: str | None) -> tuple[object, int] | None:
    """The (value of `field`, pk) of cursor `after` ("value|pk") on `model`'s rows; None
    when there is none or it cannot be read."""
    if not after:
        return None
    raw_value, _sep, raw_pk = after.rpartition("|")
    pk = params.positive_int(raw_pk)
    if pk is None:
        return None
    value = params.field_value(model._meta.get_field(field), raw_value)
    if value is None:
        return None
    return value, pk


def after_q(field: str, value: object, pk: int, *, descending: bool = False) -> Q:
    """Rows strictly after (`value`, `pk`) in (`field`, pk) order."""
    # The redundant `field >= value` (`<=` going down) gives the index a range to seek
    # to, instead of reading and discarding every row before the cursor.
    if descending:
        return Q(**{f"{field}__lte": value}) & (
            Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk})
        )
    return Q(**{f"{field}__gte": value}) & (
        Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk})
    )


def page_of(items: list, *, field: str, page_size: int) -> Page:
    """The `Page` of `items`, the first `page_size` + 1 rows after the cursor: the extra
    row only tells that a next page exists."""
    next_cursor = None
    if len(items) > page_size:
        items = items[:page_size]
        last_value = getattr(items[-1], field)
        text = last_value.isoformat() if hasattr(last_value, "isoformat") else str(last_value)
        next_cursor = f"{text}|{items[-1].pk}"
    return Page(items, next_cursor)


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    after: str | None,
    page_size: int,
    descending: bool = False,
) -> Page:
    """One page of `queryset` ordered by (`field`, pk), starting after cursor `after`;
    newest first with `descending`.

    An unreadable cursor starts from the first page rather than failing.
    """
    if descending:
        queryset = queryset.order_by(f"-{field}", "-pk")
    else:
        queryset = queryset.order_by(field, "pk")
    cursor = cursor_values(queryset.model, field, after)
    if cursor is not None:
        queryset = queryset.filter(after_q(field, *cursor, descending=descending))
    return page_of(list(queryset[: page_size + 1]), field=field, page_size=page_size)
