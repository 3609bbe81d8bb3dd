"""A community's purpose as its pages may name it.

The community pages belong to `communities`, whose views do not pass the purpose through
its visibility rule; this tag does, so a draft purpose's title never reaches a page its
reader may not see it on.
"""

from django import template
from django.contrib.auth.models import AnonymousUser

from purposes.models import Purpose
from purposes.selectors import purpose_shown_to

register = template.Library()


@register.simple_tag(takes_context=True)
def shown_purpose(context, purpose: Purpose | None) -> Purpose | None:
    """`purpose` when the page's viewer may see it, else None (a page rendered without a
    viewer is treated as a visitor's)."""
    return purpose_shown_to(user=context.get("user") or AnonymousUser(), purpose=purpose)
