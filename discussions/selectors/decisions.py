"""Reads about decisions, always through the community's access rule."""

import datetime

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from communities import permissions as community_permissions
from core import params
from discussions import permissions
from discussions.models import (
    Decision,
    DecisionMode,
    DecisionOption,
    DecisionVote,
    GoalLink,
    Thread,
    ThreadKind,
)
from purposes.models import Goal

# Consent options are created in this order; the last one is the block.
CONSENT_BLOCK_POSITION = 3
CLOSING_SOON = datetime.timedelta(hours=48)


def get_decision_for(*, user: User, slug: str, thread_id: int) -> Decision:
    """The decision of thread `thread_id` in community `slug`, if `user` may read it.

    Anything else is a 404, exactly as if it did not exist.
    """
    if params.positive_int(thread_id) is None:
        raise Http404
    decision = (
        Decision.objects.filter(
            thread_id=thread_id,
            thread__kind=ThreadKind.DECISION,
            thread__community__slug=slug,
            thread__in=permissions.threads_visible_to(user),
        )
        .select_related("thread", "thread__author")
        .first()
    )
    if decision is None:
        raise Http404
    # The community with the viewer's role and ban annotated, so the checks below and in
    # the services cost no further query.
    decision.thread.community = (
        community_permissions.with_viewer_flags(
            community_permissions.communities_readable_by(user), user
        )
        .select_related("purpose")
        .get(pk=decision.thread.community_id)
    )
    return decision


def _options_with_results(options: list[DecisionOption], voter_count: int) -> None:
    for option in options:
        option.percent = round(100 * option.vote_count / voter_count) if voter_count else 0


def decision_panel_context(*, user: User, thread: Thread) -> dict:
    """What the thread page shows for a decision thread (options, results, outcome).

    The caller has checked that `user` may read `thread` and loaded `thread.community`
    (ideally with the viewer's flags, see `with_viewer_flags`, and its purpose). Queries:
    the options with their decision and the viewer's choices (1), the goal links (1); for
    a signed-in viewer the purpose-owner check (1); for people who may link goals, the
    purpose's goals (1).
    Returns {"decision_panel": {...}} so a caller can merge it into the page's context
    without overwriting anything else (`_panel.html` reads only `decision_panel`), or
    {} for a thread without a decision.
    """
    options_query = (
        DecisionOption.objects.filter(decision__thread_id=thread.pk)
        .select_related("decision", "decision__outcome_by")
        .order_by("position", "pk")
    )
    if user.is_authenticated:
        options_query = options_query.annotate(
            is_mine=Exists(DecisionVote.objects.filter(option_id=OuterRef("pk"), user=user))
        )
    options = list(options_query)
    if not options:
        return {}
    decision = options[0].decision
    decision.thread = thread
    for option in options:
        option.decision = decision
        option.is_mine = bool(getattr(option, "is_mine", False))
    my_choices = {option.pk for option in options if option.is_mine}
    now = timezone.now()
    _options_with_results(options, decision.voter_count)
    refusal = permissions.decision_vote_refusal(user, decision)
    can_close = permissions.can_close_decision(user, decision)
    can_link_goals = permissions.can_manage_ideas(user, thread.community)
    goal_links = list(
        GoalLink.objects.filter(thread_id=thread.pk)
        .select_related("goal")
        .order_by("goal__position", "goal_id")
    )
    linkable_goals: list[Goal] = []
    if can_link_goals:
        linked = {link.goal_id for link in goal_links}
        linkable_goals = [
            goal
            for goal in Goal.objects.filter(purpose_id=thread.community.purpose_id).order_by(
                "position", "pk"
            )
            if goal.pk not in linked
        ]
    voting_over = decision.is_voting_over(now)
    block_count = 0
    if decision.mode == DecisionMode.CONSENT:
        block_count = sum(
            option.vote_count for option in options if option.position == CONSENT_BLOCK_POSITION
        )
    panel = {
        "decision": decision,
        "thread": thread,
        "community": thread.community,
        "options": options,
        "my_choices": my_choices,
        "has_voted": bool(my_choices),
        "can_vote": refusal is None,
        "vote_refusal": refusal,
        "results_visible": permissions.can_see_decision_results(user, decision),
        "voting_over": voting_over,
        "closing_soon": not voting_over and decision.closes_at - now <= CLOSING_SOON,
        "can_close": can_close and not decision.is_closed,
        "can_record_outcome": can_close and decision.is_closed,
        "is_multiple": decision.mode == DecisionMode.MULTIPLE,
        "is_consent": decision.mode == DecisionMode.CONSENT,
        "block_count": block_count,
        "goal_links": goal_links,
        "can_link_goals": can_link_goals,
        "linkable_goals": linkable_goals,
    }
    return {"decision_panel": panel}


def decisions_of_threads(thread_ids: list[int]) -> dict[int, Decision]:
    """The decisions of these (already readable) decision threads, by thread id: one
    query, for lists."""
    return {
        decision.thread_id: decision
        for decision in Decision.objects.filter(thread_id__in=thread_ids)
    }
