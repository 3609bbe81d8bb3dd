"""Flags through the pages: who may flag what, once, with a reason; the queue fills."""

import pytest
from django.test import Client
from django.urls import reverse

from discussions.models import Post, ReviewState, Thread
from moderation.models import Flag, ItemStatus, ReviewItem
from tests.discussions.factories import first_post
from tests.moderation.support import world

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _flag_reply(client: Client, d: dict, **data):
    url = reverse("post_flag", args=[d["community"].slug, d["thread"].pk, d["reply"].pk])
    return client.post(url, {"reason": "spam", **data})


@pytest.mark.parametrize(
    ("viewer", "status", "flags"),
    [
        ("member", 302, 1),
        ("moderator", 302, 1),
        ("admin", 302, 1),
        ("outsider", 404, 0),  # cannot read the private community
        ("author", 400, 0),  # one's own post
    ],
)
def test_who_may_flag_a_reply(viewer, status, flags):
    d = world()
    response = _flag_reply(_client(d[viewer]), d)
    assert response.status_code == status
    assert Flag.objects.count() == flags


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_flagged():
    d = world(visibility="public")
    response = _flag_reply(_client(None), d)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert Flag.objects.count() == 0


def test_a_flag_thanks_the_flagger_and_puts_the_reply_in_the_queue():
    d = world()
    client = _client(d["member"])
    response = _flag_reply(client, d)
    page = client.get(response["Location"]).text
    assert "The moderators will take a look" in page
    item = ReviewItem.objects.get()
    assert (item.kind, item.post_id, item.status, item.open_flag_count) == (
        "post",
        d["reply"].pk,
        ItemStatus.OPEN,
        1,
    )


def test_flagging_twice_is_refused_with_the_reason_kept():
    d = world()
    client = _client(d["member"])
    _flag_reply(client, d)
    response = _flag_reply(client, d, reason="other", note="Still spam, again")
    assert response.status_code == 400
    assert "You have already flagged this." in response.text
    assert "Still spam, again" in response.text
    assert Flag.objects.count() == 1


def test_something_else_needs_a_note():
    d = world()
    response = _flag_reply(_client(d["member"]), d, reason="other")
    assert response.status_code == 400
    assert "Say what is wrong." in response.text
    assert Flag.objects.count() == 0


def test_the_first_post_flags_its_thread_and_the_author_is_not_told_who():
    d = world()
    post = first_post(d["thread"])
    url = reverse("post_flag", args=[d["community"].slug, d["thread"].pk, post.pk])
    _client(d["member"]).post(url, {"reason": "inappropriate"})
    item = ReviewItem.objects.get()
    assert (item.kind, item.thread_id) == ("thread", d["thread"].pk)
    page = _client(d["author"]).get(d["thread"].get_absolute_url()).text
    assert d["member"].name not in page


def test_a_profile_can_be_flagged_by_someone_who_may_see_it():
    d = world()
    response = _client(d["member"]).post(
        reverse("person_flag", args=[d["author"].pk]), {"reason": "spam"}
    )
    assert response.status_code == 302
    item = ReviewItem.objects.get()
    assert (item.kind, item.person_id, item.community_id) == ("profile", d["author"].pk, None)
    # Someone who shares nothing with the author cannot see the profile: 404.
    response = _client(d["outsider"]).post(
        reverse("person_flag", args=[d["author"].pk]), {"reason": "spam"}
    )
    assert response.status_code == 404
    assert Flag.objects.count() == 1


def test_each_post_links_to_its_flag_form_a_page_that_works_without_javascript():
    d = world()
    client = _client(d["member"])
    page = client.get(d["thread"].get_absolute_url()).text
    url = reverse("post_flag", args=[d["community"].slug, d["thread"].pk, d["reply"].pk])
    assert f'href="{url}"' in page
    form = client.get(url)
    assert form.status_code == 200
    assert f'action="{url}"' in form.text and "Send the flag" in form.text


def test_flags_are_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flags": "1/m/user"}
    d = world()
    client = _client(d["member"])
    _flag_reply(client, d)
    post = first_post(d["thread"])
    url = reverse("post_flag", args=[d["community"].slug, d["thread"].pk, post.pk])
    assert client.post(url, {"reason": "spam"}).status_code == 429
    assert Flag.objects.count() == 1
    assert Thread.objects.get().review_state == ReviewState.PUBLISHED
    assert Post.objects.filter(review_state=ReviewState.HIDDEN).count() == 0
