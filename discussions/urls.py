from discussions.views import decisions, feed, ideas, search, threads

community_urlpatterns = [
    *threads.community_urlpatterns,
    *ideas.community_urlpatterns,
    *decisions.community_urlpatterns,
]

site_urlpatterns = [
    *search.site_urlpatterns,
    *feed.site_urlpatterns,
]
