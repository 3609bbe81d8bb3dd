from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import views
from api.docs import ApiDocsView
from communities import api as community_api
from discussions import api as discussion_api
from notifications import api as notification_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/communities/", views.CommunityListView.as_view(), name="community-list"),
    path(
        "v1/communities/<slug:slug>/",
        views.CommunityDetailView.as_view(),
        name="community-detail",
    ),
    path(
        "v1/communities/<slug:slug>/threads/",
        views.ThreadListView.as_view(),
        name="thread-list",
    ),
    path(
        "v1/communities/<slug:slug>/threads/<int:thread_id>/",
        discussion_api.ThreadDetailView.as_view(),
        name="thread-detail",
    ),
    path(
        "v1/communities/<slug:slug>/threads/<int:thread_id>/posts/",
        views.PostListView.as_view(),
        name="post-list",
    ),
    path("v1/communities/<slug:slug>/ideas/", views.IdeaListView.as_view(), name="idea-list"),
    path(
        "v1/communities/<slug:slug>/ideas/<int:thread_id>/",
        views.IdeaDetailView.as_view(),
        name="idea-detail",
    ),
    path(
        "v1/communities/<slug:slug>/ideas/<int:thread_id>/vote/",
        views.IdeaVoteView.as_view(),
        name="idea-vote",
    ),
    # Memberships, posts, reactions, follows, notifications, search
    path(
        "v1/me/memberships/",
        community_api.MyMembershipListView.as_view(),
        name="my-membership-list",
    ),
    path(
        "v1/communities/<slug:slug>/membership/",
        community_api.MembershipView.as_view(),
        name="membership",
    ),
    path(
        "v1/communities/<slug:slug>/members/",
        community_api.MemberListView.as_view(),
        name="member-list",
    ),
    path(
        "v1/communities/<slug:slug>/join-request/",
        community_api.MyJoinRequestView.as_view(),
        name="my-join-request",
    ),
    path(
        "v1/communities/<slug:slug>/join-requests/",
        community_api.JoinRequestListView.as_view(),
        name="join-request-list",
    ),
    path(
        "v1/communities/<slug:slug>/join-requests/<int:request_id>/approve/",
        community_api.JoinRequestApproveView.as_view(),
        name="join-request-approve",
    ),
    path(
        "v1/communities/<slug:slug>/join-requests/<int:request_id>/decline/",
        community_api.JoinRequestDeclineView.as_view(),
        name="join-request-decline",
    ),
    path(
        "v1/communities/<slug:slug>/invitations/",
        community_api.InvitationListView.as_view(),
        name="invitation-list",
    ),
    path(
        "v1/communities/<slug:slug>/invitations/<int:invitation_id>/",
        community_api.InvitationDetailView.as_view(),
        name="invitation-detail",
    ),
    path(
        "v1/invitations/<str:token>/accept/",
        community_api.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path(
        "v1/communities/<slug:slug>/threads/<int:thread_id>/posts/<int:post_id>/",
        discussion_api.PostDetailView.as_view(),
        name="post-detail",
    ),
    path(
        "v1/communities/<slug:slug>/threads/<int:thread_id>/posts/<int:post_id>/reactions/<str:kind>/",
        discussion_api.ReactionView.as_view(),
        name="reaction",
    ),
    path(
        "v1/communities/<slug:slug>/threads/<int:thread_id>/follow/",
        discussion_api.ThreadFollowView.as_view(),
        name="thread-follow",
    ),
    path(
        "v1/communities/<slug:slug>/threads/<int:thread_id>/mute/",
        discussion_api.ThreadMuteView.as_view(),
        name="thread-mute",
    ),
    path(
        "v1/purposes/<slug:slug>/follow/",
        notification_api.PurposeFollowView.as_view(),
        name="purpose-follow",
    ),
    path(
        "v1/notifications/",
        notification_api.NotificationListView.as_view(),
        name="notification-list",
    ),
    path(
        "v1/notifications/read/",
        notification_api.NotificationReadAllView.as_view(),
        name="notification-read-all",
    ),
    path(
        "v1/notifications/<int:notification_id>/read/",
        notification_api.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path(
        "v1/notifications/preferences/",
        notification_api.PreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("v1/search/", discussion_api.SearchView.as_view(), name="search"),
    re_path(r"^(?P<rest>(?s:.*))$", views.NotFoundView.as_view(), name="not-found"),
]
