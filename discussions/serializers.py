"""What the API shows and accepts about editing threads and posts, reactions, following
and search. Only shapes: the rules are in `discussions.permissions` and the services."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from api.pagination import CursorField
from api.serializers import TITLE_LIMIT, PersonSerializer, TextField
from communities.serializers import StrictBooleanField
from discussions.models import ThreadKind
from discussions.services.threads import DELETION_REASON_MAX_LENGTH


class ThreadUpdateSerializer(serializers.Serializer):
    """Send only what changes. Title and text: the author (while the thread is not
    locked) or a moderator; pinned, locked and closed: moderators."""

    title = TextField(required=False, max_length=TITLE_LIMIT, allow_blank=True)
    body = TextField(
        required=False,
        max_length=settings.POST_MAX_LENGTH * 2,
        allow_blank=True,
        help_text="The opening post's text, Markdown.",
    )
    is_pinned = StrictBooleanField(required=False)
    is_locked = StrictBooleanField(required=False)
    is_closed = StrictBooleanField(required=False)


class PostUpdateSerializer(serializers.Serializer):
    body = TextField(
        max_length=settings.POST_MAX_LENGTH * 2, allow_blank=True, help_text="Markdown."
    )


class DeleteQuery(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        max_length=DELETION_REASON_MAX_LENGTH * 4,
        help_text="Why; required when a moderator deletes someone else's post.",
    )


class FollowSerializer(serializers.Serializer):
    following = serializers.BooleanField()
    muted = serializers.BooleanField()


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(max_length=1000, help_text="Words to find; -word leaves one out.")
    kind = serializers.ChoiceField(choices=ThreadKind.choices, required=False)
    cursor = CursorField(
        required=False,
        max_length=500,
        help_text="From the previous page's `next`; an unreadable one starts at the first page.",
    )


class PieceSerializer(serializers.Serializer):
    text = serializers.CharField()
    match = serializers.BooleanField(help_text="A part that matched the query.")


class SearchResultSerializer(serializers.Serializer):
    post_id = serializers.IntegerField(source="post.pk")
    thread_id = serializers.IntegerField(source="post.thread.pk")
    kind = serializers.ChoiceField(choices=ThreadKind.choices, source="post.thread.kind")
    community = serializers.SlugField(source="post.thread.community.slug")
    community_name = serializers.CharField(source="post.thread.community.name")
    title = serializers.SerializerMethodField()
    title_pieces = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField()
    author = PersonSerializer(source="post.author", allow_null=True)
    created_at = serializers.DateTimeField(source="post.created_at")
    thread_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_title(self, result) -> str:
        return result.post.thread.title

    @extend_schema_field(PieceSerializer(many=True))
    def get_title_pieces(self, result) -> list[dict]:
        return PieceSerializer(_pieces(result.title), many=True).data

    @extend_schema_field(PieceSerializer(many=True))
    def get_snippet(self, result) -> list[dict]:
        return PieceSerializer(_pieces(result.snippet), many=True).data

    def get_thread_url(self, result) -> str:
        thread = result.post.thread
        return reverse(
            "api:thread-detail",
            kwargs={"slug": thread.community.slug, "thread_id": thread.pk},
            request=self.context["request"],
        )

    def get_html_url(self, result) -> str:
        return self.context["request"].build_absolute_uri(result.url)


def _pieces(pieces) -> list[dict]:
    return [{"text": text, "match": is_match} for text, is_match in pieces]
