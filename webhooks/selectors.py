"""Reads of webhooks for the pages: endpoints of one scope, and an endpoint's log."""

from django.db.models import QuerySet
from django.http import Http404

from communities.models import Community
from core.pagination import Page, keyset_page
from webhooks.models import Delivery, Endpoint

LOG_PAGE_SIZE = 25


def endpoints_of(community: Community | None) -> QuerySet[Endpoint]:
    """The endpoints of `community` (None: the site-wide ones), oldest first. The caller
    has checked the viewer may manage them."""
    if community is None:
        return Endpoint.objects.filter(community__isnull=True).order_by("created_at", "pk")
    return Endpoint.objects.filter(community=community).order_by("created_at", "pk")


def get_endpoint(*, community: Community | None, endpoint_id: int) -> Endpoint:
    """One endpoint of the scope, or 404 (an endpoint of another community, or a site-wide
    one asked for under a community, answers as if it did not exist)."""
    endpoint = endpoints_of(community).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404
    endpoint.community = community
    return endpoint


def delivery_log(*, endpoint: Endpoint, after: str | None) -> Page:
    """A page of the endpoint's deliveries, newest first (one query)."""
    deliveries = Delivery.objects.filter(endpoint=endpoint).defer("body")
    return keyset_page(
        deliveries, field="created_at", after=after, page_size=LOG_PAGE_SIZE, descending=True
    )


def get_delivery(*, endpoint: Endpoint, delivery_id: int) -> Delivery:
    delivery = Delivery.objects.filter(endpoint=endpoint, pk=delivery_id).first()
    if delivery is None:
        raise Http404
    delivery.endpoint = endpoint
    return delivery
