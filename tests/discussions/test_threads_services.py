"""The thread and post services: what each writes, and that a refusal writes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities import permissions as community_permissions
from communities.models import Role, Visibility
from discussions.models import (
    Activity,
    ActivityKind,
    Mention,
    Post,
    PostRevision,
    Reaction,
    Tag,
    Thread,
    ThreadKind,
    ThreadSubscription,
)
from discussions.services import threads as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, ban, owner_of
from tests.core.reading import mentions, tags, visible_text
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, member_of
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(visibility=Visibility.PUBLIC, categories=["Fleet"])


@pytest.fixture
def one_minute(monkeypatch):
    """Every post of the test falls in the same minute of the rate limit."""
    monkeypatch.setattr(services, "rate_window", lambda: "one-minute")


def snapshot() -> tuple:
    """Everything the services may write, to compare before and after a refusal."""
    return (
        list(Thread.objects.order_by("pk").values()),
        list(Post.objects.order_by("pk").values()),
        list(PostRevision.objects.order_by("pk").values()),
        list(Reaction.objects.order_by("pk").values()),
        list(Mention.objects.order_by("pk").values()),
        list(ThreadSubscription.objects.order_by("pk").values()),
        list(Activity.objects.order_by("pk").values()),
        list(Tag.objects.order_by("pk").values()),
    )


# -- starting ---------------------------------------------------------------------------------


def test_start_thread_writes_thread_first_post_follow_and_activity(community):
    author = member_of(community)
    category = community.categories.get()

    thread = services.start_thread(
        author=author,
        community=community,
        kind=ThreadKind.QUESTION,
        title="  Which   routes first? ",
        body="We could start with **the ring road**.",
        category=category,
        tags=["Pilot", " pilot ", "routes", ""],
    )

    post = Post.objects.get(thread=thread)
    assert thread.title == "Which routes first?"
    assert thread.kind == ThreadKind.QUESTION
    assert thread.category == category
    assert thread.post_count == 1
    assert thread.last_post_id_cache == post.pk
    assert thread.last_activity_at == post.created_at
    assert post.is_first is True
    assert post.body_html == "<p>We could start with <strong>the ring road</strong>.</p>\n"
    assert post.search_text == "Which routes first?\nWe could start with **the ring road**."
    assert sorted(thread.tags.values_list("name", flat=True)) == ["pilot", "routes"]
    subscription = ThreadSubscription.objects.get(thread=thread, user=author)
    assert (subscription.following, subscription.last_read_post_id) == (True, post.pk)
    activity = Activity.objects.get(thread=thread)
    assert (activity.kind, activity.actor, activity.community_id, activity.detail) == (
        ActivityKind.THREAD_STARTED,
        author,
        community.pk,
        "Which routes first?",
    )


def test_ideas_and_decisions_record_their_own_activity(community):
    services.start_thread(
        author=owner_of(community),
        community=community,
        kind=ThreadKind.IDEA,
        title="An idea",
        body="Body",
        rate_limit=False,
    )
    assert Activity.objects.count() == 0


def test_tags_are_reused_within_a_community(community):
    first = ThreadFactory(community=community, tags=["pilot"])
    second = ThreadFactory(community=community, tags=["Pilot"])
    assert Tag.objects.filter(community=community).count() == 1
    assert list(first.tags.all()) == list(second.tags.all())


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": "   "}, {"title": ["Give your thread a title."]}),
        ({"title": "x" * 201}, {"title": ["A title can be at most 200 characters."]}),
        ({"body": " \n "}, {"body": ["Write something first."]}),
        (
            {"body": "x" * (1024 * 1024)},
            {"body": ["A post can be at most 50000 characters; this one has 1048576."]},
        ),
        ({"kind": "poem"}, {"kind": ["Choose a valid kind of thread."]}),
        (
            {"tags": [f"tag{number}" for number in range(11)]},
            {"tags": ["Use at most 10 tags."]},
        ),
        (
            {"tags": ["t" * 41]},
            {"tags": [f"A tag can be at most 40 characters: “{'t' * 41}” is longer."]},
        ),
    ],
)
def test_bad_input_starts_nothing(community, fields, errors):
    author = member_of(community)
    before = snapshot()
    arguments = {"kind": "discussion", "title": "Title", "body": "Body"} | fields

    with pytest.raises(ValidationError) as caught:
        services.start_thread(author=author, community=community, **arguments)

    assert caught.value.message_dict == errors
    assert snapshot() == before


def test_a_category_of_another_community_is_refused(community):
    other = CommunityFactory(categories=["Elsewhere"])
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.start_thread(
            author=member_of(community),
            community=community,
            kind="discussion",
            title="T",
            body="B",
            category=other.categories.get(),
        )
    assert caught.value.message_dict == {"category": ["Choose a category of this community."]}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("non_member", "Join the community to take part."),
        ("banned", "You are banned from this community permanently."),
    ],
)
def test_only_members_start_threads(community, who, message):
    user = UserFactory(member_type="employee")
    if who == "banned":
        ban(community, user)
    before = snapshot()
    with pytest.raises(PermissionDenied) as caught:
        services.start_thread(
            author=user, community=community, kind="discussion", title="T", body="B"
        )
    assert str(caught.value) == message
    assert snapshot() == before


def test_an_administrator_may_start_threads_anywhere(community):
    admin = AdministratorFactory()
    thread = services.start_thread(
        author=admin, community=community, kind="discussion", title="Notice", body="Hello"
    )
    assert thread.author == admin


def test_posting_rate_is_limited_per_person(community, settings, one_minute):
    settings.POSTS_PER_MINUTE = 2
    author = member_of(community)
    thread = services.start_thread(
        author=author, community=community, kind="discussion", title="One", body="First"
    )
    services.post_reply(author=author, thread=thread, body="Second")
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.post_reply(author=author, thread=thread, body="Third")

    assert caught.value.messages == [
        "You are posting very quickly: at most 2 posts a minute. Wait a minute, then send it again."
    ]
    assert snapshot() == before
    # Someone else is not slowed down by it.
    services.post_reply(author=member_of(community), thread=thread, body="Mine")


def test_refused_text_does_not_use_up_the_rate(community, settings, one_minute):
    settings.POSTS_PER_MINUTE = 1
    author = member_of(community)
    thread = ThreadFactory(community=community)
    with pytest.raises(ValidationError):
        services.post_reply(author=author, thread=thread, body="")
    services.post_reply(author=author, thread=thread, body="Now with text")
    assert Post.objects.filter(author=author).count() == 1


# -- replying ---------------------------------------------------------------------------------


def test_post_reply_counts_and_follows(community):
    thread = ThreadFactory(community=community)
    replier = member_of(community)
    first = first_post(thread)

    reply = services.post_reply(author=replier, thread=thread, body="Yes", quoted_post=first)

    thread.refresh_from_db()
    assert thread.post_count == 2
    assert thread.last_post_id_cache == reply.pk
    assert thread.last_activity_at == reply.created_at
    assert reply.quoted_post == first
    assert reply.is_first is False
    subscription = ThreadSubscription.objects.get(thread=thread, user=replier)
    assert (subscription.following, subscription.last_read_post_id) == (True, reply.pk)


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("is_locked", "This thread is locked: no new replies."),
        ("is_closed", "This thread is closed."),
    ],
)
def test_locked_and_closed_threads_take_no_replies_from_members(community, flag, message):
    thread = ThreadFactory(community=community)
    Thread.objects.filter(pk=thread.pk).update(**{flag: True})
    thread.refresh_from_db()
    thread.community = community
    member = member_of(community)
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.post_reply(author=member, thread=thread, body="Hello?")

    assert caught.value.messages == [message]
    assert snapshot() == before
    moderator = member_of(community, role=Role.MODERATOR)
    services.post_reply(author=moderator, thread=thread, body="A moderator may.")
    assert Post.objects.filter(thread=thread).count() == 2


def test_a_quote_must_come_from_the_same_thread(community):
    thread = ThreadFactory(community=community)
    elsewhere = first_post(ThreadFactory(community=community))
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.post_reply(
            author=owner_of(community), thread=thread, body="Quote", quoted_post=elsewhere
        )
    assert caught.value.messages == ["You can only quote posts of the same thread."]
    assert snapshot() == before


# -- mentions ---------------------------------------------------------------------------------


def test_mentions_link_readers_by_name_or_email_local_part(community):
    ada = member_of(community, display_name="Ada Lovelace", email="ada@example.org")
    grace = member_of(community, display_name="", email="grace.h@example.org")
    thread = ThreadFactory(community=community)

    reply = services.post_reply(
        author=owner_of(community),
        thread=thread,
        body="Thanks @Ada Lovelace. And @grace.h, see `@Ada Lovelace` and mail x@ada.org.",
        rate_limit=False,
    )

    ada_url = reverse("person_detail", args=[ada.pk])
    grace_url = reverse("person_detail", args=[grace.pk])
    assert mentions(reply.body_html) == [(ada_url, "@Ada Lovelace"), (grace_url, "@grace.h")]
    assert visible_text(reply.body_html) == (
        "Thanks @Ada Lovelace. And @grace.h, see @Ada Lovelace and mail x@ada.org."
    )
    assert "<code>@Ada Lovelace</code>" in reply.body_html
    assert set(Mention.objects.filter(post=reply).values_list("user_id", flat=True)) == {
        ada.pk,
        grace.pk,
    }


def test_mentions_resolve_only_to_people_who_can_read_the_thread():
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    outsider = UserFactory(member_type="employee", display_name="Olga Outside")
    insider = member_of(community, display_name="Ivan Inside")
    thread = ThreadFactory(community=community)

    reply = services.post_reply(
        author=owner_of(community),
        thread=thread,
        body="@Olga Outside and @Ivan Inside",
        rate_limit=False,
    )

    assert list(Mention.objects.filter(post=reply).values_list("user_id", flat=True)) == [
        insider.pk
    ]
    assert "@Olga Outside and" in reply.body_html
    assert reverse("person_detail", args=[outsider.pk]) not in reply.body_html


def test_a_name_two_readers_share_names_neither(community):
    member_of(community, display_name="Sam Lee", email="sam1@example.org")
    member_of(community, display_name="Sam Lee", email="sam2@example.org")
    reply = PostFactory(thread=ThreadFactory(community=community), body="Hi @Sam Lee")
    assert Mention.objects.filter(post=reply).count() == 0
    assert reply.body_html == "<p>Hi @Sam Lee</p>\n"


def test_mentions_escape_names(community):
    person = member_of(community, display_name="Zoë O'Brien")
    reply = PostFactory(thread=ThreadFactory(community=community), body="Ping @Zoë O'Brien <b>")
    url = reverse("person_detail", args=[person.pk])
    assert mentions(reply.body_html) == [(url, "@Zoë O'Brien")]
    assert visible_text(reply.body_html) == "Ping @Zoë O'Brien <b>"
    assert tags(reply.body_html) == ["p", "a"]


# -- editing ----------------------------------------------------------------------------------


def test_edit_keeps_a_revision_and_rerenders(community):
    author = member_of(community)
    mentioned = member_of(community, display_name="Bo Chen")
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=author, body="Draft @Bo Chen")
    reply.thread = thread

    edited = services.edit_post(by=author, post=reply, body="Final *text*")

    assert edited.body == "Final *text*"
    assert edited.body_html == "<p>Final <em>text</em></p>\n"
    assert edited.search_text == "Final *text*"
    assert edited.revision_count == 1
    assert edited.edited_at is not None
    revision = PostRevision.objects.get(post=reply)
    assert (revision.body, revision.edited_by) == ("Draft @Bo Chen", author)
    assert mentioned.pk not in Mention.objects.filter(post=reply).values_list("user", flat=True)
    assert Mention.objects.filter(post=reply).count() == 0


def test_editing_the_first_post_can_rename_the_thread(community):
    thread = ThreadFactory(community=community, title="Old", body="Body")
    post = first_post(thread)
    post.thread = thread

    services.edit_post(by=thread.author, post=post, body="Body", title="New  title")

    thread.refresh_from_db()
    post.refresh_from_db()
    assert thread.title == "New title"
    assert post.search_text == "New title\nBody"
    assert post.revision_count == 1


def test_an_unchanged_edit_keeps_no_revision(community):
    thread = ThreadFactory(community=community, body="Same")
    post = first_post(thread)
    post.thread = thread
    services.edit_post(by=thread.author, post=post, body="Same")
    assert PostRevision.objects.count() == 0


def test_only_author_and_moderators_edit(community):
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=member_of(community), body="Mine")
    reply.thread = thread
    before = snapshot()

    with pytest.raises(PermissionDenied):
        services.edit_post(by=member_of(community), post=reply, body="Theirs")

    assert snapshot() == before
    moderator = member_of(community, role=Role.MODERATOR)
    assert services.edit_post(by=moderator, post=reply, body="Fixed").body == "Fixed"
    assert PostRevision.objects.get(post=reply).edited_by == moderator


def test_authors_cannot_edit_in_a_locked_thread(community):
    thread = ThreadFactory(community=community)
    author = member_of(community)
    reply = PostFactory(thread=thread, author=author, body="Mine")
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    thread.is_locked = True
    reply.thread = thread
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.edit_post(by=author, post=reply, body="Changed")
    assert snapshot() == before


def test_an_edit_with_empty_text_changes_nothing(community):
    thread = ThreadFactory(community=community)
    post = first_post(thread)
    post.thread = thread
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.edit_post(by=thread.author, post=post, body="   ")
    assert caught.value.message_dict == {"body": ["Write something first."]}
    assert snapshot() == before


# -- deleting ---------------------------------------------------------------------------------


def test_authors_delete_their_own_posts_without_a_reason(community):
    author = member_of(community)
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=author)
    reply.thread = thread

    services.delete_post(by=author, post=reply)

    reply.refresh_from_db()
    assert reply.is_deleted
    assert (reply.deleted_by, reply.deletion_reason) == (author, "")
    thread.refresh_from_db()
    assert thread.post_count == 2


def test_moderators_give_a_reason_for_someone_elses_post(community):
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=member_of(community))
    reply.thread = thread
    moderator = member_of(community, role=Role.MODERATOR)
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.delete_post(by=moderator, post=reply, reason="  ")
    assert caught.value.message_dict == {"reason": ["Say why you delete someone else's post."]}
    assert snapshot() == before

    services.delete_post(by=moderator, post=reply, reason="Off topic")
    reply.refresh_from_db()
    assert (reply.deleted_by, reply.deletion_reason) == (moderator, "Off topic")


def test_members_cannot_delete_others_posts(community):
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=member_of(community))
    reply.thread = thread
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.delete_post(by=member_of(community), post=reply, reason="Mine now")
    assert snapshot() == before


def test_deleting_the_accepted_answer_unaccepts_it(community):
    thread = ThreadFactory(community=community, kind=ThreadKind.QUESTION)
    answer = PostFactory(thread=thread, author=member_of(community))
    answer.thread = thread
    services.accept_answer(by=thread.author, thread=thread, post=answer)
    services.delete_post(by=thread.author, post=answer, reason="Wrong")
    thread.refresh_from_db()
    assert thread.accepted_answer is None


# -- reactions and answers --------------------------------------------------------------------


def test_reactions_toggle(community):
    thread = ThreadFactory(community=community)
    post = first_post(thread)
    post.thread = thread
    member = member_of(community)

    assert services.toggle_reaction(user=member, post=post, kind="like") is True
    assert services.toggle_reaction(user=member, post=post, kind="thanks") is True
    assert sorted(Reaction.objects.filter(post=post).values_list("kind", flat=True)) == [
        "like",
        "thanks",
    ]
    assert services.toggle_reaction(user=member, post=post, kind="like") is False
    assert list(Reaction.objects.filter(post=post).values_list("kind", flat=True)) == ["thanks"]


def test_reactions_outside_the_set_or_by_non_members_are_refused(community):
    thread = ThreadFactory(community=community)
    post = first_post(thread)
    post.thread = thread
    before = snapshot()
    with pytest.raises(ValidationError):
        services.toggle_reaction(user=member_of(community), post=post, kind="angry")
    with pytest.raises(PermissionDenied):
        services.toggle_reaction(user=UserFactory(member_type="employee"), post=post, kind="like")
    assert snapshot() == before


def test_the_asker_accepts_and_clears_an_answer(community):
    asker = member_of(community)
    thread = ThreadFactory(community=community, author=asker, kind=ThreadKind.QUESTION)
    answer = PostFactory(thread=thread, author=member_of(community))

    services.accept_answer(by=asker, thread=thread, post=answer)
    thread.refresh_from_db()
    assert thread.accepted_answer == answer

    services.accept_answer(by=asker, thread=thread, post=None)
    thread.refresh_from_db()
    assert thread.accepted_answer is None


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("discussion", "Only questions have accepted answers."),
        ("first_post", "Choose a reply in this question as its answer."),
        ("other_thread", "Choose a reply in this question as its answer."),
        ("deleted", "Choose a reply in this question as its answer."),
    ],
)
def test_answers_must_be_replies_to_a_question(community, case, message):
    kind = ThreadKind.DISCUSSION if case == "discussion" else ThreadKind.QUESTION
    thread = ThreadFactory(community=community, kind=kind)
    post = PostFactory(thread=thread, author=member_of(community))
    if case == "first_post":
        post = first_post(thread)
    elif case == "other_thread":
        post = PostFactory(thread=ThreadFactory(community=community))
    elif case == "deleted":
        post.thread = thread
        services.delete_post(by=post.author, post=post)
    thread.community = community
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.accept_answer(by=thread.author, thread=thread, post=post)
    assert caught.value.messages == [message]
    assert snapshot() == before


def test_other_members_cannot_accept(community):
    thread = ThreadFactory(community=community, kind=ThreadKind.QUESTION)
    answer = PostFactory(thread=thread, author=member_of(community))
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.accept_answer(by=answer.author, thread=thread, post=answer)
    assert snapshot() == before


# -- following and reading --------------------------------------------------------------------


def test_follow_and_unfollow(community):
    thread = ThreadFactory(community=community)
    reader = member_of(community)

    services.set_following(user=reader, thread=thread, following=True)
    assert ThreadSubscription.objects.get(thread=thread, user=reader).following is True
    services.set_following(user=reader, thread=thread, following=False)
    assert ThreadSubscription.objects.get(thread=thread, user=reader).following is False


def test_only_readers_follow():
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    thread = ThreadFactory(community=community)
    with pytest.raises(PermissionDenied):
        services.set_following(
            user=UserFactory(member_type="employee"), thread=thread, following=True
        )
    assert ThreadSubscription.objects.filter(thread=thread).count() == 1  # the author's


def test_read_markers_only_move_forwards(community):
    thread = ThreadFactory(community=community)
    reader = member_of(community)

    services.record_read(user=reader, thread=thread, post_id=10, known=None)
    assert ThreadSubscription.objects.get(thread=thread, user=reader).last_read_post_id == 10
    services.record_read(user=reader, thread=thread, post_id=5, known=10)
    services.record_read(user=reader, thread=thread, post_id=7, known=3)
    assert ThreadSubscription.objects.get(thread=thread, user=reader).last_read_post_id == 10
    services.record_read(user=reader, thread=thread, post_id=12, known=10)
    assert ThreadSubscription.objects.get(thread=thread, user=reader).last_read_post_id == 12


# -- moderation -------------------------------------------------------------------------------


def test_moderators_pin_lock_and_close(community):
    thread = ThreadFactory(community=community)
    moderator = member_of(community, role=Role.MODERATOR)

    services.set_thread_state(by=moderator, thread=thread, pinned=True, locked=True)
    thread.refresh_from_db()
    assert (thread.is_pinned, thread.is_locked, thread.is_closed) == (True, True, False)
    thread.community = community
    services.set_thread_state(by=moderator, thread=thread, locked=False, closed=True)
    thread.refresh_from_db()
    assert (thread.is_pinned, thread.is_locked, thread.is_closed) == (True, False, True)


def test_members_cannot_moderate(community):
    thread = ThreadFactory(community=community)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.set_thread_state(by=member_of(community), thread=thread, pinned=True)
    assert snapshot() == before


def _moderator_of_both(source, target):
    moderator = member_of(source, role=Role.MODERATOR)
    MembershipFactory(community=target, user=moderator, role=Role.MODERATOR)
    return moderator


def test_move_thread_carries_tags_activity_and_remembers_the_origin():
    source = CommunityFactory(visibility=Visibility.LISTED, categories=["Fleet"])
    target = CommunityFactory(visibility=Visibility.PRIVATE)
    moderator = _moderator_of_both(source, target)
    thread = ThreadFactory(
        community=source, tags=["pilot"], category=source.categories.get(), title="Move me"
    )

    services.move_thread(by=moderator, thread=thread, target=target)

    thread.refresh_from_db()
    assert thread.community == target
    assert thread.moved_from == source
    assert thread.category is None
    assert [(tag.community_id, tag.name) for tag in thread.tags.all()] == [(target.pk, "pilot")]
    assert list(Activity.objects.filter(thread=thread).values_list("community_id", flat=True)) == [
        target.pk
    ]


def test_new_posts_carry_their_threads_community_and_follow_it_when_it_moves():
    """The community on each post is what the access rule reads (search): written with the
    post, changed with the thread, and left alone for other threads."""
    source = CommunityFactory(visibility=Visibility.PRIVATE)
    target = CommunityFactory(visibility=Visibility.PRIVATE)
    moderator = _moderator_of_both(source, target)
    thread = ThreadFactory(community=source, author=moderator)
    reply = PostFactory(thread=thread, author=moderator)
    other = ThreadFactory(community=source)
    assert set(Post.objects.filter(thread=thread).values_list("community_id", flat=True)) == {
        source.pk
    }
    assert reply.community == source

    services.move_thread(by=moderator, thread=thread, target=target)
    later = PostFactory(thread=Thread.objects.get(pk=thread.pk), author=moderator)

    assert list(Post.objects.filter(thread=thread).values_list("community_id", flat=True)) == [
        target.pk,
        target.pk,
        target.pk,
    ]
    assert later.community == target
    assert first_post(other).community_id == source.pk


def test_a_reply_to_a_thread_moved_meanwhile_goes_to_where_it_is_now():
    """A reply written from a page loaded before the move (the thread as it was read then)
    is checked and stored in the thread's community as it is once locked."""
    source = CommunityFactory(visibility=Visibility.PRIVATE)
    target = CommunityFactory(visibility=Visibility.PRIVATE)
    moderator = _moderator_of_both(source, target)
    thread = ThreadFactory(community=source, author=moderator)
    as_loaded = Thread.objects.select_related("community").get(pk=thread.pk)
    services.move_thread(by=moderator, thread=thread, target=target)
    of_source_only = member_of(source)

    reply = services.post_reply(author=moderator, thread=as_loaded, body="Still here.")

    assert Post.objects.get(pk=reply.pk).community_id == target.pk
    with pytest.raises(ValidationError):
        services.post_reply(author=of_source_only, thread=as_loaded, body="Not mine now.")


def test_moving_to_wider_readers_needs_confirmation():
    source = CommunityFactory(visibility=Visibility.PRIVATE)
    target = CommunityFactory(visibility=Visibility.PUBLIC)
    moderator = _moderator_of_both(source, target)
    thread = ThreadFactory(community=source)
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.move_thread(by=moderator, thread=thread, target=target)

    assert caught.value.message_dict == {
        "confirm": [
            f"More people can read {target.name} than {source.name}. Confirm the move to show "
            "them this thread."
        ]
    }
    assert snapshot() == before
    services.move_thread(by=moderator, thread=thread, target=target, confirm_wider=True)
    thread.refresh_from_db()
    assert thread.community == target


def test_a_thread_cannot_move_to_an_audience_that_may_not_see_it():
    source = CommunityFactory(visibility=Visibility.PRIVATE, audience=("employee",))
    target = CommunityFactory(visibility=Visibility.PRIVATE, audience=("employee", "customer"))
    moderator = _moderator_of_both(source, target)
    thread = ThreadFactory(community=source)
    before = snapshot()

    with pytest.raises(PermissionDenied) as caught:
        services.move_thread(by=moderator, thread=thread, target=target, confirm_wider=True)

    assert str(caught.value) == (
        f"{target.name} is open to people who may not see this thread: its community is not "
        "public and is open to fewer member types."
    )
    assert snapshot() == before


def test_a_public_thread_may_move_to_a_wider_audience_with_confirmation():
    source = CommunityFactory(visibility=Visibility.PUBLIC, audience=("employee",))
    target = CommunityFactory(visibility=Visibility.PUBLIC, audience=("employee", "customer"))
    moderator = _moderator_of_both(source, target)
    thread = ThreadFactory(community=source)
    assert community_permissions.readers_wider(source, target) is True
    with pytest.raises(ValidationError):
        services.move_thread(by=moderator, thread=thread, target=target)
    services.move_thread(by=moderator, thread=thread, target=target, confirm_wider=True)
    assert Thread.objects.get(pk=thread.pk).community == target


def test_moving_needs_moderation_rights_in_the_target():
    source = CommunityFactory(visibility=Visibility.PUBLIC)
    target = CommunityFactory(visibility=Visibility.PUBLIC)
    moderator = member_of(source, role=Role.MODERATOR)
    MembershipFactory(community=target, user=moderator)
    thread = ThreadFactory(community=source)
    before = snapshot()
    with pytest.raises(PermissionDenied) as caught:
        services.move_thread(by=moderator, thread=thread, target=target, confirm_wider=True)
    assert str(caught.value) == "You can only move threads between communities you moderate."
    assert snapshot() == before


# -- content safety ---------------------------------------------------------------------------


def test_hostile_markup_is_stored_harmless(community):
    body = (
        "<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(2)">\n\n'
        "[click](javascript:alert(3)) and ![pic](javascript:alert(4))"
    )
    post = PostFactory(thread=ThreadFactory(community=community), body=body)
    assert post.body_html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        '<p>&lt;img src="x" onerror="alert(2)"&gt;</p>\n'
        "<p>[click](javascript:alert(3)) and ![pic](javascript:alert(4))</p>\n"
    )


def test_links_get_safe_rel_and_foreign_images_lose_their_source(community):
    body = "[ok](https://x.org) ![i](https://evil.example/x.png)"
    post = PostFactory(thread=ThreadFactory(community=community), body=body)
    assert post.body_html == (
        '<p><a href="https://x.org" rel="nofollow ugc noopener">ok</a> <img alt="i"></p>\n'
    )


def test_mentions_never_touch_attribute_values(community):
    ada = member_of(community, display_name="Ada Lovelace")
    reply = PostFactory(
        thread=ThreadFactory(community=community),
        body='![x>@Ada Lovelace](/media/pic.png "t>@Ada Lovelace") and @Ada Lovelace',
    )
    url = reverse("person_detail", args=[ada.pk])
    assert (
        '<img src="/media/pic.png" alt="x&gt;@Ada Lovelace" title="t&gt;@Ada Lovelace">'
        in reply.body_html
    )
    assert mentions(reply.body_html) == [(url, "@Ada Lovelace")]
