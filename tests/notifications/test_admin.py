"""The admin shows notifications and events, and changes none of them."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_notifications_read_only(client, django_capture_on_commit_callbacks):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    follower = member_of(community)
    with django_capture_on_commit_callbacks(execute=True):
        thread = ThreadFactory(community=community, author=owner)
    from discussions.services import threads as thread_services

    thread_services.follow(user=follower, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(thread=thread, author=owner)
    notification = Notification.objects.get(recipient=follower)
    client.force_login(AdministratorFactory(is_superuser=True))

    for name in ("notification", "event", "notificationsettings"):
        assert client.get(reverse(f"admin:notifications_{name}_changelist")).status_code == 200
    change = reverse("admin:notifications_notification_change", args=[notification.pk])
    assert client.get(change).status_code == 200
    response = client.post(change, {"email_state": "skipped", "read_at": ""})
    assert response.status_code == 403
    assert Notification.objects.get(pk=notification.pk).email_state == "sent"
