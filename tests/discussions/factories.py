"""Threads and posts for tests, written through the discussions services so counters,
last-post markers, follows and rendered Markdown are exactly what the pages would leave.

    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community)           # by the community's owner
    reply = PostFactory(thread=thread, author=member_of(community))

The author must be allowed to post (a member, or an administrator); `member_of` adds one.
Both skip the posting rate limit (POSTS_PER_MINUTE), so a test may write many posts.
"""

import factory

from accounts.models import User
from communities.models import Community, Role
from discussions.models import Post, Thread, ThreadKind
from discussions.services import threads as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, owner_of


def member_of(community: Community, role: str = Role.MEMBER, **user_fields) -> User:
    """A new person of the community's first audience type, added as `role`."""
    user_fields.setdefault("member_type", (community.audience or ["employee"])[0])
    user = UserFactory(**user_fields)
    MembershipFactory(community=community, user=user, role=role)
    return user


def regulars(community: Community, *, moderator: bool = False) -> dict[str, User]:
    """The people most thread-page tests read as: members Ana Asker, Bo Builder and Cy
    Curious (keys "ana", "bo", "cy") and, with `moderator`, Mo Derator ("moderator")."""
    people = {
        "ana": member_of(community, display_name="Ana Asker"),
        "bo": member_of(community, display_name="Bo Builder"),
        "cy": member_of(community, display_name="Cy Curious"),
    }
    if moderator:
        people["moderator"] = member_of(community, role=Role.MODERATOR, display_name="Mo Derator")
    return people


class ThreadFactory(factory.Factory):
    """A thread started through `services.start_thread` (the author follows it).

    `author` defaults to the community's owner; `tags` is a list of names.
    """

    class Meta:
        model = Thread

    community = factory.SubFactory(CommunityFactory, visibility="public")
    author = factory.LazyAttribute(lambda o: owner_of(o.community))
    kind = ThreadKind.DISCUSSION
    title = factory.Sequence(lambda n: f"Thread {n}")
    body = factory.Sequence(lambda n: f"The first post of thread {n}.")
    category = None
    tags = ()

    @classmethod
    def _create(cls, model_class, **kwargs) -> Thread:
        return services.start_thread(rate_limit=False, **kwargs)


class PostFactory(factory.Factory):
    """A reply posted through `services.post_reply` (the author follows the thread).

    `author` defaults to the thread's author.
    """

    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    author = factory.LazyAttribute(lambda o: o.thread.author)
    body = factory.Sequence(lambda n: f"Reply number {n}.")
    quoted_post = None

    @classmethod
    def _create(cls, model_class, **kwargs) -> Post:
        return services.post_reply(rate_limit=False, **kwargs)


def first_post(thread: Thread) -> Post:
    return Post.objects.get(thread=thread, is_first=True)


def publicly_active(person: User) -> User:
    """Give `person` a thread in a public community open to every member type, so that
    visitors may open their profile."""
    community = CommunityFactory(
        visibility="public", audience=("employee", "customer", "vendor", "partner")
    )
    MembershipFactory(community=community, user=person)
    ThreadFactory(community=community, author=person)
    return person
