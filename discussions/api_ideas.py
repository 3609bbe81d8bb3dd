"""The REST API for governing ideas, as idea managers (the community's moderators and the
purpose's owners) do on an idea's page: status changes with official responses, merging
a duplicate into its original, and links to the purpose's goals.

An idea the reader may not read answers 404; an action they may not take, 403 with the
reason (`discussions.permissions.require_manage_ideas`).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as api_serializers
from api.pagination import page_response, paginated, parse_query
from api.responses import idempotent
from api.views import IDEMPOTENCY_PARAMETER, ApiView, _idea, _limit
from core import params
from discussions import permissions
from discussions import serializers_ideas as idea_serializers
from discussions.selectors import ideas as selectors
from discussions.services import ideas as services


def _context(request: Request) -> dict:
    return {"request": request}


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _managed_idea(request: Request, slug: str, thread_id: int):
    idea = _idea(request, slug, thread_id)
    permissions.require_manage_ideas(request.user, idea.community)
    return idea


def _idea_data(request: Request, slug: str, thread_id: int) -> dict:
    return api_serializers.IdeaSerializer(
        _idea(request, slug, thread_id), context=_context(request)
    ).data


class IdeaStatusView(ApiView):
    @extend_schema(
        operation_id="ideas_status_changes_list",
        summary="The idea's status changes and official responses, the latest first",
        parameters=[api_serializers.PageQuery],
        responses=paginated(idea_serializers.StatusChangeSerializer),
        tags=["ideas"],
    )
    def get(self, request: Request, slug: str, thread_id: int) -> Response:
        query = parse_query(request, api_serializers.PageQuery)
        idea = _idea(request, slug, thread_id)
        page = selectors.status_change_page(
            idea=idea,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.GOVERNANCE_PAGE_SIZE),
        )
        rows = idea_serializers.StatusChangeSerializer(page.items, many=True)
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="ideas_status_changes_create",
        summary="Move the idea to a status with an official response (idea managers)",
        description="The idea's voters and followers are told, as when it is done on the page.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=idea_serializers.StatusChangeCreateSerializer,
        responses={201: idea_serializers.StatusChangeSerializer},
        tags=["ideas"],
    )
    def post(self, request: Request, slug: str, thread_id: int) -> Response:
        def create() -> Response:
            idea = _managed_idea(request, slug, thread_id)
            data = _valid(idea_serializers.StatusChangeCreateSerializer, request)
            _limit(request, "writes")
            change = services.change_status(
                idea=idea, by=request.user, status=data["status"], response=data["response"]
            )
            change = selectors.get_status_change(change_id=change.pk)
            return Response(idea_serializers.StatusChangeSerializer(change).data, status=201)

        return idempotent(request, create)


class IdeaMergeView(ApiView):
    @extend_schema(
        operation_id="ideas_merge_create",
        summary="Merge this idea into its original (idea managers)",
        description=(
            "The votes move to the original (one per person), this idea becomes a duplicate "
            "pointing at it. Answers the original."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=idea_serializers.MergeSerializer,
        responses={200: api_serializers.IdeaSerializer},
        tags=["ideas"],
    )
    def post(self, request: Request, slug: str, thread_id: int) -> Response:
        def create() -> Response:
            duplicate = _managed_idea(request, slug, thread_id)
            data = _valid(idea_serializers.MergeSerializer, request)
            try:
                original = selectors.get_idea(
                    community=duplicate.community, thread_id=data["original"]
                )
            except Http404 as error:
                raise exceptions.ValidationError(
                    {"original": [_("There is no idea with this number in this community.")]}
                ) from error
            _limit(request, "writes")
            original = services.merge_ideas(
                duplicate=duplicate, original=original, by=request.user, response=data["response"]
            )
            return Response(_idea_data(request, slug, original.thread_id))

        return idempotent(request, create)


class IdeaGoalListView(ApiView):
    @extend_schema(
        operation_id="ideas_goals_list",
        summary="The goals the idea is linked to",
        parameters=[api_serializers.PageQuery],
        responses=paginated(idea_serializers.GoalLinkSerializer),
        tags=["ideas"],
    )
    def get(self, request: Request, slug: str, thread_id: int) -> Response:
        query = parse_query(request, api_serializers.PageQuery)
        idea = _idea(request, slug, thread_id)
        page = selectors.goal_link_page(
            thread=idea.thread,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.GOVERNANCE_PAGE_SIZE),
        )
        rows = idea_serializers.GoalLinkSerializer(page.items, many=True)
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="ideas_goals_create",
        summary="Link the idea to a goal of the purpose (idea managers)",
        description="Linking again only changes the expected impact.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=idea_serializers.GoalLinkCreateSerializer,
        responses={201: idea_serializers.GoalLinkSerializer},
        tags=["ideas"],
    )
    def post(self, request: Request, slug: str, thread_id: int) -> Response:
        def create() -> Response:
            idea = _managed_idea(request, slug, thread_id)
            data = _valid(idea_serializers.GoalLinkCreateSerializer, request)
            goals = {goal.pk: goal for goal in selectors.community_goals(community=idea.community)}
            goal = goals.get(data["goal"])
            if goal is None:
                raise exceptions.ValidationError(
                    {"goal": [_("Choose a goal of this community's purpose.")]}
                )
            _limit(request, "writes")
            link = services.link_goal(
                thread=idea.thread,
                goal=goal,
                by=request.user,
                expected_impact=data["expected_impact"],
            )
            link.goal = goal
            return Response(idea_serializers.GoalLinkSerializer(link).data, status=201)

        return idempotent(request, create)


class IdeaGoalDetailView(ApiView):
    @extend_schema(
        operation_id="ideas_goals_destroy",
        summary="Unlink the idea from a goal (idea managers)",
        request=None,
        responses={204: OpenApiResponse(description="Unlinked.")},
        tags=["ideas"],
    )
    def delete(self, request: Request, slug: str, thread_id: int, goal_id: int) -> Response:
        idea = _managed_idea(request, slug, thread_id)
        if params.positive_int(goal_id) is None:
            raise Http404
        goals = {goal.pk: goal for goal in selectors.community_goals(community=idea.community)}
        goal = goals.get(goal_id)
        if goal is None:
            raise Http404
        _limit(request, "writes")
        services.unlink_goal(thread=idea.thread, goal=goal, by=request.user)
        return Response(status=204)
