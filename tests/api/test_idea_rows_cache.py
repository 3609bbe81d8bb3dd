"""The API's idea list serialises a page of rows once for every reader who would get the
same rows (`api.views._cached_idea_rows`): what changed shows at the next request, and one
reader's vote state or host never reaches another."""

import pytest

from discussions.services import ideas as idea_services
from tests.api.support import api_client, ideas_url, place, results
from tests.discussions.factories import member_of

pytestmark = pytest.mark.django_db


def rows(client, community, **headers) -> list[dict]:
    return results(client, ideas_url(community), **headers)


def test_votes_a_status_a_new_title_and_a_new_name_show_at_the_next_request():
    here = place()
    moderator = member_of(here.community, role="moderator")
    idea = idea_services.submit_idea(
        author=here.member, community=here.community, title="Cargo bikes", description="Yes."
    )
    visitor = api_client()
    [row] = rows(visitor, here.community)
    assert (row["title"], row["vote_count"], row["status"], row["author"]["name"]) == (
        "Cargo bikes",
        0,
        "new",
        "Mia Member",
    )
    first_change = row["status_changed_at"]

    idea_services.vote(user=moderator, idea=idea)
    idea_services.change_status(
        idea=idea, by=moderator, status="under_review", response="Looking into it."
    )
    idea.thread.title = "Cargo bikes for the depot"
    idea.thread.save(update_fields=["title"])
    here.member.display_name = "Mia Renamed"
    here.member.save(update_fields=["display_name"])

    [row] = rows(visitor, here.community)
    assert (row["title"], row["vote_count"], row["status"], row["author"]["name"]) == (
        "Cargo bikes for the depot",
        1,
        "under_review",
        "Mia Renamed",
    )
    assert row["status_changed_at"] != first_change


def test_each_reader_gets_their_own_vote_state_and_host():
    here = place()
    voter = member_of(here.community)
    idea = idea_services.submit_idea(
        author=here.member, community=here.community, title="Night buses", description="Yes."
    )
    idea_services.vote(user=voter, idea=idea)

    [voted] = rows(api_client(voter), here.community)
    [not_voted] = rows(api_client(here.owner), here.community)
    [visitor] = rows(api_client(), here.community)

    assert (voted["viewer"]["voted"], voted["viewer"]["can_withdraw"]) == (True, True)
    assert (not_voted["viewer"]["voted"], not_voted["viewer"]["can_vote"]) == (False, True)
    assert visitor["viewer"]["can_vote"] is False
    assert visitor["viewer"]["vote_refusal"]
    # The same rows asked for by another host name carry that host's addresses.
    other = rows(api_client(), here.community, HTTP_HOST="localhost")[0]["url"]
    assert other.startswith("http://localhost/api/v1/")
    assert visitor["url"].startswith("http://testserver/")
