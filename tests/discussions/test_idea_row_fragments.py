"""An idea list's rows come from the cache (`discussions.fragments.idea_rows`) for readers
who see the same rows: a vote shows at the next view, one reader's vote state never
reaches another, and the vote forms work without scripts through the CSRF field the
page links to them."""

import pytest
from django.test import Client

from discussions.models import Idea
from tests.core.elements import Element, parse
from tests.discussions.factories import member_of
from tests.discussions.test_ideas_factories import idea_in, open_community, vote_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    community = open_community(slug="depot-ideas")
    idea = idea_in(community, title="Solar panels on the depot roof")
    return {
        "community": community,
        "idea": idea,
        "ana": member_of(community),
        "bo": member_of(community),
    }


def widget(client, scene, viewer: str | None = None) -> tuple[Element, Element]:
    """The idea's vote widget on the list, and the whole page, as `viewer` sees them."""
    client.logout()
    if viewer:
        client.force_login(scene[viewer])
    response = client.get(f"/communities/{scene['community'].slug}/ideas/")
    assert response.status_code == 200
    document = parse(response.content.decode())
    return document.one(id=f"idea-vote-{scene['idea'].pk}"), document


def test_a_vote_shows_to_everyone_and_as_mine_to_the_voter_only(client, scene):
    assert widget(client, scene, "ana")[0].one(cls="idea-vote-count").text == "0 votes"
    vote_by(scene["idea"], [scene["ana"]])

    mine = widget(client, scene, "ana")[0]
    theirs = widget(client, scene, "bo")[0]
    visitor = widget(client, scene)[0]

    assert mine.one(cls="idea-vote-count").text == "1 vote"
    assert mine.texts(cls="idea-voted") == ["You voted"]
    assert theirs.one(cls="idea-vote-count").text == "1 vote"
    assert theirs.texts(cls="idea-voted") == []
    assert theirs.one("button").text.startswith("Vote")
    assert visitor.all("form") == []
    assert [link.text for link in visitor.all("a")] == ["Sign in to vote"]


def test_without_scripts_a_member_votes_with_the_field_linked_to_the_form(scene):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(scene["bo"])
    vote, document = widget(browser, scene, "bo")
    form = vote.one("form")
    assert form.all("input", name="csrfmiddlewaretoken") == []
    [token] = document.all("input", name="csrfmiddlewaretoken", form=form.get("id"))

    sent = {**form.fields(), "csrfmiddlewaretoken": token.get("value")}
    response = browser.post(form.get("action"), sent)

    assert response.status_code == 302
    assert Idea.objects.get(pk=scene["idea"].pk).vote_count == 1
    assert widget(browser, scene, "bo")[0].texts(cls="idea-voted") == ["You voted"]
    # The same form without the linked field is refused.
    refused = browser.post(form.get("action"), {**form.fields(), "action": "withdraw"})
    assert refused.status_code == 403
