from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from discussions.models import Thread

ROWS = 30


def yardstick(request: HttpRequest) -> HttpResponse:
    """The newest 30 threads with their community: one query, one join, no access rule."""
    threads = Thread.objects.select_related("community").order_by("-created_at", "-id")[:ROWS]
    return render(request, "benchyard/yardstick.html", {"threads": threads})
