"""What templates need to show a person (`jinja2/macros/people.html`) and the identity
providers one can sign in with (allauth's pages)."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest
from django.utils.translation import get_language

from accounts.models import MemberType

AVATAR_PALETTE_SIZE = 8


@lru_cache(maxsize=64)
def _member_type_label(member_type: str, language: str | None) -> str:
    # The enum's label, not get_member_type_display(), which rebuilds a dict per call;
    # MemberType() also refuses anything that is not one of the known types.
    return str(MemberType(member_type).label)


def member_type_label(member_type: str) -> str:
    return _member_type_label(member_type, get_language())


def avatar_palette(person: Any) -> int:
    """Which of the palette's colours a person without a picture gets (stable per person)."""
    return person.pk % AVATAR_PALETTE_SIZE if person.pk else 0


@dataclass(frozen=True)
class SocialProvider:
    id: str
    name: str
    login_url: str


def social_providers(request: HttpRequest, process: str = "login") -> list[SocialProvider]:
    """The identity providers configured for this site, by name, each with the address that
    starts signing in (`process="login"`) or connecting an account (`"connect"`) through it.

    What allauth's `{% get_providers %}` and `{% provider_login_url %}` give its pages: a
    `?next=` of the current request is carried along, and providers marked hidden are left
    out. (Its OpenID 2 provider, which lists one link per brand, is not installed here.)"""
    from allauth.socialaccount.adapter import get_adapter
    from allauth.utils import get_request_param

    params = {"process": process}
    next_url = get_request_param(request, REDIRECT_FIELD_NAME)
    if next_url:
        params[REDIRECT_FIELD_NAME] = next_url
    providers = [
        provider
        for provider in get_adapter().list_providers(request)
        if not provider.uses_apps or not provider.app.settings.get("hidden")
    ]
    return [
        SocialProvider(
            id=provider.id, name=provider.name, login_url=provider.get_login_url(request, **params)
        )
        for provider in sorted(providers, key=lambda provider: provider.name)
    ]


GLOBALS = {
    "member_type_label": member_type_label,
    "avatar_palette": avatar_palette,
    "social_providers": social_providers,
}
