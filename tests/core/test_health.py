import json
import socket

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_answers_ok_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_answers_503_and_names_redis_when_redis_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "error: ConnectionError"},
    }


def test_healthz_is_never_cached(client):
    response = client.get(reverse("healthz"))

    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_healthz_sets_no_cookie_and_creates_no_session(client):
    response = client.get(reverse("healthz"))

    assert response.status_code in (200, 503)
    assert dict(response.cookies) == {}
    assert "Set-Cookie" not in response.headers
    assert Session.objects.count() == 0


def test_healthz_only_answers_get(client):
    assert client.post(reverse("healthz")).status_code == 405
