"""The search page: its states, htmx partial, paging links and query budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db

VISITOR_BUDGET = 8
MEMBER_BUDGET = 12
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def test_the_empty_page_invites_a_query(client):
    response = client.get(reverse("search"))

    assert response.status_code == 200
    assert "Type a word or a phrase to search" in response.text


def test_no_results_say_so(client):
    response = client.get(reverse("search"), {"q": "nothing-like-this"})

    assert "No results for “nothing-like-this”" in response.text


def test_results_link_to_posts_with_the_words_marked(client):
    community = CommunityFactory(visibility="public", name="Fleet")
    thread = ThreadFactory(community=community, title="Bike sheds")
    reply = PostFactory(thread=thread, body="Covered parking for **bicycles** at every depot.")

    response = client.get(reverse("search"), {"q": "bicycles"})

    assert f'href="{thread.get_absolute_url()}?after={reply.pk - 1}#post-{reply.pk}"' in (
        response.text
    )
    assert "<mark>bicycles</mark>" in response.text
    assert "Fleet" in response.text


def test_htmx_gets_the_results_alone(client):
    community = CommunityFactory(visibility="public")
    ThreadFactory(community=community, title="Compost bins", body="Where?")

    response = client.get(reverse("search"), {"q": "compost"}, headers={"HX-Request": "true"})

    assert "Compost" in response.text
    assert "<html" not in response.text


def test_paging_links_keep_the_query_and_kind(client):
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    for n in range(21):
        PostFactory(thread=thread, body=f"Plum {n}.")

    first = client.get(reverse("search"), {"q": "plum", "kind": "discussion"}).text
    second = client.get(reverse("search"), {"q": "plum", "kind": "discussion", "page": "2"}).text

    assert "?q=plum&amp;kind=discussion&amp;page=2" in first
    assert "?q=plum&amp;kind=discussion&amp;page=1" in second
    assert second.count('class="search-result"') == 1


def _grow(community, thread, total: int) -> None:
    while thread.posts.count() - 1 < total:
        PostFactory(thread=thread, body="Cherry harvest news.")


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_search_runs_a_constant_number_of_queries(client, viewer):
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    if viewer == "member":
        client.force_login(member_of(community))
    budget = VISITOR_BUDGET if viewer == "visitor" else MEMBER_BUDGET
    counts = []
    for total in (2, 40):
        _grow(community, thread, total)
        client.get(reverse("search"), {"q": "cherry"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("search"), {"q": "cherry"})
        assert response.text.count('class="search-result"') == min(total, 20)
        counts.append(len(queries))

    assert counts[0] == counts[1] <= budget


def test_a_visitor_search_writes_nothing(client):
    community = CommunityFactory(visibility="public")
    ThreadFactory(community=community, title="Apple trees", body="Pruning.")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("search"), {"q": "apple"})

    assert response.status_code == 200
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert not response.cookies
