from django.urls import path

from notifications import digest_views, views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/count/", views.notification_count, name="notification_count"),
    path("notifications/read/", views.notification_mark_all_read, name="notification_read_all"),
    path("notifications/<int:notification_id>/", views.notification_open, name="notification_open"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_mark_read,
        name="notification_mark_read",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path("settings/notifications/digest/", digest_views.digest_preview, name="digest_preview"),
]
