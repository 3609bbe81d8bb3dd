"""The OpenAPI description: the bearer token scheme, and the problem answers every
operation may give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from api.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer

READ_PROBLEMS = {
    "400": "Bad query parameters; `errors` names them.",
    "401": "The token is not valid or was revoked (or a write without signing in).",
    "404": "Not there, or hidden from the reader: the two are not told apart.",
    "429": "Too many requests; the Retry-After header says how many seconds to wait.",
}
WRITE_PROBLEMS = {
    **READ_PROBLEMS,
    "400": "The request has errors; `errors` has the messages per field. Nothing was written.",
    "403": "The reader may see this but not do it (or the token can only read); `detail` says why.",
    "409": "A request with the same Idempotency-Key is still running.",
    "422": "The Idempotency-Key was used for another request.",
}


class CommonsAutoSchema(AutoSchema):
    def get_auth(self):
        """Reading needs no sign-in (visitors read public communities): GETs also list the
        empty requirement. Writing needs a token or the session."""
        auth = super().get_auth()
        if self.method in ("GET", "HEAD") and {} not in auth:
            auth.append({})
        return auth

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        problems = READ_PROBLEMS if self.method in ("GET", "HEAD") else WRITE_PROBLEMS
        for code, description in problems.items():
            if code in responses:
                continue
            response = self._get_response_for_code(
                ProblemSerializer, code, [PROBLEM_CONTENT_TYPE], direction
            )
            response["description"] = description
            responses[code] = response
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cmns_pat_…",
            "description": (
                "A personal access token made in Settings → API tokens, sent as "
                "`Authorization: Bearer <token>`. A read token may only use GET."
            ),
        }


class RefusingReadSchema(CommonsAutoSchema):
    """For endpoints whose reads, too, may be refused with a reason (administrators' and
    owners' settings): their GETs also describe 403."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and "403" not in responses:
            response = self._get_response_for_code(
                ProblemSerializer, "403", [PROBLEM_CONTENT_TYPE], direction
            )
            response["description"] = WRITE_PROBLEMS["403"]
            responses["403"] = response
        return responses
