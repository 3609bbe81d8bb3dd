from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts import api as account_api
from api import views
from api.docs import ApiDocsView
from communities import api as community_api
from communities import api_config as config_api
from discussions import api as discussion_api
from discussions import api_decisions as decision_api
from discussions import api_ideas as idea_api
from notifications import api as notification_api
from purposes import api as purpose_api
from webhooks import api as webhook_api

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
    # Profiles, organisations, purposes, configuration, idea governance, decisions
    path("v1/me/profile/", account_api.ProfileView.as_view(), name="me-profile"),
    path("v1/people/<int:person_id>/", account_api.PersonView.as_view(), name="person-detail"),
    path(
        "v1/organisations/",
        account_api.OrganisationListView.as_view(),
        name="organisation-list",
    ),
    path(
        "v1/organisations/<int:organisation_id>/",
        account_api.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path("v1/purposes/", purpose_api.PurposeListView.as_view(), name="purpose-list"),
    path(
        "v1/purposes/<slug:slug>/", purpose_api.PurposeDetailView.as_view(), name="purpose-detail"
    ),
    path("v1/purposes/<slug:slug>/goals/", purpose_api.GoalListView.as_view(), name="goal-list"),
    path(
        "v1/purposes/<slug:slug>/goals/<int:goal_id>/",
        purpose_api.GoalDetailView.as_view(),
        name="goal-detail",
    ),
    path(
        "v1/purposes/<slug:slug>/goals/<int:goal_id>/measurements/",
        purpose_api.MeasurementListView.as_view(),
        name="measurement-list",
    ),
    path(
        "v1/purposes/<slug:slug>/challenges/",
        purpose_api.ChallengeListView.as_view(),
        name="challenge-list",
    ),
    path(
        "v1/purposes/<slug:slug>/challenges/<int:challenge_id>/",
        purpose_api.ChallengeDetailView.as_view(),
        name="challenge-detail",
    ),
    path(
        "v1/purposes/<slug:slug>/communities/",
        purpose_api.PurposeCommunityListView.as_view(),
        name="purpose-community-list",
    ),
    path(
        "v1/communities/<slug:slug>/settings/",
        config_api.CommunitySettingsView.as_view(),
        name="community-settings",
    ),
    path(
        "v1/communities/<slug:slug>/categories/",
        config_api.CategoryListView.as_view(),
        name="community-category-list",
    ),
    path(
        "v1/communities/<slug:slug>/roles/<int:user_id>/",
        config_api.RoleView.as_view(),
        name="community-role",
    ),
    path(
        "v1/communities/<slug:slug>/ideas/<int:thread_id>/status-changes/",
        idea_api.IdeaStatusView.as_view(),
        name="idea-status-changes",
    ),
    path(
        "v1/communities/<slug:slug>/ideas/<int:thread_id>/merge/",
        idea_api.IdeaMergeView.as_view(),
        name="idea-merge",
    ),
    path(
        "v1/communities/<slug:slug>/ideas/<int:thread_id>/goals/",
        idea_api.IdeaGoalListView.as_view(),
        name="idea-goal-list",
    ),
    path(
        "v1/communities/<slug:slug>/ideas/<int:thread_id>/goals/<int:goal_id>/",
        idea_api.IdeaGoalDetailView.as_view(),
        name="idea-goal-detail",
    ),
    path(
        "v1/communities/<slug:slug>/decisions/",
        decision_api.DecisionListView.as_view(),
        name="decision-list",
    ),
    path(
        "v1/communities/<slug:slug>/decisions/<int:thread_id>/",
        decision_api.DecisionDetailView.as_view(),
        name="decision-detail",
    ),
    path(
        "v1/communities/<slug:slug>/decisions/<int:thread_id>/close/",
        decision_api.DecisionCloseView.as_view(),
        name="decision-close",
    ),
    path(
        "v1/communities/<slug:slug>/decisions/<int:thread_id>/outcome/",
        decision_api.DecisionOutcomeView.as_view(),
        name="decision-outcome",
    ),
    path(
        "v1/communities/<slug:slug>/decisions/<int:thread_id>/votes/<int:option_id>/",
        decision_api.DecisionVoteView.as_view(),
        name="decision-vote",
    ),
    # Webhooks: site-wide (administrators) and a community's (its owners)
    path("v1/webhooks/", webhook_api.SiteEndpointListView.as_view(), name="webhook-list"),
    path(
        "v1/webhooks/<int:endpoint_id>/",
        webhook_api.SiteEndpointDetailView.as_view(),
        name="webhook-detail",
    ),
    path(
        "v1/webhooks/<int:endpoint_id>/deliveries/",
        webhook_api.SiteDeliveryListView.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        "v1/webhooks/<int:endpoint_id>/ping/",
        webhook_api.SitePingView.as_view(),
        name="webhook-ping",
    ),
    path(
        "v1/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        webhook_api.SiteRedeliverView.as_view(),
        name="webhook-redeliver",
    ),
    path(
        "v1/communities/<slug:slug>/webhooks/",
        webhook_api.CommunityEndpointListView.as_view(),
        name="community-webhook-list",
    ),
    path(
        "v1/communities/<slug:slug>/webhooks/<int:endpoint_id>/",
        webhook_api.CommunityEndpointDetailView.as_view(),
        name="community-webhook-detail",
    ),
    path(
        "v1/communities/<slug:slug>/webhooks/<int:endpoint_id>/deliveries/",
        webhook_api.CommunityDeliveryListView.as_view(),
        name="community-webhook-delivery-list",
    ),
    path(
        "v1/communities/<slug:slug>/webhooks/<int:endpoint_id>/ping/",
        webhook_api.CommunityPingView.as_view(),
        name="community-webhook-ping",
    ),
    path(
        "v1/communities/<slug:slug>/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        webhook_api.CommunityRedeliverView.as_view(),
        name="community-webhook-redeliver",
    ),
    # Last: anything else under /api/ is a problem-details 404 (line breaks included).
    re_path(r"^(?P<rest>(?s:.*))$", views.NotFoundView.as_view(), name="not-found"),
]
