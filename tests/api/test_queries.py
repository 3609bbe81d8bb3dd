"""Every list costs the same number of SQL queries whatever its page size, for a visitor,
a token and a signed-in session, within the pages' budgets; a visitor's GET writes
nothing."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from discussions.services import ideas as idea_services
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.api.support import api_client, ideas_url, place, thread_in, threads_url
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, member_of
from tests.query_budgets import MEMBER_BUDGET, VISITOR_BUDGET, writes_in

pytestmark = pytest.mark.django_db

ROWS = 12


@pytest.fixture
def busy():
    spot = place("public", categories=("Logistics", "Energy"))
    thread = thread_in(spot.community, title="Busy", tags=["depots"])
    for number in range(ROWS):
        thread_in(spot.community, title=f"Thread {number}", tags=["a", f"t{number}"])
        PostFactory(thread=thread, author=spot.member, body=f"Reply {number} for @Mia")
        idea_services.submit_idea(
            author=member_of(spot.community),
            community=spot.community,
            title=f"Idea {number}",
            description="Words",
            tags=["x"],
        )
    for number in range(ROWS):
        CommunityFactory(visibility="public", name=f"Other {number}")
    return spot, thread


def _clients(spot) -> dict:
    session = Client()
    session.login(email=spot.member.email, password=DEFAULT_PASSWORD)
    return {
        "visitor": (Client(), VISITOR_BUDGET),
        "token": (api_client(spot.member, scope="read"), MEMBER_BUDGET),
        "session": (session, MEMBER_BUDGET),
    }


def _count(client, url: str, page_size: int) -> tuple[int, int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content
    return len(captured), len(response.json()["results"]), writes_in(captured)


def test_lists_cost_the_same_whatever_their_page_size(busy, django_assert_max_num_queries):
    spot, thread = busy
    lists = [
        "/api/v1/communities/",
        threads_url(spot.community),
        f"{threads_url(spot.community)}{thread.pk}/posts/",
        ideas_url(spot.community),
    ]
    for who, (client, budget) in _clients(spot).items():
        for url in lists:
            client.get(url)  # a first request may set up the session or last use
            small, small_rows, _writes = _count(client, url, 2)
            with django_assert_max_num_queries(budget):
                large, large_rows, writes = _count(client, url, 100)
            assert small_rows == 2 and large_rows >= ROWS, (who, url)
            assert small == large, (who, url, small, large)
            if who == "visitor":
                assert writes == [], url


def test_filters_and_later_pages_cost_the_same(busy):
    spot, _thread = busy
    client = api_client(spot.member, scope="read")
    first = client.get(threads_url(spot.community), {"page_size": 3})
    next_url = first.json()["next"]
    with CaptureQueriesContext(connection) as page_one:
        client.get(threads_url(spot.community), {"page_size": 3})
    with CaptureQueriesContext(connection) as page_two:
        second = client.get(next_url)
    assert len(page_one) == len(page_two)
    titles = [row["title"] for row in first.json()["results"] + second.json()["results"]]
    assert len(set(titles)) == 6
    with CaptureQueriesContext(connection) as filtered:
        answer = client.get(threads_url(spot.community), {"tag": "a", "kind": "discussion"})
    assert len(filtered) == len(page_one)
    assert len(answer.json()["results"]) == ROWS
