"""Sanctions, trust levels and moderation settings. `community_urlpatterns` sit under
/communities/<slug>/moderation/sanctions/, `site_urlpatterns` under /moderation/."""

from django.urls import path

from moderation import sanction_views as views

community_urlpatterns = [
    path("", views.community_sanctions, name="community_sanctions"),
    path("new/", views.community_sanction_new, name="community_sanction_new"),
    path(
        "<str:kind>/<int:user_id>/lift/",
        views.community_sanction_lift,
        name="community_sanction_lift",
    ),
]

site_urlpatterns = [
    path("sanctions/", views.account_sanctions, name="account_sanctions"),
    path("sanctions/new/", views.account_sanction_new, name="account_sanction_new"),
    path(
        "sanctions/<str:kind>/<int:user_id>/lift/",
        views.account_sanction_lift,
        name="account_sanction_lift",
    ),
    path("people/<int:user_id>/trust/", views.person_trust, name="person_trust"),
    path("settings/", views.moderation_settings, name="moderation_settings"),
]
