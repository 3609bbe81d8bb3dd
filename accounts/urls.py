from django.urls import path

from accounts import views

urlpatterns = [
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/profile/", views.settings_profile, name="settings_profile"),
    path("settings/tokens/", views.settings_tokens, name="settings_tokens"),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        views.settings_token_revoke,
        name="settings_token_revoke",
    ),
]
