from django.urls import URLPattern

# Routes under /communities/<slug>/ (the community's slug is the view's `slug` argument).
community_urlpatterns: list[URLPattern] = []
# Routes at the site's root.
site_urlpatterns: list[URLPattern] = []
