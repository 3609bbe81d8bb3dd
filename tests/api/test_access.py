"""The access matrix of the communities, through the API: the same rule as the pages.

Something a person may not see answers 404, exactly like something that does not exist;
something they may see but not do answers 403 with the reason; nothing private comes
through any list.
"""

import pytest
from django.test import Client

from discussions.models import Idea, IdeaVote, Post, Thread
from discussions.services import ideas as idea_services
from tests.accounts.factories import UserFactory
from tests.api.support import api_client, ideas_url, place, thread_in, threads_url
from tests.discussions.factories import PostFactory

pytestmark = pytest.mark.django_db

VIEWERS = ("visitor", "outsider", "customer", "member", "administrator")
VISIBILITIES = ("public", "listed", "private", "secret")
# Who may open the community itself (its page), by visibility.
SEES = {
    "public": set(VIEWERS),
    "listed": {"outsider", "member", "administrator"},
    "private": {"outsider", "member", "administrator"},
    "secret": {"member", "administrator"},
}
# Who may read its threads, posts and ideas.
READS = {
    "public": set(VIEWERS),
    "listed": {"member", "administrator"},
    "private": {"member", "administrator"},
    "secret": {"member", "administrator"},
}


def _setup(visibility: str) -> dict:
    spot = place(visibility)
    thread = thread_in(spot.community, title="Depot routes")
    PostFactory(thread=thread, author=spot.member, body="A reply")
    idea = idea_services.submit_idea(
        author=spot.member, community=spot.community, title="Cargo bikes", description="Yes."
    )
    people = {
        "visitor": None,
        "outsider": spot.outsider,
        "customer": UserFactory(member_type="customer"),
        "member": spot.member,
        "administrator": UserFactory(is_staff=True, member_type="employee"),
    }
    return {"spot": spot, "thread": thread, "idea": idea, "people": people}


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_reading_follows_the_access_rule(visibility):
    data = _setup(visibility)
    slug = data["spot"].community.slug
    thread, idea = data["thread"], data["idea"]
    content = [
        threads_url(data["spot"].community),
        f"{threads_url(data['spot'].community)}{thread.pk}/",
        f"{threads_url(data['spot'].community)}{thread.pk}/posts/",
        ideas_url(data["spot"].community),
        f"{ideas_url(data['spot'].community)}{idea.thread_id}/",
    ]
    for who, person in data["people"].items():
        client = api_client(person, scope="read")
        detail = client.get(f"/api/v1/communities/{slug}/")
        assert detail.status_code == (200 if who in SEES[visibility] else 404), who
        for url in content:
            answer = client.get(url)
            expected = 200 if who in READS[visibility] else 404
            assert answer.status_code == expected, (who, url, answer.content)
            if expected == 404:
                assert answer["Content-Type"] == "application/problem+json"
                assert answer.json()["detail"] == "Not found."
                assert b"Depot" not in answer.content and b"Cargo" not in answer.content


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_the_list_of_communities_shows_only_what_the_directory_shows(visibility):
    data = _setup(visibility)
    slug = data["spot"].community.slug
    listed = {
        "public": set(VIEWERS),
        "listed": {"outsider", "member", "administrator"},
        "private": {"member", "administrator"},
        "secret": {"member", "administrator"},
    }[visibility]
    for who, person in data["people"].items():
        rows = api_client(person, scope="read").get("/api/v1/communities/").json()["results"]
        assert (slug in [row["slug"] for row in rows]) == (who in listed), who


def test_a_non_member_of_a_private_community_writes_nothing_and_learns_nothing():
    data = _setup("private")
    spot, thread, idea = data["spot"], data["thread"], data["idea"]
    client = api_client(spot.outsider)
    before = (Thread.objects.count(), Post.objects.count(), Idea.objects.count())
    answers = [
        client.post(threads_url(spot.community), {"title": "T", "body": "B"}, "application/json"),
        client.post(
            f"{threads_url(spot.community)}{thread.pk}/posts/", {"body": "B"}, "application/json"
        ),
        client.post(
            ideas_url(spot.community), {"title": "T", "description": "D"}, "application/json"
        ),
        client.post(f"{ideas_url(spot.community)}{idea.thread_id}/vote/"),
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert (Thread.objects.count(), Post.objects.count(), Idea.objects.count()) == before
    assert not IdeaVote.objects.exists()


def test_a_non_member_of_a_public_community_is_told_to_join():
    data = _setup("public")
    spot, thread, idea = data["spot"], data["thread"], data["idea"]
    client = api_client(spot.outsider)
    before = (Thread.objects.count(), Post.objects.count(), Idea.objects.count())
    answers = [
        client.post(threads_url(spot.community), {"title": "T", "body": "B"}, "application/json"),
        client.post(
            f"{threads_url(spot.community)}{thread.pk}/posts/", {"body": "B"}, "application/json"
        ),
        client.post(
            ideas_url(spot.community), {"title": "T", "description": "D"}, "application/json"
        ),
        client.post(f"{ideas_url(spot.community)}{idea.thread_id}/vote/"),
    ]
    for answer in answers:
        assert answer.status_code == 403
        assert answer.json()["detail"] == "Join the community to take part."
    assert (Thread.objects.count(), Post.objects.count(), Idea.objects.count()) == before
    assert not IdeaVote.objects.exists()


def test_a_member_posts_replies_proposes_and_votes():
    data = _setup("private")
    spot, thread = data["spot"], data["thread"]
    client = api_client(spot.member)

    started = client.post(
        threads_url(spot.community),
        {"kind": "question", "title": "Which depot first?", "body": "**North** or south?"},
        "application/json",
    )
    assert started.status_code == 201, started.content
    assert started.json()["kind"] == "question"
    assert started["Location"] == started.json()["url"]
    assert Thread.objects.get(pk=started.json()["id"]).author == spot.member

    replied = client.post(
        f"{threads_url(spot.community)}{thread.pk}/posts/", {"body": "Me *too*"}, "application/json"
    )
    assert replied.status_code == 201
    assert replied.json()["body_html"] == "<p>Me <em>too</em></p>\n"

    proposed = client.post(
        ideas_url(spot.community),
        {"title": "Night deliveries", "description": "Fewer jams.", "tags": ["Traffic"]},
        "application/json",
    )
    assert proposed.status_code == 201
    assert proposed.json()["tags"] == ["traffic"]

    idea_id = proposed.json()["id"]
    owner_client = api_client(spot.owner)
    voted = owner_client.post(f"{ideas_url(spot.community)}{idea_id}/vote/")
    assert voted.status_code == 200
    assert (voted.json()["vote_count"], voted.json()["viewer"]["voted"]) == (1, True)
    again = owner_client.post(f"{ideas_url(spot.community)}{idea_id}/vote/")
    assert again.status_code == 400
    assert again.json()["errors"] == {"non_field_errors": ["You have already voted for this idea."]}
    withdrawn = owner_client.delete(f"{ideas_url(spot.community)}{idea_id}/vote/")
    assert (withdrawn.status_code, withdrawn.json()["vote_count"]) == (200, 0)


def test_a_locked_thread_refuses_replies_with_the_reason():
    data = _setup("public")
    spot, thread = data["spot"], data["thread"]
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    answer = api_client(spot.member).post(
        f"{threads_url(spot.community)}{thread.pk}/posts/", {"body": "Late"}, "application/json"
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == "This thread is locked: no new replies."
    assert Post.objects.filter(thread=thread).count() == 2


def test_a_visitor_reads_a_public_community_without_signing_in():
    data = _setup("public")
    answer = Client().get(threads_url(data["spot"].community))
    assert answer.status_code == 200
    assert [row["title"] for row in answer.json()["results"]] == ["Cargo bikes", "Depot routes"]
