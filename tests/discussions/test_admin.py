"""The Django admin changes a thread's moderation flags only through the moderation
service, and deletes or writes nothing that the discussions services do not."""

import pytest
from django.urls import reverse

from discussions.admin import ThreadAdmin
from discussions.models import Post, Tag, Thread
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory(is_superuser=True))
    return client


def thread_row(thread: Thread) -> dict:
    return Thread.objects.filter(pk=thread.pk).values().get()


def test_pinning_in_the_admin_keeps_a_reply_posted_meanwhile(admin_client, monkeypatch):
    thread = ThreadFactory(title="Night deliveries")
    replier = member_of(thread.community)
    load = ThreadAdmin.get_object
    replies = []

    def load_then_reply(admin, request, object_id, from_field=None):
        # A reply arrives between the admin reading the row and saving it.
        loaded = load(admin, request, object_id, from_field)
        if request.method == "POST":
            replies.append(PostFactory(thread=Thread.objects.get(pk=thread.pk), author=replier))
        return loaded

    monkeypatch.setattr(ThreadAdmin, "get_object", load_then_reply)
    url = reverse("admin:discussions_thread_change", args=[thread.pk])

    page = admin_client.get(url)
    response = admin_client.post(url, {"is_pinned": "on", "is_closed": "on"})

    assert page.status_code == 200
    assert response.status_code == 302
    row = thread_row(thread)
    assert (row["is_pinned"], row["is_locked"], row["is_closed"]) == (True, False, True)
    # A direct save of the row read before the reply would put back the old counters.
    [reply] = replies
    assert row["post_count"] == 2
    assert row["last_post_id_cache"] == reply.pk
    assert row["last_activity_at"] == reply.created_at


def test_a_thread_cannot_be_deleted_in_the_admin(admin_client):
    thread = ThreadFactory()
    PostFactory(thread=thread)
    url = reverse("admin:discussions_thread_changelist")

    changelist = admin_client.get(url)
    delete = admin_client.post(
        reverse("admin:discussions_thread_delete", args=[thread.pk]), {"post": "yes"}
    )
    admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [str(thread.pk)], "post": "yes"}
    )

    action_form = changelist.context["action_form"]
    actions = [name for name, _label in action_form.fields["action"].choices] if action_form else []
    assert "delete_selected" not in actions
    assert delete.status_code == 403
    assert Thread.objects.filter(pk=thread.pk).exists()
    assert Post.objects.filter(thread=thread).count() == 2


def test_tags_are_not_written_in_the_admin(admin_client):
    thread = ThreadFactory(tags=["vans"])
    tag = Tag.objects.get()

    added = admin_client.post(
        reverse("admin:discussions_tag_add"),
        {"community": str(thread.community.pk), "name": "electric\nvans"},
    )
    changed = admin_client.post(
        reverse("admin:discussions_tag_change", args=[tag.pk]),
        {"community": str(thread.community.pk), "name": "Vans\u202e"},
    )
    deleted = admin_client.post(
        reverse("admin:discussions_tag_delete", args=[tag.pk]), {"post": "yes"}
    )

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert list(Tag.objects.values_list("name", flat=True)) == ["vans"]
    assert list(thread.tags.values_list("name", flat=True)) == ["vans"]
