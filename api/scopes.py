"""What a request may attempt before any community rule is asked: reading is open to
visitors (the access rule then decides what they see), writing needs a signed-in person,
and a token's scope limits what it may send. Who may see or do what inside communities is
decided by the access modules, called by the selectors and services."""

from django.utils.translation import gettext as _
from rest_framework import permissions

from api.models import AccessToken


class SignedInToWrite(permissions.BasePermission):
    """Reads for everyone; other methods for a signed-in person, with a token allowed to
    write when a token signed them in."""

    message = _("Sign in, or send a personal access token, to do this.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        if isinstance(token, AccessToken) and not token.can_write:
            self.message = _(
                "This token can only read. Create a token with the “read and write” scope "
                "to make changes."
            )
            return False
        return True


class SignedIn(permissions.IsAuthenticated):
    message = _("Sign in, or send a personal access token, to see this.")
