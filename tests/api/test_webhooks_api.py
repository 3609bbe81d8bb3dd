"""Webhook endpoints through the API, as their pages do: administrators manage the
site-wide ones, a community's owners its own; others are refused (404 when they may not
see the community, 403 with the reason otherwise). The secret is in the answer that made
it and never again; a private address is refused on the `url` field; the delivery log pages
by cursor at a constant cost; redelivery and test events queue a new delivery."""

import pytest

from core.models import OutboxMessage
from tests.api.support import api_client, place
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory
from tests.webhooks.support import SECRET, endpoint_for, public_dns
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

JSON = "application/json"
SITE = "/api/v1/webhooks/"
NEW = {
    "url": "https://hooks.example.com/commons",
    "description": "Backlog",
    "events": ["idea.created", "thread.created"],
}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    public_dns(monkeypatch)


def _community(community) -> str:
    return f"/api/v1/communities/{community.slug}/webhooks/"


def test_an_administrator_manages_site_wide_endpoints():
    administrator = AdministratorFactory()
    client = api_client(administrator)

    created = client.post(SITE, NEW, JSON)

    assert created.status_code == 201, created.content
    endpoint = Endpoint.objects.get()
    body = created.json()
    assert endpoint.community is None
    assert endpoint.created_by == administrator
    assert endpoint.events == ["idea.created", "thread.created"]
    assert body["secret"] == endpoint.secret
    assert body["secret"].startswith("whsec_")
    assert body["community"] is None
    assert body["url"] == "https://hooks.example.com/commons"
    assert created["Location"] == body["api_url"]
    assert body["api_url"] == f"http://testserver{SITE}{endpoint.pk}/"
    assert body["html_url"] == f"http://testserver/settings/webhooks/{endpoint.pk}/"

    listing = client.get(SITE)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [endpoint.pk]
    assert listing.json()["results"][0]["description"] == "Backlog"

    changed = client.patch(
        body["api_url"], {"description": "Ops", "events": ["post.created"]}, JSON
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["secret"] is None
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.events) == ("Ops", ["post.created"])
    assert endpoint.url == "https://hooks.example.com/commons"

    removed = client.delete(body["api_url"])
    assert removed.status_code == 204
    assert not Endpoint.objects.exists()
    assert client.get(body["api_url"]).status_code == 404


def test_the_secret_is_shown_once_and_never_again():
    administrator = AdministratorFactory()
    client = api_client(administrator)
    made = client.post(SITE, NEW, JSON).json()
    secret = made["secret"]
    url = made["api_url"]

    for answer in (client.get(SITE), client.get(url)):
        assert answer.status_code == 200
        assert secret not in answer.content.decode()
        assert b'"secret"' not in answer.content

    given = client.post(SITE, {**NEW, "secret": SECRET}, JSON)
    assert given.status_code == 201
    assert given.json()["secret"] is None
    assert Endpoint.objects.get(pk=given.json()["id"]).secret == SECRET

    renewed = client.patch(url, {"new_secret_wanted": True}, JSON)
    assert renewed.status_code == 200
    new_secret = renewed.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != secret
    assert Endpoint.objects.get(pk=made["id"]).secret == new_secret
    assert new_secret not in client.get(url).content.decode()


def test_the_detail_carries_an_etag():
    community = CommunityFactory()
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community)
    client = api_client(owner, scope="read")
    url = f"{_community(community)}{endpoint.pk}/"

    first = client.get(url)
    assert first.status_code == 200
    assert first.json()["community"] == community.slug
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    api_client(owner).patch(url, {"is_enabled": False}, JSON)
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed.json()["is_enabled"] is False


def test_an_owner_manages_only_their_communitys_endpoints():
    spot = place("public")
    other = CommunityFactory(visibility="secret")
    theirs = endpoint_for(owner_of(other), other)
    site_wide = endpoint_for(AdministratorFactory(), None)
    client = api_client(spot.owner)

    created = client.post(_community(spot.community), NEW, JSON)
    assert created.status_code == 201, created.content
    assert created.json()["community"] == spot.community.slug
    mine = Endpoint.objects.get(pk=created.json()["id"])
    assert mine.community == spot.community
    listing = client.get(_community(spot.community)).json()["results"]
    assert [row["id"] for row in listing] == [mine.pk]

    # Another community's endpoint, or a site-wide one, is not there under this community.
    for endpoint in (theirs, site_wide):
        url = f"{_community(spot.community)}{endpoint.pk}/"
        assert client.get(url).status_code == 404
        assert client.patch(url, {"description": "Mine now"}, JSON).status_code == 404
        assert client.delete(url).status_code == 404
    # The other community is secret: it does not exist for this owner.
    assert client.get(_community(other)).status_code == 404
    assert client.get(f"{_community(other)}{theirs.pk}/").status_code == 404
    # Site-wide endpoints are administrators'.
    refused = client.get(SITE)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only administrators can manage site-wide webhooks."
    assert client.post(SITE, NEW, JSON).status_code == 403
    assert client.delete(f"{SITE}{site_wide.pk}/").status_code == 403
    assert Endpoint.objects.filter(pk__in=[theirs.pk, site_wide.pk]).count() == 2
    assert Endpoint.objects.count() == 3


def test_people_other_than_owners_are_refused(django_capture_on_commit_callbacks):
    spot = place("listed")
    moderator = member_of(spot.community, role="moderator")
    endpoint = endpoint_for(spot.owner, spot.community)
    url = _community(spot.community)
    expected = {
        "visitor": (None, 401),
        "outsider": (spot.outsider, 403),
        "member": (spot.member, 403),
        "moderator": (moderator, 403),
    }
    outbox = OutboxMessage.objects.count()
    for who, (person, status) in expected.items():
        client = api_client(person)
        with django_capture_on_commit_callbacks() as callbacks:
            answers = [
                client.get(url),
                client.post(url, NEW, JSON),
                client.get(f"{url}{endpoint.pk}/"),
                client.patch(f"{url}{endpoint.pk}/", {"description": "Taken"}, JSON),
                client.delete(f"{url}{endpoint.pk}/"),
                client.get(f"{url}{endpoint.pk}/deliveries/"),
                client.post(f"{url}{endpoint.pk}/ping/"),
            ]
        assert [a.status_code for a in answers] == [status] * len(answers), who
        assert callbacks == []
        if status == 403:
            assert answers[0].json()["detail"] == (
                "Only the community's owners and administrators can manage its webhooks."
            )
    assert Endpoint.objects.get().description == ""
    assert OutboxMessage.objects.count() == outbox
    assert not Delivery.objects.exists()
    administrator = api_client(AdministratorFactory())
    assert administrator.get(f"{url}{endpoint.pk}/").status_code == 200


def test_a_read_token_cannot_write():
    spot = place("public")
    endpoint = endpoint_for(spot.owner, spot.community)
    client = api_client(spot.owner, scope="read")
    url = f"{_community(spot.community)}{endpoint.pk}/"

    assert client.get(url).status_code == 200
    refused = [
        client.post(_community(spot.community), NEW, JSON),
        client.patch(url, {"description": "Read only"}, JSON),
        client.delete(url),
        client.post(f"{url}ping/"),
    ]
    assert [answer.status_code for answer in refused] == [403] * 4
    assert "can only read" in refused[0].json()["detail"]
    assert Endpoint.objects.get().description == ""
    assert not Delivery.objects.exists()


def test_a_private_address_and_a_bad_form_are_refused_per_field():
    spot = place("public")
    client = api_client(spot.owner)
    url = _community(spot.community)

    private = client.post(url, {**NEW, "url": "http://169.254.169.254/latest/meta-data/"}, JSON)
    assert private.status_code == 400
    assert private["Content-Type"] == "application/problem+json"
    assert list(private.json()["errors"]) == ["url"]
    assert "private, local or reserved" in private.json()["errors"]["url"][0]

    local = client.post(url, {**NEW, "url": "http://10.0.0.7/hook"}, JSON)
    assert list(local.json()["errors"]) == ["url"]

    empty = client.post(url, {"url": "https://hooks.example.com/", "events": []}, JSON)
    assert empty.status_code == 400
    assert empty.json()["errors"] == {"events": ["Choose at least one event to send."]}

    unknown = client.post(url, {**NEW, "events": ["everything"], "secret": "short"}, JSON)
    assert unknown.status_code == 400
    assert set(unknown.json()["errors"]) == {"events.0"}

    short = client.post(url, {**NEW, "secret": "short"}, JSON)
    assert list(short.json()["errors"]) == ["secret"]
    assert not Endpoint.objects.exists()

    endpoint = endpoint_for(spot.owner, spot.community)
    moved = client.patch(f"{url}{endpoint.pk}/", {"url": "http://127.0.0.1:8000/"}, JSON)
    assert moved.status_code == 400
    assert list(moved.json()["errors"]) == ["url"]
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/commons"


def test_a_create_with_an_idempotency_key_registers_once():
    spot = place("public")
    client = api_client(spot.owner)
    url = _community(spot.community)
    first = client.post(url, NEW, JSON, HTTP_IDEMPOTENCY_KEY="hook-1")
    again = client.post(url, NEW, JSON, HTTP_IDEMPOTENCY_KEY="hook-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Endpoint.objects.count() == 1


def test_the_log_pages_by_cursor_and_a_redelivery_queues_a_new_attempt(
    django_capture_on_commit_callbacks,
):
    community = CommunityFactory(visibility="public")
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community, events=["thread.created"])
    for number in range(3):
        ThreadFactory(community=community, title=f"Thread {number}")
    Delivery.objects.filter(endpoint=endpoint).update(
        state="failed", response_status=503, duration_ms=1234, attempts=6
    )
    client = api_client(owner)
    url = f"{_community(community)}{endpoint.pk}/deliveries/"

    first = client.get(url, {"page_size": 2}).json()
    assert [row["event"] for row in first["results"]] == ["thread.created"] * 2
    row = first["results"][0]
    assert (row["state"], row["response_status"], row["duration_ms"], row["attempts"]) == (
        "failed",
        503,
        1234,
        6,
    )
    assert row["redelivery_of"] is None
    second = client.get(first["next"]).json()
    assert second["next"] is None
    assert len(second["results"]) == 1
    oldest = Delivery.objects.get(pk=second["results"][0]["id"])
    assert second["results"][0]["redeliver_url"] == (
        f"http://testserver{url}{oldest.pk}/redeliver/"
    )

    outbox = OutboxMessage.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        answer = client.post(second["results"][0]["redeliver_url"])
    assert answer.status_code == 201, answer.content
    again = Delivery.objects.get(redelivery_of=oldest)
    assert answer.json()["id"] == again.pk
    assert answer.json()["redelivery_of"] == oldest.pk
    assert answer.json()["state"] == "pending"
    assert answer.json()["event_id"] == str(oldest.event_uid)
    assert again.body == oldest.body
    assert again.uid != oldest.uid
    assert OutboxMessage.objects.count() == outbox + 1
    assert len(callbacks) == 1
    newest = client.get(url).json()["results"][0]
    assert newest["id"] == again.pk


def test_a_delivery_of_another_endpoint_is_not_there():
    community = CommunityFactory(visibility="public")
    owner = owner_of(community)
    mine = endpoint_for(owner, community)
    other = CommunityFactory(visibility="public")
    theirs = endpoint_for(owner_of(other), other)
    delivery = services.send_test(by=owner_of(other), endpoint=theirs)
    client = api_client(owner)
    answer = client.post(f"{_community(community)}{mine.pk}/deliveries/{delivery.pk}/redeliver/")
    assert answer.status_code == 404
    assert Delivery.objects.count() == 1


def test_a_test_event_is_queued_and_needs_the_endpoint_on():
    administrator = AdministratorFactory()
    endpoint = endpoint_for(administrator, None)
    client = api_client(administrator)
    outbox = OutboxMessage.objects.count()

    answer = client.post(f"{SITE}{endpoint.pk}/ping/")

    assert answer.status_code == 201, answer.content
    ping = Delivery.objects.get()
    assert (answer.json()["id"], answer.json()["event"]) == (ping.pk, "ping")
    assert OutboxMessage.objects.count() == outbox + 1
    client.patch(f"{SITE}{endpoint.pk}/", {"is_enabled": False}, JSON)
    off = client.post(f"{SITE}{endpoint.pk}/ping/")
    assert off.status_code == 400
    assert off.json()["errors"] == {"non_field_errors": ["Switch the endpoint on first."]}
    redeliver = client.post(f"{SITE}{endpoint.pk}/deliveries/{ping.pk}/redeliver/")
    assert redeliver.status_code == 400
    assert Delivery.objects.count() == 1


def test_redelivery_and_test_events_keep_the_pages_rate_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webhook_deliveries": "2/m/user"}
    community = CommunityFactory()
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community)
    client = api_client(owner)
    url = f"{_community(community)}{endpoint.pk}/ping/"
    assert [client.post(url).status_code for _ in range(3)] == [201, 201, 429]
    assert Delivery.objects.filter(event="ping").count() == 2


def test_lists_cost_the_same_whatever_their_size(django_assert_max_num_queries):
    community = CommunityFactory(visibility="public")
    owner = owner_of(community)
    endpoints = [
        endpoint_for(owner, community, url=f"https://hooks{n}.example.com/") for n in range(12)
    ]
    for _number in range(12):
        services.send_test(by=owner, endpoint=endpoints[0])
    client = api_client(owner, scope="read")
    lists = [_community(community), f"{_community(community)}{endpoints[0].pk}/deliveries/"]
    for url in lists:
        client.get(url)
        counts = []
        for page_size in (2, 12):
            with django_assert_max_num_queries(8) as captured:
                answer = client.get(url, {"page_size": page_size})
            assert len(answer.json()["results"]) == page_size
            counts.append(len(captured))
        assert counts[0] == counts[1], (url, counts)
