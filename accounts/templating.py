"""What templates need to show a person (`jinja2/macros/people.html`)."""

from functools import lru_cache
from typing import Any

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


GLOBALS = {"member_type_label": member_type_label, "avatar_palette": avatar_palette}
