"""The REST API for webhook endpoints, as their pages do: site-wide endpoints for
administrators (/api/v1/webhooks/), a community's for its owners and administrators
(/api/v1/communities/<slug>/webhooks/), with their delivery log, redelivery and test
events.

Thin views over `webhooks.selectors` and `webhooks.services`: a community the person may
not see, and an endpoint or delivery of another scope, answer 404; someone who may not
manage the scope's webhooks gets 403 with the reason (`require_manage_webhooks`). A
secret Commons makes is in the answer that made it, and never again.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as api_serializers
from api.pagination import page_response, paginated, parse_query
from api.responses import detail_response, idempotent
from api.schema import RefusingReadSchema
from api.scopes import SignedIn, SignedInToWrite
from api.views import ETAG_PARAMETER, IDEMPOTENCY_PARAMETER, NOT_MODIFIED, ApiView, _limit
from communities.api import NO_CONTENT
from core import params
from webhooks import selectors, services
from webhooks import serializers as webhook_serializers
from webhooks.models import Delivery, Endpoint

TAGS = ["webhooks"]


def _context(request: Request, slug: str | None) -> dict:
    return {"request": request, "slug": slug}


def _id(value: int) -> int:
    """A row id from the path, or 404 for one no row can have."""
    if params.positive_int(value) is None:
        raise Http404
    return value


def _valid(serializer_class, request: Request, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _endpoint(request: Request, slug: str | None, endpoint_id: int) -> Endpoint:
    community = selectors.managed_scope(user=request.user, slug=slug)
    return selectors.get_endpoint(community=community, endpoint_id=_id(endpoint_id))


def _endpoint_data(request: Request, slug: str | None, endpoint: Endpoint) -> dict:
    return webhook_serializers.WebhookEndpointSerializer(
        endpoint, context=_context(request, slug)
    ).data


def _saved_data(request: Request, slug: str | None, saved: services.Saved) -> dict:
    endpoint = saved.endpoint
    endpoint.new_secret = saved.new_secret
    return webhook_serializers.WebhookEndpointSavedSerializer(
        endpoint, context=_context(request, slug)
    ).data


def _delivery_data(request: Request, slug: str | None, delivery: Delivery) -> dict:
    return webhook_serializers.WebhookDeliverySerializer(
        delivery, context=_context(request, slug)
    ).data


class WebhookView(ApiView):
    # Signed-in people only, as the pages are; reads too may be refused with a reason.
    schema = RefusingReadSchema()
    permission_classes = [SignedIn, SignedInToWrite]


# -- endpoints ---------------------------------------------------------------------------------


class EndpointListView(WebhookView):
    @extend_schema(
        parameters=[api_serializers.PageQuery],
        responses=paginated(webhook_serializers.WebhookEndpointSerializer),
        tags=TAGS,
    )
    def get(self, request: Request, slug: str | None = None) -> Response:
        community = selectors.managed_scope(user=request.user, slug=slug)
        query = parse_query(request, api_serializers.PageQuery)
        page = selectors.endpoint_page(
            community=community,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.API_PAGE_SIZE),
        )
        rows = webhook_serializers.WebhookEndpointSerializer(
            page.items, many=True, context=_context(request, slug)
        )
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        description=(
            "The address must lead to a public network (or a host an administrator allowed). "
            "Without `secret`, one is made and returned in this answer only."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=webhook_serializers.WebhookEndpointCreateSerializer,
        examples=[
            OpenApiExample(
                "A receiver for new ideas",
                value={
                    "url": "https://hooks.example.com/commons",
                    "description": "Backlog",
                    "events": ["idea.created", "idea.status_changed"],
                },
                request_only=True,
            )
        ],
        responses={201: webhook_serializers.WebhookEndpointSavedSerializer},
        tags=TAGS,
    )
    def post(self, request: Request, slug: str | None = None) -> Response:
        def create() -> Response:
            community = selectors.managed_scope(user=request.user, slug=slug)
            data = _valid(webhook_serializers.WebhookEndpointCreateSerializer, request)
            _limit(request, "writes")
            saved = services.create_endpoint(by=request.user, community=community, **data)
            body = _saved_data(request, slug, saved)
            return Response(body, status=201, headers={"Location": body["api_url"]})

        return idempotent(request, create)


class EndpointDetailView(WebhookView):
    @extend_schema(
        parameters=[ETAG_PARAMETER],
        responses={200: webhook_serializers.WebhookEndpointSerializer, **NOT_MODIFIED},
        tags=TAGS,
    )
    def get(self, request: Request, endpoint_id: int, slug: str | None = None) -> Response:
        endpoint = _endpoint(request, slug, endpoint_id)
        return detail_response(request, _endpoint_data(request, slug, endpoint))

    @extend_schema(
        description=(
            "Fields left out keep their value. With `new_secret_wanted`, a new secret is "
            "made and returned in this answer only."
        ),
        request=webhook_serializers.WebhookEndpointUpdateSerializer,
        responses={200: webhook_serializers.WebhookEndpointSavedSerializer},
        tags=TAGS,
    )
    def patch(self, request: Request, endpoint_id: int, slug: str | None = None) -> Response:
        endpoint = _endpoint(request, slug, endpoint_id)
        data = _valid(webhook_serializers.WebhookEndpointUpdateSerializer, request, partial=True)
        _limit(request, "writes")
        saved = services.update_endpoint(
            by=request.user,
            endpoint=endpoint,
            url=data.get("url", endpoint.url),
            events=data.get("events", endpoint.events),
            description=data.get("description", endpoint.description),
            is_enabled=data.get("is_enabled", endpoint.is_enabled),
            secret=data.get("secret", ""),
            new_secret_wanted=data.get("new_secret_wanted", False),
        )
        saved.endpoint.community = endpoint.community
        return Response(_saved_data(request, slug, saved))

    @extend_schema(request=None, responses=NO_CONTENT, tags=TAGS)
    def delete(self, request: Request, endpoint_id: int, slug: str | None = None) -> Response:
        endpoint = _endpoint(request, slug, endpoint_id)
        _limit(request, "writes")
        services.delete_endpoint(by=request.user, endpoint=endpoint)
        return Response(status=204)


# -- deliveries --------------------------------------------------------------------------------


class DeliveryListView(WebhookView):
    @extend_schema(
        parameters=[api_serializers.PageQuery],
        responses=paginated(webhook_serializers.WebhookDeliverySerializer),
        tags=TAGS,
    )
    def get(self, request: Request, endpoint_id: int, slug: str | None = None) -> Response:
        endpoint = _endpoint(request, slug, endpoint_id)
        query = parse_query(request, api_serializers.PageQuery)
        page = selectors.delivery_log(
            endpoint=endpoint,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.LOG_PAGE_SIZE),
        )
        rows = webhook_serializers.WebhookDeliverySerializer(
            page.items, many=True, context=_context(request, slug)
        )
        return page_response(request, rows.data, page.next_cursor)


class PingView(WebhookView):
    @extend_schema(
        description="A `ping` event, to check the receiver; it appears in the delivery log.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=None,
        responses={201: webhook_serializers.WebhookDeliverySerializer},
        tags=TAGS,
    )
    def post(self, request: Request, endpoint_id: int, slug: str | None = None) -> Response:
        def create() -> Response:
            endpoint = _endpoint(request, slug, endpoint_id)
            _limit(request, "webhook_deliveries")
            delivery = services.send_test(by=request.user, endpoint=endpoint)
            return Response(_delivery_data(request, slug, delivery), status=201)

        return idempotent(request, create)


class RedeliverView(WebhookView):
    @extend_schema(
        description=(
            "The same body as a new delivery, with the same event id; it appears in the "
            "delivery log."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=None,
        responses={201: webhook_serializers.WebhookDeliverySerializer},
        tags=TAGS,
    )
    def post(
        self, request: Request, endpoint_id: int, delivery_id: int, slug: str | None = None
    ) -> Response:
        def create() -> Response:
            endpoint = _endpoint(request, slug, endpoint_id)
            delivery = selectors.get_delivery(endpoint=endpoint, delivery_id=_id(delivery_id))
            _limit(request, "webhook_deliveries")
            again = services.redeliver(by=request.user, delivery=delivery)
            return Response(_delivery_data(request, slug, again), status=201)

        return idempotent(request, create)


# -- the two scopes: the same views, each with its own operations ------------------------------


def _operation(operation_id: str, summary: str):
    return extend_schema(operation_id=operation_id, summary=summary)


@extend_schema_view(
    get=_operation("webhooks_list", "Site-wide webhook endpoints, oldest first (administrators)"),
    post=_operation("webhooks_create", "Register a site-wide webhook endpoint (administrators)"),
)
class SiteEndpointListView(EndpointListView):
    pass


@extend_schema_view(
    get=_operation("webhooks_retrieve", "A site-wide webhook endpoint (administrators)"),
    patch=_operation("webhooks_partial_update", "Change a site-wide webhook endpoint"),
    delete=_operation("webhooks_destroy", "Remove a site-wide webhook endpoint and its log"),
)
class SiteEndpointDetailView(EndpointDetailView):
    pass


@extend_schema_view(
    get=_operation("webhooks_deliveries_list", "A site-wide endpoint's delivery log, newest first")
)
class SiteDeliveryListView(DeliveryListView):
    pass


@extend_schema_view(post=_operation("webhooks_ping", "Send a test event to a site-wide endpoint"))
class SitePingView(PingView):
    pass


@extend_schema_view(
    post=_operation("webhooks_redeliver", "Send a site-wide endpoint's delivery again")
)
class SiteRedeliverView(RedeliverView):
    pass


@extend_schema_view(
    get=_operation(
        "communities_webhooks_list",
        "The community's webhook endpoints, oldest first (its owners and administrators)",
    ),
    post=_operation(
        "communities_webhooks_create",
        "Register a webhook endpoint of the community (its owners and administrators)",
    ),
)
class CommunityEndpointListView(EndpointListView):
    pass


@extend_schema_view(
    get=_operation("communities_webhooks_retrieve", "A webhook endpoint of the community"),
    patch=_operation(
        "communities_webhooks_partial_update", "Change a webhook endpoint of the community"
    ),
    delete=_operation(
        "communities_webhooks_destroy", "Remove a webhook endpoint of the community and its log"
    ),
)
class CommunityEndpointDetailView(EndpointDetailView):
    pass


@extend_schema_view(
    get=_operation(
        "communities_webhooks_deliveries_list",
        "A community endpoint's delivery log, newest first",
    )
)
class CommunityDeliveryListView(DeliveryListView):
    pass


@extend_schema_view(
    post=_operation("communities_webhooks_ping", "Send a test event to a community's endpoint")
)
class CommunityPingView(PingView):
    pass


@extend_schema_view(
    post=_operation("communities_webhooks_redeliver", "Send a community endpoint's delivery again")
)
class CommunityRedeliverView(RedeliverView):
    pass
