"""Decision pages: open a decision, vote, close it, record its outcome, link goals.

The decision itself is shown on its thread page, through `_panel.html`; these views
redirect back there, or answer an htmx request with the panel alone.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.selectors import get_readable_community
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from discussions import permissions
from discussions.decision_forms import DecisionForm, GoalLinkForm, OutcomeForm, VoteForm
from discussions.models import Decision
from discussions.selectors import decisions as selectors
from discussions.services import decisions as services
from discussions.services.ideas import link_goal, unlink_goal
from moderation import limits
from purposes.models import Goal


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You may not do that.")


def _back_to_decision(
    request: HttpRequest, decision: Decision, *, success: str = "", error: str = ""
) -> HttpResponse:
    """The panel alone for htmx, with the message inside it; otherwise back to the thread."""
    if request.htmx:
        context = selectors.decision_panel_context(user=request.user, thread=decision.thread)
        context.update(panel_success=success, panel_error=error)
        return render(request, "discussions/decisions/_panel.html", context)
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return redirect(decision.thread.get_absolute_url() + "#decision")


def _refused(request: HttpRequest, decision: Decision, reason: str) -> HttpResponse:
    """403 with the reason: the decision is visible, the action is not the viewer's."""
    if request.htmx:
        context = selectors.decision_panel_context(user=request.user, thread=decision.thread)
        context.update(panel_error=reason)
        return render(request, "discussions/decisions/_panel.html", context, status=403)
    raise PermissionDenied(reason)


@login_required
@rate_limit("writes", methods=("POST",))
def decision_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_readable_community(user=request.user, slug=slug)
    refusal = permissions.post_refusal(request.user, community)
    form = DecisionForm(request.POST or None, initial={"closes_at": DecisionForm.default_closing()})
    status, limit = 200, None
    if request.method == "POST" and refusal is None and form.is_valid():
        limit = limits.posting_refusal(request, body=form.cleaned_data["body"], new_thread=True)
        if limit is not None:
            status = limits.show_in_form(form, limit)
    if request.method == "POST" and refusal is None and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.open_decision(
                author=request.user,
                community=community,
                title=data["title"],
                body=data["body"],
                mode=data["mode"],
                options=data["options"],
                closes_at=data["closes_at"],
                show_results_before_close=data["show_results_before_close"],
                voter_types=data["voter_types"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            refusal = _error_text(error)
        else:
            messages.success(request, _("Decision opened. Members can vote now."))
            return redirect(decision.thread.get_absolute_url())
    response = render(
        request,
        "discussions/decisions/decision_form.html",
        {"community": community, "form": form, "refusal": refusal},
        status=403 if refusal else status,
    )
    return limits.with_retry_after(response, limit)


@login_required
@require_POST
@rate_limit("votes")
def decision_vote(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    decision = selectors.get_decision_for(user=request.user, slug=slug, thread_id=thread_id)
    form = VoteForm(request.POST)
    option = None
    if form.is_valid():
        option = decision.options.filter(pk=form.cleaned_data["option"]).first()
    if option is None:
        return _back_to_decision(request, decision, error=_("Choose one of the options."))
    try:
        if form.cleaned_data["choose"]:
            services.choose_option(user=request.user, decision=decision, option=option)
        else:
            services.unchoose_option(user=request.user, decision=decision, option=option)
    except (ValidationError, PermissionDenied) as error:
        return _back_to_decision(request, decision, error=_error_text(error))
    if form.cleaned_data["choose"]:
        success = _("Your vote for “%(option)s” is recorded.") % {"option": option.label}
    else:
        success = _("You no longer vote for “%(option)s”.") % {"option": option.label}
    return _back_to_decision(request, decision, success=success)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def decision_close(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    decision = selectors.get_decision_for(user=request.user, slug=slug, thread_id=thread_id)
    refusal = permissions.close_refusal(request.user, decision)
    if refusal:
        return _refused(request, decision, refusal)
    outcome = request.POST.get("outcome", "")
    try:
        services.close_decision(by=request.user, decision=decision, outcome=outcome)
    except (ValidationError, PermissionDenied) as error:
        return _back_to_decision(request, decision, error=_error_text(error))
    if outcome.strip():
        success = _("Voting is closed and the outcome is recorded.")
    else:
        success = _("Voting is closed. Record the outcome next.")
    return _back_to_decision(request, decision, success=success)


@login_required
@rate_limit("writes", methods=("POST",))
def decision_outcome(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    decision = selectors.get_decision_for(user=request.user, slug=slug, thread_id=thread_id)
    refusal = permissions.close_refusal(request.user, decision)
    if refusal:
        return _refused(request, decision, refusal)
    form = OutcomeForm(request.POST or None, initial={"outcome": decision.outcome})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_outcome(
                by=request.user, decision=decision, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            return _refused(request, decision, _error_text(error))
        else:
            messages.success(request, _("The outcome is recorded and shown on the decision."))
            return redirect(decision.thread.get_absolute_url())
    return render(
        request,
        "discussions/decisions/outcome_form.html",
        {"decision": decision, "thread": decision.thread, "form": form},
        status=400 if form.errors else 200,
    )


def _goal_of(decision: Decision, goal_id: int) -> Goal | None:
    return Goal.objects.filter(pk=goal_id, purpose_id=decision.thread.community.purpose_id).first()


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def decision_link_goal(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    decision = selectors.get_decision_for(user=request.user, slug=slug, thread_id=thread_id)
    if not permissions.can_manage_ideas(request.user, decision.thread.community):
        raise Http404
    form = GoalLinkForm(request.POST)
    goal = _goal_of(decision, form.cleaned_data["goal"]) if form.is_valid() else None
    if goal is None:
        return _back_to_decision(request, decision, error=_("Choose a goal of this purpose."))
    try:
        link_goal(
            thread=decision.thread,
            goal=goal,
            by=request.user,
            expected_impact=form.cleaned_data["expected_impact"],
        )
    except (ValidationError, PermissionDenied) as error:
        return _back_to_decision(request, decision, error=_error_text(error))
    return _back_to_decision(
        request,
        decision,
        success=_("Linked to the goal “%(goal)s”.") % {"goal": goal.metric},
    )


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def decision_unlink_goal(
    request: HttpRequest, slug: str, thread_id: int, goal_id: int
) -> HttpResponse:
    decision = selectors.get_decision_for(user=request.user, slug=slug, thread_id=thread_id)
    if not permissions.can_manage_ideas(request.user, decision.thread.community):
        raise Http404
    goal = _goal_of(decision, goal_id)
    if goal is None:
        raise Http404
    try:
        unlink_goal(thread=decision.thread, goal=goal, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        return _back_to_decision(request, decision, error=_error_text(error))
    return _back_to_decision(
        request, decision, success=_("No longer linked to “%(goal)s”.") % {"goal": goal.metric}
    )


# Routes under /communities/<slug>/ (the community's slug is the view's `slug` argument).
community_urlpatterns: list[URLPattern] = [
    path("decisions/new/", decision_create, name="decision_create"),
    path("decisions/<int:thread_id>/vote/", decision_vote, name="decision_vote"),
    path("decisions/<int:thread_id>/close/", decision_close, name="decision_close"),
    path("decisions/<int:thread_id>/outcome/", decision_outcome, name="decision_outcome"),
    path("decisions/<int:thread_id>/goals/", decision_link_goal, name="decision_link_goal"),
    path(
        "decisions/<int:thread_id>/goals/<int:goal_id>/unlink/",
        decision_unlink_goal,
        name="decision_unlink_goal",
    ),
]
# Routes at the site's root.
site_urlpatterns: list[URLPattern] = []
