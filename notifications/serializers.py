"""What the API shows and accepts about notifications and a person's notification
choices. Only shapes: which notifications a person may still see is
`notifications.selectors.still_visible`."""

from rest_framework import serializers

from api.serializers import PersonSerializer
from communities.serializers import StrictBooleanField, StrictIntegerField
from notifications.models import (
    DigestCadence,
    EmailDelivery,
    NotificationKind,
    Weekday,
    email_field,
)

DAILY_CAP_MAX = 500


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    headline = serializers.CharField(source="described.headline", help_text="What happened.")
    where = serializers.CharField(source="described.where", help_text="The community's name.")
    excerpt = serializers.CharField(source="described.excerpt", help_text="Plain text.")
    actor = PersonSerializer(source="event.actor", allow_null=True)
    community = serializers.SlugField(source="community.slug", allow_null=True, default=None)
    thread_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_unread = serializers.BooleanField()
    html_url = serializers.SerializerMethodField(help_text="The page it is about.")

    def get_html_url(self, notification) -> str:
        return self.context["request"].build_absolute_uri(notification.described.url)


class ReadResultSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many notifications changed.")
    unread_count = serializers.IntegerField(help_text="What the bell now counts.")


def _email_fields() -> dict:
    return {
        email_field(kind): serializers.ChoiceField(
            choices=EmailDelivery.choices,
            required=False,
            help_text="Email for this kind: immediately, in the digest only, or never.",
        )
        for kind in NotificationKind.values
    }


class _PreferenceFields(serializers.Serializer):
    keep_mentions_when_muted = StrictBooleanField(required=False)
    digest_cadence = serializers.ChoiceField(choices=DigestCadence.choices, required=False)
    digest_weekday = StrictIntegerField(
        required=False,
        min_value=min(Weekday.values),
        max_value=max(Weekday.values),
        help_text="0 is Monday, 6 Sunday.",
    )
    digest_hour = StrictIntegerField(required=False, min_value=0, max_value=23)
    daily_email_cap = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=DAILY_CAP_MAX,
        help_text="Most immediate emails a day; null for no limit.",
    )


# Built with the email field of every kind: one field per kind of notification.
PreferencesSerializer = type(
    "PreferencesSerializer",
    (_PreferenceFields,),
    {
        **_email_fields(),
        "__module__": __name__,
        "__doc__": "The person's own notification choices. Each community's level is its "
        "membership's (PATCH /api/v1/communities/{slug}/membership/).",
    },
)


class PurposeFollowSerializer(serializers.Serializer):
    following = serializers.BooleanField()
