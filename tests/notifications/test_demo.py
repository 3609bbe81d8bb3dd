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
