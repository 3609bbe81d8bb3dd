from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import views
from api.docs import ApiDocsView

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
        views.ThreadDetailView.as_view(),
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
    re_path(r"^(?P<rest>.*)$", views.NotFoundView.as_view(), name="not-found"),
]
