"""ETags on details and Idempotency-Key on POST."""

import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api import selectors, services
from api.problems import problem_response
from core.params import positive_int

IDEMPOTENCY_HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    for candidate in header.split(","):
        candidate = candidate.strip().removeprefix("W/")
        if candidate == etag:
            return True
    return False


def detail_response(request: Request, data: dict) -> Response:
    """`data` with a strong ETag of its JSON; 304 without a body when the client's
    If-None-Match already names it. The representation depends on the reader (their
    votes, their rights), so caches keep it per reader only."""
    etag = '"' + hashlib.sha256(_canonical(data).encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if _etag_matches(request.headers.get("If-None-Match", ""), etag):
        return Response(status=304, headers=headers)
    return Response(data, headers=headers)


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= KEY_MAX_LENGTH or not key.isascii() or not key.isprintable():
        raise exceptions.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    _("Use 1 to %(limit)d printable ASCII characters, for example a UUID.")
                    % {"limit": KEY_MAX_LENGTH}
                ]
            }
        )
    return key


def _payload(request: Request):
    """The request's parsed body, or {} for a POST without one (a vote sends none)."""
    if not positive_int(request.META.get("CONTENT_LENGTH") or ""):
        return {}
    return request.data


def _replay(result) -> Response:
    headers = {"Idempotent-Replayed": "true"}
    if result.location:
        headers["Location"] = result.location
    return Response(result.body, status=result.status_code, headers=headers)


def idempotent(request: Request, create: Callable[[], Response]) -> Response:
    """Run `create` once per Idempotency-Key and person: a retry with the same key and the
    same request answers the first result (with `Idempotent-Replayed: true`) and writes
    nothing; the same key with another request answers 422. Only successful results are
    kept: a request that failed may be corrected and sent again with its key.
    """
    key = _idempotency_key(request)
    if key is None:
        return create()
    user = request.user
    fingerprint = hashlib.sha256(
        f"{request.method} {request.path}\n{_canonical(_payload(request))}".encode()
    ).hexdigest()
    services.forget_expired_result(user=user, key=key)
    earlier = selectors.idempotent_result(user=user, key=key)
    if earlier is None:
        try:
            with transaction.atomic():
                response = create()
                if 200 <= response.status_code < 300:
                    services.save_idempotent_result(
                        user=user,
                        key=key,
                        fingerprint=fingerprint,
                        status_code=response.status_code,
                        body=response.data,
                        location=response.headers.get("Location", ""),
                    )
            return response
        except IntegrityError:
            # The same key was being used at the same moment and that request won: its
            # result is the answer, and this request's writes were rolled back.
            earlier = selectors.idempotent_result(user=user, key=key)
            if earlier is None:
                return problem_response(
                    409, _("A request with this Idempotency-Key is still running."), "conflict"
                )
    if earlier.fingerprint != fingerprint:
        return problem_response(
            422,
            _("This Idempotency-Key was used for another request; use a new key."),
            "idempotency_key_reused",
        )
    return _replay(earlier)
