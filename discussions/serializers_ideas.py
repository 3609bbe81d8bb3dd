"""What the API shows and accepts when ideas are governed: status changes with official
responses, merges and goal links. Shapes only; `discussions.services.ideas` and
`discussions.permissions` decide what is allowed."""

from rest_framework import serializers

from api.serializers import IdField, PersonSerializer, TextField
from discussions.models import IdeaStatus

RESPONSE_LIMIT = 2 * 1024 * 1024


class StatusChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    from_status = serializers.ChoiceField(choices=IdeaStatus.choices)
    to_status = serializers.ChoiceField(choices=IdeaStatus.choices)
    response = serializers.CharField(help_text="The official response, Markdown.")
    response_html = serializers.CharField(help_text="Sanitised HTML.")
    changed_by = PersonSerializer(allow_null=True)
    changed_at = serializers.DateTimeField()


class StatusChangeCreateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(value, label) for value, label in IdeaStatus.choices if value != "duplicate"],
        help_text="Duplicate is reached by merging.",
    )
    response = TextField(
        max_length=RESPONSE_LIMIT, allow_blank=True, help_text="The official response, Markdown."
    )


class MergeSerializer(serializers.Serializer):
    original = IdField(help_text="The id of the idea this one duplicates: its votes move there.")
    response = TextField(
        max_length=RESPONSE_LIMIT,
        allow_blank=True,
        required=False,
        default="",
        help_text="Optional official response; a default names the original.",
    )


class LinkedGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="goal.pk")
    metric = serializers.CharField(source="goal.metric")
    progress = serializers.FloatField(source="goal.progress")


class GoalLinkSerializer(serializers.Serializer):
    goal = LinkedGoalSerializer(source="*")
    expected_impact = serializers.CharField()
    created_at = serializers.DateTimeField()


class GoalLinkCreateSerializer(serializers.Serializer):
    goal = IdField(help_text="A goal of the community's purpose.")
    expected_impact = TextField(max_length=1000, allow_blank=True, required=False, default="")
