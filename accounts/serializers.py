"""What the API shows and accepts about people, profiles and organisations. Shapes only:
the rules live in `accounts.permissions`, `accounts.services` and the access modules."""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from accounts.models import MemberType, OrganisationKind, timezone_choices
from api.pagination import PageQuery
from api.serializers import TextField


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false, and only that: 0, "yes" and "true" are refused (the schema
    says boolean)."""

    def to_internal_value(self, data) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ProfileSerializer(serializers.Serializer):
    """The signed-in person's own profile: what Settings → Profile edits."""

    id = serializers.IntegerField(source="pk", read_only=True)
    display_name = TextField(max_length=80)
    bio = TextField(max_length=500, allow_blank=True)
    timezone = serializers.ChoiceField(choices=timezone_choices())
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    avatar_url = serializers.SerializerMethodField()
    remove_avatar = StrictBooleanField(
        write_only=True, required=False, help_text="True removes the avatar."
    )

    def get_avatar_url(self, user) -> str | None:
        if not user.avatar:
            return None
        return self.context["request"].build_absolute_uri(user.avatar.url)


class OrganisationNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class PersonProfileSerializer(serializers.Serializer):
    """A person's profile as /people/<id>/ shows it."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    member_type = serializers.ChoiceField(choices=MemberType.choices, allow_blank=True)
    organisation = OrganisationNameSerializer(allow_null=True)
    bio = serializers.CharField()
    avatar_url = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField()
    html_url = serializers.SerializerMethodField()

    def get_avatar_url(self, user) -> str | None:
        if not user.avatar:
            return None
        return self.context["request"].build_absolute_uri(user.avatar.url)

    def get_html_url(self, user) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("person_detail", kwargs={"pk": user.pk})
        )


class DomainSerializer(serializers.Serializer):
    domain = serializers.CharField()
    is_verified = serializers.BooleanField()


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    name = TextField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    require_mfa = StrictBooleanField(required=False, default=False)
    member_type = serializers.ChoiceField(choices=MemberType.choices, read_only=True)
    domains = DomainSerializer(many=True, read_only=True, source="domain_list")
    created_at = serializers.DateTimeField(read_only=True)


class OrganisationUpdateSerializer(serializers.Serializer):
    name = TextField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices, required=False)
    require_mfa = StrictBooleanField(required=False)


class OrganisationQuery(PageQuery):
    kind = serializers.ChoiceField(choices=OrganisationKind.choices, required=False)
