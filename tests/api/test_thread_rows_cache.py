"""The API's thread list serialises a page of rows once for every reader who would get the
same rows (`api.views._cached_thread_rows`): what changed shows at the next request, and
one reader's unread markers, host or time zone never reach another."""

import pytest
from django.test import Client

from discussions.services import threads as thread_services
from tests.api.support import api_client, place, results, thread_in, threads_url
from tests.discussions.factories import member_of

pytestmark = pytest.mark.django_db


def rows(client, community, **headers) -> list[dict]:
    return results(client, threads_url(community), **headers)


def test_a_reply_a_new_title_and_a_new_name_show_at_the_next_request():
    here = place()
    thread = thread_in(here.community, author=here.member, title="Forklift charging")
    visitor = api_client()
    [row] = rows(visitor, here.community)
    assert (row["title"], row["reply_count"], row["author"]["name"]) == (
        "Forklift charging",
        0,
        "Mia Member",
    )

    thread_services.post_reply(author=here.owner, thread=thread, body="Bay 3 has a spare.")
    thread.title = "Forklift charging bays"
    thread.save(update_fields=["title"])
    here.member.display_name = "Mia Renamed"
    here.member.save(update_fields=["display_name"])

    [row] = rows(visitor, here.community)
    assert (row["title"], row["reply_count"], row["author"]["name"]) == (
        "Forklift charging bays",
        1,
        "Mia Renamed",
    )


def test_unread_markers_and_addresses_are_each_readers_own():
    here = place()
    thread = thread_in(here.community, author=here.owner, title="Night shift rota")
    reader = member_of(here.community)
    # The member reads the thread on its page; the other member never has.
    browser = Client()
    browser.force_login(here.member)
    assert browser.get(thread.get_absolute_url()).status_code == 200
    opened = api_client(here.member)

    assert rows(opened, here.community)[0]["is_new"] is False
    assert rows(api_client(reader), here.community)[0]["is_new"] is True
    assert rows(opened, here.community)[0]["is_new"] is False
    # The same rows asked for by another host name carry that host's addresses.
    other = rows(api_client(), here.community, HTTP_HOST="localhost")[0]["url"]
    assert other.startswith("http://localhost/api/v1/")
    assert rows(api_client(), here.community)[0]["url"].startswith("http://testserver/")
