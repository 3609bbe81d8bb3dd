"""Idea pages: the list, submitting (with similar ideas first), voting and managing.

An idea's own page is its thread's page; it shows `discussions/ideas/_panel.html`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from communities.selectors import get_readable_community
from core import params
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from discussions import fragments, permissions
from discussions.idea_forms import GoalLinkForm, IdeaForm, MergeForm, StatusForm
from discussions.models import Idea, IdeaStatus
from discussions.selectors import ideas as selectors
from discussions.services import ideas as services
from moderation import limits


def _messages_of(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You may not do that here.")


def _back(request: HttpRequest, idea: Idea) -> str:
    """Where to go after an action: the safe `next` the form sent, or the idea itself."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return idea.thread.get_absolute_url()


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# -- the list ------------------------------------------------------------------------------


def idea_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_readable_community(user=request.user, slug=slug)
    filters = selectors.IdeaFilters.from_query(request.GET)
    page = selectors.idea_page(
        user=request.user, community=community, filters=filters, after=request.GET.get("after")
    )
    context = {
        "community": community,
        "page": page,
        "idea_rows_html": fragments.idea_rows(page.items, request.user, request.get_full_path()),
        "filters": filters,
        "sorts": [(key, label) for key, (_field, label) in selectors.SORTS.items()],
        "statuses": IdeaStatus.choices,
        "can_post": permissions.can_post(request.user, community),
        **selectors.filter_choices(user=request.user, community=community),
    }
    template = "discussions/ideas/idea_list.html"
    if request.htmx and not request.htmx.boosted:
        template = "discussions/ideas/_idea_rows.html"
    return render(request, template, context)


# -- submitting ----------------------------------------------------------------------------


@login_required
@rate_limit("writes", methods=("POST",))
def idea_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_readable_community(user=request.user, slug=slug)
    refusal = permissions.post_refusal(request.user, community)
    if refusal:
        return render(
            request,
            "discussions/ideas/idea_form.html",
            {"community": community, "refusal": refusal},
            status=403,
        )
    form = IdeaForm(
        request.POST or None,
        challenges=selectors.community_challenges(user=request.user, community=community),
        open_challenges=selectors.open_challenges(user=request.user, community=community),
        initial={"challenge": params.positive_int(request.GET.get("challenge"))},
    )
    similar = []
    status, limit = 200, None
    if request.method == "POST" and form.is_valid():
        limit = limits.content_refusal(request.user, form.cleaned_data["description"])
        if limit is not None:
            status = limits.show_in_form(form, limit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.POST.get("confirm"):
            similar = selectors.similar_ideas(community=community, title=data["title"])
        limit = None if similar else limits.posting_rates_refusal(request, new_thread=True)
        if limit is not None:
            status = limits.show_in_form(form, limit)
        elif not similar:
            try:
                idea = services.submit_idea(author=request.user, community=community, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your idea is posted. People can vote for it now."))
                return _redirect(request, idea.thread.get_absolute_url())
    response = render(
        request,
        "discussions/ideas/idea_form.html",
        {"community": community, "form": form, "similar": similar},
        status=status,
    )
    return limits.with_retry_after(response, limit)


@rate_limit("lookups")
def idea_similar(request: HttpRequest, slug: str) -> HttpResponse:
    """Similar ideas for a title being typed (htmx); the form works without it."""
    community = get_readable_community(user=request.user, slug=slug)
    title = params.text(request.GET.get("title", ""), 200)
    return render(
        request,
        "discussions/ideas/_similar.html",
        {
            "community": community,
            "similar": selectors.similar_ideas(community=community, title=title),
            "live": True,
        },
    )


# -- voting --------------------------------------------------------------------------------


def _idea_for(request: HttpRequest, slug: str, thread_id: int) -> Idea:
    community = get_readable_community(user=request.user, slug=slug)
    return selectors.get_idea(community=community, thread_id=thread_id, user=request.user)


@login_required
@require_POST
@rate_limit("votes")
def idea_vote(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    idea = _idea_for(request, slug, thread_id)
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            services.withdraw_vote(user=request.user, idea=idea)
        else:
            services.vote(user=request.user, idea=idea)
    except (ValidationError, PermissionDenied) as error:
        problem = _messages_of(error)
    else:
        problem = None
    if request.htmx:
        idea = selectors.get_idea(community=idea.community, thread_id=thread_id)
        selectors.mark_viewer_votes(request.user, [idea])
        return render(
            request,
            "discussions/ideas/_vote.html",
            {
                "idea": idea,
                "community": idea.community,
                "problem": problem,
                "next_url": _back(request, idea),
            },
        )
    if problem:
        messages.error(request, problem)
    elif withdraw:
        messages.success(request, _("Your vote is withdrawn."))
    else:
        messages.success(request, _("Thank you: your vote is counted."))
    return redirect(_back(request, idea))


# -- managing ------------------------------------------------------------------------------


def _managed_idea(request: HttpRequest, slug: str, thread_id: int) -> Idea:
    idea = _idea_for(request, slug, thread_id)
    permissions.require_manage_ideas(request.user, idea.community)
    return idea


@login_required
@rate_limit("writes", methods=("POST",))
def idea_status(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    idea = _managed_idea(request, slug, thread_id)
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_status(idea=idea, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Status changed to “%(status)s”; the response is shown on the idea.")
                % {"status": IdeaStatus(form.cleaned_data["status"]).label},
            )
            return _redirect(request, idea.thread.get_absolute_url())
    return render(
        request,
        "discussions/ideas/idea_status.html",
        {"community": idea.community, "idea": idea, "form": form},
    )


@login_required
@rate_limit("writes", methods=("POST",))
def idea_merge(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    idea = _managed_idea(request, slug, thread_id)
    if idea.merged_into_id:
        messages.error(request, _("This idea has already been merged into another."))
        return redirect(idea.thread.get_absolute_url())
    form = MergeForm(
        request.POST or None, initial={"original": params.positive_int(request.GET.get("into"))}
    )
    if request.method == "POST" and form.is_valid():
        try:
            original = selectors.get_idea(
                community=idea.community, thread_id=form.cleaned_data["original"]
            )
        except Http404:
            form.add_error("original", _("There is no idea with this number in this community."))
        else:
            try:
                original = services.merge_ideas(
                    duplicate=idea,
                    original=original,
                    by=request.user,
                    response=form.cleaned_data["response"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Merged. The original now has %(count)d votes.")
                    % {"count": original.vote_count},
                )
                return _redirect(request, original.thread.get_absolute_url())
    return render(
        request,
        "discussions/ideas/idea_merge.html",
        {
            "community": idea.community,
            "idea": idea,
            "form": form,
            "candidates": selectors.merge_candidates(idea=idea),
        },
    )


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def idea_link_goal(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    idea = _managed_idea(request, slug, thread_id)
    form = GoalLinkForm(request.POST, goals=selectors.community_goals(community=idea.community))
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect(idea.thread.get_absolute_url())
    try:
        services.link_goal(thread=idea.thread, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(
            request,
            _("Linked to the goal “%(goal)s”.") % {"goal": form.cleaned_data["goal"].metric},
        )
    return redirect(idea.thread.get_absolute_url())


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def idea_unlink_goal(request: HttpRequest, slug: str, thread_id: int, goal_id: int) -> HttpResponse:
    idea = _managed_idea(request, slug, thread_id)
    goal = {goal.pk: goal for goal in selectors.community_goals(community=idea.community)}.get(
        goal_id
    )
    if goal is None:
        raise Http404
    try:
        services.unlink_goal(thread=idea.thread, goal=goal, by=request.user)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("The goal is no longer linked."))
    return redirect(idea.thread.get_absolute_url())


# Routes under /communities/<slug>/ (the community's slug is the view's `slug` argument).
community_urlpatterns: list[URLPattern] = [
    path("ideas/", idea_list, name="idea_list"),
    path("ideas/new/", idea_create, name="idea_create"),
    path("ideas/similar/", idea_similar, name="idea_similar"),
    path("ideas/<int:thread_id>/vote/", idea_vote, name="idea_vote"),
    path("ideas/<int:thread_id>/status/", idea_status, name="idea_status"),
    path("ideas/<int:thread_id>/merge/", idea_merge, name="idea_merge"),
    path("ideas/<int:thread_id>/goals/", idea_link_goal, name="idea_link_goal"),
    path(
        "ideas/<int:thread_id>/goals/<int:goal_id>/unlink/",
        idea_unlink_goal,
        name="idea_unlink_goal",
    ),
]
# Routes at the site's root.
site_urlpatterns: list[URLPattern] = []
