"""The REST API of notifications, notification choices and purpose follows: thin views
over the same selectors and services as the notification centre and
/settings/notifications/. Only a person's own notifications, and only those they may
still see (`selectors.still_visible`)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import PageQuery, page_response, paginated, parse_query
from api.scopes import SignedIn, SignedInToWrite
from api.views import ApiView, _context, _limit, _valid
from notifications import selectors, services
from notifications import serializers as notification_serializers
from purposes import selectors as purpose_selectors
from purposes import services as purpose_services

PAGE_SIZE = 30


def _read_result(request: Request, changed: int) -> Response:
    return Response(
        {"marked_read": changed, "unread_count": selectors.unread_count(user=request.user)}
    )


class NotificationListView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first",
        parameters=[PageQuery],
        responses=paginated(notification_serializers.NotificationSerializer),
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, PageQuery)
        page = selectors.notification_page(
            user=request.user,
            after=query.get("cursor"),
            page_size=query.get("page_size", PAGE_SIZE),
        )
        rows = notification_serializers.NotificationSerializer(
            page.items, many=True, context=_context(request)
        )
        return page_response(request, rows.data, page.next_cursor)


class NotificationReadView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark a notification read (with the rest of its thread's, as opening it does)",
        request=None,
        responses=notification_serializers.ReadResultSerializer,
        tags=["notifications"],
    )
    def post(self, request: Request, notification_id: int) -> Response:
        notification = selectors.get_notification_for(
            user=request.user, notification_id=notification_id
        )
        _limit(request, "writes")
        changed = services.mark_thread_read(user=request.user, notification=notification)
        return _read_result(request, changed)


class NotificationReadAllView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]

    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all your notifications read",
        request=None,
        responses=notification_serializers.ReadResultSerializer,
        tags=["notifications"],
    )
    def post(self, request: Request) -> Response:
        _limit(request, "writes")
        return _read_result(request, services.mark_read(user=request.user))


class PreferencesView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]

    def _data(self, found) -> dict:
        return notification_serializers.PreferencesSerializer(found).data

    @extend_schema(
        operation_id="notification_preferences_retrieve",
        summary="Your notification choices: email per kind, the digest, a daily cap",
        responses=notification_serializers.PreferencesSerializer,
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        return Response(self._data(services.settings_for(request.user)))

    @extend_schema(
        operation_id="notification_preferences_partial_update",
        summary="Change your notification choices (send only what changes)",
        request=notification_serializers.PreferencesSerializer,
        responses=notification_serializers.PreferencesSerializer,
        tags=["notifications"],
    )
    def patch(self, request: Request) -> Response:
        data = _valid(notification_serializers.PreferencesSerializer, request)
        _limit(request, "writes")
        return Response(self._data(services.update_settings(user=request.user, **data)))


class PurposeFollowView(ApiView):
    """Following a purpose: its goal progress reaches you and your digest."""

    def _answer(self, request: Request, purpose) -> Response:
        following = purpose_selectors.follows_purpose(user=request.user, purpose=purpose)
        return Response({"following": following})

    @extend_schema(
        operation_id="purposes_follow_update",
        summary="Follow the purpose",
        request=None,
        responses={200: notification_serializers.PurposeFollowSerializer},
        tags=["follows"],
    )
    def put(self, request: Request, slug: str) -> Response:
        purpose = purpose_selectors.get_purpose_for(user=request.user, slug=slug)
        _limit(request, "follows")
        purpose_services.follow_purpose(user=request.user, purpose=purpose)
        return self._answer(request, purpose)

    @extend_schema(
        operation_id="purposes_follow_destroy",
        summary="Stop following the purpose",
        request=None,
        responses={200: notification_serializers.PurposeFollowSerializer},
        tags=["follows"],
    )
    def delete(self, request: Request, slug: str) -> Response:
        purpose = purpose_selectors.get_purpose_for(user=request.user, slug=slug)
        _limit(request, "follows")
        purpose_services.unfollow_purpose(user=request.user, purpose=purpose)
        return self._answer(request, purpose)
