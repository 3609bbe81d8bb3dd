"""The REST API for the signed-in person's profile, people's profiles and organisations.

Thin views over `accounts.selectors` and `accounts.services`, with the conventions of
`api.views` (problem answers, cursor pages, ETags, rate limits on writes).
"""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts import serializers as account_serializers
from accounts.permissions import require_administrator
from api.pagination import page_response, paginated, parse_query
from api.responses import detail_response, idempotent
from api.schema import RefusingReadSchema
from api.scopes import SignedIn, SignedInToWrite
from api.views import ETAG_PARAMETER, IDEMPOTENCY_PARAMETER, NOT_MODIFIED, ApiView, _limit
from discussions.permissions import people_visible_to


def _context(request: Request) -> dict:
    return {"request": request}


def _partial(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data, partial=True)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProfileView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]

    @extend_schema(
        operation_id="me_profile_retrieve",
        summary="Your profile, as Settings → Profile shows it",
        parameters=[ETAG_PARAMETER],
        responses={200: account_serializers.ProfileSerializer, **NOT_MODIFIED},
        tags=["people"],
    )
    def get(self, request: Request) -> Response:
        data = account_serializers.ProfileSerializer(request.user, context=_context(request)).data
        return detail_response(request, data)

    @extend_schema(
        operation_id="me_profile_partial_update",
        summary="Change your profile; fields left out keep their value",
        request=account_serializers.ProfileSerializer,
        responses={200: account_serializers.ProfileSerializer},
        tags=["people"],
    )
    def patch(self, request: Request) -> Response:
        user = request.user
        data = _partial(account_serializers.ProfileSerializer, request)
        _limit(request, "writes")
        services.update_profile(
            user=user,
            display_name=data.get("display_name", user.display_name),
            bio=data.get("bio", user.bio),
            timezone=data.get("timezone", user.timezone),
            language=data.get("language", user.language),
            remove_avatar=data.get("remove_avatar", False),
        )
        data = account_serializers.ProfileSerializer(user, context=_context(request)).data
        return Response(data)


class PersonView(ApiView):
    @extend_schema(
        operation_id="people_retrieve",
        summary="A person's profile, for those who may open it",
        parameters=[ETAG_PARAMETER],
        responses={200: account_serializers.PersonProfileSerializer, **NOT_MODIFIED},
        tags=["people"],
    )
    def get(self, request: Request, person_id: int) -> Response:
        person = selectors.get_person(pk=person_id, among=people_visible_to(request.user))
        data = account_serializers.PersonProfileSerializer(person, context=_context(request))
        return detail_response(request, data.data)


class OrganisationListView(ApiView):
    schema = RefusingReadSchema()
    permission_classes = [SignedIn, SignedInToWrite]

    @extend_schema(
        operation_id="organisations_list",
        summary="Organisations, by name (administrators)",
        parameters=[account_serializers.OrganisationQuery],
        responses=paginated(account_serializers.OrganisationSerializer),
        tags=["organisations"],
    )
    def get(self, request: Request) -> Response:
        require_administrator(request.user)
        query = parse_query(request, account_serializers.OrganisationQuery)
        page = selectors.organisation_page(
            kind=query.get("kind", ""),
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.ORGANISATIONS_PAGE_SIZE),
        )
        rows = account_serializers.OrganisationSerializer(page.items, many=True)
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="organisations_create",
        summary="Add an organisation (administrators)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=account_serializers.OrganisationSerializer,
        responses={201: account_serializers.OrganisationSerializer},
        tags=["organisations"],
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            require_administrator(request.user)
            serializer = account_serializers.OrganisationSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            _limit(request, "writes")
            organisation = services.create_organisation(
                by=request.user, **serializer.validated_data
            )
            organisation = selectors.get_organisation(pk=organisation.pk)
            data = account_serializers.OrganisationSerializer(organisation).data
            return Response(data, status=201)

        return idempotent(request, create)


class OrganisationDetailView(ApiView):
    schema = RefusingReadSchema()
    permission_classes = [SignedIn, SignedInToWrite]

    @extend_schema(
        operation_id="organisations_retrieve",
        summary="An organisation (administrators)",
        parameters=[ETAG_PARAMETER],
        responses={200: account_serializers.OrganisationSerializer, **NOT_MODIFIED},
        tags=["organisations"],
    )
    def get(self, request: Request, organisation_id: int) -> Response:
        require_administrator(request.user)
        organisation = selectors.get_organisation(pk=organisation_id)
        return detail_response(
            request, account_serializers.OrganisationSerializer(organisation).data
        )

    @extend_schema(
        operation_id="organisations_partial_update",
        summary="Rename an organisation or change its kind (administrators)",
        request=account_serializers.OrganisationUpdateSerializer,
        responses={200: account_serializers.OrganisationSerializer},
        tags=["organisations"],
    )
    def patch(self, request: Request, organisation_id: int) -> Response:
        require_administrator(request.user)
        organisation = selectors.get_organisation(pk=organisation_id)
        data = _partial(account_serializers.OrganisationUpdateSerializer, request)
        _limit(request, "writes")
        services.update_organisation(
            organisation=organisation,
            by=request.user,
            name=data.get("name", organisation.name),
            kind=data.get("kind", organisation.kind),
            require_mfa=data.get("require_mfa", organisation.require_mfa),
        )
        organisation = selectors.get_organisation(pk=organisation_id)
        return Response(account_serializers.OrganisationSerializer(organisation).data)
