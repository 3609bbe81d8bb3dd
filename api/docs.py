"""The interactive API documentation, served from the site itself (drf-spectacular's
sidecar files: no CDN) and allowed by the site's Content-Security-Policy: its page loads
only this site's scripts and styles, each script tag carrying the response's nonce, and
Swagger UI's start-up script is a separate same-origin file rather than inline code."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"
    url_name = "api:schema"
    url_self = None
