"""Per thread: follow, normal, mute, from the thread page."""

import pytest
from django.urls import reverse

from discussions.models import ThreadSubscription
from notifications.models import Notification
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db


def test_muting_a_thread_from_its_page_silences_it(client, django_capture_on_commit_callbacks):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    reader = member_of(community)
    thread = ThreadFactory(community=community, author=owner)
    client.force_login(reader)
    url = reverse("thread_follow", args=[community.slug, thread.pk])
    client.post(url, {"following": "1"})

    client.post(url, {"following": "mute"})

    page = client.get(thread.get_absolute_url())
    assert page.context["muted"] is True
    assert "Unmute" in page.text
    subscription = ThreadSubscription.objects.get(thread=thread, user=reader)
    assert (subscription.following, subscription.muted) == (False, True)
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(thread=thread, author=owner)
    assert Notification.objects.filter(recipient=reader).count() == 0

    client.post(url, {"following": "unmute"})
    client.post(url, {"following": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(thread=thread, author=owner)
    assert Notification.objects.filter(recipient=reader, kind="reply").count() == 1
