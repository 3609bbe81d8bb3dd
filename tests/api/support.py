"""What the API tests share: a client that sends a token, and a community with people."""

from dataclasses import dataclass

from django.test import Client

from accounts.models import User
from api import services
from communities.models import Community
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import ThreadFactory, member_of


def token_for(user: User, scope: str = "read_write") -> str:
    return services.create_token(user=user, name="Test tool", scope=scope).secret


def api_client(user: User | None = None, scope: str = "read_write", **headers) -> Client:
    """A client signed in by a new token of `user` (a visitor's client without one)."""
    if user is None:
        return Client(**headers)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope)}", **headers)


@dataclass
class Place:
    community: Community
    owner: User
    member: User
    outsider: User


def place(visibility: str = "public", **fields) -> Place:
    """A community of employees with its owner, a member and a signed-in employee who
    is not a member."""
    community = CommunityFactory(visibility=visibility, **fields)
    return Place(
        community=community,
        owner=owner_of(community),
        member=member_of(community, display_name="Mia Member"),
        outsider=UserFactory(member_type="employee", display_name="Otto Outsider"),
    )


def threads_url(community: Community) -> str:
    return f"/api/v1/communities/{community.slug}/threads/"


def ideas_url(community: Community) -> str:
    return f"/api/v1/communities/{community.slug}/ideas/"


def thread_in(community: Community, **fields):
    return ThreadFactory(community=community, **fields)


def results(client: Client, url: str, **headers) -> list[dict]:
    """The rows of the first page of the list at `url`, which must answer 200."""
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.json()["results"]
