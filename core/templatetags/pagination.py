from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_after_url(context, cursor: str | None) -> str:
    """The current address with its filters kept and the keyset cursor set to `cursor`."""
    if not cursor:
        return ""
    params = context["request"].GET.copy()
    params["after"] = cursor
    return "?" + params.urlencode()
