"""Webhook pages of a community (/communities/<slug>/settings/webhooks/, its owners) and of
the site (/settings/webhooks/, administrators): the same views, in two scopes."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.models import Community
from core import params
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from webhooks import selectors, services
from webhooks.forms import EndpointChangeForm, EndpointForm
from webhooks.models import Endpoint


@dataclass
class Scope:
    """Whose endpoints a page shows: a community's, or the site's (community None)."""

    community: Community | None

    def url(self, name: str, *args: object) -> str:
        if self.community is None:
            return reverse(f"site_{name}", args=args)
        return reverse(f"community_{name}", args=[self.community.slug, *args])


def _scope(request: HttpRequest, slug: str | None) -> Scope:
    """404 for a community the person may not see, 403 when they may not manage its
    webhooks (or, without a community, the site's)."""
    return Scope(selectors.managed_scope(user=request.user, slug=slug))


def _service_values(form: EndpointForm) -> dict:
    data = form.cleaned_data
    return {
        "url": data["url"],
        "description": data["description"],
        "events": data["events"],
        "secret": data["secret"],
        "is_enabled": data["is_enabled"],
    }


@login_required
def webhook_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    scope = _scope(request, slug)
    return render(
        request,
        "webhooks/endpoint_list.html",
        {"scope": scope, "endpoints": list(selectors.endpoints_of(scope.community))},
    )


@login_required
@rate_limit("writes", methods=("POST",))
def webhook_new(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    scope = _scope(request, slug)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.create_endpoint(
                by=request.user, community=scope.community, **_service_values(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Webhook endpoint added."))
            if saved.new_secret:
                # Shown in this answer only, as a new API token is.
                return _detail(request, scope, saved.endpoint, new_secret=saved.new_secret)
            return redirect(scope.url("webhook_detail", saved.endpoint.pk))
    return render(request, "webhooks/endpoint_new.html", {"scope": scope, "form": form})


def _change_form(endpoint: Endpoint, data=None) -> EndpointChangeForm:
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "is_enabled": endpoint.is_enabled,
    }
    return EndpointChangeForm(data, initial=initial)


def _detail(
    request: HttpRequest,
    scope: Scope,
    endpoint: Endpoint,
    *,
    form: EndpointChangeForm | None = None,
    new_secret: str | None = None,
) -> HttpResponse:
    log = selectors.delivery_log(
        endpoint=endpoint, after=params.text(request.GET.get("after"), 100) or None
    )
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "scope": scope,
            "endpoint": endpoint,
            "form": form or _change_form(endpoint),
            "new_secret": new_secret,
            "log": log,
        },
    )


@login_required
@rate_limit("writes", methods=("POST",))
def webhook_detail(request: HttpRequest, endpoint_id: int, slug: str | None = None):
    scope = _scope(request, slug)
    endpoint = selectors.get_endpoint(community=scope.community, endpoint_id=endpoint_id)
    if request.method != "POST":
        return _detail(request, scope, endpoint)
    form = _change_form(endpoint, request.POST)
    if form.is_valid():
        try:
            saved = services.update_endpoint(
                by=request.user,
                endpoint=endpoint,
                new_secret_wanted=form.cleaned_data["new_secret_wanted"],
                **_service_values(form),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Webhook endpoint saved."))
            if saved.new_secret:
                return _detail(request, scope, saved.endpoint, new_secret=saved.new_secret)
            return redirect(scope.url("webhook_detail", endpoint.pk))
    return _detail(request, scope, endpoint, form=form)


@login_required
@require_POST
@rate_limit("writes")
def webhook_delete(request: HttpRequest, endpoint_id: int, slug: str | None = None):
    scope = _scope(request, slug)
    endpoint = selectors.get_endpoint(community=scope.community, endpoint_id=endpoint_id)
    services.delete_endpoint(by=request.user, endpoint=endpoint)
    messages.success(request, _("Webhook endpoint removed."))
    return redirect(scope.url("webhooks"))


@login_required
@require_POST
@rate_limit("webhook_deliveries")
def webhook_ping(request: HttpRequest, endpoint_id: int, slug: str | None = None):
    scope = _scope(request, slug)
    endpoint = selectors.get_endpoint(community=scope.community, endpoint_id=endpoint_id)
    try:
        services.send_test(by=request.user, endpoint=endpoint)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Test event sent: see the delivery log below."))
    return redirect(scope.url("webhook_detail", endpoint.pk))


@login_required
@require_POST
@rate_limit("webhook_deliveries")
def webhook_redeliver(
    request: HttpRequest, endpoint_id: int, delivery_id: int, slug: str | None = None
):
    scope = _scope(request, slug)
    endpoint = selectors.get_endpoint(community=scope.community, endpoint_id=endpoint_id)
    delivery = selectors.get_delivery(endpoint=endpoint, delivery_id=delivery_id)
    try:
        services.redeliver(by=request.user, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Delivery sent again: see the delivery log below."))
    return redirect(scope.url("webhook_detail", endpoint.pk))
