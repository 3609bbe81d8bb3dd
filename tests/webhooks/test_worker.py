"""Webhooks delivered by a real worker process over the broker to a real HTTP server on
loopback (allowed by an administrator's WEBHOOK_ALLOWED_HOSTS): signed, retried with
backoff after failures until the receiver answers, and switched off with an email to the
owner when it never does."""

import pytest
from aiosmtpd.controller import Controller

from core.models import OutboxMessage
from tests.communities.factories import CommunityFactory, owner_of
from tests.conftest import Mailbox, free_port
from tests.discussions.factories import ThreadFactory
from tests.webhooks.support import SECRET, Receiver, endpoint_for
from tests.worker_support import own_queue, start_worker, stop_worker, wait_until
from webhooks.models import Delivery, DeliveryState, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_ENV = {
    "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    "WEBHOOK_MAX_ATTEMPTS": "3",
    "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "WEBHOOK_DISABLE_AFTER_FAILURES": "2",
}


@pytest.fixture(scope="module")
def mailbox():
    """A real SMTP server on loopback for the whole module (the worker is told its port
    when it starts)."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.host, box.port = controller.hostname, controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def worker(django_db_setup, mailbox, tmp_path_factory):
    """One worker process for the module, on a queue of its own, reading the test
    database (set up first)."""
    log_path = tmp_path_factory.mktemp("webhooks-worker") / "worker.log"
    with own_queue("commons-webhooks") as queue:
        process = start_worker(
            queue=queue,
            log_path=log_path,
            extra_env={
                **WORKER_ENV,
                "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": mailbox.host,
                "EMAIL_PORT": str(mailbox.port),
            },
        )
        try:
            yield log_path
        finally:
            stop_worker(process, log_path)


@pytest.fixture
def log_path(worker, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = {"127.0.0.1"}
    return worker


def test_a_failing_receiver_is_retried_until_it_answers(log_path):
    receiver = Receiver(statuses=(500, 500, 200)).start()
    try:
        community = CommunityFactory(visibility="private", name="Fleet")
        endpoint = endpoint_for(
            owner_of(community), community, url=receiver.url, events=["thread.created"]
        )
        ThreadFactory(community=community, title="Electric vans")
        delivered = Delivery.objects.filter(endpoint=endpoint, state=DeliveryState.SUCCEEDED)
        assert wait_until(delivered.exists, timeout=60), log_path.read_text()
    finally:
        receiver.stop()

    received = receiver.received
    assert [got["status"] for got in received] == [500, 500, 200]
    assert all(got["verified"] for got in received)
    assert {got["headers"]["Commons-Delivery"] for got in received} == {str(delivered.get().uid)}
    assert {got["headers"]["Commons-Event"] for got in received} == {"thread.created"}
    assert received[0]["body"] == received[2]["body"]
    assert received[2]["body"]["data"]["thread"]["title"] == "Electric vans"
    assert received[0]["path"] == "/hooks/commons"
    delivery = delivered.get()
    assert (delivery.attempts, delivery.response_status) == (3, 200)
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_an_endpoint_that_keeps_failing_is_switched_off_and_its_owner_emailed(log_path, mailbox):
    receiver = Receiver(statuses=(500,)).start()
    try:
        community = CommunityFactory(name="Depots")
        owner = owner_of(community)
        endpoint = endpoint_for(owner, community, url=receiver.url, events=["thread.created"])
        ThreadFactory(community=community, title="First")
        ThreadFactory(community=community, title="Second")
        [notice] = mailbox.wait_for(1, timeout=60)
    finally:
        receiver.stop()

    assert len(receiver.received) == 6
    assert all(got["verified"] for got in receiver.received)
    endpoint = Endpoint.objects.get(pk=endpoint.pk)
    assert endpoint.is_enabled is False
    assert endpoint.consecutive_failures == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.FAILED}
    assert notice["To"] == owner.email
    assert "switched off" in notice["Subject"]
    assert f"/communities/depots/settings/webhooks/{endpoint.pk}/" in mailbox.text(notice)
    assert SECRET not in mailbox.text(notice)
