"""The same pages for a community's endpoints and the site's (see views.Scope)."""

from django.urls import path

from webhooks import views


def _patterns(prefix: str) -> list:
    return [
        path("", views.webhook_list, name=f"{prefix}_webhooks"),
        path("new/", views.webhook_new, name=f"{prefix}_webhook_new"),
        path("<int:endpoint_id>/", views.webhook_detail, name=f"{prefix}_webhook_detail"),
        path("<int:endpoint_id>/delete/", views.webhook_delete, name=f"{prefix}_webhook_delete"),
        path("<int:endpoint_id>/test/", views.webhook_ping, name=f"{prefix}_webhook_ping"),
        path(
            "<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
            views.webhook_redeliver,
            name=f"{prefix}_webhook_redeliver",
        ),
    ]


# Under /communities/<slug:slug>/settings/webhooks/.
community_urlpatterns = _patterns("community")
# Under /settings/webhooks/.
site_urlpatterns = _patterns("site")
