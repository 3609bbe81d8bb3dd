"""Webhook services: what is recorded when things happen and for whom, the body and its
signature, attempts, retries, switching off, redelivery, and who may manage endpoints."""

import datetime
import json
import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import services as community_services
from core import outbox
from core.models import OutboxMessage
from discussions.services import decisions as decision_services
from discussions.services import ideas as idea_services
from purposes.models import PurposeStatus
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory, record
from tests.webhooks.support import SECRET, Receiver, endpoint_for, public_dns, verify
from webhooks import services
from webhooks.models import Delivery, DeliveryState, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    public_dns(monkeypatch)


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = {"127.0.0.1"}
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def body(delivery: Delivery) -> dict:
    return json.loads(delivery.body)


def test_a_new_thread_reaches_its_community_and_the_site_never_another_community():
    community = CommunityFactory(visibility="private", name="Fleet")
    other = CommunityFactory(visibility="public", name="Depots")
    admin = AdministratorFactory()
    mine = endpoint_for(owner_of(community), community)
    site = endpoint_for(admin, None)
    theirs = endpoint_for(owner_of(other), other)
    replies_only = endpoint_for(owner_of(community), community, events=["post.created"])

    thread = ThreadFactory(community=community, title="Electric vans")

    deliveries = Delivery.objects.filter(event="thread.created")
    assert {d.endpoint_id for d in deliveries} == {mine.pk, site.pk}
    assert not Delivery.objects.filter(endpoint__in=[theirs, replies_only]).exists()
    sent = body(deliveries.get(endpoint=mine))
    assert sent["type"] == "thread.created"
    assert uuid.UUID(sent["id"]) == deliveries.get(endpoint=site).event_uid
    assert sent["occurred_at"].endswith("+00:00")
    assert sent["data"]["thread"] == {
        "id": thread.pk,
        "kind": "discussion",
        "title": "Electric vans",
        "url": f"{settings.SITE_URL}/communities/fleet/threads/{thread.pk}/",
    }
    assert sent["data"]["community"]["slug"] == "fleet"
    # One task per delivery, in the outbox with the deliveries.
    assert OutboxMessage.objects.filter(task="webhooks.deliver").count() == 2


def test_each_event_is_described_with_ids_urls_and_titles():
    community = CommunityFactory(visibility="public", name="Green Fleet")
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community)
    thread = ThreadFactory(community=community, title="Charging")
    reply = PostFactory(thread=thread, body="Depot 4 is ready.")
    idea = idea_services.submit_idea(
        author=owner, community=community, title="Cargo bikes", description="For the centre."
    )
    idea_services.change_status(idea=idea, by=owner, status="planned", response="Next spring.")
    joiner = UserFactory(member_type="employee", display_name="Jo Joiner")
    community_services.join_community(user=joiner, community=community)
    decision = open_decision(community, title="Van colour")
    decision_services.close_decision(by=owner, decision=decision)

    sent = {d.event: body(d) for d in Delivery.objects.filter(endpoint=endpoint)}
    assert set(sent) == {
        "thread.created",
        "post.created",
        "idea.created",
        "idea.status_changed",
        "member.joined",
        "decision.closed",
    }
    assert sent["post.created"]["data"]["post"]["id"] == reply.pk
    assert sent["post.created"]["data"]["post"]["url"].endswith(f"#post-{reply.pk}")
    assert sent["idea.created"]["data"]["idea"]["title"] == "Cargo bikes"
    assert sent["idea.created"]["data"]["idea"]["status"] == "new"
    changed = sent["idea.status_changed"]["data"]
    assert (changed["from_status"], changed["to_status"]) == ("new", "planned")
    assert sent["member.joined"]["data"]["member"]["name"] == "Jo Joiner"
    assert sent["member.joined"]["data"]["joined_via"] == "open"
    assert sent["decision.closed"]["data"]["decision"]["title"] == "Van colour"
    # Post bodies stay in Commons: ids, addresses and titles only.
    assert "Depot 4 is ready." not in json.dumps(sent)


def test_measurements_reach_the_purposes_communities_once_published():
    admin = AdministratorFactory()
    published = PurposeFactory(status=PurposeStatus.ACTIVE)
    draft = PurposeFactory(status=PurposeStatus.DRAFT)
    under_published = CommunityFactory(purpose=published)
    under_draft = CommunityFactory(purpose=draft, owner=admin)
    site = endpoint_for(admin, None)
    seen = endpoint_for(owner_of(under_published), under_published)
    unseen = endpoint_for(admin, under_draft)

    record(GoalFactory(purpose=published, metric="CO2"), "80")
    record(GoalFactory(purpose=draft, metric="Secret plan"), "3")

    measured = Delivery.objects.filter(event="goal.measurement_recorded")
    assert sorted(body(d)["data"]["goal"]["metric"] for d in measured.filter(endpoint=site)) == [
        "CO2",
        "Secret plan",
    ]
    assert [body(d)["data"]["goal"]["metric"] for d in measured.filter(endpoint=seen)] == ["CO2"]
    assert not measured.filter(endpoint=unseen).exists()


def test_disabled_endpoints_record_nothing():
    community = CommunityFactory()
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community)
    services.update_endpoint(
        by=owner, endpoint=endpoint, url=endpoint.url, events=endpoint.events, is_enabled=False
    )
    ThreadFactory(community=community)
    assert not Delivery.objects.exists()


def test_only_owners_and_administrators_manage_a_communitys_endpoints():
    community = CommunityFactory()
    moderator = member_of(community, role="moderator")
    with pytest.raises(PermissionDenied):
        endpoint_for(moderator, community)
    with pytest.raises(PermissionDenied):
        endpoint_for(owner_of(community), None)
    assert not Endpoint.objects.exists()
    assert endpoint_for(AdministratorFactory(), community).community == community


def test_a_secret_is_made_when_none_is_given_and_checked_when_one_is():
    admin = AdministratorFactory()
    saved = services.create_endpoint(
        by=admin, community=None, url="https://hooks.example.com/", events=["post.created"]
    )
    assert saved.new_secret.startswith("whsec_")
    assert saved.endpoint.secret == saved.new_secret
    with pytest.raises(ValidationError) as refused:
        services.create_endpoint(
            by=admin,
            community=None,
            url="https://hooks.example.com/",
            events=[],
            secret="short",
        )
    assert set(refused.value.message_dict) >= {"events"}


def test_a_delivery_is_signed_and_logged(loopback_allowed, receiver):
    admin = AdministratorFactory()
    endpoint = endpoint_for(admin, None, url=receiver.url)
    delivery = services.send_test(by=admin, endpoint=endpoint)

    assert services.attempt_delivery(delivery_id=delivery.pk) is None

    [got] = receiver.received
    assert got["verified"] is True
    assert got["headers"]["Commons-Event"] == "ping"
    assert got["headers"]["Commons-Delivery"] == str(delivery.uid)
    assert got["headers"]["Content-Type"] == "application/json"
    assert got["body"]["id"] == str(delivery.event_uid)
    assert not verify("another-secret-entirely", got["headers"]["Commons-Signature"], b"{}")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.response_status, delivery.attempts) == ("succeeded", 200, 1)
    assert delivery.duration_ms is not None
    # Done is done: a duplicate task sends nothing.
    assert services.attempt_delivery(delivery_id=delivery.pk) is None
    assert len(receiver.received) == 1


def test_failures_back_off_then_give_up_and_switch_the_endpoint_off(loopback_allowed):
    failing = Receiver(statuses=(500,)).start()
    community = CommunityFactory(name="Fleet")
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community, url=failing.url)
    try:
        first = services.send_test(by=owner, endpoint=endpoint)
        assert services.attempt_delivery(delivery_id=first.pk) == 10
        assert services.attempt_delivery(delivery_id=first.pk) == 20
        assert services.attempt_delivery(delivery_id=first.pk) is None
        first.refresh_from_db()
        assert (first.state, first.response_status, first.attempts) == ("failed", 500, 3)
        assert first.response_excerpt == "broken"
        endpoint.refresh_from_db()
        assert (endpoint.is_enabled, endpoint.consecutive_failures) == (True, 1)
        assert mail.outbox == []

        second = services.send_test(by=owner, endpoint=endpoint)
        for _attempt in range(3):
            services.attempt_delivery(delivery_id=second.pk)
    finally:
        failing.stop()
    endpoint.refresh_from_db()
    assert endpoint.is_enabled is False
    assert endpoint.disabled_automatically_at is not None
    [notice] = mail.outbox
    assert notice.to == [owner.email]
    assert endpoint.url in notice.subject
    assert f"/communities/fleet/settings/webhooks/{endpoint.pk}/" in notice.body
    # Switched off: nothing more is recorded or sent.
    ThreadFactory(community=community)
    assert Delivery.objects.filter(endpoint=endpoint).count() == 2


def test_a_success_starts_the_failure_count_again(loopback_allowed, receiver):
    admin = AdministratorFactory()
    endpoint = endpoint_for(admin, None, url=receiver.url)
    Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=1)
    services.attempt_delivery(delivery_id=services.send_test(by=admin, endpoint=endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_redelivery_sends_the_same_event_again_as_a_new_delivery(loopback_allowed, receiver):
    community = CommunityFactory()
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community, url=receiver.url)
    ThreadFactory(community=community, title="Depot move")
    original = Delivery.objects.get(event="thread.created")
    services.attempt_delivery(delivery_id=original.pk)

    again = services.redeliver(by=owner, delivery=original)
    services.attempt_delivery(delivery_id=again.pk)

    first, second = receiver.received
    assert first["body"] == second["body"]
    assert first["headers"]["Commons-Delivery"] != second["headers"]["Commons-Delivery"]
    assert again.redelivery_of == original
    assert Delivery.objects.filter(endpoint=endpoint, state=DeliveryState.SUCCEEDED).count() == 2
    stranger = UserFactory(member_type="employee")
    with pytest.raises(PermissionDenied):
        services.redeliver(by=stranger, delivery=original)
    assert Delivery.objects.count() == 2


def test_an_endpoint_switched_back_on_starts_afresh():
    admin = AdministratorFactory()
    endpoint = endpoint_for(admin, None)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_enabled=False, consecutive_failures=5, disabled_automatically_at="2026-01-01T00:00Z"
    )
    endpoint.refresh_from_db()
    saved = services.update_endpoint(
        by=admin, endpoint=endpoint, url=endpoint.url, events=endpoint.events, is_enabled=True
    )
    assert saved.endpoint.consecutive_failures == 0
    assert saved.endpoint.disabled_automatically_at is None
    assert saved.endpoint.secret == SECRET


def test_recording_costs_the_same_queries_for_one_endpoint_or_many(
    django_assert_num_queries,
):
    community = CommunityFactory(visibility="public")
    owner = owner_of(community)
    thread = ThreadFactory(community=community)
    endpoint_for(owner, community)

    def count() -> int:
        post = PostFactory(thread=thread)
        Delivery.objects.all().delete()
        OutboxMessage.objects.all().delete()
        listening = Endpoint.objects.count()
        # Any endpoint? The post; its listeners; the deliveries; their ids; the outbox.
        with django_assert_num_queries(6) as captured:
            assert len(services.record_event("post_created", post.pk)) == listening
        return len(captured)

    one = count()
    for number in range(5):
        endpoint_for(owner, community, url=f"https://hooks{number}.example.com/")
    endpoint_for(AdministratorFactory(), None)
    assert count() == one


def test_a_delivery_whose_message_was_lost_is_sent_by_the_outbox_sweep(
    loopback_allowed, receiver, django_capture_on_commit_callbacks
):
    community = CommunityFactory()
    endpoint_for(owner_of(community), community, url=receiver.url, events=["thread.created"])
    # The commit's send never happens: the broker was down, or the message was lost.
    with django_capture_on_commit_callbacks(execute=False):
        ThreadFactory(community=community, title="Lost and found")
    assert receiver.received == []

    later = timezone.now() + datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS + 1)
    assert outbox.sweep(now=later) >= 1

    [got] = receiver.wait_for(1)
    assert got["body"]["data"]["thread"]["title"] == "Lost and found"
    assert Delivery.objects.get(event="thread.created").state == DeliveryState.SUCCEEDED


def test_old_deliveries_are_forgotten_with_their_redeliveries_pending_ones_kept(settings):
    settings.WEBHOOK_LOG_KEEP_DAYS = 30
    community = CommunityFactory()
    owner = owner_of(community)
    endpoint = endpoint_for(owner, community, events=["thread.created"])
    for title in ("Old", "Stuck", "Recent"):
        ThreadFactory(community=community, title=title)
    old, stuck, recent = Delivery.objects.filter(endpoint=endpoint).order_by("pk")
    Delivery.objects.filter(pk__in=[old.pk, recent.pk]).update(state=DeliveryState.FAILED)
    old.refresh_from_db()
    again = services.redeliver(by=owner, delivery=old)
    long_ago = timezone.now() - datetime.timedelta(days=31)
    Delivery.objects.filter(pk__in=[old.pk, stuck.pk]).update(created_at=long_ago)

    assert services.prune_deliveries() == 2
    assert set(Delivery.objects.values_list("pk", flat=True)) == {stuck.pk, recent.pk}
    assert not Delivery.objects.filter(pk=again.pk).exists()
