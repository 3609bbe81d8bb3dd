"""What the API shows and accepts about webhook endpoints and their deliveries: the fields
of the webhook pages. Shapes only: `webhooks.services` checks addresses (no private
networks), events and secrets, and `communities.permissions` who may manage them."""

from rest_framework import serializers

from accounts.serializers import StrictBooleanField
from api.serializers import RowSerializer, TextField
from core.addresses import keyword_url
from webhooks.models import DeliveryState, WebhookEvent

# The form's limits (`webhooks.forms.EndpointForm`).
URL_LIMIT = 2000
DESCRIPTION_LIMIT = 200
SECRET_LIMIT = 200


def _names(slug: str | None) -> tuple[str, dict]:
    """The prefix of the API's URL names for a scope, and the keywords it takes."""
    if slug is None:
        return "api:webhook", {}
    return "api:community-webhook", {"slug": slug}


def webhook_url(request, name: str, slug: str | None, **ids: int) -> str:
    """The absolute API address `name` (list, detail, deliveries, ping, redeliver) of a
    site-wide endpoint (slug None) or one of the community at `slug`."""
    prefix, keywords = _names(slug)
    return request.build_absolute_uri(keyword_url(f"{prefix}-{name}", **keywords, **ids))


def _events(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        max_length=len(WebhookEvent.choices),
        **kwargs,
    )


class WebhookEndpointSerializer(RowSerializer):
    """An endpoint as its page shows it. The secret is never shown again after it was
    made (see WebhookEndpointSavedSerializer)."""

    id = serializers.IntegerField(source="pk")
    community = serializers.SlugField(
        source="community.slug",
        allow_null=True,
        default=None,
        help_text="The community whose events it hears; null for a site-wide endpoint.",
    )
    url = serializers.CharField(help_text="The payload URL: where each event is POSTed.")
    description = serializers.CharField()
    events = _events(help_text="The events sent to it.")
    is_enabled = serializers.BooleanField()
    consecutive_failures = serializers.IntegerField(
        help_text="Deliveries given up in a row; a success starts again from 0."
    )
    disabled_automatically_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When it was switched off after too many failures; null otherwise.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    api_url = serializers.SerializerMethodField()
    deliveries_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_api_url(self, endpoint) -> str:
        return webhook_url(
            self.context["request"], "detail", self.context["slug"], endpoint_id=endpoint.pk
        )

    def get_deliveries_url(self, endpoint) -> str:
        return webhook_url(
            self.context["request"],
            "delivery-list",
            self.context["slug"],
            endpoint_id=endpoint.pk,
        )

    def get_html_url(self, endpoint) -> str:
        slug = self.context["slug"]
        if slug is None:
            path = keyword_url("site_webhook_detail", endpoint_id=endpoint.pk)
        else:
            path = keyword_url("community_webhook_detail", slug=slug, endpoint_id=endpoint.pk)
        return self.context["request"].build_absolute_uri(path)


class WebhookEndpointSavedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        source="new_secret",
        allow_null=True,
        help_text=(
            "The secret Commons made (when none was given, or a new one was asked for), shown "
            "in this answer only: copy it into the receiver. Null otherwise."
        ),
    )


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = TextField(max_length=URL_LIMIT, help_text="Where to POST each event (http or https).")
    description = TextField(
        max_length=DESCRIPTION_LIMIT, allow_blank=True, required=False, default=""
    )
    events = _events(help_text="At least one.")
    secret = TextField(
        max_length=SECRET_LIMIT,
        allow_blank=True,
        required=False,
        default="",
        help_text="Signs every delivery. Leave it out to have one made and shown once.",
    )
    is_enabled = StrictBooleanField(required=False, default=True)


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    """Every field is optional: those left out keep their value."""

    url = TextField(max_length=URL_LIMIT, required=False)
    description = TextField(max_length=DESCRIPTION_LIMIT, allow_blank=True, required=False)
    events = _events(required=False)
    is_enabled = StrictBooleanField(
        required=False, help_text="Switching it on again starts its failure count anew."
    )
    secret = TextField(
        max_length=SECRET_LIMIT,
        allow_blank=True,
        required=False,
        help_text="A new secret to sign with; leave it out to keep the current one.",
    )
    new_secret_wanted = StrictBooleanField(
        required=False,
        help_text=(
            "True has a new secret made, shown once in the answer; the old one stops working."
        ),
    )


class WebhookDeliverySerializer(RowSerializer):
    id = serializers.IntegerField(source="pk")
    uid = serializers.UUIDField(help_text="The Commons-Delivery header sent with it.")
    event = serializers.CharField(help_text="The event's type (`ping` for a test event).")
    event_id = serializers.UUIDField(
        source="event_uid", help_text="The event's id in the body, the same on redeliveries."
    )
    redelivery_of = serializers.IntegerField(
        source="redelivery_of_id",
        allow_null=True,
        help_text="The delivery it sends again; null for a first delivery.",
    )
    state = serializers.ChoiceField(choices=DeliveryState.choices)
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    response_status = serializers.IntegerField(
        allow_null=True, help_text="The receiver's HTTP status at the last attempt."
    )
    duration_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(help_text="Why the last attempt failed; empty otherwise.")
    response_excerpt = serializers.CharField(help_text="The start of the receiver's answer.")
    redeliver_url = serializers.SerializerMethodField()

    def get_redeliver_url(self, delivery) -> str:
        return webhook_url(
            self.context["request"],
            "redeliver",
            self.context["slug"],
            endpoint_id=delivery.endpoint_id,
            delivery_id=delivery.pk,
        )
