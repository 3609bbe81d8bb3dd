"""Profiles are not a directory of the site's people.

A visitor who walks `/people/<id>/` finds only people with public activity; a signed-in
person finds those they share a community with or who posted where they can read. Every
other id answers exactly like an id that does not exist.
"""

import re

import pytest
from django.urls import reverse

from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


def without_nonces(page: str) -> str:
    return re.sub(r'nonce="[^"]+"', 'nonce=""', page)


def profile(client, person):
    return client.get(reverse("person_detail", args=[person.pk]))


def assert_hidden(response, person) -> None:
    assert response.status_code == 404
    assert person.name not in response.text


def test_a_visitor_sees_only_people_who_posted_in_public_communities(client):
    public = CommunityFactory(visibility="public")
    private = CommunityFactory(visibility="private")
    organisation = OrganisationFactory(name="Globex Freight")
    poster = member_of(public, display_name="Public Poster", organisation=organisation)
    ThreadFactory(community=public, author=poster)
    private_poster = member_of(private, display_name="Private Poster")
    ThreadFactory(community=private, author=private_poster)
    quiet = UserFactory(display_name="Quiet Person")

    shown = profile(client, poster)
    assert shown.status_code == 200
    assert "Public Poster" in shown.text
    assert "Globex Freight" in shown.text
    assert_hidden(profile(client, private_poster), private_poster)
    assert_hidden(profile(client, quiet), quiet)
    missing = client.get(reverse("person_detail", args=[987654]))
    assert missing.status_code == 404
    assert without_nonces(profile(client, quiet).text) == without_nonces(missing.text)


def test_a_deleted_post_is_no_public_activity(client):
    public = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=public)
    author = member_of(public, display_name="Gone Quiet")
    post = PostFactory(thread=thread, author=author)
    post.deleted_at = post.created_at
    post.save(update_fields=["deleted_at"])

    assert_hidden(profile(client, author), author)


def test_signed_in_people_see_those_they_share_a_community_with(client):
    private = CommunityFactory(visibility="private")
    colleague = member_of(private, display_name="Close Colleague")
    viewer = member_of(private)
    stranger = UserFactory(display_name="Total Stranger")
    client.force_login(viewer)

    assert profile(client, colleague).status_code == 200
    assert_hidden(profile(client, stranger), stranger)
    assert profile(client, viewer).status_code == 200


def test_signed_in_people_see_authors_of_what_they_can_read(client):
    private = CommunityFactory(visibility="private")
    author = member_of(private, display_name="Private Author")
    ThreadFactory(community=private, author=author)
    outsider = UserFactory(member_type="employee")
    client.force_login(outsider)
    assert_hidden(profile(client, author), author)

    client.force_login(member_of(private))
    assert profile(client, author).status_code == 200


def test_administrators_see_everyone(client):
    quiet = UserFactory(display_name="Quiet Person")
    client.force_login(AdministratorFactory())

    assert profile(client, quiet).status_code == 200
