"""Background work through a real Celery worker process and a real broker.

The broker is Redis when REDIS_URL is set (as in CI), else the folder queue of the
embedded default. The worker reads the same test database the test writes to.
"""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accounts.models import User
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def database_url_for_worker() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    """A queue of this test's own, so nothing left on a shared broker reaches the worker."""
    queue = f"commons-test-{uuid.uuid4().hex[:8]}"
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    yield queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous


@pytest.fixture
def celery_worker_process(worker_queue, smtp_mailbox, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": database_url_for_worker(),
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": smtp_mailbox.host,
        "EMAIL_PORT": str(smtp_mailbox.port),
        "DATA_DIR": str(settings.DATA_DIR),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--queues",
                worker_queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=info",
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if worker.returncode not in (0, -15):
            print(log_path.read_text())


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
