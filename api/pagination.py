"""Cursor pagination over the selectors' own keyset pages.

Every list answers `{"next": <URL of the next page or null>, "results": [...]}`. The
cursor is opaque (the selector's keyset position, base64url-encoded) and every page costs
what the first costs. `page_size` is between 1 and MAX_PAGE_SIZE.
"""

import base64
import binascii
from functools import cache

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 100


def encode_cursor(position: str | int) -> str:
    return base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str | None:
    """The keyset position in `cursor`, or None when it is not one this API gave: the list
    then starts from its first page, as the pages do with an unreadable cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not position or "\x00" in position:
        return None
    return position


class CursorField(serializers.CharField):
    """Checked as text (length, no NUL), then decoded."""

    def run_validation(self, data=serializers.empty) -> str | None:
        text = super().run_validation(data)
        return decode_cursor(text) if text else None


class PageQuery(serializers.Serializer):
    """The query parameters every list takes."""

    cursor = CursorField(
        required=False,
        max_length=500,
        help_text="From the previous page's `next`; an unreadable one starts at the first page.",
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, help_text="Rows per page."
    )


@cache
def _query_fields(serializer_class: type[serializers.Serializer]) -> dict[str, int | None]:
    """The list's parameter names and their length limits, worked out once per list (a
    serializer's fields are deep copies made at each instantiation)."""
    return {
        name: getattr(field, "max_length", None)
        for name, field in serializer_class().fields.items()
    }


@cache
def _defaults(serializer_class: type[serializers.Serializer]) -> dict:
    """What validating no parameters at all gives (the defaults): the same every time."""
    query = serializer_class(data={})
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def parse_query(request: Request, serializer_class: type[serializers.Serializer]) -> dict:
    """The list's query parameters, validated: 400 with the field errors otherwise. A
    parameter sent empty is refused rather than taken as absent, and so is one the list
    does not take (a misspelt filter would otherwise quietly filter nothing)."""
    if not request.query_params:
        return dict(_defaults(serializer_class))
    limits = _query_fields(serializer_class)
    errors = {}
    for name in request.query_params:
        limit = limits.get(name)
        # The schema's maxLength is about what was sent: a value is not let through for
        # being short enough once the field trimmed its whitespace.
        if limit is not None and len(request.query_params.get(name)) > limit:
            errors[name] = [
                _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit}
            ]
        elif name not in limits:
            errors[name] = [
                _("This list takes no such parameter; it takes %(names)s.")
                % {"names": ", ".join(limits)}
            ]
        elif request.query_params.get(name) == "":
            errors[name] = [_("Leave this parameter out rather than sending it empty.")]
    if errors:
        raise serializers.ValidationError(errors)
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def page_response(request: Request, results: list, next_position: str | int | None) -> Response:
    next_url = None
    if next_position is not None:
        next_url = replace_query_param(
            request.build_absolute_uri(), "cursor", encode_cursor(next_position)
        )
    return Response({"next": next_url, "results": results})


@cache
def paginated(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of `serializer_class` rows."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return type(
        f"Paginated{name}List",
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
            "results": serializer_class(many=True),
        },
    )
