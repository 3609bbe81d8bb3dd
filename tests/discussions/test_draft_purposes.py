"""A draft purpose is seen only by its owners and administrators: a public community
working on it shows visitors and members neither the purpose's title nor its challenges
(community page, idea list and its challenge filter, an idea's page, the new-idea form,
the home feed)."""

import pytest
from django.urls import reverse

from communities.models import Visibility
from discussions.models import Idea
from discussions.services import ideas as idea_services
from purposes.models import PurposeStatus
from tests.communities.factories import CommunityFactory, owner_of
from tests.core.reading import visible_text
from tests.discussions.factories import member_of
from tests.discussions.test_ideas_factories import challenge_of
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db

PURPOSE_TITLE = "Project Nightingale"
CHALLENGE_TITLE = "Quiet Depots Challenge"


@pytest.fixture
def draft():
    purpose = PurposeFactory(status=PurposeStatus.DRAFT, title=PURPOSE_TITLE)
    community = CommunityFactory(visibility=Visibility.PUBLIC, purpose=purpose)
    challenge = challenge_of(community, opens_in_days=-1, closes_in_days=5)
    challenge.title = CHALLENGE_TITLE
    challenge.save(update_fields=["title"])
    idea = idea_services.submit_idea(
        author=owner_of(community),
        community=community,
        title="Electric forklifts",
        description="Quieter at night.",
        challenge=challenge,
    )
    return purpose, community, challenge, idea


def _pages(community, idea) -> list[str]:
    return [
        community.get_absolute_url(),
        reverse("idea_list", args=[community.slug]),
        reverse("idea_list", args=[community.slug]) + "?status=new",
        idea.thread.get_absolute_url(),
    ]


def _assert_hidden(html: str, challenge) -> None:
    assert PURPOSE_TITLE not in html
    assert CHALLENGE_TITLE not in html
    assert challenge.question not in html
    assert f'<option value="{challenge.pk}"' not in html


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_community_pages_hide_a_draft_purpose_and_its_challenges(client, draft, viewer):
    _purpose, community, challenge, idea = draft
    if viewer == "member":
        client.force_login(member_of(community))

    for url in _pages(community, idea):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_hidden(response.content.decode(), challenge)
    # The idea itself is public: only the purpose's parts are left out.
    assert "Electric forklifts" in client.get(reverse("idea_list", args=[community.slug])).text


def test_the_new_idea_form_offers_no_challenge_of_a_draft_purpose(client, draft):
    _purpose, community, challenge, _idea = draft
    client.force_login(member_of(community))
    url = reverse("idea_create", args=[community.slug])

    form = client.get(url)
    before = Idea.objects.count()
    posted = client.post(
        url,
        {
            "title": "Night-time bikes",
            "description": "Silent.",
            "challenge": challenge.pk,
            "confirm": "1",
        },
    )

    assert form.status_code == 200
    _assert_hidden(form.content.decode(), challenge)
    assert posted.status_code == 200
    _assert_hidden(posted.content.decode(), challenge)
    refusal = "Choose a challenge of this community's purpose."
    assert refusal in visible_text(posted.content.decode())
    assert Idea.objects.count() == before


def test_the_home_feed_of_a_member_leaves_out_a_draft_purpose_title(client, draft):
    _purpose, community, challenge, _idea = draft
    client.force_login(member_of(community))

    page = client.get(reverse("home")).content.decode()

    assert community.name in page
    _assert_hidden(page, challenge)


@pytest.mark.parametrize("viewer", ["purpose_owner", "administrator"])
def test_owners_and_administrators_still_see_the_draft_purpose(client, draft, viewer):
    purpose, community, challenge, idea = draft
    user = purpose.owners.first() if viewer == "purpose_owner" else AdministratorFactory()
    client.force_login(user)

    home = client.get(community.get_absolute_url()).content.decode()
    ideas = client.get(reverse("idea_list", args=[community.slug])).content.decode()
    thread = client.get(idea.thread.get_absolute_url()).content.decode()

    assert PURPOSE_TITLE in home
    assert f'<option value="{challenge.pk}"' in ideas
    assert CHALLENGE_TITLE in ideas
    assert CHALLENGE_TITLE in thread
