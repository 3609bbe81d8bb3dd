"""The busiest reads of the thread page and the idea list keep one plan when they run
outside a transaction, as on a running server (`core.postgresql.one_plan`): each view
still shows exactly what its reader may see, and PostgreSQL no longer plans the read on
every view. Pages are loaded outside a test transaction (`transaction=True`), since
inside one the reads are planned as before."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse

from communities.models import Visibility
from discussions.models import Post, ReviewState
from discussions.selectors.threads import thread_page
from tests.communities.factories import CommunityFactory
from tests.core.elements import parse
from tests.core.test_prepared_statements import ON_POSTGRESQL, plan_counts
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.discussions.test_ideas_factories import idea_in, open_community

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def new_session():
    """A database session of its own: prepared statements belong to the session, and an
    earlier test's would be counted with this one's."""
    if ON_POSTGRESQL:
        connection.close()


def texts(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return parse(response.content.decode()).text


def test_the_thread_page_shows_each_reader_their_posts_with_one_plan(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="fleet")
    reader, moderator = member_of(community), member_of(community, role="moderator")
    thread = ThreadFactory(community=community, author=reader, title="Night routes")
    PostFactory(thread=thread, author=reader, body="Route 7 runs late.")
    held = PostFactory(thread=thread, author=moderator, body="Held for review.")
    Post.objects.filter(pk=held.pk).update(review_state=ReviewState.HIDDEN)
    url = thread.get_absolute_url()

    client.force_login(reader)
    seen = [texts(client, url) for _ in range(3)]
    client.force_login(moderator)
    moderated = texts(client, url)

    assert all("Route 7 runs late." in text for text in seen)
    assert not any("Held for review." in text for text in seen)
    assert "Held for review." in moderated
    if ON_POSTGRESQL:
        # The page's posts, with their reactions (the one post quoted is read apart).
        generic, custom = plan_counts('AS "reaction_counts"', 'FROM "discussions_post" LEFT')
        assert custom == 0 and generic >= 1


def test_the_idea_list_first_page_keeps_one_plan_and_a_filtered_one_does_not(client):
    community = open_community(slug="ideas")
    idea_in(community, title="Night buses")
    idea_in(community, title="Bike lanes")
    url = reverse("idea_list", args=[community.slug])

    pages = [texts(client, url) for _ in range(3)]
    filtered = [texts(client, f"{url}?status=planned") for _ in range(3)]

    assert all("Night buses" in text and "Bike lanes" in text for text in pages)
    assert not any("Night buses" in text for text in filtered)
    if ON_POSTGRESQL:
        rows = 'AS "tag_names" FROM "discussions_idea"'
        # Prepared at their second view: the first page kept one plan, the filtered
        # page was planned for its status each time.
        assert plan_counts(rows, 'NOT ("discussions_idea"."status"') == (2, 0)
        assert plan_counts(rows, 'AND "discussions_idea"."status" = $') == (0, 2)


def test_the_thread_list_keeps_one_plan_on_its_first_and_later_pages(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="depot")
    author = member_of(community)
    for number in range(3):
        ThreadFactory(community=community, author=author, title=f"Route {number}")
    url = reverse("thread_list", args=[community.slug])
    cursor = thread_page(user=AnonymousUser(), community=community, page_size=1).next_cursor

    first = [texts(client, url) for _ in range(3)]
    later = [texts(client, f"{url}?{urlencode({'after': cursor})}") for _ in range(3)]

    assert all(f"Route {number}" in text for text in first for number in range(3))
    assert all("Route 2" not in text and "Route 1" in text for text in later)
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.cursor.execute(
                "SELECT statement LIKE %s, generic_plans, custom_plans "
                "FROM pg_prepared_statements WHERE statement LIKE %s ORDER BY 1",
                ['%"discussions_thread"."id") < (%', '%AS "tag_names" FROM "discussions_thread"%'],
            )
            # The first page's statement, then the later page's (with the cursor).
            assert cursor.cursor.fetchall() == [(False, 2, 0), (True, 2, 0)]
