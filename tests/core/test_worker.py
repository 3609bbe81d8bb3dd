"""Background work through a real Celery worker process and a real broker.

The broker is Redis when REDIS_URL is set (as in CI), else the folder queue of the
embedded default. The worker reads the same test database the test writes to.
"""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.worker_support import own_queue, start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_queue():
    """A queue of this test's own, so nothing left on a shared broker reaches the worker."""
    with own_queue() as queue:
        yield queue


@pytest.fixture
def celery_worker_process(worker_queue, smtp_mailbox, tmp_path):
    log_path = tmp_path / "worker.log"
    worker = start_worker(
        queue=worker_queue,
        log_path=log_path,
        extra_env={
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": smtp_mailbox.host,
            "EMAIL_PORT": str(smtp_mailbox.port),
        },
    )
    try:
        yield worker
    finally:
        stop_worker(worker, log_path)


def test_sign_up_email_is_delivered_by_a_worker_process_over_smtp(
    client, celery_worker_process, smtp_mailbox
):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "worker@example.org",
            "display_name": "Wendy Worker",
            "password1": "a-long-and-unusual-passphrase-7",
            "password2": "a-long-and-unusual-passphrase-7",
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email="worker@example.org").exists()
    [message] = smtp_mailbox.wait_for(1, timeout=60)
    assert message["To"] == "worker@example.org"
    assert message["Subject"] == "[Commons] Please Confirm Your Email Address"
    assert re.search(r"/accounts/confirm-email/\S+/", smtp_mailbox.text(message))
    assert celery_worker_process.poll() is None, "the worker must still be running"
