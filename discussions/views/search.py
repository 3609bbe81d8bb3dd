"""/search/?q=: what the person may read, best match first."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from core import params
from core.ratelimit import rate_limit
from discussions.models import ThreadKind
from discussions.selectors import search as selectors


@rate_limit("search")
def search(request: HttpRequest) -> HttpResponse:
    """The results page; an htmx request gets the results alone."""
    page = selectors.search(
        user=request.user,
        query=params.text(request.GET.get("q", ""), 1000),
        after=request.GET.get("after"),
        kind=request.GET.get("kind", ""),
    )
    context = {"search": page, "kinds": ThreadKind.choices}
    template = "partial.html" if request.htmx else "index.html"
    return render(request, f"discussions/search/{template}", context)


# Routes under /communities/<slug>/ (the community's slug is the view's `slug` argument).
community_urlpatterns: list[URLPattern] = []
# Routes at the site's root.
site_urlpatterns: list[URLPattern] = [
    path("search/", search, name="search"),
]
