"""The REST API of memberships, join requests, invitations and member lists: thin views
over the same selectors, services and access rule (`communities.permissions`) as the
pages. A community the reader may not see answers 404; an action they may not take, 403
with the reason."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import page_response, paginated, parse_query
from api.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer, Sanctioned
from api.responses import idempotent
from api.schema import CommonsAutoSchema
from api.scopes import SignedIn, SignedInToWrite
from api.views import IDEMPOTENCY_PARAMETER, ApiView, _context, _limit, _valid
from communities import permissions, selectors, services
from communities import serializers as community_serializers
from communities.models import Community

NO_CONTENT = {204: OpenApiResponse(description="Done; nothing to show.")}


class ModeratorsReadSchema(CommonsAutoSchema):
    """A list only the community's moderators may read: its GET may also answer 403."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and self.method == "GET" and "403" not in responses:
            response = self._get_response_for_code(
                ProblemSerializer, "403", [PROBLEM_CONTENT_TYPE], direction
            )
            response["description"] = (
                "Only the community's moderators may read this; `detail` says why."
            )
            responses["403"] = response
        return responses


def _community(request: Request, slug: str) -> Community:
    return selectors.get_community_for(user=request.user, slug=slug, with_purpose=False)


def _moderated(request: Request, slug: str) -> Community:
    community = _community(request, slug)
    permissions.require_moderate(request.user, community)
    return community


def _refuse(refusal: str | None) -> None:
    if isinstance(refusal, permissions.SanctionRefusal):
        # A ban: its reason and end as fields too, as for a refused write.
        raise Sanctioned(refusal)
    if refusal:
        raise exceptions.PermissionDenied(refusal)


def _membership_data(request: Request, membership) -> dict:
    return community_serializers.MembershipSerializer(membership, context=_context(request)).data


# -- the reader's own memberships ---------------------------------------------------------------


class MyMembershipListView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]

    @extend_schema(
        operation_id="me_memberships_list",
        summary="The communities you belong to, most recently joined first",
        parameters=[community_serializers.PageQuery],
        responses=paginated(community_serializers.MembershipSerializer),
        tags=["memberships"],
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, community_serializers.PageQuery)
        page = selectors.membership_page(
            user=request.user,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.DIRECTORY_PAGE_SIZE),
        )
        rows = community_serializers.MembershipSerializer(
            page.items, many=True, context=_context(request)
        )
        return page_response(request, rows.data, page.next_cursor)


class MembershipView(ApiView):
    """The reader's membership of one community: join (POST), the notification level
    (PATCH), leave (DELETE)."""

    def _mine(self, request: Request, community: Community):
        membership = selectors.viewer_membership(user=request.user, community=community)
        if membership is None:
            raise exceptions.NotFound(_("You are not a member of this community."))
        membership.community = community
        return membership

    @extend_schema(
        operation_id="membership_retrieve",
        summary="Your membership of the community",
        responses=community_serializers.MembershipSerializer,
        tags=["memberships"],
    )
    def get(self, request: Request, slug: str) -> Response:
        membership = self._mine(request, _community(request, slug))
        return Response(_membership_data(request, membership))

    @extend_schema(
        operation_id="membership_create",
        summary="Join the community (open communities; others take a request or invitation)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=None,
        responses={201: community_serializers.MembershipSerializer},
        tags=["memberships"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            community = _community(request, slug)
            if permissions.is_member(request.user, community):
                raise exceptions.ValidationError(_("You are already a member of this community."))
            _refuse(permissions.join_refusal(request.user, community))
            _limit(request, "joins")
            membership = services.join_community(user=request.user, community=community)
            membership.community = community
            return Response(_membership_data(request, membership), status=201)

        return idempotent(request, create)

    @extend_schema(
        operation_id="membership_partial_update",
        summary="Choose what reaches you from the community",
        request=community_serializers.MembershipUpdateSerializer,
        responses=community_serializers.MembershipSerializer,
        tags=["memberships"],
    )
    def patch(self, request: Request, slug: str) -> Response:
        membership = self._mine(request, _community(request, slug))
        data = _valid(community_serializers.MembershipUpdateSerializer, request)
        _limit(request, "writes")
        membership = services.update_membership_preferences(
            membership=membership, notification_level=data["notification_level"]
        )
        return Response(_membership_data(request, membership))

    @extend_schema(
        operation_id="membership_destroy",
        summary="Leave the community",
        request=None,
        responses=NO_CONTENT,
        tags=["memberships"],
    )
    def delete(self, request: Request, slug: str) -> Response:
        community = _community(request, slug)
        self._mine(request, community)
        _limit(request, "writes")
        services.leave_community(user=request.user, community=community)
        return Response(status=204)


class MemberListView(ApiView):
    @extend_schema(
        operation_id="members_list",
        summary="The community's members in the order they joined, as its members page",
        parameters=[community_serializers.MemberQuery],
        responses=paginated(community_serializers.MemberSerializer),
        tags=["memberships"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, community_serializers.MemberQuery)
        community = selectors.get_readable_community(
            user=request.user, slug=slug, with_purpose=False
        )
        page = selectors.member_page(
            community=community,
            query=query.get("q", ""),
            role=query.get("role", ""),
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.MEMBERS_PAGE_SIZE),
            viewer=request.user,
        )
        rows = community_serializers.MemberSerializer(
            page.items, many=True, context=_context(request)
        )
        return page_response(request, rows.data, page.next_cursor)


# -- join requests ----------------------------------------------------------------------------


class MyJoinRequestView(ApiView):
    """The reader's own request to join a community that approves its members."""

    @extend_schema(
        operation_id="join_request_create",
        summary="Ask to join, with a message to the moderators",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=community_serializers.JoinRequestCreateSerializer,
        responses={201: community_serializers.JoinRequestSerializer},
        tags=["memberships"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            community = _community(request, slug)
            data = _valid(community_serializers.JoinRequestCreateSerializer, request)
            _refuse(permissions.request_refusal(request.user, community))
            _limit(request, "joins")
            join_request = services.request_to_join(
                user=request.user, community=community, message=data["message"]
            )
            body = community_serializers.JoinRequestSerializer(join_request).data
            return Response(body, status=201)

        return idempotent(request, create)

    @extend_schema(
        operation_id="join_request_destroy",
        summary="Withdraw your request to join",
        request=None,
        responses=NO_CONTENT,
        tags=["memberships"],
    )
    def delete(self, request: Request, slug: str) -> Response:
        community = _community(request, slug)
        _limit(request, "writes")
        if not services.withdraw_join_request(user=request.user, community=community):
            raise exceptions.NotFound(_("You have no pending request to join this community."))
        return Response(status=204)


class JoinRequestListView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]
    schema = ModeratorsReadSchema()

    @extend_schema(
        operation_id="join_requests_list",
        summary="Pending requests to join, oldest first (moderators)",
        parameters=[community_serializers.PageQuery],
        responses=paginated(community_serializers.JoinRequestSerializer),
        tags=["memberships"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, community_serializers.PageQuery)
        community = _moderated(request, slug)
        page = selectors.join_request_page(
            community=community,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.MEMBERS_PAGE_SIZE),
        )
        rows = community_serializers.JoinRequestSerializer(page.items, many=True)
        return page_response(request, rows.data, page.next_cursor)


class JoinRequestApproveView(ApiView):
    @extend_schema(
        operation_id="join_requests_approve",
        summary="Approve a request: the person becomes a member (moderators)",
        request=None,
        responses=community_serializers.JoinRequestSerializer,
        tags=["memberships"],
    )
    def post(self, request: Request, slug: str, request_id: int) -> Response:
        community = _moderated(request, slug)
        join_request = selectors.get_pending_join_request(
            community=community, request_id=request_id
        )
        _limit(request, "writes")
        services.approve_join_request(join_request=join_request, by=request.user)
        join_request.refresh_from_db(fields=["status"])
        return Response(community_serializers.JoinRequestSerializer(join_request).data)


class JoinRequestDeclineView(ApiView):
    @extend_schema(
        operation_id="join_requests_decline",
        summary="Decline a request, optionally saying why (moderators)",
        request=community_serializers.DeclineSerializer,
        responses=community_serializers.JoinRequestSerializer,
        tags=["memberships"],
    )
    def post(self, request: Request, slug: str, request_id: int) -> Response:
        community = _moderated(request, slug)
        join_request = selectors.get_pending_join_request(
            community=community, request_id=request_id
        )
        data = _valid(community_serializers.DeclineSerializer, request)
        _limit(request, "writes")
        join_request = services.decline_join_request(
            join_request=join_request, by=request.user, reason=data["reason"]
        )
        return Response(community_serializers.JoinRequestSerializer(join_request).data)


# -- invitations ------------------------------------------------------------------------------


def _inviting(request: Request, slug: str) -> Community:
    community = _community(request, slug)
    permissions.require_invite(request.user, community)
    return community


class InvitationListView(ApiView):
    permission_classes = [SignedIn, SignedInToWrite]
    schema = ModeratorsReadSchema()

    @extend_schema(
        operation_id="invitations_list",
        summary="The community's invitations, newest first (those who may invite)",
        parameters=[community_serializers.PageQuery],
        responses=paginated(community_serializers.InvitationSerializer),
        tags=["memberships"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse_query(request, community_serializers.PageQuery)
        community = _inviting(request, slug)
        page = selectors.invitation_page(
            community=community,
            after=query.get("cursor"),
            page_size=query.get("page_size", selectors.MEMBERS_PAGE_SIZE),
        )
        rows = community_serializers.InvitationSerializer(
            page.items, many=True, context=_context(request)
        )
        return page_response(request, rows.data, page.next_cursor)

    @extend_schema(
        operation_id="invitations_create",
        summary="Invite people by email, or make an invitation link",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=community_serializers.InvitationCreateSerializer,
        responses={201: community_serializers.InvitationSerializer(many=True)},
        tags=["memberships"],
    )
    def post(self, request: Request, slug: str) -> Response:
        def create() -> Response:
            community = _inviting(request, slug)
            data = _valid(community_serializers.InvitationCreateSerializer, request)
            _limit(request, "invitations")
            if data.get("emails"):
                invitations = services.invite_by_email(
                    community=community,
                    by=request.user,
                    emails=data["emails"],
                    member_type=data["member_type"],
                    valid_days=data["valid_days"],
                )
            else:
                invitations = [
                    services.create_invitation_link(
                        community=community,
                        by=request.user,
                        max_uses=data["max_uses"],
                        valid_days=data["valid_days"],
                        member_type=data["member_type"],
                    )
                ]
            now = timezone.now()
            for invitation in invitations:
                invitation.community = community
                invitation.state = selectors.invitation_state(invitation, now)
            rows = community_serializers.InvitationSerializer(
                invitations, many=True, context=_context(request)
            )
            return Response(rows.data, status=201)

        return idempotent(request, create)


class InvitationDetailView(ApiView):
    @extend_schema(
        operation_id="invitations_destroy",
        summary="Withdraw an invitation (those who may invite)",
        request=None,
        responses=NO_CONTENT,
        tags=["memberships"],
    )
    def delete(self, request: Request, slug: str, invitation_id: int) -> Response:
        community = _inviting(request, slug)
        invitation = selectors.get_community_invitation(
            community=community, invitation_id=invitation_id
        )
        _limit(request, "writes")
        services.revoke_invitation(invitation=invitation, by=request.user)
        return Response(status=204)


class InvitationAcceptView(ApiView):
    @extend_schema(
        operation_id="invitations_accept",
        summary="Accept an invitation by its token and join",
        request=None,
        responses={201: community_serializers.MembershipSerializer},
        tags=["memberships"],
    )
    def post(self, request: Request, token: str) -> Response:
        invitation = selectors.get_invitation(token=token)
        now = timezone.now()
        # An unusable token names nothing to someone who may not see the community.
        if not permissions.invitation_names_community(request.user, invitation, moment=now):
            raise exceptions.NotFound()
        if permissions.is_member(request.user, invitation.community):
            raise exceptions.ValidationError(_("You are already a member of this community."))
        _refuse(permissions.invitation_refusal(request.user, invitation, moment=now))
        _limit(request, "joins")
        membership = services.accept_invitation(invitation=invitation, user=request.user)
        membership.community = invitation.community
        return Response(_membership_data(request, membership), status=201)
