"""The home page: what Commons is for visitors, the activity feed for members."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern

from communities.selectors import suggested_communities
from discussions.selectors import feed as selectors


def home(request: HttpRequest) -> HttpResponse:
    """Visitors learn what Commons is; members see their feed, communities and next steps.

    An htmx request (the "more" link) gets the next stretch of the feed alone.
    """
    if not request.user.is_authenticated:
        return render(request, "core/home_visitor.html")
    scope = selectors.feed_scope(request.user)
    feed = selectors.activity_feed(user=request.user, after=request.GET.get("after"), scope=scope)
    if request.htmx:
        return render(request, "discussions/feed/partial.html", {"feed": feed})
    return render(
        request,
        "discussions/feed/index.html",
        {
            "feed": feed,
            "closing_soon": selectors.closing_soon(user=request.user),
            "memberships": scope.memberships,
            "suggestions": suggested_communities(user=request.user),
        },
    )


# Routes under /communities/<slug>/ (the community's slug is the view's `slug` argument).
community_urlpatterns: list[URLPattern] = []
# Routes at the site's root ("" is config.urls' "home", pointing at `home` above).
site_urlpatterns: list[URLPattern] = []
