"""Digests: due in each person's own time zone, once per period however often beat or a
job runs, never empty, with what they may see and did not mute, waiting notifications
included and marked emailed, and a constant number of queries per batch."""

import datetime
from decimal import Decimal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities import services as community_services
from communities.models import Membership
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from notifications import digests, services
from notifications.models import DigestRecord, DigestState, Notification, NotificationSettings
from purposes.models import Measurement
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.notifications.support import set_level
from tests.purposes.factories import GoalFactory, record
from tests.query_budgets import bulk_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def daily(person, hour: int = 7, zone: str = "UTC") -> None:
    person.timezone = zone
    person.save(update_fields=["timezone"])
    services.update_settings(user=person, digest_cadence="daily", digest_hour=hour)


def next_local(hour: int, zone: str, after: datetime.datetime) -> datetime.datetime:
    """The first `hour`:00 in `zone` after `after`, in UTC."""
    local = after.astimezone(ZoneInfo(zone))
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if moment <= local:
        moment += datetime.timedelta(days=1)
    return moment.astimezone(datetime.UTC)


def digests_to(person) -> list:
    return [message for message in mail.outbox if message.to == [person.email]]


@pytest.fixture
def fleet():
    community = CommunityFactory(visibility="private", name="Fleet")
    owner = owner_of(community)
    reader = member_of(community, display_name="Rita Reader", email="rita@example.org")
    return community, owner, reader


def test_people_in_tokyo_and_los_angeles_get_their_digest_at_seven_local_time(run, fleet):
    community, owner, tokyo = fleet
    angeles = member_of(community, display_name="Lou", email="lou@example.org")
    daily(tokyo, 7, "Asia/Tokyo")
    daily(angeles, 7, "America/Los_Angeles")
    start = timezone.now()
    ThreadFactory(community=community, author=owner, title="Charging stations")

    received: dict[str, list[datetime.datetime]] = {"tokyo": [], "angeles": []}
    hour = digests.top_of_hour(start) + datetime.timedelta(hours=1)
    for _ in range(24):
        before = {
            name: len(digests_to(person))
            for name, person in (("tokyo", tokyo), ("angeles", angeles))
        }
        run(lambda moment=hour: digests.enqueue_due_digests(now=moment))
        for name, person in (("tokyo", tokyo), ("angeles", angeles)):
            if len(digests_to(person)) > before[name]:
                received[name].append(hour)
        hour += datetime.timedelta(hours=1)

    assert received["tokyo"] == [next_local(7, "Asia/Tokyo", start)]
    assert received["angeles"] == [next_local(7, "America/Los_Angeles", start)]
    assert received["tokyo"][0].astimezone(ZoneInfo("Asia/Tokyo")).hour == 7
    assert received["angeles"][0].astimezone(ZoneInfo("America/Los_Angeles")).hour == 7
    [message] = digests_to(tokyo)
    assert "Charging stations" in message.body


def test_a_beat_that_fires_twice_and_a_retried_job_send_one_email(run, fleet):
    community, owner, reader = fleet
    daily(reader, 9)
    ThreadFactory(community=community, author=owner, title="Tyre pressure")
    due = next_local(9, "UTC", timezone.now())

    run(lambda: digests.enqueue_due_digests(now=due))
    run(lambda: digests.enqueue_due_digests(now=due + datetime.timedelta(minutes=3)))
    run(lambda: digests.send_digests(user_ids=[reader.pk], due_at=due))

    assert len(digests_to(reader)) == 1
    assert list(DigestRecord.objects.filter(user=reader).values_list("period", "state")) == [
        (f"daily:{due.date().isoformat()}", DigestState.SENT)
    ]


def test_nothing_happened_no_email_but_the_period_is_recorded(run, fleet):
    _community, _owner, reader = fleet
    daily(reader, 9)
    due = next_local(9, "UTC", timezone.now()) + datetime.timedelta(days=3)

    run(lambda: digests.enqueue_due_digests(now=due))

    assert digests_to(reader) == []
    assert DigestRecord.objects.get(user=reader).state == DigestState.EMPTY


def test_the_digest_ranks_caps_and_shows_progress_decisions_and_status_changes(run, fleet):
    community, owner, reader = fleet
    daily(reader, 9)
    busy = ThreadFactory(community=community, author=owner, title="Busiest thread")
    for _ in range(3):
        PostFactory(thread=busy, author=owner)
    for number in range(6):
        ThreadFactory(community=community, author=owner, title=f"Quiet {number}")
    idea = idea_services.submit_idea(
        author=owner, community=community, title="Solar roof", description="On the depot."
    )
    idea_services.vote(user=reader, idea=idea)
    idea_services.change_status(idea=idea, by=owner, status="planned", response="Next spring.")
    due = next_local(9, "UTC", timezone.now())
    # One closes before the next digest (a day after this one), one long after.
    soon = due - timezone.now() + datetime.timedelta(hours=10)
    open_decision(community, title="Van colour", closes_in=soon)
    open_decision(community, title="Far away", closes_in=soon + datetime.timedelta(days=4))
    goal = GoalFactory(
        purpose=community.purpose,
        metric="Electric share",
        baseline=Decimal("0"),
        target=Decimal("100"),
        unit="%",
    )
    record(goal, "42", days_ago=3, by=community.purpose.owners.first())
    Measurement.objects.update(created_at=timezone.now() - datetime.timedelta(days=3))
    record(goal, "47", days_ago=0, by=community.purpose.owners.first())

    [digest] = digests.build_digests(people=[reader], until=due)

    [group] = digest.groups
    assert group.name == "Fleet"
    sections = {section.heading: section for section in group.sections}
    active = sections["Most active threads"]
    assert active.items[0].text == "Busiest thread"
    assert active.items[0].detail == "4 new posts"
    # Eight threads: this one, six quiet ones and the decision closing later; the idea and
    # the decision closing soon are told in their own sections.
    assert len(active.items) == 5 and active.more == 3
    [idea_item] = sections["New ideas"].items
    assert (idea_item.text, idea_item.detail) == ("Solar roof", "1 vote")
    [change] = sections["Ideas with a new status"].items
    assert (change.text, change.detail) == ("Solar roof", "now Planned")
    assert change.url.endswith("#official-response-heading")
    decisions = sections["Decisions closing soon: have your say"]
    assert [item.text for item in decisions.items] == ["Van colour"]
    assert decisions.items[0].url.endswith("#decision")
    [progress] = sections[f"Goal progress: {community.purpose.title}"].items
    assert (progress.text, progress.detail) == ("Electric share", "42% → 47%")

    run(lambda: digests.send_digests(user_ids=[reader.pk], due_at=due))
    [message] = digests_to(reader)
    html = message.alternatives[0][0]
    assert "and 3 more" in message.body and "and 3 more" in html
    assert "42% → 47%" in message.body and "42% → 47%" in html
    assert message.subject.startswith("Your daily digest:") and "in Fleet" in message.subject


def test_muted_community_and_muted_thread_are_left_out(fleet):
    community, owner, reader = fleet
    other = CommunityFactory(visibility="public", name="Depot")
    Membership.objects.create(
        community=other, user=reader, joined_via="added", notification_level="all"
    )
    ThreadFactory(community=community, author=owner, title="Fleet news")
    ThreadFactory(community=other, author=owner_of(other), title="Depot news")
    hushed = ThreadFactory(community=other, author=owner_of(other), title="Hushed thread")
    thread_services.set_muted(user=reader, thread=hushed, muted=True)
    set_level(community, reader, "none")

    [digest] = digests.build_digests(
        people=[reader], until=timezone.now() + datetime.timedelta(minutes=1)
    )

    names = [group.name for group in digest.groups]
    assert names == ["Depot"]
    texts = [item.text for section in digest.groups[0].sections for item in section.items]
    assert "Depot news" in texts
    assert "Fleet news" not in texts and "Hushed thread" not in texts


def test_a_private_community_reaches_no_one_outside_it(run, fleet):
    community, owner, reader = fleet
    outsider = member_of(CommunityFactory(visibility="public", name="Lobby"), email="o@example.org")
    daily(outsider, 9)
    # Belonged once: the membership stays in the table but the person left the audience.
    Membership.objects.create(
        community=community,
        user=outsider,
        joined_via="added",
        notification_level="all",
    )
    outsider.member_type = "customer"
    outsider.save(update_fields=["member_type"])
    ThreadFactory(community=community, author=owner, title="Secret plans")

    [digest] = digests.build_digests(
        people=[outsider], until=timezone.now() + datetime.timedelta(minutes=1)
    )

    assert all(group.name != "Fleet" for group in digest.groups)
    assert digest.is_empty


def test_waiting_notifications_are_in_the_digest_and_marked_emailed(run, fleet):
    community, owner, reader = fleet
    daily(reader, 9)
    set_level(community, reader, "topics")  # new threads reach them, in the digest by default
    run(lambda: ThreadFactory(community=community, author=owner, title="Route planning"))
    waiting = Notification.objects.get(recipient=reader)
    assert waiting.email_state == "digest"
    due = next_local(9, "UTC", timezone.now())

    run(lambda: digests.send_digests(user_ids=[reader.pk], due_at=due))

    [message] = digests_to(reader)
    assert "Route planning" in message.body
    assert "For you" in message.body
    waiting.refresh_from_db()
    assert waiting.email_state == "sent" and waiting.emailed_at is not None


def test_a_waiting_notification_of_a_community_left_is_not_sent(run, fleet):
    community, owner, reader = fleet
    daily(reader, 9)
    set_level(community, reader, "topics")
    run(lambda: ThreadFactory(community=community, author=owner, title="Before leaving"))
    community_services.leave_community(user=reader, community=community)
    due = next_local(9, "UTC", timezone.now())

    run(lambda: digests.send_digests(user_ids=[reader.pk], due_at=due))

    assert digests_to(reader) == []
    assert Notification.objects.get(recipient=reader).email_state == "skipped"


def test_the_unsubscribe_link_of_a_digest_turns_it_off(run, fleet):
    community, owner, reader = fleet
    daily(reader, 9)
    ThreadFactory(community=community, author=owner, title="Depot move")
    due = next_local(9, "UTC", timezone.now())
    run(lambda: digests.send_digests(user_ids=[reader.pk], due_at=due))
    [message] = digests_to(reader)
    assert message.extra_headers["X-Commons-Kind"] == "digest"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")

    response = Client().post(urlparse(link).path)

    assert response.status_code == 200
    assert NotificationSettings.objects.get(user=reader).digest_cadence == "off"
    ThreadFactory(community=community, author=owner, title="After")
    run(lambda: digests.enqueue_due_digests(now=due + datetime.timedelta(days=1)))
    assert len(digests_to(reader)) == 1


def _members(community, count: int) -> list:
    people = bulk_people(count, label=f"digest{count}x")
    Membership.objects.bulk_create(
        Membership(
            community=community,
            user=person,
            joined_via="added",
            notification_level="all",
        )
        for person in people
    )
    return people


def test_building_digests_costs_the_same_queries_for_5_and_50_members():
    community = CommunityFactory(visibility="private", name="Yard")
    second = CommunityFactory(visibility="public", name="Square", purpose=community.purpose)
    owner = owner_of(community)
    ThreadFactory(community=community, author=owner, title="One")
    ThreadFactory(community=second, author=owner_of(second), title="Two")
    open_decision(community, title="Soon", closes_in=datetime.timedelta(hours=5))
    until = timezone.now() + datetime.timedelta(minutes=1)
    counts = []
    for size in (5, 50):
        people = _members(community, size)
        Membership.objects.bulk_create(
            Membership(
                community=second,
                user=person,
                joined_via="added",
                notification_level="all",
            )
            for person in people
        )
        with CaptureQueriesContext(connection) as captured:
            built = digests.build_digests(people=people, until=until)
            for digest in built:
                digests.build_digest_email(digest)
        assert len(built) == size
        assert all(len(digest.groups) == 2 for digest in built)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[1] <= 16


def test_the_bench_command_builds_digests_without_sending_and_reports_the_rate():
    from io import StringIO

    from django.core.management import call_command

    community = CommunityFactory(visibility="private", name="Yard")
    ThreadFactory(community=community, author=owner_of(community), title="One")
    _members(community, 12)
    out = StringIO()

    call_command("bench_digests", members=10, chunk=4, stdout=out)

    report = out.getvalue()
    assert "Digests: 10 members in 3 chunks of up to 4, 10 with news" in report
    assert "digests/s" in report and "Queries:" in report
    assert mail.outbox == [] and DigestRecord.objects.count() == 0


def test_a_weekly_digest_comes_on_the_chosen_weekday_only(run, fleet):
    community, owner, reader = fleet
    services.update_settings(user=reader, digest_cadence="weekly", digest_weekday=2, digest_hour=8)
    start = timezone.now()
    ThreadFactory(community=community, author=owner, title="Weekly news")

    days = []
    moment = next_local(8, "UTC", start)
    for _ in range(8):
        before = len(digests_to(reader))
        run(lambda due=moment: digests.enqueue_due_digests(now=due))
        if len(digests_to(reader)) > before:
            days.append(moment)
        moment += datetime.timedelta(days=1)

    [day] = days
    assert day.weekday() == 2 and day.hour == 8
    [record] = DigestRecord.objects.filter(user=reader)
    year, week, _weekday = day.isocalendar()
    assert record.period == f"weekly:{year}-W{week:02d}"
    assert digests_to(reader)[0].subject.startswith("Your weekly digest:")


def test_sending_a_batch_costs_the_same_queries_for_3_and_30_people():
    community = CommunityFactory(visibility="private", name="Yard")
    ThreadFactory(community=community, author=owner_of(community), title="One")
    due = next_local(9, "UTC", timezone.now())
    counts = []
    for size in (3, 30):
        people = _members(community, size)
        NotificationSettings.objects.bulk_create(
            NotificationSettings(user=person, digest_cadence="daily", digest_hour=9)
            for person in people
        )
        with CaptureQueriesContext(connection) as captured:
            sent = digests.send_digests(user_ids=[person.pk for person in people], due_at=due)
        assert sent == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_admin_lists_digest_records_read_only(client, run, fleet):
    from django.urls import reverse

    from tests.purposes.factories import AdministratorFactory

    community, owner, reader = fleet
    daily(reader, 9)
    ThreadFactory(community=community, author=owner, title="Depot move")
    run(lambda: digests.send_digests(user_ids=[reader.pk], due_at=timezone.now()))
    record = DigestRecord.objects.get(user=reader)
    client.force_login(AdministratorFactory(is_superuser=True))

    listing = client.get(reverse("admin:notifications_digestrecord_changelist"))

    assert listing.status_code == 200 and record.period in listing.text
    change = reverse("admin:notifications_digestrecord_change", args=[record.pk])
    assert client.post(change, {"state": "empty"}).status_code == 403
    assert DigestRecord.objects.get(pk=record.pk).state == "sent"


def test_a_muted_thread_is_neither_shown_nor_counted_in_and_n_more(fleet):
    community, owner, reader = fleet
    threads = [
        ThreadFactory(community=community, author=owner, title=f"Topic {number}")
        for number in range(8)
    ]
    thread_services.set_muted(user=reader, thread=threads[-1], muted=True)

    [digest] = digests.build_digests(
        people=[reader], until=timezone.now() + datetime.timedelta(minutes=1)
    )

    [section] = digest.groups[0].sections
    assert len(section.items) == 5 and section.more == 2
    assert section.more_text == "and 2 more"
    assert "Topic 7" not in [item.text for item in section.items]


def test_the_persons_cadence_decides_when_and_the_community_level_what(client, fleet):
    """No digest choice per community: one digest at the person's own cadence covers their
    communities, each as its level says (mentions only: no news of it)."""
    community, owner, reader = fleet
    depot = CommunityFactory(visibility="public", name="Depot")
    yard = CommunityFactory(visibility="public", name="Yard")
    for other in (depot, yard):
        Membership.objects.create(
            community=other, user=reader, joined_via="added", notification_level="all"
        )
        ThreadFactory(community=other, author=owner_of(other), title=f"{other.name} news")
    ThreadFactory(community=community, author=owner, title="Fleet news")
    set_level(yard, reader, "mentions")
    daily(reader, 9)

    [digest] = digests.build_digests(
        people=[reader], until=timezone.now() + datetime.timedelta(minutes=1)
    )

    assert digest.cadence == "daily"
    assert sorted(group.name for group in digest.groups) == ["Depot", "Fleet"]
    client.force_login(reader)
    page = client.get(depot.get_absolute_url()).text
    assert "Email digest" not in page
    assert "When digests come is set in your notification settings." in page
