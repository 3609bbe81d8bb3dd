"""What the API shows and accepts. Serializers only shape data: which rows a person may
see and what they may do are decided by the selectors, services and access modules the
views call; values such as `viewer.can_post` are computed there and only copied here."""

from collections.abc import Mapping
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.fields import SkipField

from accounts.models import MemberType
from api.pagination import PageQuery
from communities.models import JoinPolicy, Visibility
from core.addresses import keyword_url
from core.params import MAX_BIGINT
from discussions.models import IdeaStatus, ReactionKind, ThreadKind
from discussions.selectors.ideas import DEFAULT_SORT, SORTS
from discussions.services.threads import MAX_TAGS, TAG_MAX_LENGTH

# Generous ceilings on what is read at all; the services apply the real limits with
# their own messages.
TITLE_LIMIT = 1000
TAG_LIMIT = 200


class TextField(serializers.CharField):
    """A JSON string, and only a string: a number or a list is refused, not turned into text
    (the schema says string)."""

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(serializers.IntegerField):
    """A JSON integer, and only an integer: "12", 12.5 and true are refused."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_BIGINT)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def site_root(request) -> str:
    """The scheme and host of this request's addresses ("https://example.org"), worked out
    once per request: `build_absolute_uri` checks the host against ALLOWED_HOSTS on every
    call, twice per row of a list."""
    root = getattr(request, "_site_root", None)
    if root is None:
        root = request._site_root = request.build_absolute_uri("/").removesuffix("/")
    return root


def _absolute(request, path: str) -> str:
    """The absolute address of `path` (absolute itself, as `reverse` gives it)."""
    return site_root(request) + path


def _url(name: str, request, **kwargs) -> str:
    """The absolute address of a resource: reversed once per view and slug, not per row."""
    return _absolute(request, keyword_url(name, **kwargs))


class RowSerializer(serializers.Serializer):
    """A read-only serializer for lists: the same fields, schema and output as a Serializer,
    but how each field is read and written out is worked out once per serializer instead
    of once per row and field (DRF's per-field calls cost more than the list's queries).
    Fields of the common plain kinds take the short way; any other field, a mapping
    instead of an object, or a missing attribute goes through DRF's own methods."""

    @cached_property
    def _row_plan(self) -> list[tuple]:
        """(name, field, read, write) per field; `read` is None where DRF reads."""
        plan = []
        for field in self._readable_fields:
            if isinstance(field, serializers.SerializerMethodField):
                method = getattr(self, field.method_name)
                plan.append((field.field_name, field, None, method))
                continue
            read = None if field.source == "*" else attrgetter(".".join(field.source_attrs))
            write = _PLAIN_FIELDS.get(type(field)) or field.to_representation
            plan.append((field.field_name, field, read, write))
        return plan

    def to_representation(self, instance) -> dict:
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        row = {}
        for name, field, read, write in self._row_plan:
            if isinstance(field, serializers.SerializerMethodField):
                row[name] = write(instance)
                continue
            try:
                value = read(instance)
                if callable(value):  # a method or a manager: DRF's way calls it
                    raise AttributeError(name)
            except (AttributeError, TypeError, ObjectDoesNotExist):
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            row[name] = None if value is None else write(value)
        return row


# Plain fields whose DRF representation is the Python conversion itself.
_PLAIN_FIELDS = {
    serializers.IntegerField: int,
    serializers.CharField: str,
    serializers.SlugField: str,
    serializers.BooleanField: bool,
}


class PersonSerializer(RowSerializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    member_type = serializers.ChoiceField(choices=MemberType.choices, allow_blank=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    email = serializers.EmailField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    member_type = serializers.ChoiceField(choices=MemberType.choices, allow_blank=True)
    organisation = serializers.CharField(source="organisation.name", allow_null=True, default=None)
    timezone = serializers.CharField()
    language = serializers.CharField()
    authenticated_by = serializers.ChoiceField(
        choices=["token", "session"], help_text="How this request was signed in."
    )
    token_scope = serializers.CharField(
        allow_null=True, help_text="The scope of the token used, when one was."
    )


# -- communities --------------------------------------------------------------------------


class CommunitySerializer(RowSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    join_policy = serializers.ChoiceField(choices=JoinPolicy.choices)
    audience = serializers.ListField(child=serializers.ChoiceField(choices=MemberType.choices))
    member_count = serializers.IntegerField()
    viewer_is_member = serializers.BooleanField()
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, community) -> str:
        return _url("api:community-detail", self.context["request"], slug=community.slug)

    def get_html_url(self, community) -> str:
        return _absolute(self.context["request"], community.get_absolute_url())


class CommunityViewerSerializer(RowSerializer):
    is_member = serializers.BooleanField()
    can_read_content = serializers.BooleanField()
    can_post = serializers.BooleanField()
    post_refusal = serializers.CharField(
        allow_null=True, help_text="Why the reader may not post here, or null when they may."
    )


class CommunityDetailSerializer(CommunitySerializer):
    guidelines = serializers.CharField(help_text="Markdown.")
    created_at = serializers.DateTimeField()
    viewer = CommunityViewerSerializer(source="api_viewer")
    threads_url = serializers.SerializerMethodField()
    ideas_url = serializers.SerializerMethodField()

    def get_threads_url(self, community) -> str:
        return _url("api:thread-list", self.context["request"], slug=community.slug)

    def get_ideas_url(self, community) -> str:
        return _url("api:idea-list", self.context["request"], slug=community.slug)


class CommunityQuery(PageQuery):
    q = serializers.CharField(required=False, max_length=100, help_text="Words in the name.")
    purpose = serializers.SlugField(required=False, help_text="Only this purpose's communities.")
    open_to_me = serializers.BooleanField(
        required=False, default=False, help_text="Only those the reader could join now."
    )


# -- threads and posts ----------------------------------------------------------------------


class ThreadRowSerializer(RowSerializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=ThreadKind.choices)
    is_pinned = serializers.BooleanField()
    is_locked = serializers.BooleanField()
    is_closed = serializers.BooleanField()
    is_answered = serializers.BooleanField()
    reply_count = serializers.IntegerField()
    last_activity_at = serializers.DateTimeField()
    author = PersonSerializer(allow_null=True)
    category = serializers.CharField(source="category_name", help_text="Empty when none.")
    tags = serializers.ListField(child=serializers.CharField(), source="tag_names")
    is_new = serializers.BooleanField(help_text="The reader never opened it.")
    has_new_posts = serializers.BooleanField(help_text="Posts came after the reader's last read.")
    url = serializers.SerializerMethodField()

    def get_url(self, row) -> str:
        request = self.context["request"]
        return _url("api:thread-detail", request, slug=self.context["slug"], thread_id=row.pk)


class ThreadViewerSerializer(RowSerializer):
    following = serializers.BooleanField()
    muted = serializers.BooleanField()
    can_reply = serializers.BooleanField()
    reply_refusal = serializers.CharField(allow_null=True)


class ThreadSerializer(RowSerializer):
    id = serializers.IntegerField(source="pk")
    community = serializers.SlugField(source="community.slug")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=ThreadKind.choices)
    author = PersonSerializer(allow_null=True)
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    tags = serializers.ListField(child=serializers.CharField(), source="api_tags")
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    post_count = serializers.IntegerField()
    is_pinned = serializers.BooleanField()
    is_locked = serializers.BooleanField()
    is_closed = serializers.BooleanField()
    accepted_answer_id = serializers.IntegerField(allow_null=True)
    viewer = ThreadViewerSerializer(source="api_viewer")
    url = serializers.SerializerMethodField()
    posts_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, thread) -> str:
        return _url(
            "api:thread-detail",
            self.context["request"],
            slug=thread.community.slug,
            thread_id=thread.pk,
        )

    def get_posts_url(self, thread) -> str:
        return _url(
            "api:post-list",
            self.context["request"],
            slug=thread.community.slug,
            thread_id=thread.pk,
        )

    def get_html_url(self, thread) -> str:
        return _absolute(self.context["request"], thread.get_absolute_url())


class ThreadQuery(PageQuery):
    kind = serializers.ChoiceField(choices=ThreadKind.choices, required=False)
    category = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_BIGINT, help_text="A category id."
    )
    tag = serializers.CharField(required=False, max_length=TAG_MAX_LENGTH)


class ThreadCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[ThreadKind.DISCUSSION, ThreadKind.QUESTION],
        default=ThreadKind.DISCUSSION,
        help_text="Ideas are posted to the community's ideas.",
    )
    title = TextField(max_length=TITLE_LIMIT, allow_blank=True)
    body = TextField(
        max_length=settings.POST_MAX_LENGTH * 2, allow_blank=True, help_text="Markdown."
    )
    category = IdField(required=False, allow_null=True, help_text="A category's id.")
    tags = serializers.ListField(
        child=TextField(max_length=TAG_LIMIT),
        required=False,
        default=list,
        max_length=MAX_TAGS * 5,
    )


class ReactionSerializer(RowSerializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    count = serializers.IntegerField()
    mine = serializers.BooleanField()


class PostSerializer(RowSerializer):
    id = serializers.IntegerField(source="pk")
    author = PersonSerializer(allow_null=True)
    body_html = serializers.SerializerMethodField(
        help_text="Sanitised HTML; null for a deleted post unless the reader moderates."
    )
    is_first = serializers.BooleanField()
    is_deleted = serializers.BooleanField()
    is_accepted = serializers.BooleanField(default=False)
    quoted_post_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    reactions = ReactionSerializer(many=True, source="reaction_list", default=list)

    def get_body_html(self, post) -> str | None:
        if post.is_deleted and not getattr(post, "show_deletion_details", False):
            return None
        return post.body_html


class ReplyCreateSerializer(serializers.Serializer):
    body = TextField(
        max_length=settings.POST_MAX_LENGTH * 2, allow_blank=True, help_text="Markdown."
    )
    quoted_post = IdField(
        required=False,
        allow_null=True,
        help_text="A post of the same thread.",
    )


# -- ideas ---------------------------------------------------------------------------------


class ChallengeSerializer(RowSerializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


class IdeaViewerSerializer(RowSerializer):
    voted = serializers.BooleanField(source="viewer_voted")
    can_vote = serializers.BooleanField(source="viewer_can_vote")
    can_withdraw = serializers.BooleanField(source="viewer_can_withdraw")
    vote_refusal = serializers.CharField(source="viewer_vote_refusal", allow_null=True)


class IdeaSerializer(RowSerializer):
    id = serializers.IntegerField(source="thread_id", help_text="The idea's thread id.")
    title = serializers.CharField(source="thread.title")
    status = serializers.ChoiceField(choices=IdeaStatus.choices)
    vote_count = serializers.IntegerField()
    author = PersonSerializer(source="thread.author", allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), source="tag_names", default=list)
    challenge = ChallengeSerializer(source="shown_challenge", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    viewer = IdeaViewerSerializer(source="*")
    url = serializers.SerializerMethodField()
    thread_url = serializers.SerializerMethodField()

    def get_url(self, idea) -> str:
        return _url(
            "api:idea-detail",
            self.context["request"],
            slug=idea.community.slug,
            thread_id=idea.thread_id,
        )

    def get_thread_url(self, idea) -> str:
        return _url(
            "api:thread-detail",
            self.context["request"],
            slug=idea.community.slug,
            thread_id=idea.thread_id,
        )


class IdeaQuery(PageQuery):
    sort = serializers.ChoiceField(choices=list(SORTS), default=DEFAULT_SORT, required=False)
    status = serializers.ChoiceField(
        choices=IdeaStatus.choices,
        required=False,
        help_text="Merged ideas (duplicate) are listed only when asked for.",
    )
    challenge = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    tag = serializers.CharField(required=False, max_length=TAG_MAX_LENGTH)


class IdeaCreateSerializer(serializers.Serializer):
    title = TextField(max_length=TITLE_LIMIT, allow_blank=True)
    description = TextField(
        max_length=settings.POST_MAX_LENGTH * 2, allow_blank=True, help_text="Markdown."
    )
    challenge = IdField(
        required=False,
        allow_null=True,
        help_text="An open challenge's id.",
    )
    tags = serializers.ListField(
        child=TextField(max_length=TAG_LIMIT),
        required=False,
        default=list,
        max_length=MAX_TAGS * 5,
    )
