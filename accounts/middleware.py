import zoneinfo

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


class UserPreferencesMiddleware:
    """Show a signed-in person the site in their own language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        else:
            timezone.deactivate()
        # The person is known now: views get the object itself rather than the lazy proxy
        # every attribute read passes through (a thread page reads it a thousand times).
        request.user = getattr(user, "_wrapped", user)
        return self.get_response(request)


MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/dev/")


class RequireMFAMiddleware:
    """Send people whose organisation requires two-factor authentication to set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.organisation_id
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and user.organisation.require_mfa
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                _(
                    "%(organisation)s requires two-factor authentication. Set up an "
                    "authenticator app to continue."
                )
                % {"organisation": user.organisation.name},
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
