"""The home page, error pages and the headers every page carries."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import reverse

from core import errors
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_visitor_home_page_explains_commons_and_how_to_join(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "<h1>Communities that move a purpose forward</h1>" in response.text
    assert f'href="{reverse("account_signup")}">Create your account</a>' in response.text
    assert "Welcome," not in response.text
    assert "Sign out" not in response.text


def test_member_home_page_is_a_personal_start_page(client):
    client.force_login(UserFactory(display_name="Ana Lima", member_type="employee"))

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Welcome, Ana Lima" in response.text
    assert '<span class="badge badge-employee">Employee</span>' in response.text
    assert "What to do next" in response.text
    assert "Create your account" not in response.text
    assert "Sign out" in response.text


def test_visitor_home_page_creates_no_session(client):
    client.get(reverse("home"))
    client.get(reverse("home"))

    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies


def test_unknown_address_shows_the_custom_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "<title>Page not found · Commons</title>" in response.text
    assert "We couldn't find that page" in response.text


def test_403_handler_renders_the_custom_page():
    request = RequestFactory().get("/somewhere/")

    response = errors.permission_denied(request, PermissionError())

    assert response.status_code == 403
    assert "You can't do that here" in response.content.decode()


def test_500_handler_renders_the_custom_page_without_the_request_context():
    request = RequestFactory().get("/boom/")

    response = errors.server_error(request)

    assert response.status_code == 500
    body = response.content.decode()
    assert "<title>Something went wrong</title>" in body
    assert "Something went wrong on our side" in body


def script_src(response) -> str:
    policy = response["Content-Security-Policy"]
    [directive] = [
        part.strip() for part in policy.split(";") if part.strip().startswith("script-src")
    ]
    return directive


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/no/such/page/",
    ],
)
def test_every_visitor_page_has_a_nonce_based_script_policy(client, url):
    response = client.get(url)

    directive = script_src(response)
    assert re.fullmatch(r"script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'", directive), directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url",
    [reverse("home"), reverse("settings_profile"), reverse("account_email"), reverse("mfa_index")],
)
def test_every_member_page_has_a_nonce_based_script_policy(client, url):
    user = UserFactory()
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 200
    assert re.fullmatch(r"script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'", script_src(response))


def test_the_nonce_is_new_for_each_response_and_matches_the_page_scripts(client):
    first = client.get(reverse("home"))
    second = client.get(reverse("home"))

    nonces = [
        re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1)
        for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    scripts = re.findall(r"<script[^>]*>", first.text)
    assert any("django_htmx/htmx-2.min" in tag for tag in scripts)
    assert all(f'nonce="{nonces[0]}"' in tag for tag in scripts)


def test_pages_cannot_be_framed(client):
    response = client.get(reverse("home"))

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
