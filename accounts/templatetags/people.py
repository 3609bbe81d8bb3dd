"""A person's avatar, name and member type badge, as shown wherever a name appears.

Built in Python rather than with inclusion templates: lists show dozens of names, and this
is several times cheaper to render while producing the same markup.
"""

from functools import cache

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.models import MemberType, User

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


@register.simple_tag
def member_type_badge(person: User) -> SafeString:
    if not person.member_type:
        return mark_safe("")  # noqa: S308 - an empty string
    return format_html(
        '<span class="badge badge-{}">{}</span>',
        person.member_type,
        # The enum's label, not get_member_type_display(), which rebuilds a dict per call.
        MemberType(person.member_type).label,
    )


@cache
def _profile_url_template() -> str:
    # One reverse() for the whole process instead of one per name on the page.
    return reverse("person_detail", args=[987654321]).replace("987654321", "{}")


@register.simple_tag
def person_name(person: User, link: bool = True, show_avatar: bool = True) -> SafeString:
    picture = avatar(person, "sm") if show_avatar else ""
    if link:
        name = format_html(
            '<a href="{}">{}</a>', _profile_url_template().format(person.pk), person.name
        )
    else:
        name = format_html("<span>{}</span>", person.name)
    return format_html(
        '<span class="person">{}{} {}</span>', picture, name, member_type_badge(person)
    )
