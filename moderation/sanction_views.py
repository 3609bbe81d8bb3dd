"""Pages for sanctions, trust levels and the site's moderation settings (thin: forms,
then `moderation.services`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_administrator
from communities import permissions as community_permissions
from communities.models import Community
from communities.selectors import get_community_for
from core import params
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from moderation import selectors, services
from moderation.forms import (
    AccountSanctionForm,
    CommunitySanctionForm,
    ModerationSettingsForm,
    TrustLevelForm,
)
from moderation.models import TrustLevel


def _community_for_moderation(request: HttpRequest, slug: str) -> Community:
    community = get_community_for(user=request.user, slug=slug)
    community_permissions.require_moderate(request.user, community)
    return community


def _require_administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied(_("Only administrators can do this."))


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You may not do that here.")


# -- a community's sanctions ------------------------------------------------------------------


@login_required
def community_sanctions(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    silences = selectors.community_silences(community, after=request.GET.get("silences"))
    bans = selectors.community_bans(community, after=request.GET.get("bans"))
    return render(
        request,
        "moderation/community_sanctions.html",
        {"community": community, "silences": silences, "bans": bans},
    )


@login_required
@rate_limit("writes", methods=("POST",))
def community_sanction_new(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    person = selectors.person_for_community_sanction(
        community, params.positive_int(request.GET.get("user"))
    )
    refusal = community_permissions.sanction_member_refusal(request.user, community, person)
    form = CommunitySanctionForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        action = (
            services.silence_in_community
            if form.cleaned_data["kind"] == "silence"
            else services.ban_from_community
        )
        try:
            action(
                by=request.user,
                community=community,
                user=person,
                reason=form.cleaned_data["reason"],
                ends_at=form.ends_at(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            refusal = _error_text(error)
        else:
            messages.success(
                request, _("The sanction on %(name)s is in force.") % {"name": person.name}
            )
            return redirect("community_sanctions", slug=community.slug)
    return render(
        request,
        "moderation/sanction_form.html",
        {"community": community, "person": person, "form": form, "refusal": refusal},
        status=403 if refusal else 200,
    )


@login_required
@require_POST
@rate_limit("writes")
def community_sanction_lift(
    request: HttpRequest, slug: str, kind: str, user_id: int
) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    if kind not in services.COMMUNITY_SANCTIONS:
        raise Http404
    person = selectors.person_for_sanction(user_id)
    if not services.lift_community_sanction(
        by=request.user, community=community, user=person, kind=kind
    ):
        raise Http404
    messages.success(request, _("The sanction on %(name)s is lifted.") % {"name": person.name})
    return redirect("community_sanctions", slug=community.slug)


# -- site-wide --------------------------------------------------------------------------------


@login_required
def account_sanctions(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    page = selectors.account_sanctions(after=request.GET.get("after"))
    return render(request, "moderation/account_sanctions.html", {"page": page})


@login_required
@rate_limit("writes", methods=("POST",))
def account_sanction_new(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    person = selectors.person_for_sanction(params.positive_int(request.GET.get("user")))
    form = AccountSanctionForm(request.POST or None)
    trust_form = TrustLevelForm(initial={"level": selectors.person_trust(person)})
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.sanction_account(
                by=request.user,
                user=person,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                ends_at=form.ends_at(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            refusal = _error_text(error)
        else:
            messages.success(
                request, _("The sanction on %(name)s is in force.") % {"name": person.name}
            )
            return redirect("account_sanctions")
    return render(
        request,
        "moderation/sanction_form.html",
        {
            "community": None,
            "person": person,
            "form": form,
            "refusal": refusal,
            "trust_form": trust_form,
            "trust_level": TrustLevel(selectors.trust_level(person)).label,
        },
        status=403 if refusal else 200,
    )


@login_required
@require_POST
@rate_limit("writes")
def account_sanction_lift(request: HttpRequest, kind: str, user_id: int) -> HttpResponse:
    _require_administrator(request)
    person = selectors.person_for_sanction(user_id)
    if not services.lift_account_sanction(by=request.user, user=person, kind=kind):
        raise Http404
    messages.success(request, _("The sanction on %(name)s is lifted.") % {"name": person.name})
    return redirect("account_sanctions")


@login_required
@require_POST
@rate_limit("writes")
def person_trust(request: HttpRequest, user_id: int) -> HttpResponse:
    _require_administrator(request)
    person = selectors.person_for_sanction(user_id)
    form = TrustLevelForm(request.POST)
    if form.is_valid():
        level = form.cleaned_data["level"]
        services.set_trust_level(
            by=request.user, user=person, level=int(level) if level != "" else None
        )
        messages.success(request, _("Trust level saved."))
    else:
        messages.error(request, _("Choose a trust level."))
    return redirect(reverse("account_sanction_new") + f"?user={person.pk}")


@login_required
@rate_limit("writes", methods=("POST",))
def moderation_settings(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    row = selectors.moderation_settings()
    form = ModerationSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        # The form has written its values onto `row`; the service compares with the stored row.
        services.update_moderation_settings(by=request.user, values=values)
        messages.success(request, _("Moderation settings saved."))
        return redirect("moderation_settings")
    return render(request, "moderation/settings.html", {"form": form})
