"""What the API shows and accepts about purposes, goals, measurements and challenges.
Shapes only: who may see or change them is decided by `purposes.permissions`, called by
the selectors and services the views use."""

from rest_framework import serializers
from rest_framework.reverse import reverse

from api.pagination import PageQuery
from api.serializers import PersonSerializer, TextField
from purposes.models import ChallengeState, CoverColour, GoalDirection, PurposeStatus

# Generous ceilings on what is read at all; the services and models apply the real limits.
TEXT_LIMIT = 20000
MAX_OWNERS = 50


def _url(name: str, request, **kwargs) -> str:
    return reverse(name, kwargs=kwargs, request=request)


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=4, **kwargs)


class GoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    metric = serializers.CharField()
    unit = serializers.CharField()
    baseline = _amount()
    target = _amount()
    current_value = _amount(allow_null=True, help_text="The latest measurement; null before one.")
    current_value_on = serializers.DateField(allow_null=True)
    direction = serializers.ChoiceField(choices=GoalDirection.choices)
    due_date = serializers.DateField(allow_null=True)
    progress = serializers.FloatField(
        help_text="Percent of the way from baseline to target; may leave 0–100."
    )
    url = serializers.SerializerMethodField()
    measurements_url = serializers.SerializerMethodField()

    def get_url(self, goal) -> str:
        return _url(
            "api:goal-detail", self.context["request"], slug=goal.purpose.slug, goal_id=goal.pk
        )

    def get_measurements_url(self, goal) -> str:
        return _url(
            "api:measurement-list",
            self.context["request"],
            slug=goal.purpose.slug,
            goal_id=goal.pk,
        )


class GoalWriteSerializer(serializers.Serializer):
    metric = TextField(max_length=160)
    unit = TextField(max_length=40, allow_blank=True, required=False, default="")
    baseline = _amount()
    target = _amount(help_text="Below the baseline for a metric that should go down.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class MeasurementSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    value = _amount()
    measured_on = serializers.DateField()
    note = serializers.CharField()
    recorded_by = PersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class MeasurementCreateSerializer(serializers.Serializer):
    value = _amount()
    measured_on = serializers.DateField(
        required=False, help_text="The day measured; today (the site's time zone) if left out."
    )
    note = TextField(max_length=300, allow_blank=True, required=False, default="")


class PurposeChallengeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    question = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
    description_html = serializers.CharField(help_text="Sanitised HTML.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=ChallengeState.choices)
    url = serializers.SerializerMethodField()

    def get_url(self, challenge) -> str:
        return _url(
            "api:challenge-detail",
            self.context["request"],
            slug=challenge.purpose.slug,
            challenge_id=challenge.pk,
        )


class ChallengeCreateSerializer(serializers.Serializer):
    title = TextField(max_length=160)
    question = TextField(max_length=300)
    description = TextField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class PurposeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    statement = serializers.CharField(help_text="Markdown.")
    status = serializers.ChoiceField(choices=PurposeStatus.choices)
    status_changed_at = serializers.DateTimeField()
    cover_colour = serializers.ChoiceField(choices=CoverColour.choices)
    goals = GoalSerializer(many=True, source="goal_list")
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, purpose) -> str:
        return _url("api:purpose-detail", self.context["request"], slug=purpose.slug)

    def get_html_url(self, purpose) -> str:
        return self.context["request"].build_absolute_uri(purpose.get_absolute_url())


class PurposeViewerSerializer(serializers.Serializer):
    can_manage = serializers.BooleanField(help_text="May change it, its goals and challenges.")
    can_create_communities = serializers.BooleanField()
    following = serializers.BooleanField()


class PurposeDetailSerializer(PurposeSerializer):
    statement_html = serializers.CharField(help_text="Sanitised HTML.")
    owners = PersonSerializer(many=True, source="owner_list")
    challenges = PurposeChallengeSerializer(many=True, source="challenge_list")
    created_at = serializers.DateTimeField()
    viewer = PurposeViewerSerializer(source="api_viewer")
    communities_url = serializers.SerializerMethodField()

    def get_communities_url(self, purpose) -> str:
        return _url("api:purpose-community-list", self.context["request"], slug=purpose.slug)


class PurposeQuery(PageQuery):
    status = serializers.ChoiceField(
        choices=PurposeStatus.choices, required=False, help_text="Only purposes in this status."
    )


class PurposeWriteSerializer(serializers.Serializer):
    title = TextField(max_length=160)
    slug = serializers.SlugField(max_length=80)
    statement = TextField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")
    cover_colour = serializers.ChoiceField(
        choices=CoverColour.choices, required=False, default=CoverColour.BLUE
    )
    owners = serializers.ListField(
        child=serializers.EmailField(),
        required=False,
        max_length=MAX_OWNERS,
        help_text="Email addresses of its owners; you alone when left out.",
    )


class PurposeUpdateSerializer(PurposeWriteSerializer):
    status = serializers.ChoiceField(choices=PurposeStatus.choices, required=False)


class ChallengeQuery(PageQuery):
    pass
