"""The REST API of editing and deleting threads and posts, reactions, following and
search: thin views over the same selectors, services and access rule as the thread pages
and /search/. What the reader may not read answers 404; what they may not do, 403 with
the reason the page would give."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as api_serializers
from api import views as api_views
from api.pagination import page_response, paginated, parse_query
from api.views import ApiView, _context, _limit, _thread_data, _valid
from communities import selectors as community_selectors
from discussions import serializers as discussion_serializers
from discussions.models import Post, ReactionKind, Thread
from discussions.selectors import search as search_selectors
from discussions.selectors import threads as thread_selectors
from discussions.services import threads as thread_services

NO_CONTENT = {204: OpenApiResponse(description="Done; nothing to show.")}
KIND_PARAMETER = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ReactionKind.values
)


def _thread(request: Request, slug: str, thread_id: int) -> Thread:
    community = community_selectors.get_community_for(
        user=request.user, slug=slug, with_purpose=False
    )
    return thread_selectors.get_thread(user=request.user, community=community, thread_id=thread_id)


def _post_data(request: Request, thread: Thread, post: Post) -> dict:
    """The post as the thread's list shows it (reactions, deletion), read afresh."""
    page = thread_selectors.thread_posts(
        user=request.user, thread=thread, after=post.pk - 1, page_size=1
    )
    return api_serializers.PostSerializer(page.items[0], context=_context(request)).data


def _delete(request: Request, post: Post) -> None:
    query = parse_query(request, discussion_serializers.DeleteQuery)
    _limit(request, "writes")
    thread_services.delete_post(by=request.user, post=post, reason=query.get("reason", ""))


# -- threads --------------------------------------------------------------------------------


class ThreadDetailView(api_views.ThreadDetailView):
    """A thread: read it, edit it (PATCH), delete its opening post (DELETE)."""

    @extend_schema(
        operation_id="threads_partial_update",
        summary="Edit the title and text, or pin, lock or close (moderators)",
        request=discussion_serializers.ThreadUpdateSerializer,
        responses=api_serializers.ThreadSerializer,
        tags=["threads"],
    )
    def patch(self, request: Request, slug: str, thread_id: int) -> Response:
        user = request.user
        thread = _thread(request, slug, thread_id)
        data = _valid(discussion_serializers.ThreadUpdateSerializer, request)
        _limit(request, "writes")
        flags = ("pinned", "locked", "closed")
        states = {name: data[f"is_{name}"] for name in flags if f"is_{name}" in data}
        with transaction.atomic():
            if "title" in data or "body" in data:
                first = thread_selectors.first_post(thread=thread)
                thread_services.edit_post(
                    by=user, post=first, body=data.get("body", first.body), title=data.get("title")
                )
            if states:
                thread_services.set_thread_state(by=user, thread=thread, **states)
        return Response(_thread_data(request, _thread(request, slug, thread_id)))

    @extend_schema(
        operation_id="threads_destroy",
        summary="Delete the thread's opening post, as the thread page does (replies stay)",
        parameters=[discussion_serializers.DeleteQuery],
        request=None,
        responses=NO_CONTENT,
        tags=["threads"],
    )
    def delete(self, request: Request, slug: str, thread_id: int) -> Response:
        thread = _thread(request, slug, thread_id)
        _delete(request, thread_selectors.first_post(thread=thread))
        return Response(status=204)


# -- posts ----------------------------------------------------------------------------------


class PostDetailView(ApiView):
    @extend_schema(
        operation_id="posts_retrieve",
        summary="A post",
        responses=api_serializers.PostSerializer,
        tags=["threads"],
    )
    def get(self, request: Request, slug: str, thread_id: int, post_id: int) -> Response:
        thread = _thread(request, slug, thread_id)
        post = thread_selectors.get_post(thread=thread, post_id=post_id)
        return Response(_post_data(request, thread, post))

    @extend_schema(
        operation_id="posts_partial_update",
        summary="Edit a post (its author while the thread is not locked; moderators)",
        request=discussion_serializers.PostUpdateSerializer,
        responses=api_serializers.PostSerializer,
        tags=["threads"],
    )
    def patch(self, request: Request, slug: str, thread_id: int, post_id: int) -> Response:
        thread = _thread(request, slug, thread_id)
        post = thread_selectors.get_post(thread=thread, post_id=post_id)
        data = _valid(discussion_serializers.PostUpdateSerializer, request)
        _limit(request, "writes")
        thread_services.edit_post(by=request.user, post=post, body=data["body"])
        return Response(_post_data(request, thread, post))

    @extend_schema(
        operation_id="posts_destroy",
        summary="Delete a post (its author; moderators, saying why)",
        parameters=[discussion_serializers.DeleteQuery],
        request=None,
        responses=NO_CONTENT,
        tags=["threads"],
    )
    def delete(self, request: Request, slug: str, thread_id: int, post_id: int) -> Response:
        thread = _thread(request, slug, thread_id)
        _delete(request, thread_selectors.get_post(thread=thread, post_id=post_id))
        return Response(status=204)


class ReactionView(ApiView):
    """The reader's reaction of one kind to a post: PUT gives it, DELETE takes it back;
    sending either twice changes nothing."""

    def _react(self, request, slug, thread_id, post_id, kind, present: bool) -> Response:
        thread = _thread(request, slug, thread_id)
        post = thread_selectors.get_post(thread=thread, post_id=post_id)
        if kind not in ReactionKind.values:
            raise exceptions.NotFound(_("There is no such reaction."))
        _limit(request, "reactions")
        thread_services.set_reaction(user=request.user, post=post, kind=kind, present=present)
        return Response(_post_data(request, thread, post))

    @extend_schema(
        operation_id="reactions_update",
        summary="React to a post",
        parameters=[KIND_PARAMETER],
        request=None,
        responses={200: api_serializers.PostSerializer},
        tags=["threads"],
    )
    def put(self, request: Request, slug: str, thread_id: int, post_id: int, kind: str):
        return self._react(request, slug, thread_id, post_id, kind, True)

    @extend_schema(
        operation_id="reactions_destroy",
        summary="Take your reaction back",
        parameters=[KIND_PARAMETER],
        request=None,
        responses={200: api_serializers.PostSerializer},
        tags=["threads"],
    )
    def delete(self, request: Request, slug: str, thread_id: int, post_id: int, kind: str):
        return self._react(request, slug, thread_id, post_id, kind, False)


# -- following ------------------------------------------------------------------------------


def _change_subscription(request: Request, slug: str, thread_id: int, **change: bool) -> Response:
    """Follow, unfollow, mute or unmute (`following=` or `muted=`) through the same
    services as the thread page, then answer the subscription as it now stands (read
    again: muting also stops following)."""
    thread = _thread(request, slug, thread_id)
    _limit(request, "follows")
    if "muted" in change:
        thread_services.set_muted(user=request.user, thread=thread, muted=change["muted"])
    else:
        thread_services.set_following(
            user=request.user, thread=thread, following=change["following"]
        )
    thread = _thread(request, slug, thread_id)
    return Response(
        {"following": bool(thread.viewer_following), "muted": bool(thread.viewer_muted)}
    )


class ThreadFollowView(ApiView):
    """Following a thread: its replies reach you."""

    @extend_schema(
        operation_id="threads_follow_update",
        summary="Follow the thread",
        request=None,
        responses={200: discussion_serializers.FollowSerializer},
        tags=["follows"],
    )
    def put(self, request: Request, slug: str, thread_id: int) -> Response:
        return _change_subscription(request, slug, thread_id, following=True)

    @extend_schema(
        operation_id="threads_follow_destroy",
        summary="Stop following the thread",
        request=None,
        responses={200: discussion_serializers.FollowSerializer},
        tags=["follows"],
    )
    def delete(self, request: Request, slug: str, thread_id: int) -> Response:
        return _change_subscription(request, slug, thread_id, following=False)


class ThreadMuteView(ApiView):
    """Muting a thread: nothing from it reaches you (mentions aside if you keep them)."""

    @extend_schema(
        operation_id="threads_mute_update",
        summary="Mute the thread",
        request=None,
        responses={200: discussion_serializers.FollowSerializer},
        tags=["follows"],
    )
    def put(self, request: Request, slug: str, thread_id: int) -> Response:
        return _change_subscription(request, slug, thread_id, muted=True)

    @extend_schema(
        operation_id="threads_mute_destroy",
        summary="Stop muting the thread",
        request=None,
        responses={200: discussion_serializers.FollowSerializer},
        tags=["follows"],
    )
    def delete(self, request: Request, slug: str, thread_id: int) -> Response:
        return _change_subscription(request, slug, thread_id, muted=False)


# -- search ---------------------------------------------------------------------------------


class SearchView(ApiView):
    @extend_schema(
        operation_id="search_list",
        summary="Posts the reader may read matching the words, best match first, as /search/",
        parameters=[discussion_serializers.SearchQuery],
        responses=paginated(discussion_serializers.SearchResultSerializer),
        tags=["search"],
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, discussion_serializers.SearchQuery)
        _limit(request, "search")
        page = search_selectors.search(
            user=request.user,
            query=query["q"],
            after=query.get("cursor"),
            kind=query.get("kind", ""),
        )
        rows = discussion_serializers.SearchResultSerializer(
            page.results, many=True, context=_context(request)
        )
        return page_response(request, rows.data, page.next_cursor)
