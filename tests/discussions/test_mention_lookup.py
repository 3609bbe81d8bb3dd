"""The mention lookup offers members of the community by their display name only: never
by, nor with, an email address, and never people who are not members (even where the
community is public and everyone may read it)."""

import re

import pytest
from django.urls import reverse

from communities.models import Visibility
from discussions.models import Mention
from discussions.services import threads as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, ban, owner_of
from tests.discussions.factories import ThreadFactory, member_of

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def public():
    return CommunityFactory(visibility=Visibility.PUBLIC)


def _lookup(client, community, thread, query: str):
    return client.get(
        reverse("thread_mentions", args=[community.slug, thread.pk]),
        {"q": query},
        HTTP_HX_REQUEST="true",
    )


def test_an_email_local_part_finds_nobody(client, public):
    member_of(public, display_name="Ada Lovelace", email="countess@example.org")
    member_of(public, display_name="", email="grace.hopper@example.org")
    UserFactory(member_type="employee", display_name="", email="linus@example.org")
    thread = ThreadFactory(community=public)
    client.force_login(member_of(public))

    for query in ("countess", "grace", "grace.hopper", "linus", "example", "countess@ex"):
        response = _lookup(client, public, thread, query)
        assert response.status_code == 200
        assert response.context["people"] == [], query
        assert "Nobody who can read this thread matches." in response.content.decode()


def test_a_non_member_whose_name_matches_is_not_offered_in_a_public_community(client, public):
    member = member_of(public, display_name="Robin Member", email="rm@example.org")
    UserFactory(member_type="employee", display_name="Robin Outsider", email="ro@example.org")
    thread = ThreadFactory(community=public)
    client.force_login(member_of(public))

    response = _lookup(client, public, thread, "rob")

    assert [person.pk for person in response.context["people"]] == [member.pk]
    page = response.content.decode()
    assert "Robin Member" in page
    assert "Robin Outsider" not in page


def test_a_banned_former_member_is_not_offered(client, public):
    banned = UserFactory(member_type="employee", display_name="Robin Banned")
    ban(public, banned)
    thread = ThreadFactory(community=public)
    client.force_login(member_of(public))

    response = _lookup(client, public, thread, "robin")

    assert response.context["people"] == []
    assert (
        client.post(
            reverse("thread_mentions", args=[public.slug, thread.pk]),
            {"body": "Hi", "person": banned.pk},
        )
        .content.decode()
        .count("Robin Banned")
        == 0
    )


def test_the_answer_never_contains_an_email_address(client, public):
    for number in range(5):
        member_of(public, display_name=f"Sam {number}", email=f"sam{number}@example.org")
    thread = ThreadFactory(community=public)
    client.force_login(member_of(public))

    response = _lookup(client, public, thread, "sam")

    assert len(response.context["people"]) == 5
    assert EMAIL.findall(response.content.decode()) == []
    assert "example.org" not in response.content.decode()


def test_adding_a_non_member_to_the_text_does_nothing(client, public):
    outsider = UserFactory(member_type="employee", display_name="Olga Outside")
    thread = ThreadFactory(community=public)
    client.force_login(member_of(public))

    response = client.post(
        reverse("thread_mentions", args=[public.slug, thread.pk]),
        {"body": "Hi", "person": outsider.pk},
    )

    assert ">\nHi</textarea>" in response.content.decode()
    assert "Olga Outside" not in response.content.decode()


@pytest.mark.parametrize("who", ["visitor", "non_member", "banned"])
def test_only_people_who_may_post_use_the_lookup(client, public, who):
    member_of(public, display_name="Robin Member")
    thread = ThreadFactory(community=public)
    if who == "non_member":
        client.force_login(UserFactory(member_type="employee"))
    elif who == "banned":
        person = UserFactory(member_type="employee")
        ban(public, person)
        client.force_login(person)

    response = _lookup(client, public, thread, "rob")

    assert response.status_code == (302 if who == "visitor" else 403)
    assert "Robin Member" not in response.content.decode()


def test_a_mention_never_links_someone_by_the_local_part_of_their_address(public):
    ada = member_of(public, display_name="Ada Lovelace", email="countess@example.org")
    thread = ThreadFactory(community=public)

    reply = services.post_reply(
        author=owner_of(public), thread=thread, body="Ping @countess", rate_limit=False
    )

    assert reply.body_html == "<p>Ping @countess</p>\n"
    assert reverse("person_detail", args=[ada.pk]) not in reply.body_html
    assert Mention.objects.filter(post=reply).count() == 0
