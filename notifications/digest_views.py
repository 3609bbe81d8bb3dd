"""The "preview my next digest" page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from notifications import digests
from notifications.models import DigestCadence
from notifications.services import settings_for


@login_required
@require_GET
def digest_preview(request: HttpRequest) -> HttpResponse:
    digest = digests.preview_digest(user=request.user)
    choices = settings_for(request.user)
    return render(
        request,
        "notifications/digest/preview.html",
        {
            "digest": digest,
            "subject": digests.digest_subject(digest),
            "digest_off": choices.digest_cadence == DigestCadence.OFF,
        },
    )
