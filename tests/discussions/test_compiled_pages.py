"""The thread page, a community's thread list and its idea list (page and API) read
through SQL compiled once per reader's position (`core.compiled_reads`): whoever read
them before, each reader still sees exactly what the reading rule allows them, and a
change of role moves them to the other rule at their next view."""

import pytest
from django.urls import reverse

from communities import services as community_services
from communities.models import Membership, Role, Visibility
from core.compiled_reads import forget_compiled
from discussions.models import ReviewState
from discussions.services import ideas as idea_services
from discussions.services import threads as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, regulars

pytestmark = pytest.mark.django_db

HELD_REPLY = "Held reply about the ferry timetable"
HIDDEN_TITLE = "Quiet plan for the depot"


@pytest.fixture
def scene():
    forget_compiled()
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="quay")
    people = regulars(community, moderator=True)
    thread = ThreadFactory(community=community, author=people["bo"], title="Ferry times")
    held = PostFactory(thread=thread, author=people["ana"], body=HELD_REPLY)
    services.set_review_state(post=held, state=ReviewState.HELD)
    PostFactory(thread=thread, author=people["cy"], body="A published reply")
    hidden = ThreadFactory(community=community, author=people["ana"], title=HIDDEN_TITLE)
    services.set_review_state(post=first_post(hidden), state=ReviewState.HIDDEN)
    people["admin"] = UserFactory(is_staff=True, display_name="Ada Admin")
    yield {"community": community, "thread": thread, **people}
    forget_compiled()


def _sees(client, scene, viewer: str | None) -> tuple[bool, bool]:
    """(sees the held reply on the thread page, sees the hidden thread in the list)."""
    client.logout()
    if viewer:
        client.force_login(scene[viewer])
    thread_page = client.get(scene["thread"].get_absolute_url())
    thread_list = client.get(reverse("thread_list", args=[scene["community"].slug]))
    assert thread_page.status_code == thread_list.status_code == 200
    assert "A published reply" in thread_page.content.decode()
    assert "Ferry times" in thread_list.content.decode()
    return HELD_REPLY in thread_page.content.decode(), HIDDEN_TITLE in thread_list.content.decode()


@pytest.mark.parametrize("first", ["moderator", "admin", "ana", "bo", None])
def test_every_reader_sees_their_own_part_whoever_read_first(client, scene, first):
    expected = {
        "moderator": (True, True),
        "admin": (True, True),
        "ana": (True, True),  # her own held reply and hidden thread
        "bo": (False, False),
        "cy": (False, False),
        None: (False, False),
    }
    order = [first, *(viewer for viewer in expected if viewer != first)]
    for viewer in order:
        assert _sees(client, scene, viewer) == expected[viewer], viewer


def test_a_new_moderator_sees_held_posts_at_once_and_not_after_stepping_down(client, scene):
    community = scene["community"]
    assert _sees(client, scene, "bo") == (False, False)
    membership = Membership.objects.get(community=community, user=scene["bo"])
    owner = owner_of(community)

    community_services.change_role(membership=membership, by=owner, role=Role.MODERATOR)
    assert _sees(client, scene, "bo") == (True, True)

    membership.refresh_from_db()
    community_services.change_role(membership=membership, by=owner, role=Role.MEMBER)
    assert _sees(client, scene, "bo") == (False, False)


HIDDEN_IDEA = "Quiet idea for the depot"
VOTED = 'class="idea-voted"'


@pytest.fixture
def ideas(scene):
    community = scene["community"]
    shown = idea_services.submit_idea(
        author=scene["cy"], community=community, title="Open idea for the quay", description="."
    )
    idea_services.vote(user=scene["bo"], idea=shown)
    hidden = idea_services.submit_idea(
        author=scene["ana"], community=community, title=HIDDEN_IDEA, description="."
    )
    services.set_review_state(post=first_post(hidden.thread), state=ReviewState.HIDDEN)
    return scene


def _sees_ideas(client, scene, viewer: str | None, api: bool) -> tuple[bool, bool]:
    """(sees the hidden idea, is told they voted for the open one) on the idea list, or
    the API's idea list."""
    client.logout()
    if viewer:
        client.force_login(scene[viewer])
    slug = scene["community"].slug
    if api:
        rows = client.get(f"/api/v1/communities/{slug}/ideas/").json()["results"]
        titles = {row["title"]: row for row in rows}
        assert "Open idea for the quay" in titles
        return HIDDEN_IDEA in titles, titles["Open idea for the quay"]["viewer"]["voted"]
    page = client.get(reverse("idea_list", args=[slug])).content.decode()
    assert "Open idea for the quay" in page
    return HIDDEN_IDEA in page, VOTED in page


@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
@pytest.mark.parametrize("first", ["moderator", "ana", "bo", None])
def test_every_reader_sees_their_own_idea_list_whoever_read_first(client, ideas, first, api):
    expected = {
        "moderator": (True, False),
        "admin": (True, False),
        "ana": (True, False),  # her own hidden idea
        "bo": (False, True),  # his own vote
        "cy": (False, False),
        None: (False, False),
    }
    order = [first, *(viewer for viewer in expected if viewer != first)]
    for viewer in order:
        assert _sees_ideas(client, ideas, viewer, api) == expected[viewer], viewer
