from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.fragments import community_cards
from communities.selectors import communities_of_purpose
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from discussions.models import IdeaStatus
from discussions.selectors.ideas import STATUS_ORDER, purpose_idea_page, purpose_ideas
from purposes import charts, permissions, selectors, services
from purposes.forms import ChallengeForm, GoalForm, MeasurementForm, PurposeForm, PurposeStatusForm
from purposes.fragments import purpose_sections
from purposes.models import PurposeStatus


def purpose_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", PurposeStatus.ACTIVE)
    if status not in PurposeStatus.values:
        status = PurposeStatus.ACTIVE
    page = selectors.purpose_directory(
        user=request.user, status=status, after=request.GET.get("after")
    )
    return render(
        request,
        "purposes/purpose_list.html",
        {
            "purposes": page.items,
            "next_cursor": page.next_cursor,
            "status": status,
            "statuses": PurposeStatus.choices,
            "can_create": permissions.can_create_purpose(request.user),
        },
    )


@login_required
@rate_limit("writes", methods=("POST",))
def purpose_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_purpose(request.user):
        raise Http404
    form = PurposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purpose = services.create_purpose(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Purpose created. Add its goals next."))
            return redirect(purpose)
    return render(request, "purposes/purpose_form.html", {"form": form, "purpose": None})


def purpose_detail(request: HttpRequest, slug: str) -> HttpResponse:
    purpose = selectors.get_purpose_page(user=request.user, slug=slug)
    goals = purpose.goal_list
    ideas = purpose_ideas(user=request.user, purpose=purpose, goals=goals)
    communities = communities_of_purpose(user=request.user, purpose=purpose)
    can_manage = permissions.can_manage_purpose(request.user, purpose)
    return render(
        request,
        "purposes/purpose_detail.html",
        {
            "purpose": purpose,
            "sections_html": purpose_sections(
                purpose_slug=purpose.slug,
                goals=goals,
                purpose_ideas=ideas,
                challenges=purpose.challenge_list,
                can_manage=can_manage,
            ),
            "communities": communities,
            "community_cards_html": community_cards(communities),
            "can_manage": can_manage,
            "can_follow": permissions.can_follow_purpose(request.user, purpose),
            "following": purpose.viewer_follows,
            "status_form": PurposeStatusForm(initial={"status": purpose.status}),
        },
    )


def _back(request: HttpRequest, fallback: str) -> str:
    """Where a follow form asked to go back to (the settings page lists followed
    purposes), if it is on this site; else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
@rate_limit("follows")
def purpose_follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow (following=1) or stop following a purpose the person may see."""
    purpose = selectors.get_purpose_for(user=request.user, slug=slug)
    if request.POST.get("following") == "1":
        services.follow_purpose(user=request.user, purpose=purpose)
        messages.success(
            request,
            _("You follow this purpose: its goal progress will reach you and your digest."),
        )
    else:
        services.unfollow_purpose(user=request.user, purpose=purpose)
        messages.success(request, _("You no longer follow “%(title)s”.") % {"title": purpose.title})
    return redirect(_back(request, purpose.get_absolute_url()))


def purpose_idea_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The ideas of one status (`?status=`) linked to the purpose's goals, most supported
    first, a page at a time: where the purpose page's "and N more" leads."""
    purpose = selectors.get_purpose_for(user=request.user, slug=slug)
    status = request.GET.get("status", "")
    if status not in STATUS_ORDER:
        raise Http404
    page = purpose_idea_page(
        user=request.user, purpose=purpose, status=status, after=request.GET.get("after")
    )
    return render(
        request,
        "purposes/purpose_ideas.html",
        {"purpose": purpose, "status_label": IdeaStatus(status).label, "page": page},
    )


def _managed_purpose(request: HttpRequest, slug: str):
    purpose = selectors.get_purpose_for(user=request.user, slug=slug)
    permissions.require_manage_purpose(request.user, purpose)
    return purpose


@login_required
@rate_limit("writes", methods=("POST",))
def purpose_edit(request: HttpRequest, slug: str) -> HttpResponse:
    purpose = _managed_purpose(request, slug)
    initial = {
        "title": purpose.title,
        "slug": purpose.slug,
        "statement": purpose.statement,
        "cover_colour": purpose.cover_colour,
        "owners": ", ".join(purpose.owners.values_list("email", flat=True)),
    }
    form = PurposeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owners"] = data["owners"] or None
        try:
            purpose = services.update_purpose(purpose=purpose, by=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Purpose saved."))
            return redirect(purpose)
    return render(request, "purposes/purpose_form.html", {"form": form, "purpose": purpose})


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def purpose_status(request: HttpRequest, slug: str) -> HttpResponse:
    purpose = _managed_purpose(request, slug)
    form = PurposeStatusForm(request.POST)
    if form.is_valid():
        services.change_purpose_status(
            purpose=purpose, by=request.user, status=form.cleaned_data["status"]
        )
        messages.success(
            request,
            _("Status changed to %(status)s.")
            % {"status": PurposeStatus(form.cleaned_data["status"]).label},
        )
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect(purpose)


@login_required
@rate_limit("writes", methods=("POST",))
def goal_create(request: HttpRequest, slug: str) -> HttpResponse:
    purpose = _managed_purpose(request, slug)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_goal(purpose=purpose, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal added."))
            return redirect(purpose)
    return render(
        request, "purposes/goal_form.html", {"form": form, "purpose": purpose, "goal": None}
    )


@login_required
@rate_limit("writes", methods=("POST",))
def goal_edit(request: HttpRequest, slug: str, goal_id: int) -> HttpResponse:
    purpose = _managed_purpose(request, slug)
    goal = selectors.get_goal(purpose=purpose, goal_id=goal_id)
    initial = {
        "metric": goal.metric,
        "unit": goal.unit,
        "baseline": goal.baseline,
        "target": goal.target,
        "due_date": goal.due_date,
    }
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_goal(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal saved."))
            return redirect(purpose)
    return render(
        request, "purposes/goal_form.html", {"form": form, "purpose": purpose, "goal": goal}
    )


@login_required
@rate_limit("writes", methods=("POST",))
def measurement_create(request: HttpRequest, slug: str, goal_id: int) -> HttpResponse:
    purpose = _managed_purpose(request, slug)
    goal = selectors.get_goal(purpose=purpose, goal_id=goal_id)
    form = MeasurementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_measurement(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Measurement recorded."))
            return redirect(purpose)
    return render(
        request, "purposes/measurement_form.html", {"form": form, "purpose": purpose, "goal": goal}
    )


@login_required
@rate_limit("writes", methods=("POST",))
def challenge_create(request: HttpRequest, slug: str) -> HttpResponse:
    purpose = _managed_purpose(request, slug)
    form = ChallengeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_challenge(purpose=purpose, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Challenge created."))
            return redirect(purpose)
    return render(request, "purposes/challenge_form.html", {"form": form, "purpose": purpose})


def goal_chart(request: HttpRequest, slug: str, goal_id: int) -> HttpResponse:
    purpose = selectors.get_purpose_for(user=request.user, slug=slug)
    goal = selectors.get_goal(purpose=purpose, goal_id=goal_id)
    measurements = list(goal.measurements.order_by("measured_on", "id"))
    response = HttpResponse(charts.goal_chart_svg(goal, measurements), content_type="image/svg+xml")
    # Always revalidated: the same address must show a measurement as soon as it is recorded.
    response["Cache-Control"] = "private, no-cache"
    return response
