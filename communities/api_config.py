"""The REST API for configuring a community, as its settings page and member list do:
audience, visibility, join policy, guidelines, categories, notification defaults, idea
voters, and members' roles. Communities are created under their purpose
(`purposes.api.PurposeCommunityListView`).

A community the reader may not see answers 404; one they may see but not configure, 403
with the reason (`communities.permissions.require_configure`).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import page_response, paginated
from api.responses import detail_response
from api.schema import RefusingReadSchema
from api.views import ETAG_PARAMETER, NOT_MODIFIED, ApiView, _limit
from communities import permissions, selectors, services
from communities import serializers_config as config_serializers
from purposes.models import Purpose


def _context(request: Request) -> dict:
    return {"request": request}


def _configurable(request: Request, slug: str):
    community = selectors.get_community_for(user=request.user, slug=slug, with_categories=True)
    permissions.require_configure(request.user, community)
    return community


def settings_data(request: Request, slug: str) -> dict:
    """The settings of the community at `slug`, for someone who may configure it."""
    community = _configurable(request, slug)
    community.category_list = selectors.community_categories(community)
    return config_serializers.CommunitySettingsSerializer(community, context=_context(request)).data


class CommunitySettingsView(ApiView):
    schema = RefusingReadSchema()

    @extend_schema(
        operation_id="communities_settings_retrieve",
        summary="A community's settings (its owners and administrators)",
        parameters=[ETAG_PARAMETER],
        responses={200: config_serializers.CommunitySettingsSerializer, **NOT_MODIFIED},
        tags=["communities"],
    )
    def get(self, request: Request, slug: str) -> Response:
        return detail_response(request, settings_data(request, slug))

    @extend_schema(
        operation_id="communities_settings_partial_update",
        summary="Change a community's settings; fields left out keep their value",
        request=config_serializers.CommunitySettingsUpdateSerializer,
        responses={200: config_serializers.CommunitySettingsSerializer},
        tags=["communities"],
    )
    def patch(self, request: Request, slug: str) -> Response:
        user = request.user
        community = _configurable(request, slug)
        serializer = config_serializers.CommunitySettingsUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        purpose = community.purpose
        if "purpose" in data and data["purpose"] != purpose.slug:
            # The same choice as the settings page offers: purposes the person may create
            # communities under, and the community's own.
            candidates = permissions.purposes_for_new_community(user) | Purpose.objects.filter(
                pk=community.purpose_id
            )
            purpose = candidates.filter(slug=data["purpose"]).first()
            if purpose is None:
                raise exceptions.ValidationError(
                    {"purpose": [_("Choose a purpose you may create communities under.")]}
                )
        current_categories = [c.name for c in selectors.community_categories(community)]
        _limit(request, "writes")
        community = services.update_community(
            community=community,
            by=user,
            purpose=purpose,
            name=data.get("name", community.name),
            slug=data.get("slug", community.slug),
            description=data.get("description", community.description),
            guidelines=data.get("guidelines", community.guidelines),
            audience=data.get("audience", community.audience),
            idea_voters=(
                data["idea_voters"] or None if "idea_voters" in data else community.idea_voters
            ),
            visibility=data.get("visibility", community.visibility),
            join_policy=data.get("join_policy", community.join_policy),
            default_notification_level=data.get(
                "default_notification_level", community.default_notification_level
            ),
            categories=data.get("categories", current_categories),
        )
        return Response(settings_data(request, community.slug))


class CategoryListView(ApiView):
    @extend_schema(
        operation_id="communities_categories_list",
        summary="The community's categories, in their order (all on one page)",
        responses=paginated(config_serializers.CategorySerializer),
        tags=["communities"],
    )
    def get(self, request: Request, slug: str) -> Response:
        community = selectors.get_readable_community(
            user=request.user, slug=slug, with_categories=True, with_purpose=False
        )
        rows = config_serializers.CategorySerializer(
            selectors.community_categories(community), many=True
        )
        return page_response(request, rows.data, None)


class RoleView(ApiView):
    @extend_schema(
        operation_id="communities_roles_update",
        summary="Change a member's role (the community's owners and administrators)",
        description="The person is named by their id; a community keeps at least one owner.",
        request=config_serializers.RoleSerializer,
        responses={200: config_serializers.RoleSerializer},
        tags=["communities"],
    )
    def put(self, request: Request, slug: str, user_id: int) -> Response:
        community = selectors.get_community_for(user=request.user, slug=slug)
        permissions.require_configure(request.user, community)
        membership = selectors.get_membership_of_person(community=community, user_id=user_id)
        serializer = config_serializers.RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _limit(request, "writes")
        membership = services.change_role(
            membership=membership, by=request.user, role=serializer.validated_data["role"]
        )
        return Response(config_serializers.RoleSerializer(membership).data)
