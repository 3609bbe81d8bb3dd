"""Search through the API: the same selector as /search/, so nothing a person may not
read is ever found, with cursor pages at a constant cost."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.api.support import api_client, place, thread_in
from tests.api.test_access import READS, VISIBILITIES, _setup
from tests.discussions.factories import PostFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/search/"


@pytest.fixture
def spots():
    public = place("public")
    private = place("private")
    thread_in(public.community, title="Cargo bikes in the open", author=public.member)
    thread_in(private.community, title="Cargo bikes behind doors", author=private.member)
    secret = place("secret")
    thread_in(secret.community, title="Secret cargo plan", author=secret.member)
    return public, private, secret


def _titles(client, **params) -> list[str]:
    answer = client.get(URL, {"q": "cargo", **params})
    assert answer.status_code == 200, answer.content
    return sorted(row["title"] for row in answer.json()["results"])


def test_search_finds_only_what_the_reader_may_read(spots):
    public, private, secret = spots
    assert _titles(Client()) == ["Cargo bikes in the open"]
    assert _titles(api_client(private.outsider, scope="read")) == ["Cargo bikes in the open"]
    assert _titles(api_client(private.member, scope="read")) == [
        "Cargo bikes behind doors",
        "Cargo bikes in the open",
    ]
    assert _titles(api_client(secret.member, scope="read")) == [
        "Cargo bikes in the open",
        "Secret cargo plan",
    ]
    assert _titles(api_client(private.member), kind="question") == []
    row = Client().get(URL, {"q": "cargo"}).json()["results"][0]
    assert row["community"] == public.community.slug
    assert any(piece["match"] for piece in row["title_pieces"])
    assert row["html_url"].endswith(f"/threads/{row['thread_id']}/")


def test_search_asks_for_words():
    assert Client().get(URL).status_code == 400
    answer = Client().get(URL, {"q": ""})
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["q"]
    assert Client().get(URL, {"q": "x", "kind": "poem"}).status_code == 400


def test_search_pages_cost_the_same():
    spot = place("public")
    thread = thread_in(spot.community, title="Depot", author=spot.member)
    for number in range(25):
        PostFactory(thread=thread, author=spot.member, body=f"Solar roof {number}")
    client = api_client(spot.member, scope="read")
    client.get(URL, {"q": "solar"})
    with CaptureQueriesContext(connection) as first_page:
        first = client.get(URL, {"q": "solar"}).json()
    with CaptureQueriesContext(connection) as second_page:
        second = client.get(first["next"]).json()
    assert (len(first["results"]), len(second["results"])) == (20, 5)
    assert second["next"] is None
    assert len(second_page) <= len(first_page)
    seen = {row["post_id"] for row in first["results"] + second["results"]}
    assert len(seen) == 25


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_the_access_matrix_holds_for_posts_members_and_search(visibility):
    """Every new read (a post, the member list, search) answers as the thread list does:
    whoever may not read the community's content gets 404, and search finds nothing."""
    data = _setup(visibility)
    spot, thread = data["spot"], data["thread"]
    reply = PostFactory(thread=thread, author=spot.member, body="Zeppelin depot")
    base = f"/api/v1/communities/{spot.community.slug}/"
    urls = [f"{base}threads/{thread.pk}/posts/{reply.pk}/", f"{base}members/"]
    for who, person in data["people"].items():
        client = api_client(person, scope="read")
        reads = who in READS[visibility]
        for url in urls:
            answer = client.get(url)
            assert answer.status_code == (200 if reads else 404), (who, url)
            if not reads:
                assert b"Zeppelin" not in answer.content and b"Mia" not in answer.content
        found = client.get(URL, {"q": "zeppelin"}).json()["results"]
        assert [row["post_id"] for row in found] == ([reply.pk] if reads else []), who
