"""The "preview my next digest" page: what the next digest would hold, or an empty state;
for the signed-in person only, in a constant number of queries."""

import pytest
from django.urls import reverse

from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import ThreadFactory, member_of
from tests.notifications.support import set_level

pytestmark = pytest.mark.django_db


def test_the_settings_page_links_to_the_preview(client):
    community = CommunityFactory(name="Fleet")
    client.force_login(member_of(community))

    page = client.get(reverse("notification_settings"))

    assert reverse("digest_preview") in page.text


def test_the_preview_shows_what_the_next_digest_holds(client, django_assert_max_num_queries):
    community = CommunityFactory(visibility="private", name="Fleet")
    reader = member_of(community)
    ThreadFactory(community=community, author=owner_of(community), title="Charging stations")
    client.force_login(reader)

    with django_assert_max_num_queries(20):
        page = client.get(reverse("digest_preview"))

    assert page.status_code == 200
    assert "Your weekly digest: 1 update in Fleet" in page.text
    assert "Most active threads" in page.text
    assert "Charging stations" in page.text


def test_nothing_happened_shows_an_empty_state(client):
    community = CommunityFactory(visibility="private", name="Fleet")
    reader = member_of(community)
    ThreadFactory(community=community, author=owner_of(community), title="Muted news")
    set_level(community, reader, "none")
    client.force_login(reader)

    page = client.get(reverse("digest_preview"))

    assert page.status_code == 200
    assert "Nothing has happened yet" in page.text
    assert "Muted news" not in page.text


def test_visitors_are_asked_to_sign_in(client):
    page = client.get(reverse("digest_preview"))

    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]
