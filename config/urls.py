from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve as serve_static

from accounts import views as account_views
from communities.urls import invitation_urlpatterns
from core import views as core_views
from discussions.urls import community_urlpatterns as discussion_community_urlpatterns
from discussions.urls import site_urlpatterns as discussion_site_urlpatterns
from discussions.views import feed as feed_views
from moderation import views as moderation_views
from moderation.urls_sanctions import site_urlpatterns as moderation_sanction_urlpatterns
from webhooks.urls import community_urlpatterns as webhook_community_urlpatterns
from webhooks.urls import site_urlpatterns as webhook_site_urlpatterns

urlpatterns = [
    path("", feed_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("settings/webhooks/", include(webhook_site_urlpatterns)),
    path("communities/<slug:slug>/settings/webhooks/", include(webhook_community_urlpatterns)),
    path("purposes/", include("purposes.urls")),
    path("communities/<slug:slug>/", include(discussion_community_urlpatterns)),
    path("communities/<slug:slug>/", include(moderation_views.community_urlpatterns)),
    path("communities/", include("communities.urls")),
    path("", include(discussion_site_urlpatterns)),
    path("", include(moderation_views.site_urlpatterns)),
    path("invitations/", include(invitation_urlpatterns)),
    path("", include("notifications.urls")),
    path("api/", include("api.urls")),
    path("moderation/", include(moderation_sanction_urlpatterns)),
    # Before the admin's own: a staff session only ever starts at allauth's sign-in.
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/logout/", account_views.admin_logout, name="admin_logout"),
    path("admin/", admin.site.urls),
    path("dev/mailbox/", core_views.dev_mailbox, name="dev_mailbox"),
    path("dev/mailbox/<str:key>/", core_views.dev_mailbox_message, name="dev_mailbox_message"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif settings.SERVE_MEDIA:
    # Small installations without object storage let the app serve uploads itself.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_static, {"document_root": settings.MEDIA_ROOT})
    ]

handler404 = "core.errors.page_not_found"
handler403 = "core.errors.permission_denied"
handler500 = "core.errors.server_error"
