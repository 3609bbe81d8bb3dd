"""`Authorization: Bearer <token>` with a personal access token."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts.models import SanctionKind
from api import selectors, services
from api.models import AccessToken
from communities.permissions import SanctionRefusal, describe_sanction, site_sanction


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request carrying a personal access token; `request.auth` is then
    the `AccessToken`. A request without the header is left to session authentication
    (which keeps its CSRF check); a wrong, revoked or malformed token answers 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _sep, secret = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        secret = secret.strip()
        if not secret or " " in secret:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Bearer <token>”.")
            )
        token: AccessToken | None = selectors.active_token(secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid or was revoked."))
        sanction = site_sanction(token.user)
        if sanction is not None and sanction.kind == SanctionKind.SUSPEND:
            # A suspended account's tokens answer nothing until the suspension ends.
            raise PermissionDenied(SanctionRefusal(describe_sanction(sanction), sanction))
        services.record_use(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
