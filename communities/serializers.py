"""What the API shows and accepts about memberships, join requests and invitations.

Only shapes: who may see or do what is decided by `communities.permissions` and the
services the API views call (`communities.api`)."""

from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.models import MemberType
from api.pagination import PageQuery
from api.serializers import PersonSerializer, TextField
from communities.models import JoinRequestStatus, NotificationLevel, Role


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false, and only that: 0, "yes" and "true" are refused (the schema
    says boolean)."""

    def to_internal_value(self, data) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, and only an integer: "12", 12.5 and true are refused."""

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


MESSAGE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 300
EMAILS_AT_ONCE = 50
MAX_VALID_DAYS = 90
MAX_LINK_USES = 10000


class MembershipSerializer(serializers.Serializer):
    """One of the reader's own memberships."""

    id = serializers.IntegerField(source="pk")
    community = serializers.SlugField(source="community.slug")
    community_name = serializers.CharField(source="community.name")
    role = serializers.ChoiceField(choices=Role.choices)
    notification_level = serializers.ChoiceField(
        choices=NotificationLevel.choices,
        help_text="What reaches the person from this community, in the app, by email and "
        "in their digest.",
    )
    joined_at = serializers.DateTimeField()
    community_url = serializers.SerializerMethodField()

    def get_community_url(self, membership) -> str:
        return reverse(
            "api:community-detail",
            kwargs={"slug": membership.community.slug},
            request=self.context["request"],
        )


class MembershipUpdateSerializer(serializers.Serializer):
    notification_level = serializers.ChoiceField(choices=NotificationLevel.choices)


class MemberSerializer(serializers.Serializer):
    """A row of the community's member list, as its members page shows it."""

    id = serializers.IntegerField(source="pk", help_text="The membership's id.")
    person = PersonSerializer(source="user")
    role = serializers.ChoiceField(choices=Role.choices)
    joined_at = serializers.DateTimeField()
    can_remove = serializers.BooleanField(help_text="The reader may remove this member.")
    suspension_reason = serializers.CharField(
        allow_null=True, help_text="For the community's moderators only: why suspended, or null."
    )


class MemberQuery(PageQuery):
    q = serializers.CharField(required=False, max_length=80, help_text="Words in the name.")
    role = serializers.ChoiceField(choices=Role.choices, required=False)


class JoinRequestCreateSerializer(serializers.Serializer):
    message = TextField(
        max_length=MESSAGE_MAX_LENGTH,
        allow_blank=True,
        required=False,
        default="",
        help_text="To the moderators: who you are and why you'd like to join.",
    )


class JoinRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    person = PersonSerializer(source="user")
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=JoinRequestStatus.choices)
    created_at = serializers.DateTimeField()


class DeclineSerializer(serializers.Serializer):
    reason = TextField(
        max_length=REASON_MAX_LENGTH,
        allow_blank=True,
        required=False,
        default="",
        help_text="Told to the person who asked.",
    )


class InvitationCreateSerializer(serializers.Serializer):
    """Either `emails` (one single-use invitation each, emailed) or a link for
    `max_uses` people."""

    emails = serializers.ListField(
        child=serializers.EmailField(),
        required=False,
        min_length=1,
        max_length=EMAILS_AT_ONCE,
        help_text="Invite these addresses by email; leave out for a link.",
    )
    max_uses = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LINK_USES,
        default=25,
        help_text="For a link: how many people may use it.",
    )
    valid_days = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_VALID_DAYS, default=14
    )
    member_type = serializers.ChoiceField(
        choices=MemberType.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="Administrators only: the type given to people new to the site.",
    )


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    email = serializers.EmailField(allow_blank=True, help_text="Empty for a link.")
    member_type = serializers.CharField(allow_blank=True)
    invited_by = PersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    max_uses = StrictIntegerField()
    use_count = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["valid", "revoked", "expired", "used_up"])
    token = serializers.CharField(help_text="Accept with POST /api/v1/invitations/{token}/accept/.")
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, invitation) -> str:
        return self.context["request"].build_absolute_uri(invitation.get_absolute_url())
