"""The site's URLs with the yardstick in front (only ever the ROOT_URLCONF of the bench)."""

from django.urls import path

from benchyard import views
from config.urls import handler403, handler404, handler500  # noqa: F401 - used by Django
from config.urls import urlpatterns as site_urlpatterns

YARDSTICK_PATH = "bench/yardstick/"

urlpatterns = [
    path(YARDSTICK_PATH, views.yardstick, name="bench_yardstick"),
    *site_urlpatterns,
]
