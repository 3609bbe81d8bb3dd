"""The answer to a visible but forbidden action: 403, with the reason in words."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def refused(request: HttpRequest, reason: str, *, back_url: str = "") -> HttpResponse:
    return render(
        request,
        "discussions/refused.html",
        {"reason": reason, "back_url": back_url},
        status=403,
    )
