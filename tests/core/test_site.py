import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_migrate_names_the_site_after_site_url_for_email_links(settings):
    settings.SITE_URL = "https://commons.example.org"
    settings.SITE_NAME = "Northwind Commons"

    call_command("migrate", verbosity=0)

    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == ("commons.example.org", "Northwind Commons")
