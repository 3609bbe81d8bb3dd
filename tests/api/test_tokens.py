"""Personal access tokens: made and revoked on the settings page, stored as a digest only,
accepted as `Authorization: Bearer`, limited by their scope; the session keeps CSRF."""

import datetime
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from api import services
from api.models import AccessToken
from discussions.models import Idea, Thread
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.api.support import api_client, ideas_url, place, threads_url

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def signed_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=DEFAULT_PASSWORD)
    return client


# -- the settings page ---------------------------------------------------------------------


def test_the_page_starts_empty_and_shows_a_new_token_once():
    person = UserFactory()
    client = signed_in(person)

    page = client.get("/settings/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "You have no tokens yet." in html
    assert '<label for="id_name">Name:</label>' in html
    assert "What it may do" in html

    made = client.post("/settings/tokens/", {"name": "BI export", "scope": "read"})
    assert made.status_code == 200
    html = made.content.decode()
    token = AccessToken.objects.get(user=person)
    secret = made.context["new_token"].secret
    assert secret.startswith("cmns_pat_") and len(secret) == len("cmns_pat_") + 43
    assert secret in html
    assert "Token “BI export” created. Copy it now: it will not be shown again." in html
    # Only the SHA-256 is stored, and the first characters to tell tokens apart.
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.name, token.hint, token.digest)
    assert token.hint == secret[:13]
    assert (token.scope, token.last_used_at, token.revoked_at) == ("read", None, None)

    again = client.get("/settings/tokens/").content.decode()
    assert secret not in again
    assert "BI export" in again and f"{token.hint}…" in again and "Never" in again


def test_a_token_is_revoked_from_the_page_and_stops_working():
    person = UserFactory()
    client = signed_in(person)
    made = services.create_token(user=person, name="Backlog sync", scope="read_write")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {made.secret}")
    assert bearer.get("/api/v1/me/").status_code == 200

    answer = client.post(f"/settings/tokens/{made.token.pk}/revoke/", follow=True)

    assert "Token “Backlog sync” revoked: it no longer works." in answer.content.decode()
    assert AccessToken.objects.get(pk=made.token.pk).revoked_at is not None
    refused = bearer.get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == PROBLEM
    assert refused.json()["detail"] == "This token is not valid or was revoked."


def test_nobody_revokes_another_persons_token():
    owner, other = UserFactory(), UserFactory()
    made = services.create_token(user=owner, name="Mine", scope="read")

    answer = signed_in(other).post(f"/settings/tokens/{made.token.pk}/revoke/", follow=True)

    assert "There is no such token among yours." in answer.content.decode()
    assert AccessToken.objects.get(pk=made.token.pk).revoked_at is None


def test_a_nameless_token_is_refused_with_the_reason():
    person = UserFactory()
    answer = signed_in(person).post("/settings/tokens/", {"name": "  ", "scope": "read"})
    assert answer.status_code == 200
    assert "This field is required." in answer.content.decode()
    assert not AccessToken.objects.exists()


def test_the_page_is_for_signed_in_people_only():
    answer = Client().get("/settings/tokens/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_making_tokens_is_rate_limited_like_other_writes(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "writes": "2/m/user"}
    person = UserFactory()
    client = signed_in(person)
    for number in range(2):
        client.post("/settings/tokens/", {"name": f"Tool {number}", "scope": "read"})
    answer = client.post("/settings/tokens/", {"name": "Tool 3", "scope": "read"})
    assert answer.status_code == 429
    assert AccessToken.objects.filter(user=person).count() == 2


# -- using a token ---------------------------------------------------------------------------


def test_a_token_acts_as_its_owner():
    person = UserFactory(display_name="Ana Lima")
    answer = api_client(person, scope="read").get("/api/v1/me/")
    assert answer.status_code == 200
    assert answer.json() | {"id": 0} == {
        "id": 0,
        "email": person.email,
        "name": "Ana Lima",
        "display_name": "Ana Lima",
        "member_type": "customer",
        "organisation": None,
        "timezone": "UTC",
        "language": "en",
        "authenticated_by": "token",
        "token_scope": "read",
    }


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer cmns_pat_" + "x" * 43, "Bearer  ", "Bearer a b", "Bearer \u00e9"],
)
def test_a_wrong_token_answers_401_with_the_scheme(header):
    answer = Client(HTTP_AUTHORIZATION=header).get("/api/v1/communities/")
    assert answer.status_code == 401
    assert answer["Content-Type"] == PROBLEM
    assert answer["WWW-Authenticate"] == 'Bearer realm="api"'


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    person = UserFactory()
    made = services.create_token(user=person, name="Tool", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {made.secret}")
    client.get("/api/v1/me/")
    first = AccessToken.objects.get(pk=made.token.pk).last_used_at
    assert first is not None
    # Within the minute: the token's row is read, never written.
    with django_assert_num_queries(1):
        assert client.get("/api/v1/me/").status_code == 200
    assert AccessToken.objects.get(pk=made.token.pk).last_used_at == first
    # A minute later, one write.
    AccessToken.objects.filter(pk=made.token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    client.get("/api/v1/me/")
    assert AccessToken.objects.get(pk=made.token.pk).last_used_at > first


def test_a_read_token_cannot_write_and_is_told_why():
    spot = place("public")
    answer = api_client(spot.member, scope="read").post(
        ideas_url(spot.community),
        {"title": "Cargo bikes", "description": "From the hubs."},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert answer["Content-Type"] == PROBLEM
    assert answer.json()["detail"] == (
        "This token can only read. Create a token with the “read and write” scope to make changes."
    )
    assert not Idea.objects.exists()


def test_a_visitor_cannot_write():
    spot = place("public")
    answer = Client().post(
        threads_url(spot.community), {"title": "Hi", "body": "Hello"}, "application/json"
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"
    assert Thread.objects.count() == 0


def test_the_session_keeps_its_csrf_check():
    spot = place("public")
    client = Client(enforce_csrf_checks=True)
    client.login(email=spot.member.email, password=DEFAULT_PASSWORD)
    body = {"title": "From the browser", "body": "Hello"}

    refused = client.post(threads_url(spot.community), body, "application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert Thread.objects.count() == 0

    client.get("/settings/tokens/")  # sets the CSRF cookie, as any page does
    accepted = client.post(
        threads_url(spot.community),
        body,
        "application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert accepted.status_code == 201
    assert Thread.objects.get().title == "From the browser"
