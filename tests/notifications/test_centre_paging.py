"""The notification centre in pages: the newest 100 notifications first, then older ones
after a cursor, grouped within each page, at a constant number of queries per page, with
an empty state."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from discussions.services import threads as thread_services
from notifications.models import Event, Notification, NotificationSettings
from notifications.selectors import LIST_LIMIT
from tests.communities.factories import CommunityFactory, owner_of
from tests.core.reading import links, visible_text
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.query_budgets import MEMBER_BUDGET

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def declined_requests(
    person, community, count: int, start: datetime.datetime, first_id: int = 10_000
) -> list[int]:
    """`count` notifications of requests declined, one a minute from `start` (the newest
    last), each its own row in the list."""
    events = Event.objects.bulk_create(
        Event(
            kind="join_request_declined",
            object_id=first_id + number,
            community=community,
            created_at=start + datetime.timedelta(minutes=number),
            fanned_out_at=start,
        )
        for number in range(count)
    )
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=person,
            event=event,
            kind="membership",
            community=community,
            created_at=event.created_at,
        )
        for event in events
    )
    return [row.pk for row in rows]


def shown_ids(response) -> list[int]:
    return [item.pk for group in response.context["groups"] for item in group.items]


def next_link(response) -> str | None:
    found = [link.href for link in links(response.text) if link.text.startswith("Next page")]
    return found[0] if found else None


def test_older_notifications_are_in_the_next_pages_each_once(client):
    community = CommunityFactory(visibility="listed", name="Depot")
    person = member_of(community)
    start = timezone.now() - datetime.timedelta(days=1)
    ids = declined_requests(person, community, 2 * LIST_LIMIT + 30, start)
    client.force_login(person)
    url = reverse("notification_list")

    seen = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen.extend(shown_ids(response))
        pages += 1
        href = next_link(response)
        url = reverse("notification_list") + href if href else None

    assert pages == 3
    # Newest first, every one once.
    assert seen == list(reversed(ids))


def test_a_notification_arriving_while_paging_shifts_nothing(client):
    community = CommunityFactory(visibility="listed", name="Depot")
    person = member_of(community)
    start = timezone.now() - datetime.timedelta(days=1)
    ids = declined_requests(person, community, LIST_LIMIT + 5, start)
    client.force_login(person)
    first = client.get(reverse("notification_list"))
    href = next_link(first)
    # Newer than everything shown.
    declined_requests(person, community, 1, timezone.now(), first_id=50_000)

    second = client.get(reverse("notification_list") + href)

    assert shown_ids(second) == list(reversed(ids[:5]))
    assert next_link(second) is None
    assert "← First page" in visible_text(second.text)


def test_a_thread_across_a_page_boundary_is_grouped_within_each_page(client, run):
    community = CommunityFactory(visibility="private", name="Fleet")
    owner = owner_of(community)
    reader = member_of(community)
    thread = run(lambda: ThreadFactory(community=community, author=owner, title="Electric vans"))
    thread_services.follow(user=reader, thread=thread)
    for _ in range(5):
        run(lambda: PostFactory(thread=thread, author=owner))
    # The five replies are older than 98 other rows: the first page of 100 ends with the
    # two newest replies, the next page holds the three older ones.
    replies = list(Notification.objects.filter(recipient=reader).order_by("pk"))
    for index, reply in enumerate(replies):
        Notification.objects.filter(pk=reply.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=2, minutes=-index)
        )
    declined_requests(
        reader, community, LIST_LIMIT - 2, timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(reader)

    first = client.get(reverse("notification_list"))
    second = client.get(reverse("notification_list") + next_link(first))

    assert first.context["groups"][-1].headline == "2 new replies in “Electric vans”"
    assert [group.headline for group in second.context["groups"]] == [
        "3 new replies in “Electric vans”"
    ]
    assert "3 new replies in “Electric vans”" in visible_text(second.text)


def test_every_page_costs_the_same_queries(client, run, django_assert_max_num_queries):
    community = CommunityFactory(visibility="private", name="Fleet")
    owner = owner_of(community)
    reader = member_of(community)
    for number in range(3):
        thread = run(lambda: ThreadFactory(community=community, author=owner, title=f"T{number}"))
        thread_services.follow(user=reader, thread=thread)
        run(lambda: PostFactory(thread=thread, author=owner))
    declined_requests(
        reader, community, 2 * LIST_LIMIT, timezone.now() - datetime.timedelta(days=1)
    )
    Notification.objects.filter(recipient=reader, kind="reply").update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    client.force_login(reader)
    counts = []
    url = reverse("notification_list")
    while url:
        with django_assert_max_num_queries(MEMBER_BUDGET) as captured:
            response = client.get(url)
        counts.append(len(captured))
        href = next_link(response)
        url = reverse("notification_list") + href if href else None
    assert len(counts) == 3
    # The last page also holds replies: one more query for their posts' kind at most.
    assert max(counts) - min(counts) <= 1


def test_the_empty_states(client):
    community = CommunityFactory(visibility="listed")
    person = member_of(community)
    client.force_login(person)

    empty = visible_text(client.get(reverse("notification_list")).text)
    assert "Nothing yet." in empty
    assert "Mark all as read" not in empty and "Next page" not in empty

    past_the_end = f"{reverse('notification_list')}?after=2001-01-01T00:00:00%2B00:00|1"
    text = visible_text(client.get(past_the_end).text)
    assert "No older notifications." in text and "First page" in text
    # An unreadable cursor starts from the first page.
    declined_requests(person, community, 3, timezone.now())
    response = client.get(f"{reverse('notification_list')}?after=nonsense")
    assert len(shown_ids(response)) == 3


def test_mark_all_as_read_shows_while_anything_is_unread_on_any_page(client):
    community = CommunityFactory(visibility="listed")
    person = member_of(community)
    start = timezone.now() - datetime.timedelta(days=1)
    ids = declined_requests(person, community, LIST_LIMIT + 1, start)
    NotificationSettings.objects.create(user=person, unread_count=1)
    Notification.objects.exclude(pk=ids[0]).update(read_at=timezone.now())
    client.force_login(person)

    assert "Mark all as read" in client.get(reverse("notification_list")).text
