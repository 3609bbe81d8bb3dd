"""What the API shows and accepts when administrators and owners configure a community:
the fields of the community settings page. Shapes only; `communities.services` and
`communities.permissions` decide what is allowed."""

from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.models import MemberType
from api.serializers import PersonSerializer, TextField
from communities.models import JoinPolicy, NotificationLevel, Role, Visibility

TEXT_LIMIT = 20000
LINE_LIMIT = 1000
CATEGORY_LIMIT = 200


def _member_types(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=MemberType.choices), max_length=10, **kwargs
    )


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    position = serializers.IntegerField()


class CommunitySettingsSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    purpose = serializers.SlugField(source="purpose.slug", help_text="The purpose's address.")
    description = serializers.CharField(help_text="Markdown.")
    guidelines = serializers.CharField(help_text="Markdown.")
    audience = _member_types(help_text="The member types who may join.")
    idea_voters = _member_types(help_text="The member types who may vote on ideas.")
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    join_policy = serializers.ChoiceField(choices=JoinPolicy.choices)
    default_notification_level = serializers.ChoiceField(
        choices=NotificationLevel.choices, help_text="What new members are told of."
    )
    categories = CategorySerializer(many=True, source="category_list")
    url = serializers.SerializerMethodField()
    community_url = serializers.SerializerMethodField()

    def get_url(self, community) -> str:
        request = self.context["request"]
        return reverse("api:community-settings", kwargs={"slug": community.slug}, request=request)

    def get_community_url(self, community) -> str:
        request = self.context["request"]
        return reverse("api:community-detail", kwargs={"slug": community.slug}, request=request)


class CommunitySettingsUpdateSerializer(serializers.Serializer):
    """Every field is optional: those left out keep their value."""

    purpose = serializers.SlugField(
        required=False, help_text="Move it to another purpose you may create communities under."
    )
    name = TextField(max_length=120, required=False)
    slug = serializers.SlugField(max_length=80, required=False)
    description = TextField(max_length=TEXT_LIMIT, allow_blank=True, required=False)
    guidelines = TextField(max_length=TEXT_LIMIT, allow_blank=True, required=False)
    audience = _member_types(required=False)
    idea_voters = _member_types(
        required=False,
        allow_null=True,
        help_text="Null or empty lets the whole audience vote.",
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    join_policy = serializers.ChoiceField(choices=JoinPolicy.choices, required=False)
    default_notification_level = serializers.ChoiceField(
        choices=NotificationLevel.choices, required=False
    )
    categories = serializers.ListField(
        child=TextField(max_length=LINE_LIMIT),
        required=False,
        max_length=CATEGORY_LIMIT,
        help_text=(
            "The categories, in their order: names kept keep their threads, new names are "
            "added, names left out are removed (their threads keep no category)."
        ),
    )


class CommunityCreateSerializer(serializers.Serializer):
    name = TextField(max_length=120)
    slug = serializers.SlugField(max_length=80)
    description = TextField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")
    guidelines = TextField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")
    audience = _member_types(required=False, default=[MemberType.EMPLOYEE])
    idea_voters = _member_types(required=False, allow_null=True, default=None)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.LISTED
    )
    join_policy = serializers.ChoiceField(
        choices=JoinPolicy.choices, required=False, default=JoinPolicy.OPEN
    )
    default_notification_level = serializers.ChoiceField(
        choices=NotificationLevel.choices,
        required=False,
        default=NotificationLevel.PARTICIPATING,
    )
    categories = serializers.ListField(
        child=TextField(max_length=LINE_LIMIT),
        required=False,
        default=list,
        max_length=CATEGORY_LIMIT,
    )

    def validate_idea_voters(self, value):
        return value or None


class RoleSerializer(serializers.Serializer):
    person = PersonSerializer(source="user", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)
