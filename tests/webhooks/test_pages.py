"""The webhook pages: owners manage their community's endpoints, administrators the
site's; nobody else sees them; forms keep what was typed; the log pages by cursor."""

import pytest
from django.urls import reverse

from core.models import OutboxMessage
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory
from tests.webhooks.support import endpoint_for, public_dns
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    public_dns(monkeypatch)


def community_url(community, name="webhooks", *args):
    return reverse(f"community_{name}", args=[community.slug, *args])


def test_an_owner_registers_an_endpoint_and_sees_its_secret_once(client):
    community = CommunityFactory(name="Fleet")
    owner = owner_of(community)
    client.force_login(owner)

    response = client.post(
        community_url(community, "webhook_new"),
        {
            "url": "https://hooks.example.com/commons",
            "description": "Backlog",
            "events": ["idea.created", "idea.status_changed"],
            "is_enabled": "on",
        },
    )

    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.community == community
    assert endpoint.events == ["idea.created", "idea.status_changed"]
    assert endpoint.created_by == owner
    page = response.content.decode()
    assert endpoint.secret in page
    assert "Webhook endpoint added." in page
    again = client.get(community_url(community, "webhook_detail", endpoint.pk)).content.decode()
    assert endpoint.secret not in again
    assert "https://hooks.example.com/commons" in again
    listing = client.get(community_url(community)).content.decode()
    assert "Idea created, Idea status changed" in listing


def test_a_refused_address_re_renders_the_form_with_the_input(client):
    community = CommunityFactory()
    client.force_login(owner_of(community))
    response = client.post(
        community_url(community, "webhook_new"),
        {
            "url": "http://169.254.169.254/latest/meta-data/",
            "description": "Sneaky",
            "events": ["thread.created"],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "private, local or reserved" in page
    assert 'value="http://169.254.169.254/latest/meta-data/"' in page
    assert 'value="Sneaky"' in page
    response = client.post(community_url(community, "webhook_new"), {"url": "", "events": []})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"url", "events"}
    assert not Endpoint.objects.exists()


def test_people_other_than_owners_cannot_reach_the_pages(client):
    community = CommunityFactory(visibility="listed")
    secret = CommunityFactory(visibility="secret")
    endpoint = endpoint_for(owner_of(community), community)
    member = member_of(community, role="moderator")
    client.force_login(member)
    for url in (
        community_url(community),
        community_url(community, "webhook_new"),
        community_url(community, "webhook_detail", endpoint.pk),
    ):
        assert client.get(url).status_code == 403
    assert client.post(community_url(community, "webhook_delete", endpoint.pk)).status_code == 403
    assert client.get(reverse("site_webhooks")).status_code == 403
    assert "/settings/webhooks/" not in client.get(reverse("settings_profile")).content.decode()
    assert client.get(community_url(secret)).status_code == 404
    client.logout()
    assert client.get(community_url(community)).status_code == 302
    assert Endpoint.objects.count() == 1


def test_an_owner_sees_only_their_communitys_endpoints(client):
    mine, theirs = CommunityFactory(), CommunityFactory()
    owner = owner_of(mine)
    own = endpoint_for(owner, mine, url="https://mine.example.com/")
    other = endpoint_for(owner_of(theirs), theirs, url="https://theirs.example.com/")
    site = endpoint_for(AdministratorFactory(), None, url="https://site.example.com/")
    client.force_login(owner)
    page = client.get(community_url(mine)).content.decode()
    assert "https://mine.example.com/" in page
    assert "theirs.example.com" not in page and "site.example.com" not in page
    assert client.get(community_url(mine, "webhook_detail", other.pk)).status_code == 404
    assert client.get(community_url(mine, "webhook_detail", site.pk)).status_code == 404
    assert client.get(community_url(mine, "webhook_detail", own.pk)).status_code == 200


def test_administrators_manage_site_wide_endpoints(client):
    admin = AdministratorFactory()
    client.force_login(admin)
    response = client.post(
        reverse("site_webhook_new"),
        {
            "url": "https://bi.example.com/in",
            "events": ["goal.measurement_recorded"],
            "secret": "a-secret-of-our-own-0001",
            "is_enabled": "on",
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("site_webhook_detail", args=[endpoint.pk])
    assert endpoint.community is None
    assert endpoint.secret == "a-secret-of-our-own-0001"
    page = client.get(reverse("site_webhooks")).content.decode()
    assert "https://bi.example.com/in" in page
    assert client.get(reverse("settings_profile")).content.decode().count("/settings/webhooks/")


def test_changing_and_removing_an_endpoint(client):
    community = CommunityFactory()
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community)
    client.force_login(owner)
    url = community_url(community, "webhook_detail", endpoint.pk)
    response = client.post(
        url,
        {"url": "https://new.example.com/x", "events": ["post.created"], "new_secret_wanted": "on"},
    )
    endpoint.refresh_from_db()
    assert response.status_code == 200
    assert (endpoint.url, endpoint.events, endpoint.is_enabled) == (
        "https://new.example.com/x",
        ["post.created"],
        False,
    )
    assert endpoint.secret in response.content.decode()
    response = client.post(community_url(community, "webhook_delete", endpoint.pk))
    assert response.status_code == 302
    assert not Endpoint.objects.exists()


def test_the_log_shows_codes_and_durations_pages_by_cursor_and_redelivers(
    client, django_assert_max_num_queries, settings
):
    community = CommunityFactory(visibility="public")
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community, events=["thread.created"])
    for number in range(27):
        ThreadFactory(community=community, title=f"Thread {number}")
    Delivery.objects.filter(endpoint=endpoint).update(
        state="failed", response_status=503, duration_ms=1234, attempts=6
    )
    client.force_login(owner)
    url = community_url(community, "webhook_detail", endpoint.pk)
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    page = response.content.decode()
    assert page.count("1234 ms") == 25
    assert page.count(">503<") == 25
    cursor = response.context["log"].next_cursor
    second = client.get(url, {"after": cursor}).context["log"].items
    assert len(second) == 2
    with django_assert_max_num_queries(8):
        client.get(url, {"after": cursor})

    oldest = second[-1]
    outbox_before = OutboxMessage.objects.count()
    response = client.post(community_url(community, "webhook_redeliver", endpoint.pk, oldest.pk))
    assert response.status_code == 302
    again = Delivery.objects.get(redelivery_of=oldest)
    assert again.body == Delivery.objects.get(pk=oldest.pk).body
    assert OutboxMessage.objects.count() == outbox_before + 1


def test_redeliver_and_test_events_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webhook_deliveries": "2/m/user"}
    community = CommunityFactory()
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community)
    client.force_login(owner)
    url = community_url(community, "webhook_ping", endpoint.pk)
    assert [client.post(url).status_code for _ in range(3)] == [302, 302, 429]
    assert Delivery.objects.filter(event="ping").count() == 2


def test_a_stranger_cannot_redeliver(client):
    community = CommunityFactory()
    endpoint = endpoint_for(owner_of(community), community)
    ThreadFactory(community=community)
    delivery = Delivery.objects.get()
    client.force_login(UserFactory(member_type="employee"))
    url = community_url(community, "webhook_redeliver", endpoint.pk, delivery.pk)
    assert client.post(url).status_code == 403
    assert Delivery.objects.count() == 1
