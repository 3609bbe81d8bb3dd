"""Reads of webhooks for the pages and the API: whose endpoints a person manages, the
endpoints of one scope, and an endpoint's log."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from communities import permissions
from communities import selectors as community_selectors
from communities.models import Community
from core.pagination import Page, keyset_page
from webhooks.models import Delivery, Endpoint

LOG_PAGE_SIZE = 25
API_PAGE_SIZE = 50


def managed_scope(*, user: User, slug: str | None) -> Community | None:
    """The community at `slug` (None: the site) whose endpoints `user` manages: 404 for a
    community they may not see, PermissionDenied with the reason when they may not manage
    its webhooks (or, without a community, the site's)."""
    community = None
    if slug is not None:
        community = community_selectors.get_community_for(user=user, slug=slug)
    permissions.require_manage_webhooks(user, community)
    return community


def endpoints_of(community: Community | None) -> QuerySet[Endpoint]:
    """The endpoints of `community` (None: the site-wide ones), oldest first. The caller
    has checked the viewer may manage them."""
    if community is None:
        return Endpoint.objects.filter(community__isnull=True).order_by("created_at", "pk")
    return Endpoint.objects.filter(community=community).order_by("created_at", "pk")


def endpoint_page(
    *, community: Community | None, after: str | None = None, page_size: int = API_PAGE_SIZE
) -> Page:
    """A page of the scope's endpoints, oldest first (one query). The caller has checked
    the viewer may manage them."""
    page = keyset_page(
        endpoints_of(community), field="created_at", after=after, page_size=page_size
    )
    for endpoint in page.items:
        endpoint.community = community
    return page


def get_endpoint(*, community: Community | None, endpoint_id: int) -> Endpoint:
    """One endpoint of the scope, or 404 (an endpoint of another community, or a site-wide
    one asked for under a community, answers as if it did not exist)."""
    endpoint = endpoints_of(community).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404
    endpoint.community = community
    return endpoint


def delivery_log(*, endpoint: Endpoint, after: str | None, page_size: int = LOG_PAGE_SIZE) -> Page:
    """A page of the endpoint's deliveries, newest first (one query)."""
    deliveries = Delivery.objects.filter(endpoint=endpoint).defer("body")
    return keyset_page(
        deliveries, field="created_at", after=after, page_size=page_size, descending=True
    )


def get_delivery(*, endpoint: Endpoint, delivery_id: int) -> Delivery:
    delivery = Delivery.objects.filter(endpoint=endpoint, pk=delivery_id).first()
    if delivery is None:
        raise Http404
    delivery.endpoint = endpoint
    return delivery
