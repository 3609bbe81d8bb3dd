from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.permissions import is_administrator


def administrator(request: HttpRequest) -> dict:
    """`is_administrator` for the layout's menu: the one rule, worked out only when a
    template asks."""
    return {"is_administrator": SimpleLazyObject(lambda: is_administrator(request.user))}
