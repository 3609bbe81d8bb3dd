"""What the moderation tests share: a community with its owner, a moderator, members,
content to flag or write to, and people at trust levels."""

import datetime
import html
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from accounts.models import User
from communities.models import Community, Role
from discussions.models import Decision, Idea, Post, Thread
from discussions.services import ideas as idea_services
from moderation import services
from moderation.models import AuditEntry, PersonTrust, TrustLevel
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import PostFactory, ThreadFactory, member_of


def trusted(user: User, level: int = TrustLevel.MEMBER) -> User:
    PersonTrust.objects.update_or_create(user=user, defaults={"level": level})
    return user


def setting(community: Community, **values) -> Community:
    Community.objects.filter(pk=community.pk).update(**values)
    community.refresh_from_db()
    return community


def world(visibility: str = "private") -> dict:
    """A community with an owner, a moderator, two members (one the author of a thread
    with a reply), an outsider, and an administrator."""
    community = CommunityFactory(visibility=visibility, audience=("employee", "customer"))
    author = member_of(community, member_type="customer")
    thread = ThreadFactory(community=community, author=author, title="Cheap watches here")
    reply = PostFactory(thread=thread, author=author, body="Buy now at example.com")
    people = {
        "community": community,
        "thread": thread,
        "reply": reply,
        "author": author,
        "member": member_of(community, member_type="customer"),
        "moderator": member_of(community, role=Role.MODERATOR, member_type="employee"),
        "owner": community_owner(community),
        "outsider": UserFactory(member_type="customer"),
        "admin": UserFactory(member_type="employee", is_staff=True),
    }
    # Making the owner is itself a role change in the audit log; the tests look at what
    # they do themselves.
    AuditEntry.objects.all().delete()
    return people


def community_owner(community: Community) -> User:
    return owner_of(community)


@dataclass
class Place:
    community: Community
    owner: User
    moderator: User
    member: User
    thread: Thread
    own_post: Post
    idea: Idea
    decision: Decision


def place() -> Place:
    community = CommunityFactory(visibility="public", name="Bike Fleet")
    owner = owner_of(community)
    moderator = member_of(community, role=Role.MODERATOR)
    member = member_of(community, display_name="Mallory Member")
    thread = ThreadFactory(community=community, title="Winter tyres")
    own_post = PostFactory(thread=thread, author=member, body="My first reply.")
    idea = idea_services.submit_idea(
        author=owner, community=community, title="Cargo bikes", description="For deliveries."
    )
    decision = open_decision(community)
    return Place(community, owner, moderator, member, thread, own_post, idea, decision)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_a_week() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=7)


def silence(where: Place, *, ends_at=None, reason: str = "Spamming links") -> None:
    services.silence_in_community(
        by=where.moderator,
        community=where.community,
        user=where.member,
        reason=reason,
        ends_at=ends_at if ends_at is not None else in_a_week(),
    )


def text(response) -> str:
    """The page as a person reads it (entities such as &#x27; turned back into text)."""
    return html.unescape(response.content.decode())
