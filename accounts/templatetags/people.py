from django import template

from accounts.models import User

register = template.Library()

AVATAR_PALETTE_SIZE = 8


@register.inclusion_tag("accounts/_avatar.html")
def avatar(person: User, size: str = "md") -> dict:
    return {
        "person": person,
        "size": size,
        "palette": person.pk % AVATAR_PALETTE_SIZE if person.pk else 0,
    }


@register.inclusion_tag("accounts/_person.html")
def person_name(person: User, link: bool = True, show_avatar: bool = True) -> dict:
    """A person's name with their member type badge, as shown everywhere a name appears."""
    return {"person": person, "link": link, "show_avatar": show_avatar}


@register.inclusion_tag("accounts/_member_type_badge.html")
def member_type_badge(person: User) -> dict:
    return {"person": person}
