"""Thread pages through the client: what people see and what their clicks change."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from communities.models import Community, Role, Visibility
from discussions.models import (
    Post,
    PostRevision,
    Reaction,
    ReviewState,
    Thread,
    ThreadKind,
    ThreadSubscription,
)
from discussions.selectors.threads import POSTS_PAGE_SIZE, THREADS_PAGE_SIZE
from discussions.services import threads as services
from moderation.services import ban_from_community
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(visibility=Visibility.PUBLIC, categories=["Fleet", "Depots"])


@pytest.fixture
def one_minute(monkeypatch):
    """Every post of the test falls in the same minute of the rate limit."""
    monkeypatch.setattr(services, "rate_window", lambda: "one-minute")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def text(response) -> str:
    return response.content.decode()


# -- the list ---------------------------------------------------------------------------------


def test_list_shows_pinned_first_then_latest_activity(client, community):
    old = ThreadFactory(community=community, title="Old")
    pinned = ThreadFactory(community=community, title="Pinned")
    new = ThreadFactory(community=community, title="New")
    Thread.objects.filter(pk=pinned.pk).update(is_pinned=True)
    PostFactory(thread=old)  # old is now the most recently active

    response = client.get(reverse("thread_list", args=[community.slug]))

    assert [thread.title for thread in response.context["page"].items] == ["Pinned", "Old", "New"]
    assert new.title in text(response)


def test_list_filters_by_kind_category_and_tag(client, community):
    fleet = community.categories.get(name="Fleet")
    ThreadFactory(community=community, title="Plain")
    ThreadFactory(community=community, title="Asked", kind=ThreadKind.QUESTION)
    ThreadFactory(community=community, title="Fleet talk", category=fleet, tags=["ev"])
    url = reverse("thread_list", args=[community.slug])

    def titles(**query):
        return [thread.title for thread in client.get(url, query).context["page"].items]

    assert titles(kind="question") == ["Asked"]
    assert titles(category=fleet.pk) == ["Fleet talk"]
    assert titles(tag="EV") == ["Fleet talk"]
    assert titles(tag="none") == []
    response = client.get(url, {"tag": "none"})
    assert "No thread matches these filters." in text(response)


def test_list_paginates_with_a_cursor(client, community):
    for number in range(THREADS_PAGE_SIZE + 2):
        ThreadFactory(community=community, title=f"T{number:03d}")
    url = reverse("thread_list", args=[community.slug])

    first = client.get(url).context["page"]
    second = client.get(url, {"after": first.next_cursor}).context["page"]

    assert len(first.items) == THREADS_PAGE_SIZE
    assert [thread.title for thread in second.items] == ["T001", "T000"]
    assert second.next_cursor is None
    assert client.get(url, {"after": "garbage"}).status_code == 200


def test_new_markers_for_signed_in_people(client, community):
    member = member_of(community)
    unopened = ThreadFactory(community=community, title="Unopened")
    read = ThreadFactory(community=community, title="Read")
    updated = ThreadFactory(community=community, title="Updated")
    for thread in (read, updated):
        services.record_read(
            user=member, thread=thread, post_id=thread.last_post_id_cache, known=None
        )
    PostFactory(thread=updated)
    client.force_login(member)

    items = {
        t.title: t
        for t in client.get(reverse("thread_list", args=[community.slug])).context["page"].items
    }

    assert (items["Unopened"].is_new, items["Unopened"].has_new_posts) == (True, False)
    assert (items["Read"].is_new, items["Read"].has_new_posts) == (False, False)
    assert (items["Updated"].is_new, items["Updated"].has_new_posts) == (False, True)
    assert unopened  # made above


def test_visitors_see_no_markers(client, community):
    ThreadFactory(community=community)
    response = client.get(reverse("thread_list", args=[community.slug]))
    assert "badge-new" not in text(response)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("member", "Start the first one"),
        ("visitor", "and join the community to start one."),
        ("non_member", "Join the community to take part."),
    ],
)
def test_empty_list_says_what_to_do_next(client, community, who, expected):
    if who == "member":
        client.force_login(member_of(community))
    elif who == "non_member":
        client.force_login(UserFactory(member_type="employee"))
    response = client.get(reverse("thread_list", args=[community.slug]))
    assert "No discussions yet." in text(response)
    assert expected in text(response)


def test_community_home_lists_latest_threads_and_a_start_button(client, community):
    member = member_of(community)
    ThreadFactory(community=community, title="Depot hours")
    client.force_login(member)
    response = client.get(community.get_absolute_url())
    assert "Depot hours" in text(response)
    assert reverse("thread_create", args=[community.slug]) in text(response)


# -- starting ---------------------------------------------------------------------------------


def test_start_a_question(client, community):
    member = member_of(community)
    client.force_login(member)
    fleet = community.categories.get(name="Fleet")

    response = client.post(
        reverse("thread_create", args=[community.slug]),
        {
            "kind": "question",
            "title": "Charging at night?",
            "category": fleet.pk,
            "tags": "ev, night, ",
            "body": "Is it *cheaper*?",
        },
    )

    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response.url == thread.get_absolute_url()
    assert (thread.kind, thread.title, thread.category, thread.author) == (
        "question",
        "Charging at night?",
        fleet,
        member,
    )
    assert sorted(thread.tags.values_list("name", flat=True)) == ["ev", "night"]
    assert messages_of(response) == ["Your thread is posted."]


def test_the_form_offers_the_kind_asked_for(client, community):
    client.force_login(member_of(community))
    response = client.get(reverse("thread_create", args=[community.slug]), {"kind": "question"})
    assert response.context["form"]["kind"].value() == "question"


def test_an_empty_title_re_renders_with_the_text_kept(client, community):
    client.force_login(member_of(community))
    response = client.post(
        reverse("thread_create", args=[community.slug]),
        {"kind": "discussion", "title": "   ", "body": "My careful words"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"title": ["Give your thread a title."]}
    assert "My careful words" in text(response)
    assert Thread.objects.count() == 0


def test_a_one_megabyte_post_re_renders_with_a_clear_message(client, community):
    client.force_login(member_of(community))
    body = "word " * (1024 * 1024 // 5)
    response = client.post(
        reverse("thread_create", args=[community.slug]),
        {"kind": "discussion", "title": "Long", "body": body},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "body": [f"A post can be at most 50000 characters; this one has {len(body.strip())}."]
    }
    assert response.context["form"]["body"].value() == body
    assert Thread.objects.count() == 0
    assert Post.objects.count() == 0


def test_posting_too_fast_keeps_the_text(client, community, settings, one_minute):
    settings.POSTS_PER_MINUTE = 1
    member = member_of(community)
    client.force_login(member)
    url = reverse("thread_create", args=[community.slug])
    client.post(url, {"kind": "discussion", "title": "One", "body": "First"})

    response = client.post(url, {"kind": "discussion", "title": "Two", "body": "Second try"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "You are posting very quickly: at most 1 post a minute. Wait a minute, then send it again."
    ]
    assert "Second try" in text(response)
    assert Thread.objects.count() == 1


def test_non_members_are_sent_to_the_community_page(client, community):
    client.force_login(UserFactory(member_type="employee"))
    response = client.get(reverse("thread_create", args=[community.slug]))
    assert response.status_code == 302
    assert response.url == community.get_absolute_url()
    assert messages_of(response) == ["Join the community to take part."]


# -- the thread page ----------------------------------------------------------------------------


def test_thread_page_shows_posts_and_records_reading(client, community):
    member = member_of(community)
    thread = ThreadFactory(community=community, body="Opening words")
    reply = PostFactory(thread=thread, body="A reply")
    client.force_login(member)

    response = client.get(thread.get_absolute_url())

    assert [post.pk for post in response.context["post_page"].items] == [
        first_post(thread).pk,
        reply.pk,
    ]
    assert "Opening words" in text(response)
    subscription = ThreadSubscription.objects.get(thread=thread, user=member)
    assert subscription.last_read_post_id == reply.pk


def test_posts_after_the_last_read_one_are_marked_new(client, community):
    member = member_of(community)
    thread = ThreadFactory(community=community)
    seen = PostFactory(thread=thread)
    services.record_read(user=member, thread=thread, post_id=seen.pk, known=None)
    fresh = PostFactory(thread=thread)
    client.force_login(member)

    response = client.get(thread.get_absolute_url())

    marks = {post.pk: post.is_new for post in response.context["post_page"].items}
    assert marks == {first_post(thread).pk: False, seen.pk: False, fresh.pk: True}
    assert response.context["first_unread_url"] == f"{thread.get_absolute_url()}?after={seen.pk}"
    # Now read: the next visit marks nothing.
    response = client.get(thread.get_absolute_url())
    assert not any(post.is_new for post in response.context["post_page"].items)
    assert response.context["first_unread_url"] == ""


def test_posts_are_paged_by_thirty(client, community):
    thread = ThreadFactory(community=community)
    replies = [PostFactory(thread=thread) for _ in range(POSTS_PAGE_SIZE + 3)]

    first = client.get(thread.get_absolute_url()).context["post_page"]
    second = client.get(thread.get_absolute_url(), {"after": first.later_cursor}).context[
        "post_page"
    ]
    latest = client.get(thread.get_absolute_url(), {"before": replies[-1].pk + 1}).context[
        "post_page"
    ]

    assert len(first.items) == POSTS_PAGE_SIZE
    assert first.earlier_cursor is None
    assert [post.pk for post in second.items] == [post.pk for post in replies[-4:]]
    assert second.later_cursor is None
    assert second.earlier_cursor == replies[-4].pk
    assert [post.pk for post in latest.items] == [post.pk for post in replies[-POSTS_PAGE_SIZE:]]


def test_hidden_threads_are_404_and_wrong_community_too(client, community):
    thread = ThreadFactory(community=CommunityFactory(visibility=Visibility.PRIVATE))
    assert client.get(thread.get_absolute_url()).status_code == 404
    other = ThreadFactory(community=community)
    assert client.get(reverse("thread_detail", args=[community.slug, 999999])).status_code == 404
    assert client.get(other.get_absolute_url()).status_code == 200


def test_a_thread_page_answers_each_viewer_by_the_community_and_thread_as_they_stand_now(client):
    """The thread page reads the community with the thread: every rule of the two
    separate reads still decides, as the community and the thread change."""
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    author, reader = member_of(private), member_of(private)
    moderator = member_of(private, role=Role.MODERATOR)
    thread = ThreadFactory(community=private, author=author)
    url = thread.get_absolute_url()

    def status(person=None, address: str = url) -> int:
        client.logout()
        if person is not None:
            client.force_login(person)
        return client.get(address).status_code

    assert [status(), status(UserFactory()), status(reader)] == [404, 404, 200]

    services.set_review_state(post=first_post(thread), state=ReviewState.HIDDEN)
    assert [status(reader), status(author), status(moderator)] == [404, 200, 200]

    services.set_review_state(post=first_post(thread), state=ReviewState.PUBLISHED)
    ban_from_community(by=moderator, community=private, user=reader, reason="Spam", ends_at=None)
    assert status(reader) == 404

    Community.objects.filter(pk=private.pk).update(visibility=Visibility.LISTED)
    # Listed: people of its audience see its page but not its threads.
    outsider = UserFactory(member_type=private.audience[0])
    assert status(outsider, private.get_absolute_url()) == 200
    assert [status(outsider), status(reader), status(author)] == [404, 404, 200]

    Community.objects.filter(pk=private.pk).update(visibility=Visibility.PUBLIC)
    assert [status(), status(reader)] == [200, 200]
    assert reverse("thread_detail", args=[private.slug, thread.pk]) == url


def test_a_moved_threads_old_address_redirects(client, community):
    target = CommunityFactory(visibility=Visibility.PUBLIC)
    thread = ThreadFactory(community=community)
    Thread.objects.filter(pk=thread.pk).update(community=target, moved_from=community)

    response = client.get(reverse("thread_detail", args=[community.slug, thread.pk]))

    assert response.status_code == 302
    assert response.url == reverse("thread_detail", args=[target.slug, thread.pk])
    assert f"moved here from {community.name}" in text(client.get(response.url))


def test_hostile_post_renders_as_harmless_text(client, community):
    body = (
        "<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(2)">\n\n'
        "[click](javascript:alert(3))"
    )
    thread = ThreadFactory(community=community, body=body)

    page = text(client.get(thread.get_absolute_url()))

    post_html = re.search(r'<div class="prose post-body">(.*?)</div>', page, re.S).group(1)
    assert "<script" not in post_html
    assert "<img" not in post_html
    assert "<a " not in post_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in post_html
    assert "[click](javascript:alert(3))" in post_html
    assert "<script>alert(1)</script>" not in page


def test_the_accepted_answer_shows_under_the_question(client, community):
    thread = ThreadFactory(community=community, kind=ThreadKind.QUESTION, body="How?")
    answer = PostFactory(thread=thread, author=member_of(community), body="Like **this**.")
    services.accept_answer(by=thread.author, thread=thread, post=answer)

    response = client.get(thread.get_absolute_url())

    assert response.context["accepted"] == answer
    page = text(response)
    question_at = page.index("How?")
    accepted_at = page.index('id="accepted-heading"')
    reply_at = page.index(f'id="post-{answer.pk}"')
    assert question_at < accepted_at < reply_at
    assert "<strong>this</strong>" in page[accepted_at:reply_at]


def test_deleted_posts_show_details_only_to_moderators(client, community):
    thread = ThreadFactory(community=community)
    moderator = member_of(community, role=Role.MODERATOR, display_name="Mo Derator")
    reply = PostFactory(thread=thread, author=member_of(community), body="Rude words")
    reply.thread = thread
    services.delete_post(by=moderator, post=reply, reason="Insulting")

    visitor_page = text(client.get(thread.get_absolute_url()))
    client.force_login(moderator)
    moderator_page = text(client.get(thread.get_absolute_url()))

    assert "This post was deleted." in visitor_page
    assert "Rude words" not in visitor_page
    assert "Insulting" not in visitor_page
    assert "Deleted by" in moderator_page
    assert "Mo Derator" in moderator_page
    assert "reason: Insulting" in moderator_page
    assert "Rude words" in moderator_page


# -- replying and quoting ---------------------------------------------------------------------


def test_reply_with_a_quote(client, community):
    member = member_of(community)
    thread = ThreadFactory(community=community, body="Original *point*")
    first = first_post(thread)
    client.force_login(member)

    form_page = client.get(thread.get_absolute_url(), {"quote": first.pk})
    assert form_page.context["quoted"] == first
    assert form_page.context["reply_form"]["quoted_post"].value() == first.pk

    response = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]),
        {"body": "I agree", "quoted_post": first.pk},
    )

    reply = Post.objects.get(thread=thread, is_first=False)
    assert response.status_code == 302
    assert response.url == f"{thread.get_absolute_url()}?before={reply.pk + 1}#post-{reply.pk}"
    assert reply.quoted_post == first
    page = text(client.get(response.url))
    quote = re.search(r'<blockquote class="post-quote">(.*?)</blockquote>', page, re.S).group(1)
    assert "Original point" in quote


def test_an_empty_reply_re_renders_with_a_message(client, community):
    client.force_login(member_of(community))
    thread = ThreadFactory(community=community)
    response = client.post(reverse("thread_reply", args=[community.slug, thread.pk]), {"body": ""})
    assert response.status_code == 200
    assert response.context["reply_form"].errors == {"body": ["Write something first."]}
    assert Post.objects.count() == 1


def test_replying_too_fast_keeps_the_text(client, community, settings, one_minute):
    settings.POSTS_PER_MINUTE = 1
    client.force_login(member_of(community))
    thread = ThreadFactory(community=community)
    url = reverse("thread_reply", args=[community.slug, thread.pk])
    client.post(url, {"body": "One"})

    response = client.post(url, {"body": "Two, typed with care"})

    assert response.status_code == 200
    assert response.context["reply_form"].non_field_errors() == [
        "You are posting very quickly: at most 1 post a minute. Wait a minute, then send it again."
    ]
    assert "Two, typed with care" in text(response)
    assert Post.objects.filter(thread=thread).count() == 2


def test_a_quote_from_another_thread_is_refused(client, community):
    client.force_login(member_of(community))
    thread = ThreadFactory(community=community)
    elsewhere = first_post(ThreadFactory(community=community))
    response = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]),
        {"body": "Hi", "quoted_post": elsewhere.pk},
    )
    assert response.context["reply_form"].non_field_errors() == [
        "The post you quoted is not in this thread."
    ]
    assert Post.objects.count() == 2


# -- mentions ---------------------------------------------------------------------------------


def test_mention_autocomplete_offers_up_to_eight_readers(client):
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    member = member_of(community, display_name="Alex Asker")
    for number in range(10):
        member_of(community, display_name=f"Robin {number}")
    UserFactory(member_type="employee", display_name="Robin Outsider")
    thread = ThreadFactory(community=community)
    client.force_login(member)

    response = client.get(
        reverse("thread_mentions", args=[community.slug, thread.pk]),
        {"q": "rob"},
        HTTP_HX_REQUEST="true",
    )

    people = response.context["people"]
    assert len(people) == 8
    assert [person.display_name for person in people] == [f"Robin {n}" for n in range(8)]
    assert "Robin Outsider" not in text(response)


def test_choosing_a_person_adds_their_name_to_the_text(client, community):
    member = member_of(community)
    ada = member_of(community, display_name="Ada Lovelace")
    thread = ThreadFactory(community=community)
    client.force_login(member)

    response = client.post(
        reverse("thread_mentions", args=[community.slug, thread.pk]),
        {"body": "Thanks ", "person": ada.pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "\nThanks @Ada Lovelace </textarea>" in text(response)
    assert 'id="id_body"' in text(response)
    assert 'id="mention-results"' in text(response)


def test_people_who_cannot_read_are_not_added(client):
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    member = member_of(community)
    outsider = UserFactory(member_type="employee", display_name="Out Sider")
    thread = ThreadFactory(community=community)
    client.force_login(member)
    response = client.post(
        reverse("thread_mentions", args=[community.slug, thread.pk]),
        {"body": "Hi", "person": outsider.pk},
    )
    assert ">\nHi</textarea>" in text(response)


def test_mention_autocomplete_needs_someone_who_may_post(client, community):
    thread = ThreadFactory(community=community)
    url = reverse("thread_mentions", args=[community.slug, thread.pk])
    assert client.get(url, {"q": "a"}).status_code == 302
    client.force_login(UserFactory(member_type="employee"))
    assert client.get(url, {"q": "a"}).status_code == 403


def test_new_thread_form_has_its_own_mention_endpoint(client, community):
    member = member_of(community)
    member_of(community, display_name="Quinn Q")
    client.force_login(member)
    response = client.get(reverse("community_mentions", args=[community.slug]), {"q": "qui"})
    assert [person.display_name for person in response.context["people"]] == ["Quinn Q"]


# -- reactions --------------------------------------------------------------------------------


def test_reacting_with_htmx_returns_the_updated_counts(client, community):
    member = member_of(community)
    thread = ThreadFactory(community=community)
    post = first_post(thread)
    Reaction.objects.create(post=post, user=thread.author, kind="like")
    client.force_login(member)
    url = reverse("post_react", args=[community.slug, thread.pk, post.pk])

    response = client.post(url, {"kind": "like"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    counts = {item.kind: (item.count, item.mine) for item in response.context["post"].reaction_list}
    assert counts == {
        "like": (2, True),
        "thanks": (0, False),
        "insightful": (0, False),
        "celebrate": (0, False),
    }
    assert 'id="reactions-' in text(response)
    assert "<html" not in text(response)

    response = client.post(url, {"kind": "like"}, HTTP_HX_REQUEST="true")
    assert response.context["post"].reaction_list[0].count == 1


def test_reacting_without_javascript_redirects_back(client, community):
    member = member_of(community)
    thread = ThreadFactory(community=community)
    post = first_post(thread)
    client.force_login(member)

    response = client.post(
        reverse("post_react", args=[community.slug, thread.pk, post.pk]), {"kind": "celebrate"}
    )

    assert response.status_code == 302
    assert response.url == f"{thread.get_absolute_url()}?after={post.pk - 1}#post-{post.pk}"
    assert Reaction.objects.filter(post=post, user=member, kind="celebrate").count() == 1


def test_an_unknown_reaction_changes_nothing(client, community):
    client.force_login(member_of(community))
    thread = ThreadFactory(community=community)
    post = first_post(thread)
    response = client.post(
        reverse("post_react", args=[community.slug, thread.pk, post.pk]), {"kind": "angry"}
    )
    assert messages_of(response) == ["Choose one of the offered reactions."]
    assert Reaction.objects.count() == 0


# -- editing, history, deleting ----------------------------------------------------------------


def test_edit_and_see_earlier_versions(client, community):
    author = member_of(community)
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=author, body="First version")
    client.force_login(author)
    edit_url = reverse("post_edit", args=[community.slug, thread.pk, reply.pk])

    assert client.get(edit_url).context["form"]["body"].value() == "First version"
    response = client.post(edit_url, {"body": "Second version"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.body == "Second version"
    history = client.get(reverse("post_revisions", args=[community.slug, thread.pk, reply.pk]))
    assert [revision.body for revision in history.context["page"].items] == ["First version"]
    assert "First version" in text(history)
    # The thread page links to the history for the author.
    assert reverse("post_revisions", args=[community.slug, thread.pk, reply.pk]) in text(
        client.get(thread.get_absolute_url())
    )


def test_other_members_cannot_see_earlier_versions(client, community):
    author = member_of(community)
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=author, body="Before")
    reply.thread = thread
    services.edit_post(by=author, post=reply, body="After")
    url = reverse("post_revisions", args=[community.slug, thread.pk, reply.pk])

    assert client.get(url).status_code == 404
    client.force_login(member_of(community))
    assert client.get(url).status_code == 404
    client.force_login(member_of(community, role=Role.MODERATOR))
    assert client.get(url).status_code == 200


def test_editing_the_first_post_renames_the_thread(client, community):
    thread = ThreadFactory(community=community, title="Typo titel")
    client.force_login(thread.author)
    post = first_post(thread)
    response = client.post(
        reverse("post_edit", args=[community.slug, thread.pk, post.pk]),
        {"title": "Typo title", "body": post.body},
    )
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).title == "Typo title"
    assert PostRevision.objects.filter(post=post).count() == 1


def test_an_empty_edit_keeps_the_old_text(client, community):
    thread = ThreadFactory(community=community, body="Keep me")
    client.force_login(thread.author)
    post = first_post(thread)
    response = client.post(
        reverse("post_edit", args=[community.slug, thread.pk, post.pk]),
        {"title": thread.title, "body": "  "},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"body": ["Write something first."]}
    assert Post.objects.get(pk=post.pk).body == "Keep me"


def test_a_moderator_deletion_needs_a_reason(client, community):
    thread = ThreadFactory(community=community)
    reply = PostFactory(thread=thread, author=member_of(community))
    client.force_login(member_of(community, role=Role.MODERATOR))
    url = reverse("post_delete", args=[community.slug, thread.pk, reply.pk])

    response = client.post(url, {"reason": ""})
    assert messages_of(response) == ["Say why you delete someone else's post."]
    assert not Post.objects.get(pk=reply.pk).is_deleted

    response = client.post(url, {"reason": "Spam"})
    assert messages_of(response)[-1] == "The post is deleted."
    assert Post.objects.get(pk=reply.pk).deletion_reason == "Spam"


# -- answers, following, moderation -------------------------------------------------------------


def test_accept_and_unmark_an_answer(client, community):
    asker = member_of(community)
    thread = ThreadFactory(community=community, author=asker, kind=ThreadKind.QUESTION)
    answer = PostFactory(thread=thread, author=member_of(community))
    client.force_login(asker)
    url = reverse("post_accept", args=[community.slug, thread.pk, answer.pk])

    response = client.post(url)
    assert messages_of(response) == ["Answer accepted."]
    assert Thread.objects.get(pk=thread.pk).accepted_answer == answer

    response = client.post(url, {"action": "clear"})
    assert messages_of(response)[-1] == "The answer is no longer marked as accepted."
    assert Thread.objects.get(pk=thread.pk).accepted_answer is None


def test_follow_and_unfollow_from_the_page(client, community):
    reader = member_of(community)
    thread = ThreadFactory(community=community)
    client.force_login(reader)
    url = reverse("thread_follow", args=[community.slug, thread.pk])

    client.post(url, {"following": "1"})
    assert ThreadSubscription.objects.get(thread=thread, user=reader).following is True
    assert client.get(thread.get_absolute_url()).context["following"] is True
    client.post(url, {"following": "0"})
    assert ThreadSubscription.objects.get(thread=thread, user=reader).following is False


def test_moderators_pin_lock_and_reopen(client, community):
    thread = ThreadFactory(community=community)
    client.force_login(member_of(community, role=Role.MODERATOR))
    url = reverse("thread_moderate", args=[community.slug, thread.pk])

    for action, expected in [
        ("pin", (True, False, False)),
        ("lock", (True, True, False)),
        ("close", (True, True, True)),
        ("unlock", (True, False, True)),
        ("reopen", (True, False, False)),
        ("unpin", (False, False, False)),
    ]:
        client.post(url, {"action": action})
        thread.refresh_from_db()
        assert (thread.is_pinned, thread.is_locked, thread.is_closed) == expected, action


def test_a_locked_thread_tells_members_why_they_cannot_reply(client, community):
    thread = ThreadFactory(community=community)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    client.force_login(member_of(community))
    page = text(client.get(thread.get_absolute_url()))
    assert "This thread is locked: no new replies." in page
    assert 'name="body"' not in page


def test_move_warns_before_widening_then_moves(client):
    source = CommunityFactory(visibility=Visibility.PRIVATE)
    wider = CommunityFactory(visibility=Visibility.PUBLIC, name="Open Forum")
    narrower = CommunityFactory(visibility=Visibility.SECRET, name="Back Room")
    customers = CommunityFactory(
        visibility=Visibility.PRIVATE, audience=("employee", "customer"), name="With Customers"
    )
    moderator = member_of(source, role=Role.MODERATOR)
    for target in (wider, narrower, customers):
        MembershipFactory(community=target, user=moderator, role=Role.MODERATOR)
    thread = ThreadFactory(community=source)
    client.force_login(moderator)
    url = reverse("thread_move", args=[source.slug, thread.pk])

    page = client.get(url)
    targets = {target.community.name: target.widens for target in page.context["targets"]}
    assert targets == {"Back Room": False, "Open Forum": True}

    response = client.post(url, {"target": wider.pk})
    assert response.status_code == 200
    assert "More people can read Open Forum than" in text(response)
    assert Thread.objects.get(pk=thread.pk).community == source

    response = client.post(url, {"target": wider.pk, "confirm": "on"})
    assert response.status_code == 302
    assert response.url == reverse("thread_detail", args=[wider.slug, thread.pk])
    assert messages_of(response)[-1] == "Thread moved to Open Forum."


def test_move_to_a_narrower_community_needs_no_confirmation(client):
    source = CommunityFactory(visibility=Visibility.PUBLIC)
    target = CommunityFactory(visibility=Visibility.SECRET)
    moderator = member_of(source, role=Role.MODERATOR)
    MembershipFactory(community=target, user=moderator, role=Role.MODERATOR)
    thread = ThreadFactory(community=source)
    client.force_login(moderator)

    response = client.post(
        reverse("thread_move", args=[source.slug, thread.pk]), {"target": target.pk}
    )

    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).community == target


# -- administration ---------------------------------------------------------------------------


def test_administration_shows_threads_and_posts_without_changing_text(client, community):
    thread = ThreadFactory(community=community, tags=["pilot"], title="Admin view")
    reply = PostFactory(thread=thread, body="Seen by admins")
    reply.thread = thread
    services.edit_post(by=reply.author, post=reply, body="Edited")
    admin_user = UserFactory(is_staff=True, is_superuser=True, member_type="employee")
    client.force_login(admin_user)

    for name, args in [
        ("admin:discussions_thread_changelist", []),
        ("admin:discussions_thread_change", [thread.pk]),
        ("admin:discussions_post_changelist", []),
        ("admin:discussions_post_change", [reply.pk]),
        ("admin:discussions_reaction_changelist", []),
        ("admin:discussions_threadsubscription_changelist", []),
        ("admin:discussions_activity_changelist", []),
        ("admin:discussions_tag_changelist", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name

    client.post(reverse("admin:discussions_post_change", args=[reply.pk]), {"body": "Overwritten"})
    assert Post.objects.get(pk=reply.pk).body == "Edited"
    response = client.post(
        reverse("admin:discussions_thread_change", args=[thread.pk]),
        {"is_pinned": "on", "is_locked": "on"},
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert (thread.is_pinned, thread.is_locked, thread.is_closed) == (True, True, False)
    assert thread.title == "Admin view"
