"""Administrators silence or suspend an account: a silence refuses every write
everywhere (pages and API); a suspension also signs the person out everywhere and keeps
them from signing in (password, SSO) or using their API tokens until it ends."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialApp
from django.contrib.sites.models import Site
from django.test import Client
from django.urls import reverse

from accounts.models import AccountSanction
from discussions.models import Post, Thread
from moderation import services
from moderation.models import AuditAction, AuditEntry
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.api.support import api_client
from tests.browser.fake_oidc import FakeOIDCProvider, Identity
from tests.moderation.support import client_for, in_a_week, place, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(is_staff=True, member_type="employee", display_name="Ada Admin")


def new_url(person) -> str:
    return reverse("account_sanction_new") + f"?user={person.pk}"


@pytest.mark.parametrize("role", ["owner", "moderator", "member"])
def test_only_administrators_open_the_site_sanction_and_settings_pages(role):
    where = place()
    client = client_for(getattr(where, role))
    for url in (
        reverse("account_sanctions"),
        new_url(where.member),
        reverse("moderation_settings"),
    ):
        assert client.get(url).status_code == 403, url
    posted = client.post(new_url(where.member), {"kind": "suspend", "reason": "No"})
    assert posted.status_code == 403
    assert not AccountSanction.objects.exists()


def test_a_silenced_account_writes_nothing_anywhere_neither_on_pages_nor_through_the_api(admin):
    where = place()
    response = client_for(admin).post(
        new_url(where.member),
        {"kind": "silence", "duration": "7", "reason": "Spam across communities"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action=AuditAction.SILENCE).community is None
    posts, threads = Post.objects.count(), Thread.objects.count()

    page = client_for(where.member).post(
        reverse("thread_reply", args=[where.community.slug, where.thread.pk]), {"body": "Hi"}
    )
    assert "Your account is silenced" in text(page)
    assert "Spam across communities" in text(page)

    api = api_client(where.member)
    answer = api.post(
        f"/api/v1/communities/{where.community.slug}/threads/",
        data=json.dumps({"kind": "discussion", "title": "Buy", "body": "Now"}),
        content_type="application/json",
    )
    assert answer.status_code == 403
    problem = answer.json()
    assert answer["Content-Type"] == "application/problem+json"
    assert problem["code"] == "sanctioned"
    assert problem["sanction"]["reason"] == "Spam across communities"
    assert problem["sanction"]["kind"] == "silence" and problem["sanction"]["site_wide"] is True
    assert problem["sanction"]["ends_at"] is not None
    reply = api.post(
        f"/api/v1/communities/{where.community.slug}/threads/{where.thread.pk}/posts/",
        data=json.dumps({"body": "Now"}),
        content_type="application/json",
    )
    assert reply.status_code == 403 and reply.json()["code"] == "sanctioned"
    vote = api.post(
        f"/api/v1/communities/{where.community.slug}/ideas/{where.idea.thread_id}/vote/"
    )
    assert vote.status_code == 403 and vote.json()["code"] == "sanctioned"
    # Reading goes on.
    assert api.get(f"/api/v1/communities/{where.community.slug}/threads/").status_code == 200
    assert (Post.objects.count(), Thread.objects.count()) == (posts, threads)


def test_a_suspension_signs_out_everywhere_and_blocks_password_sign_in_and_tokens(admin):
    where = place()
    browser = Client()
    assert (
        browser.post(
            "/accounts/login/", {"login": where.member.email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
    assert browser.get("/settings/profile/").status_code == 200
    api = api_client(where.member)
    assert api.get("/api/v1/me/").status_code == 200

    response = client_for(admin).post(
        new_url(where.member),
        {"kind": "suspend", "duration": "3", "reason": "Threatening other members"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.SUSPEND, subject=where.member).exists()

    # The open session is gone: the next page asks them to sign in.
    signed_out = browser.get("/settings/profile/")
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out["Location"]

    refused = Client().post(
        "/accounts/login/", {"login": where.member.email, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 403
    assert "This account is suspended until" in text(refused)
    assert "Threatening other members" in text(refused)

    token_answer = api.get("/api/v1/me/")
    assert token_answer.status_code == 403
    assert token_answer.json()["sanction"]["kind"] == "suspend"

    # Lifted early: everything works again.
    services.lift_account_sanction(by=admin, user=where.member, kind="suspend")
    assert (
        Client()
        .post("/accounts/login/", {"login": where.member.email, "password": DEFAULT_PASSWORD})
        .status_code
        == 302
    )
    assert api.get("/api/v1/me/").status_code == 200


@pytest.fixture
def identity_provider(settings):
    provider = FakeOIDCProvider(
        client_id="commons-test",
        client_secret="not-a-real-secret",
        identity=Identity(sub="idp-9", email="sam.rivera@northwind.example", name="Sam Rivera"),
    ).start()
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="sso",
        name="Northwind SSO",
        client_id=provider.client_id,
        secret=provider.client_secret,
        settings={"server_url": provider.issuer},
    )
    app.sites.add(Site.objects.get(pk=settings.SITE_ID))
    try:
        yield provider
    finally:
        provider.stop()


def sign_in_through_sso(client: Client, provider: FakeOIDCProvider):
    """The browser's round trip: to the provider, which approves at once, and back."""
    started = client.post("/accounts/oidc/sso/login/?process=login")
    assert started.status_code == 302, started
    query = {
        key: values[0] for key, values in parse_qs(urlsplit(started["Location"]).query).items()
    }
    back = urlsplit(provider.authorize(query))
    return client.get(f"{back.path}?{back.query}")


def test_a_suspended_person_cannot_sign_in_through_sso(admin, identity_provider):
    first = sign_in_through_sso(Client(), identity_provider)
    assert first.status_code == 302
    from accounts.models import User

    sam = User.objects.get(email="sam.rivera@northwind.example")
    services.sanction_account(
        by=admin, user=sam, kind="suspend", reason="Account compromised", ends_at=in_a_week()
    )

    client = Client()
    refused = sign_in_through_sso(client, identity_provider)
    assert refused.status_code == 403
    assert "Account compromised" in text(refused)
    assert client.get("/settings/profile/").status_code == 302


def test_an_administrator_reaches_sanctions_and_trust_from_a_profile(admin):
    where = place()
    profile = client_for(admin).get(reverse("person_detail", args=[where.member.pk]))
    assert new_url(where.member) in text(profile)
    page = client_for(admin).get(new_url(where.member))
    assert "Current level: New." in text(page)
    # Nobody else is offered the link.
    other = client_for(where.owner).get(reverse("person_detail", args=[where.member.pk]))
    assert new_url(where.member) not in text(other)
