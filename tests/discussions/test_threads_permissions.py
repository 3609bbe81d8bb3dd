"""Who may read and do what with threads and posts, as a matrix through the real pages.

The expected answers come from the small table below, written from the issue (reading is
the community's rule: anyone reads a public community, members read the others; writing
needs a membership and no ban; managing needs a moderator), not from the code under
test. On every denial the test also checks that nothing changed.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from communities.models import Role, Visibility
from discussions.models import Post, Reaction, Thread, ThreadKind
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, ban
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "non_member", "member", "moderator", "banned", "administrator"]
VISIBILITIES = [Visibility.PUBLIC, Visibility.LISTED, Visibility.PRIVATE, Visibility.SECRET]

READS = {
    Visibility.PUBLIC: set(ROLES),
    Visibility.LISTED: {"member", "moderator", "administrator"},
    Visibility.PRIVATE: {"member", "moderator", "administrator"},
    Visibility.SECRET: {"member", "moderator", "administrator"},
}
WRITERS = {"member", "moderator", "administrator"}
MANAGERS = {"moderator", "administrator"}


def person(role: str, community):
    """A person in `role` towards `community` (None for an anonymous visitor)."""
    if role == "anonymous":
        return None
    if role == "non_member":
        return UserFactory(member_type="employee")
    if role == "member":
        return member_of(community)
    if role == "moderator":
        return member_of(community, role=Role.MODERATOR)
    if role == "banned":
        user = UserFactory(member_type="employee")
        ban(community, user, reason="Spam")
        return user
    return AdministratorFactory()


@pytest.fixture
def world():
    """A thread (a question) by one member, with a reply by another, per visibility."""

    def build(visibility: str, kind: str = ThreadKind.QUESTION):
        community = CommunityFactory(visibility=visibility)
        asker = member_of(community)
        thread = ThreadFactory(community=community, author=asker, kind=kind, title="Routes?")
        replier = member_of(community)
        reply = PostFactory(thread=thread, author=replier, body="Try the ring road.")
        return community, thread, reply

    return build


def sign_in(client, user) -> None:
    if user is not None:
        client.force_login(user)


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# -- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_reading_a_thread_follows_the_community_rule(client, world, visibility, role):
    community, thread, reply = world(visibility)
    sign_in(client, person(role, community))
    allowed = role in READS[visibility]

    pages = [
        thread.get_absolute_url(),
        reverse("thread_list", args=[community.slug]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == (200 if allowed else 404), url
    if allowed:
        response = client.get(thread.get_absolute_url())
        assert b"Try the ring road." in response.content
    else:
        response = client.get(thread.get_absolute_url())
        assert b"Routes?" not in response.content


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_community_home_shows_threads_only_to_readers(client, world, visibility, role):
    community, thread, _reply = world(visibility)
    sign_in(client, person(role, community))
    response = client.get(community.get_absolute_url())
    if response.status_code == 404:
        assert visibility == Visibility.SECRET or role == "anonymous"
        return
    assert ("Routes?" in response.content.decode()) == (role in READS[visibility])


def test_a_moved_thread_never_redirects_to_a_community_the_viewer_cannot_read(client, world):
    community, thread, _reply = world(Visibility.PUBLIC)
    secret = CommunityFactory(visibility=Visibility.SECRET)
    Thread.objects.filter(pk=thread.pk).update(community=secret)
    old_url = reverse("thread_detail", args=[community.slug, thread.pk])

    assert client.get(old_url).status_code == 404
    client.force_login(member_of(secret))
    response = client.get(old_url)
    assert response.status_code == 302
    assert response.url == reverse("thread_detail", args=[secret.slug, thread.pk])


# -- writing --------------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE])
@pytest.mark.parametrize("role", ROLES)
def test_starting_a_thread(client, world, visibility, role):
    community, _thread, _reply = world(visibility)
    user = person(role, community)
    sign_in(client, user)
    before = Thread.objects.count()

    response = client.post(
        reverse("thread_create", args=[community.slug]),
        {"kind": "discussion", "title": "Night deliveries", "body": "Worth a pilot?"},
    )

    if role in WRITERS:
        assert response.status_code == 302
        assert Thread.objects.count() == before + 1
        assert Thread.objects.latest("pk").author == user
        return
    assert Thread.objects.count() == before
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == 302
        assert response.url == community.get_absolute_url()
        expected = {
            "non_member": "Join the community to take part.",
            # The refusal also tells the person why they were banned.
            "banned": "You are banned from this community permanently. Reason: Spam",
        }[role]
        assert message_texts(response) == [expected]


@pytest.mark.parametrize("role", ROLES)
def test_replying(client, world, role):
    community, thread, _reply = world(Visibility.PUBLIC)
    user = person(role, community)
    sign_in(client, user)
    before = Post.objects.count()

    response = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]), {"body": "Agreed."}
    )

    if role in WRITERS:
        assert response.status_code == 302
        assert Post.objects.count() == before + 1
        return
    assert Post.objects.count() == before
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        return
    assert response.status_code == 200
    expected = {
        "non_member": "Join the community to take part.",
        "banned": "You are banned from this community permanently.",
    }[role]
    assert expected in response.content.decode()
    assert "Agreed." in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_replying_in_a_locked_thread(client, world, role):
    community, thread, _reply = world(Visibility.PUBLIC)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    user = person(role, community)
    sign_in(client, user)
    before = Post.objects.count()

    response = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]), {"body": "Still here."}
    )

    if role in MANAGERS:
        assert response.status_code == 302
        assert Post.objects.count() == before + 1
    else:
        assert Post.objects.count() == before
        if role == "member":
            assert response.status_code == 200
            assert "This thread is locked: no new replies." in response.content.decode()
            assert "Still here." in response.content.decode()


@pytest.mark.parametrize("role", [*ROLES, "author"])
def test_editing_a_reply(client, world, role):
    community, thread, reply = world(Visibility.PUBLIC)
    user = reply.author if role == "author" else person(role, community)
    sign_in(client, user)

    response = client.post(
        reverse("post_edit", args=[community.slug, thread.pk, reply.pk]), {"body": "Changed."}
    )

    reply.refresh_from_db()
    if role in MANAGERS or role == "author":
        assert response.status_code == 302
        assert reply.body == "Changed."
        assert reply.revisions.count() == 1
    else:
        assert response.status_code in (302, 403)
        assert reply.body == "Try the ring road."
        assert reply.revisions.count() == 0


@pytest.mark.parametrize("role", [*ROLES, "author"])
def test_deleting_a_reply(client, world, role):
    community, thread, reply = world(Visibility.PUBLIC)
    user = reply.author if role == "author" else person(role, community)
    sign_in(client, user)

    client.post(
        reverse("post_delete", args=[community.slug, thread.pk, reply.pk]),
        {"reason": "Duplicate"},
    )

    reply.refresh_from_db()
    if role in MANAGERS or role == "author":
        assert reply.is_deleted
        assert reply.deleted_by == user
        assert reply.deletion_reason == "Duplicate"
    else:
        assert not reply.is_deleted
        assert reply.deleted_by is None


@pytest.mark.parametrize("role", ROLES)
def test_reacting(client, world, role):
    community, thread, reply = world(Visibility.PUBLIC)
    sign_in(client, person(role, community))

    client.post(
        reverse("post_react", args=[community.slug, thread.pk, reply.pk]), {"kind": "thanks"}
    )

    expected = 1 if role in WRITERS else 0
    assert Reaction.objects.filter(post=reply, kind="thanks").count() == expected


@pytest.mark.parametrize("role", [*ROLES, "asker"])
def test_accepting_an_answer(client, world, role):
    community, thread, reply = world(Visibility.PUBLIC)
    user = thread.author if role == "asker" else person(role, community)
    sign_in(client, user)

    client.post(reverse("post_accept", args=[community.slug, thread.pk, reply.pk]))

    thread.refresh_from_db()
    allowed = role in MANAGERS or role == "asker"
    assert thread.accepted_answer_id == (reply.pk if allowed else None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("action", "field"), [("pin", "is_pinned"), ("lock", "is_locked"), ("close", "is_closed")]
)
def test_pinning_locking_closing(client, world, role, action, field):
    community, thread, _reply = world(Visibility.PUBLIC)
    sign_in(client, person(role, community))

    response = client.post(
        reverse("thread_moderate", args=[community.slug, thread.pk]), {"action": action}
    )

    thread.refresh_from_db()
    assert getattr(thread, field) is (role in MANAGERS)
    if role in ("non_member", "member", "banned"):
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_moving(client, world, role):
    community, thread, _reply = world(Visibility.PUBLIC)
    user = person(role, community)
    target = CommunityFactory(visibility=Visibility.PUBLIC)
    if role == "moderator":
        # A mover moderates both communities.
        MembershipFactory(community=target, user=user, role=Role.MODERATOR)
    sign_in(client, user)

    client.post(
        reverse("thread_move", args=[community.slug, thread.pk]),
        {"target": target.pk, "confirm": "on"},
    )

    thread.refresh_from_db()
    assert thread.community_id == (target.pk if role in MANAGERS else community.pk)
