"""People and content for the moderation tests."""

from accounts.models import User
from communities.models import Community, Role
from moderation.models import PersonTrust, TrustLevel
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
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
    return {
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


def community_owner(community: Community) -> User:
    from tests.communities.factories import owner_of

    return owner_of(community)
