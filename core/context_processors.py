from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "dev_mailbox_enabled": settings.DEV_MAILBOX_ENABLED and settings.DEBUG,
    }


def csp_nonce(request: HttpRequest) -> dict:
    """The response's CSP nonce under the name django-htmx's script tag looks for."""
    return {"csp_nonce": getattr(request, "csp_nonce", None)}


def viewer(request: HttpRequest) -> dict:
    """The person reading (`AnonymousUser` for a visitor) as `viewer` for Jinja2 templates.

    Not `user`: the Jinja2 backend lets processors overwrite what a caller passed, and
    allauth passes its own `user` to email templates."""
    return {"viewer": getattr(request, "user", None) or AnonymousUser()}
