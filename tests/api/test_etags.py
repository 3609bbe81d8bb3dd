"""Details carry an ETag; a client holding the current copy gets 304 without a body."""

import pytest

from tests.api.support import api_client, ideas_url, place, thread_in, threads_url

pytestmark = pytest.mark.django_db


def test_an_unchanged_idea_answers_304_and_a_vote_changes_its_etag():
    spot = place("public")
    created = api_client(spot.member).post(
        ideas_url(spot.community), {"title": "Bikes", "description": "Yes"}, "application/json"
    )
    url = created.json()["url"]
    reader = api_client(spot.member, scope="read")

    first = reader.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    assert first["Cache-Control"] == "private, no-cache"
    assert {"Authorization", "Cookie"} <= {v.strip() for v in first["Vary"].split(",")}
    unchanged = reader.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert reader.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304

    api_client(spot.owner).post(f"{url}vote/", content_type="application/json")
    changed = reader.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["vote_count"] == 1
    assert changed["ETag"] != etag


def test_thread_and_community_details_carry_etags_too():
    spot = place("public")
    thread = thread_in(spot.community)
    client = api_client(spot.member, scope="read")
    for url in (
        f"{threads_url(spot.community)}{thread.pk}/",
        f"/api/v1/communities/{spot.community.slug}/",
    ):
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_the_etag_depends_on_the_reader():
    spot = place("public")
    url = f"/api/v1/communities/{spot.community.slug}/"
    member = api_client(spot.member, scope="read").get(url)["ETag"]
    outsider = api_client(spot.outsider, scope="read").get(url)["ETag"]
    assert member != outsider
