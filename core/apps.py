from urllib.parse import urlparse

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_site(sender, using: str = "default", **kwargs) -> None:
    """Keep the sites framework's record (used in email links and subjects) matching SITE_URL."""
    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlparse(settings.SITE_URL).netloc or "localhost"
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.SITE_NAME}
    )


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps

        # Signalled for the sites app: post_migrate skips apps without models, like this one.
        post_migrate.connect(sync_site, sender=apps.get_app_config("sites"))
