"""The notification centre: the bell's count, the list grouped by thread, reading, and
opening a notification to land on the exact post."""

import pytest
from django.urls import reverse

from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from notifications.models import Notification, NotificationSettings
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.query_budgets import MEMBER_BUDGET

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def world(run):
    community = CommunityFactory(visibility="private", name="Fleet")
    owner = owner_of(community)
    reader = member_of(community)
    thread = run(lambda: ThreadFactory(community=community, author=owner, title="Electric vans"))
    thread_services.follow(user=reader, thread=thread)
    replies = [run(lambda: PostFactory(thread=thread, author=owner)) for _ in range(3)]
    return community, owner, reader, thread, replies


def test_the_bell_reads_one_counter(client, world, django_assert_max_num_queries):
    _community, _owner, reader, _thread, _replies = world
    client.force_login(reader)

    with django_assert_max_num_queries(3):  # session, person, counter
        response = client.get(reverse("notification_count"))

    assert response.status_code == 200
    assert ">3<" in response.text
    assert "unread notifications" in response.text


def test_the_header_loads_the_bell(client, world):
    _community, _owner, reader, _thread, _replies = world
    client.force_login(reader)
    page = client.get(reverse("home"))
    assert f'hx-get="{reverse("notification_count")}"' in page.text


def test_replies_in_one_thread_are_one_row_newest_first(client, world, run):
    community, owner, reader, thread, _replies = world
    other = run(lambda: ThreadFactory(community=community, author=owner, title="Bikes"))
    thread_services.follow(user=reader, thread=other)
    run(lambda: PostFactory(thread=other, author=owner))
    client.force_login(reader)

    page = client.get(reverse("notification_list"))

    groups = page.context["groups"]
    assert [group.headline for group in groups] == [
        f"{owner.name} replied in “Bikes”",
        "3 new replies in “Electric vans”",
    ]
    assert "3 new replies in “Electric vans”" in page.text


def test_the_list_costs_the_same_for_many_notifications(
    client, world, run, django_assert_max_num_queries
):
    community, owner, reader, _thread, _replies = world
    client.force_login(reader)
    with django_assert_max_num_queries(MEMBER_BUDGET) as few:
        client.get(reverse("notification_list"))
    for index in range(6):
        more = run(lambda: ThreadFactory(community=community, author=owner))
        thread_services.follow(user=reader, thread=more)
        run(lambda: PostFactory(thread=more, author=owner))
    idea = run(
        lambda: idea_services.submit_idea(
            author=reader, community=community, title="Solar roof", description="Why."
        )
    )
    run(lambda: idea_services.change_status(idea=idea, by=owner, status="planned", response="Yes"))
    with django_assert_max_num_queries(MEMBER_BUDGET) as many:
        page = client.get(reverse("notification_list"))
    assert len(page.context["groups"]) == 8
    assert len(many) <= len(few) + 1  # one query for the status changes, whatever their number


def test_opening_a_notification_reads_its_thread_and_lands_on_the_post(client, world):
    _community, _owner, reader, thread, replies = world
    client.force_login(reader)
    newest = Notification.objects.filter(recipient=reader).latest("pk")

    response = client.get(reverse("notification_open", args=[newest.pk]))

    post = replies[-1]
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("thread_detail", kwargs={"slug": thread.community.slug, "thread_id": thread.pk})
        + f"?after={post.pk - 1}#post-{post.pk}"
    )
    assert Notification.objects.filter(recipient=reader, read_at__isnull=True).count() == 0
    assert NotificationSettings.objects.get(user=reader).unread_count == 0


def test_mark_all_read_and_nobody_opens_anothers(client, world):
    _community, owner, reader, _thread, _replies = world
    theirs = Notification.objects.filter(recipient=reader).first()
    client.force_login(owner)
    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404

    client.force_login(reader)
    response = client.post(reverse("notification_read_all"))

    assert response.status_code == 302
    assert client.get(reverse("notification_count")).text.count("No unread notifications") == 1


def test_notifications_of_a_community_one_left_disappear(client, world):
    community, _owner, reader, _thread, _replies = world
    from communities import services as community_services

    community_services.leave_community(user=reader, community=community)
    client.force_login(reader)

    page = client.get(reverse("notification_list"))

    assert page.context["groups"] == []


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.get(reverse("notification_list")).status_code == 302
    assert client.get(reverse("notification_count")).status_code == 204


def test_a_deleted_reply_leaves_no_text_in_the_list(client, world):
    _community, owner, reader, _thread, replies = world
    client.force_login(reader)
    newest = replies[-1]
    assert newest.body in client.get(reverse("notification_list")).text

    thread_services.delete_post(by=owner, post=newest, reason="Posted by mistake")

    assert newest.body not in client.get(reverse("notification_list")).text


def test_a_join_request_leaves_the_list_of_someone_no_longer_moderating(client, run):
    from communities import services as community_services
    from communities.models import Membership
    from tests.accounts.factories import UserFactory

    community = CommunityFactory(visibility="listed", join_policy="request", name="Board")
    owner = owner_of(community)
    moderator = member_of(community, role="moderator")
    asker = UserFactory(member_type="employee")
    run(
        lambda: community_services.request_to_join(
            user=asker, community=community, message="I run the depot in Leeds."
        )
    )
    client.force_login(moderator)
    assert "I run the depot in Leeds." in client.get(reverse("notification_list")).text

    membership = Membership.objects.get(community=community, user=moderator)
    community_services.change_role(membership=membership, by=owner, role="member")

    assert "I run the depot in Leeds." not in client.get(reverse("notification_list")).text
