"""What the API shows and accepts about decisions and their votes. Shapes only; the
decision services and `discussions.permissions` decide what is allowed, and the
selectors say what the reader may see (results may be hidden until the close)."""

from rest_framework import serializers

from accounts.models import MemberType
from accounts.serializers import StrictBooleanField
from api.pagination import PageQuery
from api.serializers import IdField, PersonSerializer, TextField
from discussions.models import DecisionMode
from discussions.serializers_ideas import GoalLinkSerializer

TEXT_LIMIT = 2 * 1024 * 1024
LINE_LIMIT = 1000


class DecisionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="The decision's thread id.")
    title = serializers.CharField()
    author = PersonSerializer(allow_null=True)
    mode = serializers.ChoiceField(choices=DecisionMode.choices, source="decision.mode")
    closes_at = serializers.DateTimeField(source="decision.closes_at")
    closed_at = serializers.DateTimeField(source="decision.closed_at", allow_null=True)
    voter_count = serializers.IntegerField(source="decision.voter_count")
    last_activity_at = serializers.DateTimeField()
    url = serializers.URLField(source="api_url")


class DecisionOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    label = serializers.CharField()
    vote_count = serializers.IntegerField(
        allow_null=True, help_text="Null while the results are hidden from the reader."
    )
    percent = serializers.IntegerField(allow_null=True)
    chosen = serializers.BooleanField(help_text="The reader chose it.")


class DecisionViewerSerializer(serializers.Serializer):
    can_vote = serializers.BooleanField()
    vote_refusal = serializers.CharField(allow_null=True)
    can_close = serializers.BooleanField()
    can_record_outcome = serializers.BooleanField()
    can_link_goals = serializers.BooleanField()


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The decision's thread id.")
    community = serializers.SlugField()
    title = serializers.CharField()
    author = PersonSerializer(allow_null=True)
    mode = serializers.ChoiceField(choices=DecisionMode.choices)
    closes_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    voting_over = serializers.BooleanField()
    show_results_before_close = serializers.BooleanField()
    results_visible = serializers.BooleanField()
    voter_count = serializers.IntegerField(allow_null=True)
    voter_types = serializers.ListField(child=serializers.ChoiceField(choices=MemberType.choices))
    options = DecisionOptionSerializer(many=True)
    outcome = serializers.CharField(help_text="Markdown; empty until recorded.")
    outcome_html = serializers.CharField()
    goal_links = GoalLinkSerializer(many=True)
    viewer = DecisionViewerSerializer()
    url = serializers.URLField()
    thread_url = serializers.URLField()


class DecisionQuery(PageQuery):
    pass


class DecisionCreateSerializer(serializers.Serializer):
    title = TextField(max_length=LINE_LIMIT, allow_blank=True)
    body = TextField(max_length=TEXT_LIMIT, allow_blank=True, help_text="The proposal, Markdown.")
    mode = serializers.ChoiceField(choices=DecisionMode.choices, default=DecisionMode.SINGLE)
    options = serializers.ListField(
        child=TextField(max_length=LINE_LIMIT),
        required=False,
        default=list,
        max_length=100,
        help_text="At least two; consent decisions always offer agree, abstain, disagree, block.",
    )
    closes_at = serializers.DateTimeField()
    voter_types = serializers.ListField(
        child=serializers.ChoiceField(choices=MemberType.choices),
        required=False,
        default=list,
        max_length=10,
        help_text="Empty lets every member vote.",
    )
    show_results_before_close = StrictBooleanField(required=False, default=True)


class CloseSerializer(serializers.Serializer):
    outcome = TextField(
        max_length=TEXT_LIMIT,
        allow_blank=True,
        required=False,
        default="",
        help_text="What was decided (Markdown); may also be recorded later.",
    )


class OutcomeSerializer(serializers.Serializer):
    outcome = TextField(max_length=TEXT_LIMIT, allow_blank=True, help_text="Markdown.")


class VoteOptionSerializer(serializers.Serializer):
    option = IdField()
