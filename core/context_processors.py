from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "dev_mailbox_enabled": settings.DEV_MAILBOX_ENABLED and settings.DEBUG,
    }


def csp_nonce(request: HttpRequest) -> dict:
    """The response's CSP nonce under the name django-htmx's script tag looks for."""
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
