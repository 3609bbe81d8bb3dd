"""The REST API for decisions: list, open, read, vote, close and record the outcome, as
the decision pages allow.

A decision the reader may not read answers 404; an action they may not take, 403 with the
reason (`discussions.permissions.decision_vote_refusal`, `close_refusal`).
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.pagination import page_response, paginated, parse_query
from api.responses import detail_response, idempotent
from api.views import ETAG_PARAMETER, IDEMPOTENCY_PARAMETER, NOT_MODIFIED, ApiView, _limit
from communities import selectors as community_selectors
from core import params
from discussions import permissions
from discussions import serializers_decisions as decision_serializers
from discussions.models import ThreadKind
from discussions.selectors import decisions as selectors
from discussions.selectors import threads as thread_selectors
from discussions.services import decisions as services


def _url(request: Request, slug: str, thread_id: int) -> str:
    return reverse(
        "api:decision-detail", kwargs={"slug": slug, "thread_id": thread_id}, request=request
    )


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _decision(request: Request, slug: str, thread_id: int):
    return selectors.get_decision_for(user=request.user, slug=slug, thread_id=thread_id)


def _decision_data(request: Request, slug: str, thread_id: int) -> dict:
    """The decision as its panel shows it to the reader."""
    user = request.user
    decision = _decision(request, slug, thread_id)
    thread = decision.thread
    panel = selectors.decision_panel_context(user=user, thread=thread)["decision_panel"]
    visible = panel["results_visible"]
    options = [
        {
            "pk": option.pk,
            "label": option.label,
            "vote_count": option.vote_count if visible else None,
            "percent": option.percent if visible else None,
            "chosen": option.is_mine,
        }
        for option in panel["options"]
    ]
    decision = panel["decision"]
    data = {
        "id": thread.pk,
        "community": thread.community.slug,
        "title": thread.title,
        "author": thread.author,
        "mode": decision.mode,
        "closes_at": decision.closes_at,
        "closed_at": decision.closed_at,
        "voting_over": panel["voting_over"],
        "show_results_before_close": decision.show_results_before_close,
        "results_visible": visible,
        "voter_count": decision.voter_count if visible else None,
        "voter_types": [
            kind
            for kind, field in permissions.DECISION_VOTER_FIELDS.items()
            if getattr(decision, field)
        ],
        "options": options,
        "outcome": decision.outcome,
        "outcome_html": decision.outcome_html,
        "goal_links": panel["goal_links"],
        "viewer": {
            "can_vote": panel["can_vote"],
            "vote_refusal": panel["vote_refusal"],
            "can_close": panel["can_close"],
            "can_record_outcome": panel["can_record_outcome"],
            "can_link_goals": panel["can_link_goals"],
        },
        "url": _url(request, thread.community.slug, thread.pk),
        "thread_url": reverse(
            "api:thread-detail",
            kwargs={"slug": thread.community.slug, "thread_id": thread.pk},
            request=request,
        ),
    }
    return decision_serializers.DecisionSerializer(data).data


class DecisionListView(ApiView):
    @extend_schema(
        operation_id="decisions_list",
        summary="The community's decisions, pinned first, then by latest activity",
        parameters=[decision_serializers.DecisionQuery],
        responses=paginated(decision_serializers.DecisionRowSerializer),
        tags=["decisions"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, decision_serializers.DecisionQuery)
        community = community_selectors.get_readable_community(
            user=request.user, slug=slug, with_purpose=False
        )
        page = thread_selectors.thread_page(
            user=request.user,
            community=community,
            filters=thread_selectors.ThreadFilters(kind=ThreadKind.DECISION),
            after=query.get("cursor"),
            page_size=query.get("page_size", thread_selectors.THREADS_PAGE_SIZE),
        )
        decisions = selectors.decisions_of_threads([row.pk for row in page.items])
        rows = [
            {
                "pk": row.pk,
                "title": row.title,
                "author": row.author,
                "last_activity_at": row.last_activity_at,
                "decision": decisions[row.pk],
                "api_url": _url(request, community.slug, row.pk),
            }
            for row in page.items
            if row.pk in decisions
        ]
        data = decision_serializers.DecisionRowSerializer(rows, many=True).data
        return page_response(request, data, page.next_cursor)

    @extend_schema(
        operation_id="decisions_create",
        summary="Open a decision: a proposal with options and a closing time",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=decision_serializers.DecisionCreateSerializer,
        responses={201: decision_serializers.DecisionSerializer},
        tags=["decisions"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            user = request.user
            community = community_selectors.get_readable_community(user=user, slug=slug)
            refusal = permissions.post_refusal(user, community)
            if refusal:
                raise exceptions.PermissionDenied(refusal)
            data = _valid(decision_serializers.DecisionCreateSerializer, request)
            _limit(request, "writes")
            decision = services.open_decision(author=user, community=community, **data)
            body = _decision_data(request, slug, decision.thread_id)
            return Response(body, status=201, headers={"Location": body["url"]})

        return idempotent(request, create)


class DecisionDetailView(ApiView):
    @extend_schema(
        operation_id="decisions_retrieve",
        summary="A decision with its options, results (when shown) and outcome",
        parameters=[ETAG_PARAMETER],
        responses={200: decision_serializers.DecisionSerializer, **NOT_MODIFIED},
        tags=["decisions"],
    )
    def get(self, request: Request, slug: str, thread_id: int) -> Response:
        return detail_response(request, _decision_data(request, slug, thread_id))


def _refuse_closing(request: Request, decision) -> None:
    refusal = permissions.close_refusal(request.user, decision)
    if refusal:
        raise exceptions.PermissionDenied(refusal)


class DecisionCloseView(ApiView):
    @extend_schema(
        operation_id="decisions_close_create",
        summary="Close voting now, optionally with the outcome (its author or a moderator)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=decision_serializers.CloseSerializer,
        responses={200: decision_serializers.DecisionSerializer},
        tags=["decisions"],
    )
    def post(self, request: Request, slug: str, thread_id: int) -> Response:
        def create() -> Response:
            decision = _decision(request, slug, thread_id)
            _refuse_closing(request, decision)
            data = _valid(decision_serializers.CloseSerializer, request)
            _limit(request, "writes")
            services.close_decision(by=request.user, decision=decision, outcome=data["outcome"])
            return Response(_decision_data(request, slug, thread_id))

        return idempotent(request, create)


class DecisionOutcomeView(ApiView):
    @extend_schema(
        operation_id="decisions_outcome_update",
        summary="Record or replace the outcome of a closed decision (its author or a moderator)",
        request=decision_serializers.OutcomeSerializer,
        responses={200: decision_serializers.DecisionSerializer},
        tags=["decisions"],
    )
    def put(self, request: Request, slug: str, thread_id: int) -> Response:
        decision = _decision(request, slug, thread_id)
        _refuse_closing(request, decision)
        data = _valid(decision_serializers.OutcomeSerializer, request)
        _limit(request, "writes")
        services.record_outcome(by=request.user, decision=decision, outcome=data["outcome"])
        return Response(_decision_data(request, slug, thread_id))


class DecisionVoteView(ApiView):
    def _option(self, request: Request, slug: str, thread_id: int, option_id: int):
        decision = _decision(request, slug, thread_id)
        if params.positive_int(option_id) is None:
            raise Http404
        option = decision.options.filter(pk=option_id).first()
        if option is None:
            raise Http404
        refusal = permissions.decision_vote_refusal(request.user, decision)
        if refusal:
            raise exceptions.PermissionDenied(refusal)
        return decision, option

    @extend_schema(
        operation_id="decisions_votes_update",
        summary="Choose this option",
        description=(
            "Single choice and consent replace your earlier choice (changing your vote); "
            "multiple choice adds it to your choices."
        ),
        request=None,
        responses={200: decision_serializers.DecisionSerializer},
        tags=["decisions"],
    )
    def put(self, request: Request, slug: str, thread_id: int, option_id: int) -> Response:
        decision, option = self._option(request, slug, thread_id, option_id)
        _limit(request, "votes")
        services.choose_option(user=request.user, decision=decision, option=option)
        return Response(_decision_data(request, slug, thread_id))

    @extend_schema(
        operation_id="decisions_votes_destroy",
        summary="Take this option out of your choices",
        request=None,
        responses={200: decision_serializers.DecisionSerializer},
        tags=["decisions"],
    )
    def delete(self, request: Request, slug: str, thread_id: int, option_id: int) -> Response:
        decision, option = self._option(request, slug, thread_id, option_id)
        _limit(request, "votes")
        services.unchoose_option(user=request.user, decision=decision, option=option)
        return Response(_decision_data(request, slug, thread_id))
