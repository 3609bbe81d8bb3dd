"""The REST API, version 1: thin views over the same selectors, services and access rule
as the pages.

A view parses the request with a serializer, fetches through a selector (which answers
404 for what the reader may not see), calls a service (which refuses with the reason,
403) and shapes the answer with a serializer. Errors take one shape (`api.problems`).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as api_serializers
from api.models import AccessToken
from api.pagination import page_response, paginated, parse_query
from api.responses import IDEMPOTENCY_HEADER, detail_response, idempotent
from api.scopes import SignedIn
from communities import permissions as community_permissions
from communities import selectors as community_selectors
from core import ratelimit
from core.params import positive_int
from core.shown_cache import cached, shown_key
from discussions import permissions as discussion_permissions
from discussions.fragments import idea_values
from discussions.selectors import ideas as idea_selectors
from discussions.selectors import threads as thread_selectors
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from moderation import limits

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID): a retried request with the same key answers the first "
        "result instead of creating again. Kept for 24 hours."
    ),
)
ETAG_PARAMETER = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of a copy you hold: 304 without a body while it is current.",
)
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified: your copy is current.")}


class ApiView(APIView):
    """What every endpoint shares: its answer depends on who asks, by session or token."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response


def _limit(request: Request, action: str) -> None:
    """The same rate limits as the pages' forms (`core.ratelimit`): 429 past them."""
    retry_after = ratelimit.consume(request, action)
    if retry_after is not None:
        raise exceptions.Throttled(wait=retry_after)


def _trust_limits(request: Request, body: str, *, new_thread: bool, field: str = "body") -> None:
    """The limits of the person's trust level (`moderation.limits`), as the pages apply
    them: 400 on the field for what one post holds, 429 past a rate."""
    refusal = limits.content_refusal(request.user, body)
    if refusal is not None:
        raise exceptions.ValidationError({field: [refusal.message]})
    refusal = limits.posting_rates_refusal(request, new_thread=new_thread)
    if refusal is not None:
        raise exceptions.Throttled(wait=refusal.retry_after, detail=refusal.message)


def _context(request: Request, **more) -> dict:
    return {"request": request, **more}


def _cached_rows(request: Request, kind: str, shown: tuple, serialise) -> list:
    """A list's rows as `serialise()` gives them, from the cache when a reader who would
    get the same rows has had them serialised: `shown` names every value the rows show
    (the reader's own markers and vote states included); the addresses depend on the host."""
    key = shown_key(kind, api_serializers.site_root(request), shown)
    return cached(key, lambda: [dict(row) for row in serialise()])


def _cached_idea_rows(request: Request, items: list) -> list:
    """A page of ideas, each named by `discussions.fragments.idea_values` and when its
    status last changed."""
    return _cached_rows(
        request,
        "api-idea-rows",
        tuple((idea_values(idea), idea.status_changed_at) for idea in items),
        lambda: api_serializers.IdeaSerializer(items, many=True, context=_context(request)).data,
    )


def _cached_thread_rows(request: Request, slug: str, items: list) -> list:
    """A page of thread rows: a `ThreadRow`'s repr names every value a row shows."""
    return _cached_rows(
        request,
        "api-thread-rows",
        (slug, tuple(repr(item) for item in items)),
        lambda: (
            api_serializers.ThreadRowSerializer(
                items, many=True, context=_context(request, slug=slug)
            ).data
        ),
    )


class MeView(ApiView):
    permission_classes = [SignedIn]

    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in person",
        responses=api_serializers.MeSerializer,
        tags=["people"],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        token = request.auth if isinstance(request.auth, AccessToken) else None
        user.authenticated_by = "token" if token else "session"
        user.token_scope = token.scope if token else None
        return Response(api_serializers.MeSerializer(user).data)


# -- communities -----------------------------------------------------------------------------


class CommunityListView(ApiView):
    @extend_schema(
        operation_id="communities_list",
        summary="Communities listed for the reader",
        parameters=[api_serializers.CommunityQuery],
        responses=paginated(api_serializers.CommunitySerializer),
        tags=["communities"],
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, api_serializers.CommunityQuery)
        page = community_selectors.community_directory(
            user=request.user,
            purpose_slug=query.get("purpose", ""),
            open_to_me=query["open_to_me"],
            query=query.get("q", ""),
            after=query.get("cursor"),
            page_size=query.get("page_size", community_selectors.DIRECTORY_PAGE_SIZE),
        )
        rows = api_serializers.CommunitySerializer(page.items, many=True, context=_context(request))
        return page_response(request, rows.data, page.next_cursor)


class CommunityDetailView(ApiView):
    @extend_schema(
        operation_id="communities_retrieve",
        summary="A community the reader may see",
        parameters=[ETAG_PARAMETER],
        responses={200: api_serializers.CommunityDetailSerializer, **NOT_MODIFIED},
        tags=["communities"],
    )
    def get(self, request: Request, slug: str) -> Response:
        user = request.user
        community = community_selectors.get_community_for(user=user, slug=slug, with_purpose=False)
        refusal = discussion_permissions.post_refusal(user, community)
        community.viewer_is_member = community_permissions.is_member(user, community)
        community.api_viewer = {
            "is_member": community.viewer_is_member,
            "can_read_content": community_permissions.can_read_content(user, community),
            "can_post": refusal is None,
            "post_refusal": refusal,
        }
        data = api_serializers.CommunityDetailSerializer(community, context=_context(request))
        return detail_response(request, data.data)


# -- threads ---------------------------------------------------------------------------------


class ThreadListView(ApiView):
    @extend_schema(
        operation_id="threads_list",
        summary="The community's threads, pinned first, then by latest activity",
        parameters=[api_serializers.ThreadQuery],
        responses=paginated(api_serializers.ThreadRowSerializer),
        tags=["threads"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, api_serializers.ThreadQuery)
        community = community_selectors.get_readable_community(
            user=request.user, slug=slug, with_categories=True, with_purpose=False
        )
        category = None
        if query.get("category"):
            by_id = {c.pk: c for c in community_selectors.community_categories(community)}
            category = by_id.get(query["category"])
            if category is None:
                raise exceptions.ValidationError({"category": [_("No such category here.")]})
        page = thread_selectors.thread_page(
            user=request.user,
            community=community,
            filters=thread_selectors.ThreadFilters(
                kind=query.get("kind", ""), category=category, tag=query.get("tag", "").strip()
            ),
            after=query.get("cursor"),
            page_size=query.get("page_size", thread_selectors.THREADS_PAGE_SIZE),
        )
        rows = _cached_thread_rows(request, community.slug, page.items)
        return page_response(request, rows, page.next_cursor)

    @extend_schema(
        operation_id="threads_create",
        summary="Start a discussion or a question",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=api_serializers.ThreadCreateSerializer,
        responses={201: api_serializers.ThreadSerializer},
        tags=["threads"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            user = request.user
            community = community_selectors.get_readable_community(
                user=user, slug=slug, with_categories=True, with_purpose=False
            )
            data = _valid(api_serializers.ThreadCreateSerializer, request)
            category = None
            if data.get("category"):
                by_id = {c.pk: c for c in community_selectors.community_categories(community)}
                category = by_id.get(data["category"])
                if category is None:
                    raise exceptions.ValidationError(
                        {"category": [_("Choose a category of this community.")]}
                    )
            _limit(request, "writes")
            _trust_limits(request, data["body"], new_thread=True)
            thread = thread_services.start_thread(
                author=user,
                community=community,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                category=category,
                tags=data["tags"],
            )
            thread = thread_selectors.get_thread(
                user=user, community=community, thread_id=thread.pk
            )
            body = _thread_data(request, thread)
            return Response(body, status=201, headers={"Location": body["url"]})

        return idempotent(request, create)


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _thread_data(request: Request, thread) -> dict:
    user = request.user
    refusal = discussion_permissions.reply_refusal(user, thread)
    thread.api_tags = thread.tag_names
    thread.api_viewer = {
        "following": bool(thread.viewer_following),
        "muted": bool(thread.viewer_muted),
        "can_reply": refusal is None,
        "reply_refusal": refusal,
    }
    return api_serializers.ThreadSerializer(thread, context=_context(request)).data


class ThreadDetailView(ApiView):
    @extend_schema(
        operation_id="threads_retrieve",
        summary="A thread",
        parameters=[ETAG_PARAMETER],
        responses={200: api_serializers.ThreadSerializer, **NOT_MODIFIED},
        tags=["threads"],
    )
    def get(self, request: Request, slug: str, thread_id: int) -> Response:
        community = community_selectors.get_community_for(
            user=request.user, slug=slug, with_purpose=False
        )
        thread = thread_selectors.get_thread(
            user=request.user, community=community, thread_id=thread_id
        )
        return detail_response(request, _thread_data(request, thread))


# -- posts -----------------------------------------------------------------------------------


class PostListView(ApiView):
    def _thread(self, request: Request, slug: str, thread_id: int):
        community = community_selectors.get_community_for(
            user=request.user, slug=slug, with_purpose=False
        )
        return thread_selectors.get_thread(
            user=request.user, community=community, thread_id=thread_id
        )

    @extend_schema(
        operation_id="posts_list",
        summary="The thread's posts, oldest first",
        parameters=[api_serializers.PageQuery],
        responses=paginated(api_serializers.PostSerializer),
        tags=["threads"],
    )
    def get(self, request: Request, slug: str, thread_id: int) -> Response:
        query = parse_query(request, api_serializers.PageQuery)
        thread = self._thread(request, slug, thread_id)
        after = None
        if query.get("cursor"):
            after = _post_cursor(query["cursor"])
        page = thread_selectors.thread_posts(
            user=request.user,
            thread=thread,
            after=after,
            page_size=query.get("page_size", thread_selectors.POSTS_PAGE_SIZE),
        )
        rows = api_serializers.PostSerializer(page.items, many=True, context=_context(request))
        return page_response(request, rows.data, page.later_cursor)

    @extend_schema(
        operation_id="posts_create",
        summary="Reply to the thread",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=api_serializers.ReplyCreateSerializer,
        responses={201: api_serializers.PostSerializer},
        tags=["threads"],
    )
    def post(self, request: Request, slug: str, thread_id: int) -> Response:
        def create() -> Response:
            user = request.user
            thread = self._thread(request, slug, thread_id)
            data = _valid(api_serializers.ReplyCreateSerializer, request)
            refusal = discussion_permissions.reply_refusal(user, thread)
            if refusal:
                # Django's exception, so a sanction's refusal keeps its fields (api.problems).
                raise DjangoPermissionDenied(refusal)
            quoted = None
            if data.get("quoted_post"):
                try:
                    quoted = thread_selectors.get_post(thread=thread, post_id=data["quoted_post"])
                except Http404 as error:
                    raise exceptions.ValidationError(
                        {"quoted_post": [_("The post you quoted is not in this thread.")]}
                    ) from error
            _limit(request, "writes")
            _trust_limits(request, data["body"], new_thread=False)
            post = thread_services.post_reply(
                author=user, thread=thread, body=data["body"], quoted_post=quoted
            )
            page = thread_selectors.thread_posts(
                user=user, thread=thread, after=post.pk - 1, page_size=1
            )
            body = api_serializers.PostSerializer(page.items[0], context=_context(request)).data
            return Response(body, status=201)

        return idempotent(request, create)


def _post_cursor(position: str) -> int | None:
    return positive_int(position)


# -- ideas -----------------------------------------------------------------------------------


def _idea(request: Request, slug: str, thread_id: int):
    community = community_selectors.get_readable_community(user=request.user, slug=slug)
    idea = idea_selectors.get_idea(community=community, thread_id=thread_id, user=request.user)
    idea.shown_challenge = (
        idea.challenge if idea_selectors.shows_challenges(request.user, community) else None
    )
    idea.tag_names = thread_selectors.thread_tag_names(idea.thread)
    idea_selectors.mark_viewer_votes(request.user, [idea])
    return idea


class IdeaListView(ApiView):
    @extend_schema(
        operation_id="ideas_list",
        summary="The community's ideas",
        parameters=[api_serializers.IdeaQuery],
        responses=paginated(api_serializers.IdeaSerializer),
        tags=["ideas"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, api_serializers.IdeaQuery)
        community = community_selectors.get_readable_community(user=request.user, slug=slug)
        filters = idea_selectors.IdeaFilters(
            sort=query.get("sort") or idea_selectors.DEFAULT_SORT,
            status=query.get("status", ""),
            challenge=query.get("challenge"),
            tag=query.get("tag", "").strip().lower(),
        )
        page = idea_selectors.idea_page(
            user=request.user,
            community=community,
            filters=filters,
            after=query.get("cursor"),
            page_size=query.get("page_size", idea_selectors.IDEAS_PAGE_SIZE),
        )
        return page_response(request, _cached_idea_rows(request, page.items), page.next_cursor)

    @extend_schema(
        operation_id="ideas_create",
        summary="Post an idea",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=api_serializers.IdeaCreateSerializer,
        responses={201: api_serializers.IdeaSerializer},
        tags=["ideas"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            user = request.user
            community = community_selectors.get_readable_community(user=user, slug=slug)
            data = _valid(api_serializers.IdeaCreateSerializer, request)
            challenge = None
            if data.get("challenge"):
                challenges = idea_selectors.community_challenges(user=user, community=community)
                challenge = next((c for c in challenges if c.pk == data["challenge"]), None)
                if challenge is None:
                    raise exceptions.ValidationError(
                        {"challenge": [_("Choose a challenge of this community's purpose.")]}
                    )
            _limit(request, "writes")
            _trust_limits(request, data["description"], new_thread=True, field="description")
            idea = idea_services.submit_idea(
                author=user,
                community=community,
                title=data["title"],
                description=data["description"],
                challenge=challenge,
                tags=data["tags"],
            )
            body = api_serializers.IdeaSerializer(
                _idea(request, slug, idea.thread_id), context=_context(request)
            ).data
            return Response(body, status=201, headers={"Location": body["url"]})

        return idempotent(request, create)


class IdeaDetailView(ApiView):
    @extend_schema(
        operation_id="ideas_retrieve",
        summary="An idea",
        parameters=[ETAG_PARAMETER],
        responses={200: api_serializers.IdeaSerializer, **NOT_MODIFIED},
        tags=["ideas"],
    )
    def get(self, request: Request, slug: str, thread_id: int) -> Response:
        idea = _idea(request, slug, thread_id)
        data = api_serializers.IdeaSerializer(idea, context=_context(request)).data
        return detail_response(request, data)


class IdeaVoteView(ApiView):
    def _answer(self, request: Request, slug: str, thread_id: int, status: int) -> Response:
        data = api_serializers.IdeaSerializer(
            _idea(request, slug, thread_id), context=_context(request)
        ).data
        return Response(data, status=status)

    @extend_schema(
        operation_id="ideas_vote_create",
        summary="Vote for the idea",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=None,
        responses={200: api_serializers.IdeaSerializer},
        tags=["ideas"],
    )
    def post(self, request: Request, slug: str, thread_id: int) -> Response:
        def create() -> Response:
            idea = _idea(request, slug, thread_id)
            _limit(request, "votes")
            idea_services.vote(user=request.user, idea=idea)
            return self._answer(request, slug, thread_id, 200)

        return idempotent(request, create)

    @extend_schema(
        operation_id="ideas_vote_destroy",
        summary="Withdraw your vote",
        request=None,
        responses={200: api_serializers.IdeaSerializer},
        tags=["ideas"],
    )
    def delete(self, request: Request, slug: str, thread_id: int) -> Response:
        idea = _idea(request, slug, thread_id)
        _limit(request, "votes")
        idea_services.withdraw_vote(user=request.user, idea=idea)
        return self._answer(request, slug, thread_id, 200)


class NotFoundView(ApiView):
    """Any other address under /api/: a problem, not the site's HTML page."""

    @extend_schema(exclude=True)
    def get(self, request: Request, rest: str = "") -> Response:
        raise exceptions.NotFound()

    post = put = patch = delete = get
