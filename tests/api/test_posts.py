"""Editing and deleting threads and posts, reactions and follows through the API, with
the same rights as the thread page: the author edits while the thread is open, moderators
always; hidden threads answer 404 to every method."""

import pytest

from discussions.models import Post, Reaction, Thread, ThreadSubscription
from purposes.models import PurposeFollow
from tests.api.support import api_client, place, thread_in, threads_url
from tests.discussions.factories import PostFactory, first_post

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def talk():
    spot = place("private")
    thread = thread_in(spot.community, title="Depot routes", author=spot.member)
    reply = PostFactory(thread=thread, author=spot.member, body="North first")
    return spot, thread, reply


def _thread_url(spot, thread) -> str:
    return f"{threads_url(spot.community)}{thread.pk}/"


def _post_url(spot, thread, post) -> str:
    return f"{_thread_url(spot, thread)}posts/{post.pk}/"


def test_the_author_edits_the_thread_and_a_reply(talk):
    spot, thread, reply = talk
    client = api_client(spot.member)
    edited = client.patch(
        _thread_url(spot, thread), {"title": "Depot routes 2027", "body": "*New* plan"}, JSON
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["title"] == "Depot routes 2027"
    assert first_post(thread).body == "*New* plan"

    changed = client.patch(_post_url(spot, thread, reply), {"body": "South **first**"}, JSON)
    assert changed.status_code == 200
    assert changed.json()["body_html"] == "<p>South <strong>first</strong></p>\n"
    assert changed.json()["edited_at"] is not None
    assert client.get(_post_url(spot, thread, reply)).json()["body_html"].startswith("<p>South")

    blank = client.patch(_post_url(spot, thread, reply), {"body": "  "}, JSON)
    assert blank.status_code == 400
    assert Post.objects.get(pk=reply.pk).body == "South **first**"


def test_others_may_not_edit_and_only_moderators_pin(talk):
    spot, thread, reply = talk
    other = api_client(spot.owner)  # the owner moderates: may edit, pin, lock
    stranger_member = api_client(place("public").member)
    assert (
        stranger_member.patch(_post_url(spot, thread, reply), {"body": "x"}, JSON).status_code
        == 404
    )
    pinned = other.patch(_thread_url(spot, thread), {"is_pinned": True, "is_locked": True}, JSON)
    assert pinned.status_code == 200
    assert (pinned.json()["is_pinned"], pinned.json()["is_locked"]) == (True, True)

    author = api_client(spot.member)
    refused = author.patch(_post_url(spot, thread, reply), {"body": "Late edit"}, JSON)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This thread is locked: posts in it can no longer be edited."
    unpin = author.patch(_thread_url(spot, thread), {"is_pinned": False}, JSON)
    assert unpin.status_code == 403
    assert unpin.json()["detail"] == "Only the community's moderators can do this."
    assert Thread.objects.get(pk=thread.pk).is_pinned
    assert Post.objects.get(pk=reply.pk).body == "North first"


def test_deleting_a_post_and_a_moderator_saying_why(talk):
    spot, thread, reply = talk
    moderator = api_client(spot.owner)
    no_reason = moderator.delete(_post_url(spot, thread, reply))
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"] == {"reason": ["Say why you delete someone else's post."]}
    assert not Post.objects.get(pk=reply.pk).is_deleted

    assert moderator.delete(_post_url(spot, thread, reply) + "?reason=Off+topic").status_code == 204
    assert Post.objects.get(pk=reply.pk).deletion_reason == "Off topic"
    shown = api_client(spot.member).get(_post_url(spot, thread, reply)).json()
    assert (shown["is_deleted"], shown["body_html"]) == (True, None)

    assert api_client(spot.member).delete(_thread_url(spot, thread)).status_code == 204
    assert first_post(thread).is_deleted


def test_reactions_are_given_and_taken_back_once(talk):
    spot, thread, reply = talk
    client = api_client(spot.owner)
    url = _post_url(spot, thread, reply) + "reactions/thanks/"
    for _ in range(2):
        given = client.put(url)
        assert given.status_code == 200, given.content
    thanks = next(r for r in given.json()["reactions"] if r["kind"] == "thanks")
    assert (thanks["count"], thanks["mine"]) == (1, True)
    assert Reaction.objects.filter(post=reply).count() == 1
    for _ in range(2):
        taken = client.delete(url)
        assert taken.status_code == 200
    assert not Reaction.objects.exists()
    unknown = client.put(_post_url(spot, thread, reply) + "reactions/shrug/")
    assert unknown.status_code == 404


def test_following_and_muting_a_thread(talk):
    spot, thread, _reply = talk
    client = api_client(spot.owner)
    followed = client.put(_thread_url(spot, thread) + "follow/")
    assert followed.json() == {"following": True, "muted": False}
    muted = client.put(_thread_url(spot, thread) + "mute/")
    assert muted.json() == {"following": False, "muted": True}
    assert client.delete(_thread_url(spot, thread) + "mute/").json() == {
        "following": False,
        "muted": False,
    }
    client.put(_thread_url(spot, thread) + "follow/")
    assert client.delete(_thread_url(spot, thread) + "follow/").json()["following"] is False
    assert ThreadSubscription.objects.get(user=spot.owner, thread=thread).following is False


def test_a_non_member_of_a_public_community_is_told_to_join_before_following():
    spot = place("public")
    thread = thread_in(spot.community, title="Open talk")
    answer = api_client(spot.outsider).put(f"{threads_url(spot.community)}{thread.pk}/follow/")
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Join the community to take part."
    assert not ThreadSubscription.objects.filter(user=spot.outsider).exists()


def test_nothing_of_a_private_thread_reaches_an_outsider(talk):
    spot, thread, reply = talk
    client = api_client(spot.outsider)
    calls = [
        ("get", _post_url(spot, thread, reply)),
        ("patch", _post_url(spot, thread, reply)),
        ("delete", _post_url(spot, thread, reply)),
        ("patch", _thread_url(spot, thread)),
        ("delete", _thread_url(spot, thread)),
        ("put", _post_url(spot, thread, reply) + "reactions/thanks/"),
        ("delete", _post_url(spot, thread, reply) + "reactions/thanks/"),
        ("put", _thread_url(spot, thread) + "follow/"),
        ("put", _thread_url(spot, thread) + "mute/"),
    ]
    for method, url in calls:
        answer = getattr(client, method)(url, {"body": "x", "title": "y"}, JSON)
        assert answer.status_code == 404, (method, url)
        assert b"North" not in answer.content and b"Depot" not in answer.content
    assert Post.objects.get(pk=reply.pk).body == "North first"
    assert not Reaction.objects.exists()
    assert not ThreadSubscription.objects.filter(user=spot.outsider).exists()


def test_following_a_purpose():
    spot = place("public")
    purpose = spot.community.purpose
    client = api_client(spot.outsider)
    url = f"/api/v1/purposes/{purpose.slug}/follow/"
    assert client.put(url).json() == {"following": True}
    assert PurposeFollow.objects.filter(user=spot.outsider, purpose=purpose).exists()
    assert client.delete(url).json() == {"following": False}
    assert not PurposeFollow.objects.exists()
    assert api_client(spot.outsider, scope="read").put(url).status_code == 403
    assert client.put("/api/v1/purposes/no-such-purpose/follow/").status_code == 404
