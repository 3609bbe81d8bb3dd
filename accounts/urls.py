from django.urls import path

from accounts import views

urlpatterns = [
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/profile/", views.settings_profile, name="settings_profile"),
    path("settings/tokens/", views.settings_tokens, name="settings_tokens"),
    path(
        "settings/service-accounts/",
        views.settings_service_accounts,
        name="settings_service_accounts",
    ),
    path(
        "settings/service-accounts/<int:account_id>/tokens/",
        views.settings_service_token_create,
        name="settings_service_token_create",
    ),
    path(
        "settings/service-accounts/<int:account_id>/tokens/<int:token_id>/revoke/",
        views.settings_service_token_revoke,
        name="settings_service_token_revoke",
    ),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        views.settings_token_revoke,
        name="settings_token_revoke",
    ),
]
