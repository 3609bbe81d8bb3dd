"""The REST API for purposes, goals, measurements and challenges (and the communities of
a purpose, where new ones are created).

Thin views over `purposes.selectors` and `purposes.services`, the same as the purpose
pages: a draft purpose answers 404 to those who may not see it; a change by someone who
may see but not manage it answers 403 with the reason.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import people_by_email
from api import serializers as api_serializers
from api.pagination import page_response, paginated, parse_query
from api.responses import detail_response, idempotent
from api.views import ETAG_PARAMETER, IDEMPOTENCY_PARAMETER, NOT_MODIFIED, ApiView, _limit
from communities import permissions as community_permissions
from communities import selectors as community_selectors
from communities import serializers_config as config_serializers
from communities import services as community_services
from communities.api_config import settings_data
from core import params
from purposes import permissions, selectors, services
from purposes import serializers as purpose_serializers


def _context(request: Request) -> dict:
    return {"request": request}


def _valid(serializer_class, request: Request, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _id(value: int) -> int:
    """A row id from the path, or 404 for one no row can have."""
    if params.positive_int(value) is None:
        raise Http404
    return value


def _owners(data: dict) -> list | None:
    if "owners" not in data:
        return None
    owners, missing = people_by_email(data["owners"])
    if missing:
        raise exceptions.ValidationError(
            {
                "owners": [
                    _("No one has signed up with: %(emails)s") % {"emails": ", ".join(missing)}
                ]
            }
        )
    return owners


def _purpose_detail(request: Request, slug: str) -> dict:
    user = request.user
    purpose = selectors.get_purpose_for(user=user, slug=slug)
    purpose.goal_list = selectors.purpose_goals(purpose=purpose)
    for goal in purpose.goal_list:
        goal.purpose = purpose
    purpose.challenge_list = selectors.purpose_challenges(purpose=purpose)
    for challenge in purpose.challenge_list:
        challenge.purpose = purpose
    purpose.api_viewer = {
        "can_manage": permissions.can_manage_purpose(user, purpose),
        "can_create_communities": community_permissions.can_create_community(user, purpose),
        "following": selectors.follows_purpose(user=user, purpose=purpose),
    }
    return purpose_serializers.PurposeDetailSerializer(purpose, context=_context(request)).data


# -- purposes ----------------------------------------------------------------------------------


class PurposeListView(ApiView):
    @extend_schema(
        operation_id="purposes_list",
        summary="Purposes the reader may see, by title, with their goals",
        parameters=[purpose_serializers.PurposeQuery],
        responses=paginated(purpose_serializers.PurposeSerializer),
        tags=["purposes"],
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, purpose_serializers.PurposeQuery)
        page = selectors.purpose_page(
            user=request.user,
            status=query.get("status", ""),
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.API_PAGE_SIZE),
        )
        rows = purpose_serializers.PurposeSerializer(
            page.items, many=True, context=_context(request)
        )
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="purposes_create",
        summary="Create a purpose (administrators); it starts as a draft",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=purpose_serializers.PurposeWriteSerializer,
        responses={201: purpose_serializers.PurposeDetailSerializer},
        tags=["purposes"],
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            permissions.require_create_purpose(request.user)
            data = _valid(purpose_serializers.PurposeWriteSerializer, request)
            owners = _owners(data) or ()
            _limit(request, "writes")
            purpose = services.create_purpose(
                by=request.user,
                title=data["title"],
                slug=data["slug"],
                statement=data["statement"],
                cover_colour=data["cover_colour"],
                owners=owners,
            )
            body = _purpose_detail(request, purpose.slug)
            return Response(body, status=201, headers={"Location": body["url"]})

        return idempotent(request, create)


class PurposeDetailView(ApiView):
    @extend_schema(
        operation_id="purposes_retrieve",
        summary="A purpose with its goals, challenges and owners",
        parameters=[ETAG_PARAMETER],
        responses={200: purpose_serializers.PurposeDetailSerializer, **NOT_MODIFIED},
        tags=["purposes"],
    )
    def get(self, request: Request, slug: str) -> Response:
        return detail_response(request, _purpose_detail(request, slug))

    @extend_schema(
        operation_id="purposes_partial_update",
        summary="Change a purpose or its status (its owners and administrators)",
        request=purpose_serializers.PurposeUpdateSerializer,
        responses={200: purpose_serializers.PurposeDetailSerializer},
        tags=["purposes"],
    )
    def patch(self, request: Request, slug: str) -> Response:
        user = request.user
        purpose = selectors.get_purpose_for(user=user, slug=slug)
        permissions.require_manage_purpose(user, purpose)
        data = _valid(purpose_serializers.PurposeUpdateSerializer, request, partial=True)
        owners = _owners(data)
        _limit(request, "writes")
        fields = ("title", "slug", "statement", "cover_colour")
        if any(name in data for name in fields) or owners is not None:
            purpose = services.update_purpose(
                purpose=purpose,
                by=user,
                owners=owners,
                **{name: data.get(name, getattr(purpose, name)) for name in fields},
            )
        if "status" in data:
            services.change_purpose_status(purpose=purpose, by=user, status=data["status"])
        return Response(_purpose_detail(request, purpose.slug))


# -- goals -------------------------------------------------------------------------------------


def _managed_purpose(request: Request, slug: str):
    purpose = selectors.get_purpose_for(user=request.user, slug=slug)
    permissions.require_manage_purpose(request.user, purpose)
    return purpose


def _goal_data(request: Request, goal) -> dict:
    return purpose_serializers.GoalSerializer(goal, context=_context(request)).data


class GoalListView(ApiView):
    @extend_schema(
        operation_id="goals_list",
        summary="The purpose's goals, in their order",
        parameters=[api_serializers.PageQuery],
        responses=paginated(purpose_serializers.GoalSerializer),
        tags=["purposes"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, api_serializers.PageQuery)
        purpose = selectors.get_purpose_for(user=request.user, slug=slug)
        page = selectors.goal_page(
            purpose=purpose,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.API_PAGE_SIZE),
        )
        rows = purpose_serializers.GoalSerializer(page.items, many=True, context=_context(request))
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="goals_create",
        summary="Add a goal (the purpose's owners and administrators)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=purpose_serializers.GoalWriteSerializer,
        responses={201: purpose_serializers.GoalSerializer},
        tags=["purposes"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            purpose = _managed_purpose(request, slug)
            data = _valid(purpose_serializers.GoalWriteSerializer, request)
            _limit(request, "writes")
            goal = services.add_goal(purpose=purpose, by=request.user, **data)
            body = _goal_data(request, goal)
            return Response(body, status=201, headers={"Location": body["url"]})

        return idempotent(request, create)


class GoalDetailView(ApiView):
    @extend_schema(
        operation_id="goals_retrieve",
        summary="A goal and its progress",
        parameters=[ETAG_PARAMETER],
        responses={200: purpose_serializers.GoalSerializer, **NOT_MODIFIED},
        tags=["purposes"],
    )
    def get(self, request: Request, slug: str, goal_id: int) -> Response:
        purpose = selectors.get_purpose_for(user=request.user, slug=slug)
        goal = selectors.get_goal(purpose=purpose, goal_id=_id(goal_id))
        return detail_response(request, _goal_data(request, goal))

    @extend_schema(
        operation_id="goals_partial_update",
        summary="Change a goal (the purpose's owners and administrators)",
        request=purpose_serializers.GoalWriteSerializer,
        responses={200: purpose_serializers.GoalSerializer},
        tags=["purposes"],
    )
    def patch(self, request: Request, slug: str, goal_id: int) -> Response:
        purpose = _managed_purpose(request, slug)
        goal = selectors.get_goal(purpose=purpose, goal_id=_id(goal_id))
        data = _valid(purpose_serializers.GoalWriteSerializer, request, partial=True)
        _limit(request, "writes")
        fields = ("metric", "unit", "baseline", "target", "due_date")
        goal = services.update_goal(
            goal=goal,
            by=request.user,
            **{name: data.get(name, getattr(goal, name)) for name in fields},
        )
        return Response(_goal_data(request, goal))


class MeasurementListView(ApiView):
    @extend_schema(
        operation_id="measurements_list",
        summary="A goal's measurements, the latest day first",
        parameters=[api_serializers.PageQuery],
        responses=paginated(purpose_serializers.MeasurementSerializer),
        tags=["purposes"],
    )
    def get(self, request: Request, slug: str, goal_id: int) -> Response:
        query = parse_query(request, api_serializers.PageQuery)
        purpose = selectors.get_purpose_for(user=request.user, slug=slug)
        goal = selectors.get_goal(purpose=purpose, goal_id=_id(goal_id))
        page = selectors.measurement_page(
            goal=goal,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.API_PAGE_SIZE),
        )
        rows = purpose_serializers.MeasurementSerializer(page.items, many=True)
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="measurements_create",
        summary="Record a measurement: the goal's progress moves to the latest one",
        description=(
            "As on the purpose page: the goal's current value becomes the value of its latest "
            "measured day, and the purpose's followers and communities are told."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=purpose_serializers.MeasurementCreateSerializer,
        responses={201: purpose_serializers.MeasurementSerializer},
        tags=["purposes"],
    )
    def post(self, request: Request, slug: str, goal_id: int) -> Response:
        def create() -> Response:
            purpose = _managed_purpose(request, slug)
            goal = selectors.get_goal(purpose=purpose, goal_id=_id(goal_id))
            data = _valid(purpose_serializers.MeasurementCreateSerializer, request)
            _limit(request, "writes")
            measurement = services.record_measurement(
                goal=goal,
                by=request.user,
                value=data["value"],
                measured_on=data.get("measured_on") or timezone.localdate(),
                note=data["note"],
            )
            body = purpose_serializers.MeasurementSerializer(measurement).data
            return Response(body, status=201)

        return idempotent(request, create)


# -- challenges --------------------------------------------------------------------------------


class ChallengeListView(ApiView):
    @extend_schema(
        operation_id="challenges_list",
        summary="The purpose's challenges, the latest opening first",
        parameters=[purpose_serializers.ChallengeQuery],
        responses=paginated(purpose_serializers.PurposeChallengeSerializer),
        tags=["purposes"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, purpose_serializers.ChallengeQuery)
        purpose = selectors.get_purpose_for(user=request.user, slug=slug)
        page = selectors.challenge_page(
            purpose=purpose,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.API_PAGE_SIZE),
        )
        rows = purpose_serializers.PurposeChallengeSerializer(
            page.items, many=True, context=_context(request)
        )
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="challenges_create",
        summary="Open a challenge (the purpose's owners and administrators)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=purpose_serializers.ChallengeCreateSerializer,
        responses={201: purpose_serializers.PurposeChallengeSerializer},
        tags=["purposes"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            purpose = _managed_purpose(request, slug)
            data = _valid(purpose_serializers.ChallengeCreateSerializer, request)
            _limit(request, "writes")
            challenge = services.create_challenge(purpose=purpose, by=request.user, **data)
            challenge.purpose = purpose
            body = purpose_serializers.PurposeChallengeSerializer(
                challenge, context=_context(request)
            ).data
            return Response(body, status=201, headers={"Location": body["url"]})

        return idempotent(request, create)


class ChallengeDetailView(ApiView):
    @extend_schema(
        operation_id="challenges_retrieve",
        summary="A challenge",
        parameters=[ETAG_PARAMETER],
        responses={200: purpose_serializers.PurposeChallengeSerializer, **NOT_MODIFIED},
        tags=["purposes"],
    )
    def get(self, request: Request, slug: str, challenge_id: int) -> Response:
        purpose = selectors.get_purpose_for(user=request.user, slug=slug)
        challenge = selectors.get_challenge(purpose=purpose, challenge_id=_id(challenge_id))
        data = purpose_serializers.PurposeChallengeSerializer(
            challenge, context=_context(request)
        ).data
        return detail_response(request, data)


# -- the purpose's communities -----------------------------------------------------------------


class PurposeCommunityListView(ApiView):
    @extend_schema(
        operation_id="purposes_communities_list",
        summary="The purpose's communities listed for the reader",
        parameters=[api_serializers.PageQuery],
        responses=paginated(api_serializers.CommunitySerializer),
        tags=["communities"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, api_serializers.PageQuery)
        purpose = selectors.get_purpose_for(user=request.user, slug=slug)
        page = community_selectors.community_directory(
            user=request.user,
            purpose_slug=purpose.slug,
            open_to_me=False,
            query="",
            after=query.get("cursor"),
            page_size=query.get("page_size", community_selectors.DIRECTORY_PAGE_SIZE),
        )
        rows = api_serializers.CommunitySerializer(page.items, many=True, context=_context(request))
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="purposes_communities_create",
        summary="Create a community for the purpose (administrators and its owners)",
        description="The creator becomes the community's owner.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=config_serializers.CommunityCreateSerializer,
        responses={201: config_serializers.CommunitySettingsSerializer},
        tags=["communities"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            purpose = selectors.get_purpose_for(user=request.user, slug=slug)
            community_permissions.require_create_community(request.user, purpose)
            data = _valid(config_serializers.CommunityCreateSerializer, request)
            _limit(request, "writes")
            community = community_services.create_community(
                by=request.user, purpose=purpose, **data
            )
            body = settings_data(request, community.slug)
            return Response(body, status=201, headers={"Location": body["url"]})

        return idempotent(request, create)
