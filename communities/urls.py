from django.urls import include, path

from communities import views
from moderation.urls_sanctions import community_urlpatterns as sanction_urlpatterns

urlpatterns = [
    path("", views.community_list, name="community_list"),
    path("new/", views.community_create, name="community_create"),
    path("<slug:slug>/", views.community_detail, name="community_detail"),
    path("<slug:slug>/join/", views.community_join, name="community_join"),
    path("<slug:slug>/request/", views.community_request, name="community_request"),
    path("<slug:slug>/request/withdraw/", views.community_withdraw, name="community_withdraw"),
    path("<slug:slug>/leave/", views.community_leave, name="community_leave"),
    path("<slug:slug>/preferences/", views.membership_preferences, name="membership_preferences"),
    path("<slug:slug>/members/", views.member_list, name="community_members"),
    path(
        "<slug:slug>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="community_member_remove",
    ),
    path(
        "<slug:slug>/members/<int:membership_id>/role/",
        views.member_role,
        name="community_member_role",
    ),
    path("<slug:slug>/settings/", views.community_settings, name="community_settings"),
    path("<slug:slug>/moderation/", views.moderation, name="community_moderation"),
    path("<slug:slug>/moderation/sanctions/", include(sanction_urlpatterns)),
    path(
        "<slug:slug>/moderation/requests/<int:request_id>/<str:decision>/",
        views.join_request_decide,
        name="community_request_decide",
    ),
    path("<slug:slug>/moderation/invite/", views.invite_emails, name="community_invite"),
    path("<slug:slug>/moderation/links/", views.invite_link, name="community_invite_link"),
    path(
        "<slug:slug>/moderation/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="community_invitation_revoke",
    ),
    path(
        "<slug:slug>/moderation/bans/<int:user_id>/lift/",
        views.member_unban,
        name="community_unban",
    ),
]

invitation_urlpatterns = [
    path("<str:token>/", views.invitation_detail, name="invitation_detail"),
    path("<str:token>/sign-up/", views.invitation_signup, name="invitation_signup"),
]
