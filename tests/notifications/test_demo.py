import pytest
from django.core.management import call_command

from accounts.models import User
from notifications.models import Notification
from notifications.selectors import unread_count

pytestmark = pytest.mark.django_db


def test_the_demo_rings_the_bell_and_runs_twice():
    call_command("seed_demo")
    ben = User.objects.get(email="ben@northwind.example")
    first = Notification.objects.count()

    call_command("seed_demo")

    assert unread_count(user=ben) > 0
    assert Notification.objects.filter(recipient=ben, kind="mention").exists()
    assert Notification.objects.count() == first


def test_the_demo_sends_ben_a_first_digest_once(django_capture_on_commit_callbacks):
    from django.core import mail

    from notifications.models import DigestRecord

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")

    ben = User.objects.get(email="ben@northwind.example")
    [digest] = [
        message
        for message in mail.outbox
        if message.extra_headers.get("X-Commons-Kind") == "digest"
    ]
    assert digest.to == [ben.email]
    assert digest.subject.startswith("Your daily digest:")
    assert DigestRecord.objects.get(user=ben).state == "sent"
