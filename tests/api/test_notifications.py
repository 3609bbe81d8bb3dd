"""Notifications and notification choices through the API: a person's own, newest first,
only while they may still see what each is about (`still_visible`), as the notification
centre and /settings/notifications/."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from communities.services import leave_community
from discussions.services import threads as thread_services
from notifications.models import Notification, NotificationSettings
from tests.api.support import api_client, place, thread_in
from tests.discussions.factories import PostFactory
from tests.query_budgets import MEMBER_BUDGET

pytestmark = pytest.mark.django_db

JSON = "application/json"
LIST = "/api/v1/notifications/"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def replies(run):
    """Mia follows two threads of a private community; the owner replies in each."""
    spot = place("private")
    threads = [
        run(lambda: thread_in(spot.community, author=spot.owner, title=title))
        for title in ("Electric vans", "Depot roofs")
    ]
    for thread in threads:
        thread_services.follow(user=spot.member, thread=thread)
    for thread in threads:
        run(lambda thread=thread: PostFactory(thread=thread, author=spot.owner, body="Agreed"))
    return spot, threads


def test_a_person_reads_their_notifications_newest_first(replies):
    spot, threads = replies
    client = api_client(spot.member, scope="read")
    rows = client.get(LIST).json()["results"]
    assert [(row["kind"], row["headline"]) for row in rows] == [
        ("reply", f"{spot.owner.name} replied in “Depot roofs”"),
        ("reply", f"{spot.owner.name} replied in “Electric vans”"),
    ]
    assert rows[0]["is_unread"] and rows[0]["excerpt"] == "Agreed"
    assert rows[0]["community"] == spot.community.slug
    assert rows[0]["thread_id"] == threads[1].pk
    assert f"/threads/{threads[1].pk}/" in rows[0]["html_url"]
    assert api_client(spot.owner).get(LIST).json()["results"] == []
    assert Client().get(LIST).status_code == 401


def test_marking_one_and_then_all_read(replies):
    spot, _threads = replies
    client = api_client(spot.member)
    first = client.get(LIST).json()["results"][0]
    one = client.post(f"/api/v1/notifications/{first['id']}/read/")
    assert one.json() == {"marked_read": 1, "unread_count": 1}
    rest = client.post("/api/v1/notifications/read/")
    assert rest.json() == {"marked_read": 1, "unread_count": 0}
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    others = api_client(spot.owner).post(f"/api/v1/notifications/{first['id']}/read/")
    assert others.status_code == 404
    assert (
        api_client(spot.member, scope="read").post("/api/v1/notifications/read/").status_code == 403
    )


def test_notifications_of_a_community_left_disappear(replies):
    spot, _threads = replies
    leave_community(user=spot.member, community=spot.community)
    client = api_client(spot.member)
    assert client.get(LIST).json()["results"] == []
    hidden = Notification.objects.filter(recipient=spot.member).first()
    assert client.post(f"/api/v1/notifications/{hidden.pk}/read/").status_code == 404
    assert hidden.read_at is None


def test_the_list_costs_the_same_whatever_its_size(run, django_assert_max_num_queries):
    spot = place("public")
    for number in range(8):
        thread = run(lambda n=number: thread_in(spot.community, author=spot.owner, title=f"T{n}"))
        thread_services.follow(user=spot.member, thread=thread)
        run(lambda thread=thread: PostFactory(thread=thread, author=spot.owner))
    client = api_client(spot.member, scope="read")
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(LIST, {"page_size": 2}).json()["results"]) == 2
    with django_assert_max_num_queries(MEMBER_BUDGET), CaptureQueriesContext(connection) as large:
        page = client.get(LIST, {"page_size": 100}).json()
    assert len(page["results"]) == 8
    assert len(small) == len(large)
    second = client.get(client.get(LIST, {"page_size": 5}).json()["next"]).json()
    assert len(second["results"]) == 3


def test_preferences_read_and_changed():
    spot = place("public")
    client = api_client(spot.member)
    shown = client.get("/api/v1/notifications/preferences/").json()
    assert shown["digest_cadence"] == "weekly"
    assert shown["email_mention"] in ("immediately", "digest", "never")
    changed = client.patch(
        "/api/v1/notifications/preferences/",
        {"digest_cadence": "daily", "email_reply": "never", "daily_email_cap": 20},
        JSON,
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["digest_cadence"], changed.json()["email_reply"]) == ("daily", "never")
    saved = NotificationSettings.objects.get(user=spot.member)
    assert (saved.digest_cadence, saved.email_reply, saved.daily_email_cap) == (
        "daily",
        "never",
        20,
    )
    bad = client.patch(
        "/api/v1/notifications/preferences/", {"digest_hour": 24, "daily_email_cap": 0}, JSON
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"digest_hour", "daily_email_cap"}
    assert NotificationSettings.objects.get(user=spot.member).digest_hour == 8
    read_only = api_client(spot.member, scope="read").patch(
        "/api/v1/notifications/preferences/", {"digest_cadence": "off"}, JSON
    )
    assert read_only.status_code == 403
    assert NotificationSettings.objects.get(user=spot.member).digest_cadence == "daily"
    strict = client.patch("/api/v1/notifications/preferences/", {"digest_hour": "7"}, JSON)
    assert strict.status_code == 400
