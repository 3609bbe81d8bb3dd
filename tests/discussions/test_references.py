"""A page that refers to another community, thread or idea names it only to people who
may read it; everyone else reads a neutral phrase ("moved here from another community").

Through the real pages, as a visitor, a signed-in non-member and a member of the
referenced community.
"""

import pytest
from django.urls import reverse

from communities.models import Visibility
from discussions.models import Post
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "Skunkworks Lab"
VIEWERS = ["visitor", "non_member", "member_of_public"]


def _sign_in(client, viewer: str, public) -> None:
    if viewer == "non_member":
        client.force_login(UserFactory(member_type="employee"))
    elif viewer == "member_of_public":
        client.force_login(member_of(public))


@pytest.fixture
def moved():
    """A thread started in a secret community, then moved to a public one."""
    secret = CommunityFactory(visibility=Visibility.SECRET, name=SECRET_NAME)
    public = CommunityFactory(visibility=Visibility.PUBLIC, name="Open Fleet")
    thread = ThreadFactory(community=secret, title="Depot hours", body="Open at six.")
    thread_services.move_thread(
        by=AdministratorFactory(), thread=thread, target=public, confirm_wider=True
    )
    thread.refresh_from_db()
    return secret, public, thread


@pytest.mark.parametrize("viewer", VIEWERS)
def test_moved_from_a_secret_community_names_no_community_to_outsiders(client, moved, viewer):
    secret, public, thread = moved
    _sign_in(client, viewer, public)

    page = client.get(thread.get_absolute_url()).content.decode()

    assert "Open at six." in page
    assert "moved here from another community" in page
    assert SECRET_NAME not in page
    assert secret.slug not in page


def test_moved_from_names_the_community_to_its_members(client, moved):
    secret, _public, thread = moved
    client.force_login(member_of(secret))

    page = client.get(thread.get_absolute_url()).content.decode()

    assert f"moved here from {SECRET_NAME}" in page
    assert "another community" not in page


def test_moved_from_a_public_community_is_named_to_visitors(client):
    source = CommunityFactory(visibility=Visibility.PUBLIC, name="Old Depot")
    target = CommunityFactory(visibility=Visibility.PUBLIC, name="New Depot")
    thread = ThreadFactory(community=source)
    thread_services.move_thread(by=AdministratorFactory(), thread=thread, target=target)
    thread.refresh_from_db()

    page = client.get(thread.get_absolute_url()).content.decode()

    assert "moved here from Old Depot" in page


@pytest.fixture
def merged():
    """In a public community, an idea merged into another, whose thread was then moved
    to a secret community (a merge needs both ideas in one community; a move may later
    take the original where the duplicate's readers cannot follow)."""
    public = CommunityFactory(visibility=Visibility.PUBLIC, audience=["employee"])
    secret = CommunityFactory(
        visibility=Visibility.SECRET,
        name=SECRET_NAME,
        audience=["employee"],
        purpose=public.purpose,
    )
    admin = AdministratorFactory()
    original = idea_services.submit_idea(
        author=member_of(public), community=public, title="Hydrogen vans", description="Try."
    )
    duplicate = idea_services.submit_idea(
        author=member_of(public), community=public, title="Fuel cell vans", description="Too."
    )
    idea_services.merge_ideas(duplicate=duplicate, original=original, by=admin)
    thread_services.move_thread(
        by=admin, thread=original.thread, target=secret, confirm_wider=False
    )
    return public, secret, original, duplicate


@pytest.mark.parametrize("viewer", VIEWERS)
def test_merged_into_an_idea_now_in_a_secret_community_names_nothing(client, merged, viewer):
    public, secret, original, duplicate = merged
    _sign_in(client, viewer, public)

    response = client.get(duplicate.thread.get_absolute_url())
    page = response.content.decode()

    assert response.status_code == 200
    assert "This idea was merged into another idea." in page
    assert "Merged into another idea." in page
    assert "Hydrogen vans" not in page
    assert SECRET_NAME not in page
    assert secret.slug not in page
    assert f"/threads/{original.thread_id}/" not in page


def test_merged_into_links_the_original_for_its_readers(client, merged):
    _public, secret, original, duplicate = merged
    client.force_login(member_of(secret))

    page = client.get(duplicate.thread.get_absolute_url()).content.decode()

    assert "This idea was merged into" in page
    assert f'href="{original.thread.get_absolute_url()}"' in page
    assert f"#{original.thread_id} Hydrogen vans" in page
    assert "Merged into “Hydrogen vans”." in page
    assert "merged into another idea" not in page.lower()


def test_a_quote_never_shows_a_post_of_another_thread(client):
    secret = CommunityFactory(visibility=Visibility.SECRET)
    hidden = PostFactory(thread=ThreadFactory(community=secret), body="Budget is 4 million.")
    public = CommunityFactory(visibility=Visibility.PUBLIC)
    thread = ThreadFactory(community=public)
    reader = member_of(public)
    client.force_login(reader)
    before = Post.objects.count()

    page = client.get(f"{thread.get_absolute_url()}?quote={hidden.pk}").content.decode()
    response = client.post(
        reverse("thread_reply", args=[public.slug, thread.pk]),
        {"body": "Quoting it.", "quoted_post": hidden.pk},
    )

    assert "Budget is 4 million." not in page
    assert "Budget is 4 million." not in response.content.decode()
    assert "The post you quoted is not in this thread." in response.content.decode()
    assert Post.objects.count() == before
