"""The site's URLs, plus uploads served by the app, as with SERVE_MEDIA=true.

`config.urls` decides at import time whether to serve /media/; the browser tests need the
avatar a person uploads to load in the page, from the MEDIA_ROOT the test chose.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from config.urls import handler403, handler404, handler500, urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def serve_media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [*urlpatterns, re_path(r"^media/(?P<path>.*)$", serve_media)]
