"""A person's avatar, name and member type badge, as shown wherever a name appears.

Built in Python rather than with inclusion templates: lists show dozens of names, and this
is several times cheaper to render while producing the same markup.
"""

from functools import cache

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.models import MemberType, PersonName, User

register = template.Library()

AVATAR_PALETTE_SIZE = 8


@register.simple_tag
def avatar(person: User, size: str = "md") -> SafeString:
    if person.avatar:
        return format_html(
            '<img class="avatar avatar-{}" src="{}" alt="" width="48" height="48">',
            size,
            person.avatar.url,
        )
    palette = person.pk % AVATAR_PALETTE_SIZE if person.pk else 0
    return format_html(
        '<span class="avatar avatar-{} avatar-initials palette-{}" aria-hidden="true">{}</span>',
        size,
        palette,
        person.initials,
    )


def _badge(member_type: str) -> str:
    if not member_type:
        return ""
    # The enum's label, not get_member_type_display(), which rebuilds a dict per call;
    # MemberType() also refuses anything that is not one of the known types.
    label = MemberType(member_type).label
    return f'<span class="badge badge-{member_type}">{escape(label)}</span>'


@register.simple_tag
def member_type_badge(person: User) -> SafeString:
    return mark_safe(_badge(person.member_type))  # noqa: S308 - built from escaped parts


@cache
def _profile_url_template() -> str:
    # One reverse() for the whole process instead of one per name on the page.
    return reverse("person_detail", args=[987654321]).replace("987654321", "{}")


def name_html(person: User | PersonName, *, link: bool = True, picture: str = "") -> SafeString:
    """A name linked to the profile (or not), with the member type badge.

    Takes a `User` or a `PersonName` read by a list's own query; `picture` is trusted
    HTML (an `avatar()`).
    """
    name = escape(person.name)
    if link:
        name = f'<a href="{_profile_url_template().format(person.pk)}">{name}</a>'
    else:
        name = f"<span>{name}</span>"
    badge = _badge(person.member_type)
    return mark_safe(f'<span class="person">{picture}{name} {badge}</span>')  # noqa: S308


@register.simple_tag
def person_name(person: User, link: bool = True, show_avatar: bool = True) -> SafeString:
    return name_html(person, link=link, picture=avatar(person, "sm") if show_avatar else "")
