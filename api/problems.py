"""One error format for the whole API: RFC 9457 problem details.

Every error answers `application/problem+json` with `type` ("about:blank": the status
says what happened), `title` (the status's phrase), `status`, `detail` (why, in words a
person can act on) and `code` (a stable machine-readable word). A 400 adds `errors`: the
messages per field, `non_field_errors` for those about the request as a whole. Errors a
service raises (Django's ValidationError, PermissionDenied, Http404) take the same shape,
so the API says exactly what the pages say.
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from communities.permissions import SanctionRefusal

PROBLEM_CONTENT_TYPE = "application/problem+json"
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 describes (the schema's component for every error answer)."""

    type = serializers.CharField(help_text="Always “about:blank”: the status tells the kind.")
    title = serializers.CharField(help_text="The HTTP status's phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="Why, in words a person can act on.")
    code = serializers.CharField(help_text="A stable word for programs: not_found, invalid, …")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For 400 only: the messages per field; `non_field_errors` for the rest.",
    )
    sanction = serializers.DictField(
        required=False,
        help_text=(
            "For a write refused by a sanction (code `sanctioned`): its `kind` (silence, "
            "suspend, ban), `site_wide`, the `reason` and `ends_at` (null: until lifted)."
        ),
    )


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [messages]}, nested fields as "a.b"."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for field, value in detail.items():
            name = f"{prefix}.{field}" if prefix else str(field)
            for key, messages in _flatten(value, name).items():
                errors.setdefault(key, []).extend(messages)
    elif isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict | list):
                for key, messages in _flatten(item, prefix).items():
                    errors.setdefault(key, []).extend(messages)
            else:
                errors.setdefault(prefix or NON_FIELD, []).append(str(item))
    else:
        errors.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return errors


class Sanctioned(exceptions.PermissionDenied):
    """A write refused by a sanction: 403, with what it is, its reason and its end."""

    default_code = "sanctioned"

    def __init__(self, refusal: SanctionRefusal) -> None:
        super().__init__(str(refusal), "sanctioned")
        self.sanction = refusal.sanction


def _sanction_refusal(exc: Exception) -> SanctionRefusal | None:
    """The sanction behind a refusal a service raised, whichever exception carries it."""
    if isinstance(exc, DjangoPermissionDenied):
        messages = list(exc.args[:1])
    elif isinstance(exc, DjangoValidationError) and not hasattr(exc, "error_dict"):
        messages = [error.message for error in exc.error_list]
    else:
        return None
    return next((m for m in messages if isinstance(m, SanctionRefusal)), None)


def _from_django(exc: Exception) -> Exception:
    refusal = _sanction_refusal(exc)
    if refusal is not None:
        return Sanctioned(refusal)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (NON_FIELD if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {NON_FIELD: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def problem(status: int, detail: str, code: str, errors: dict | None = None) -> dict:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(status: int, detail: str, code: str, **headers) -> Response:
    return Response(
        problem(status, detail, code),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def handle_exception(exc: Exception, context: dict) -> Response | None:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: DRF's handling (headers such as Retry-After
    and WWW-Authenticate included), then the body reshaped as a problem."""
    exc = _from_django(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body = problem(
            response.status_code,
            _("The request has errors; see the messages for each field."),
            "invalid",
            errors,
        )
    else:
        detail = getattr(exc, "detail", "")
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = problem(
            response.status_code,
            str(detail) if not isinstance(detail, list | dict) else str(_flatten(detail)),
            codes if isinstance(codes, str) else "error",
        )
        if isinstance(exc, Sanctioned):
            body["sanction"] = {
                "kind": exc.sanction.kind,
                "site_wide": exc.sanction.site_wide,
                "reason": exc.sanction.reason,
                "ends_at": exc.sanction.ends_at.isoformat() if exc.sanction.ends_at else None,
            }
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
