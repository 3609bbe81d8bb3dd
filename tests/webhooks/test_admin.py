"""The Django admin shows endpoints and deliveries and switches endpoints off; endpoints
are added on the site's pages only, where their address is checked."""

import pytest
from django.urls import reverse

from tests.admin_support import change_form_data
from tests.discussions.factories import ThreadFactory
from tests.purposes.factories import AdministratorFactory
from tests.webhooks.support import endpoint_for, public_dns
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_the_log_and_switches_an_endpoint_off(client, monkeypatch):
    public_dns(monkeypatch)
    admin = AdministratorFactory(is_superuser=True)
    endpoint = endpoint_for(admin, None)
    ThreadFactory()
    delivery = Delivery.objects.get(event="thread.created")
    client.force_login(admin)

    assert client.get(reverse("admin:webhooks_endpoint_add")).status_code == 403
    assert client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 200
    page = client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    url = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
    data = change_form_data(client.get(url))
    assert endpoint.secret not in client.get(url).content.decode()
    data.pop("is_enabled", None)
    assert client.post(url, data).status_code == 302
    assert Endpoint.objects.get().is_enabled is False
