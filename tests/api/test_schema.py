"""The OpenAPI schema validates, without a warning, and describes every endpoint of the
API with its methods, its errors and both ways to sign in."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api import urls as api_urls

pytestmark = pytest.mark.django_db

NOT_ENDPOINTS = {"schema", "docs", "not-found"}


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _endpoints() -> dict[str, set[str]]:
    """OpenAPI path -> the methods its view answers, from the API's URL patterns."""
    found = {}
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_ENDPOINTS:
            continue
        route = "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        view = pattern.callback.view_class
        found[route] = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
    return found


def test_the_schema_validates_without_warnings(tmp_path):
    schema = _schema()
    validate_schema(schema)
    # The command fails on any warning the generator met (an unresolvable field, a type
    # hint missing, two enums under one name).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")
    assert schema["openapi"].startswith("3.")


def test_every_endpoint_and_method_is_described():
    paths = _schema()["paths"]
    endpoints = _endpoints()
    # 9 of the first slice, 20 for memberships, posts, reactions, follows, notifications and
    # search, 24 for profiles, organisations, purposes, configuration, idea governance and
    # decisions, 10 for webhooks (site-wide and a community's).
    assert len(endpoints) == 63
    assert set(paths) == set(endpoints)
    for route, methods in endpoints.items():
        assert set(paths[route]) - {"parameters"} == methods, route


def test_every_operation_describes_its_errors_as_problems():
    for route, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            expected = {"400", "401", "404", "429"}
            if method != "get":
                expected |= {"403", "409", "422"}
            assert expected <= set(operation["responses"]), (route, method)
            for code in expected:
                content = operation["responses"][code]["content"]
                assert list(content) == ["application/problem+json"], (route, method, code)
            assert operation.get("summary"), (route, method)


def test_both_ways_to_sign_in_are_described():
    schema = _schema()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["personalAccessToken"]["type"] == "http"
    assert schemes["personalAccessToken"]["scheme"] == "bearer"
    assert schemes["cookieAuth"]["in"] == "cookie"
    create = schema["paths"]["/api/v1/communities/{slug}/ideas/"]["post"]
    assert {"personalAccessToken": []} in create["security"]
    headers = [p["name"] for p in create["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]


def test_the_schema_is_served():
    answer = Client().get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200
    assert answer.json()["info"]["title"] == "Commons API"
    assert "/api/v1/me/" in answer.json()["paths"]
