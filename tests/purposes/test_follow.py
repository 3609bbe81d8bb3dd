"""Following a purpose: a Follow/Unfollow button on its page for a signed-in person who
may see it (a plain POST form with CSRF), the purposes followed listed on the notification
settings page with an unfollow action, and goal progress reaching followers, by
notification and in their digest, only while they may see the purpose."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications import digests
from notifications import services as notification_services
from notifications.models import Notification
from purposes import services
from purposes.models import PurposeFollow
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.core.reading import visible_text
from tests.discussions.factories import member_of
from tests.notifications.support import set_level
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory, record
from tests.query_budgets import bulk_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def page(client, purpose) -> str:
    return visible_text(client.get(purpose.get_absolute_url()).text)


def follow(client, purpose, following: str = "1", **extra):
    return client.post(
        reverse("purpose_follow", args=[purpose.slug]), {"following": following, **extra}
    )


def test_a_member_follows_and_unfollows_a_purpose_from_its_page(client):
    purpose = PurposeFactory(title="Cut delivery CO2")
    person = UserFactory(member_type="customer")
    client.force_login(person)
    assert "Follow" in page(client, purpose) and "Following" not in page(client, purpose)

    response = follow(client, purpose)

    assert response.status_code == 302 and response["Location"] == purpose.get_absolute_url()
    text = page(client, purpose)
    assert "Following" in text and "Unfollow" in text
    assert PurposeFollow.objects.filter(user=person, purpose=purpose).count() == 1
    # Following twice keeps one follow.
    follow(client, purpose)
    assert PurposeFollow.objects.filter(user=person).count() == 1

    follow(client, purpose, "0")

    assert not PurposeFollow.objects.exists()
    assert "Unfollow" not in page(client, purpose)


def test_visitors_see_no_button_and_cannot_follow(client):
    purpose = PurposeFactory()
    assert "Follow" not in page(client, purpose)

    response = follow(client, purpose)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PurposeFollow.objects.exists()


def test_a_draft_purpose_cannot_be_followed_by_whom_may_not_see_it(client):
    owner = UserFactory(member_type="employee")
    draft = PurposeFactory(status="draft", owners=[owner])
    outsider = UserFactory(member_type="employee")
    client.force_login(outsider)

    assert follow(client, draft).status_code == 404
    assert not PurposeFollow.objects.exists()

    client.force_login(owner)
    assert "Follow" in page(client, draft)
    follow(client, draft)
    assert PurposeFollow.objects.filter(user=owner, purpose=draft).exists()


def test_the_form_needs_its_csrf_token():
    purpose = PurposeFactory()
    person = UserFactory(member_type="employee")
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    assert follow(client, purpose).status_code == 403
    assert not PurposeFollow.objects.exists()
    assert client.get(reverse("purpose_follow", args=[purpose.slug])).status_code == 405


def test_followed_purposes_are_listed_in_the_settings_with_an_unfollow_action(client):
    person = UserFactory(member_type="employee")
    client.force_login(person)
    settings_url = reverse("notification_settings")
    assert "You follow no purpose." in visible_text(client.get(settings_url).text)
    first = PurposeFactory(title="Zero-waste depots")
    second = PurposeFactory(title="Cut delivery CO2")
    services.follow_purpose(user=person, purpose=first)
    services.follow_purpose(user=person, purpose=second)

    text = visible_text(client.get(settings_url).text)
    assert "Purposes I follow" in text
    assert text.index("Cut delivery CO2") < text.index("Zero-waste depots")

    response = follow(client, first, "0", next=settings_url)

    assert response["Location"] == settings_url
    text = visible_text(client.get(settings_url).text)
    assert "You no longer follow “Zero-waste depots”." in text
    listed = text[text.index("Purposes I follow") :]
    assert "Zero-waste depots" not in listed and "Unfollow Cut delivery CO2" in listed
    # An address elsewhere is not followed back.
    response = follow(client, second, "0", next="https://evil.example/")
    assert response["Location"] == second.get_absolute_url()


def test_a_purpose_back_in_draft_leaves_the_settings_list(client):
    person = UserFactory(member_type="employee")
    purpose = PurposeFactory(title="Secret plan")
    services.follow_purpose(user=person, purpose=purpose)
    services.change_purpose_status(purpose=purpose, by=AdministratorFactory(), status="draft")
    client.force_login(person)

    assert "Secret plan" not in client.get(reverse("notification_settings")).text


# -- goal progress reaching followers -----------------------------------------------------


def measure(run, goal, value="12"):
    admin = AdministratorFactory()
    run(lambda: record(goal, value, by=admin))


def test_a_measurement_tells_followers_once_and_members_who_also_follow_once(run):
    community = CommunityFactory(visibility="listed")
    member = member_of(community)
    follower = UserFactory(member_type="customer")
    both = member_of(community)
    quiet_member = member_of(community)
    set_level(community, quiet_member, "none")
    goal = GoalFactory(purpose=community.purpose, metric="Electric share")
    for person in (follower, both, quiet_member):
        services.follow_purpose(user=person, purpose=community.purpose)

    measure(run, goal)

    for person in (member, follower, both, quiet_member):
        assert list(
            Notification.objects.filter(recipient=person).values_list("kind", flat=True)
        ) == ["measurement"], person
    client = Client()
    client.force_login(follower)
    assert "New measurement of “Electric share”" in client.get("/notifications/").text


def test_followers_who_may_not_see_the_purpose_are_not_told(run):
    owner = UserFactory(member_type="employee")
    draft = PurposeFactory(status="draft", owners=[owner])
    follower = UserFactory(member_type="employee")
    services.follow_purpose(user=owner, purpose=draft)
    PurposeFollow.objects.create(user=follower, purpose=draft)  # followed while published
    goal = GoalFactory(purpose=draft)

    measure(run, goal)

    assert Notification.objects.filter(recipient=owner).count() == 1
    assert not Notification.objects.filter(recipient=follower).exists()


def daily_at_nine(person) -> datetime.datetime:
    notification_services.update_settings(user=person, digest_cadence="daily", digest_hour=9)
    now = timezone.now()
    due = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return due if due > now else due + datetime.timedelta(days=1)


def progress_goal(purpose):
    goal = GoalFactory(
        purpose=purpose,
        metric="Electric share",
        baseline=Decimal("0"),
        target=Decimal("100"),
        unit="%",
    )
    admin = AdministratorFactory()
    record(goal, "42", days_ago=3, by=admin)
    goal.measurements.update(created_at=timezone.now() - datetime.timedelta(days=3))
    record(goal, "47", by=admin)
    return goal


def test_a_followers_digest_shows_the_goal_progress_of_the_purpose(run):
    purpose = PurposeFactory(title="Cut delivery CO2")
    follower = UserFactory(member_type="customer", email="fay@example.org")
    services.follow_purpose(user=follower, purpose=purpose)
    due = daily_at_nine(follower)
    progress_goal(purpose)

    [digest] = digests.build_digests(people=[follower], until=due)

    [group] = digest.groups
    assert group.name == "Cut delivery CO2"
    assert group.url.endswith(purpose.get_absolute_url())
    [section] = group.sections
    assert section.heading == "Goal progress: Cut delivery CO2"
    [item] = section.items
    assert (item.text, item.detail) == ("Electric share", "42% → 47%")
    # Beat finds them due though they belong to no community, and the email says it.
    assert follower.pk in digests.due_people(due_at=due)
    run(lambda: digests.send_digests(user_ids=[follower.pk], due_at=due))
    [message] = [m for m in mail.outbox if m.to == ["fay@example.org"]]
    assert "Cut delivery CO2" in message.body and "42% → 47%" in message.body


def test_a_member_who_follows_the_purpose_is_told_its_progress_once(run):
    community = CommunityFactory(visibility="listed", name="Fleet")
    member = member_of(community)
    services.follow_purpose(user=member, purpose=community.purpose)
    due = daily_at_nine(member)
    progress_goal(community.purpose)

    [digest] = digests.build_digests(people=[member], until=due)

    headings = [s.heading for group in digest.groups for s in group.sections]
    assert headings.count(f"Goal progress: {community.purpose.title}") == 1
    assert [group.name for group in digest.groups] == ["Fleet"]


def test_the_digest_leaves_out_a_followed_purpose_the_person_may_no_longer_see(run):
    purpose = PurposeFactory(title="Secret plan")
    follower = UserFactory(member_type="employee")
    services.follow_purpose(user=follower, purpose=purpose)
    due = daily_at_nine(follower)
    progress_goal(purpose)
    services.change_purpose_status(purpose=purpose, by=AdministratorFactory(), status="draft")

    [digest] = digests.build_digests(people=[follower], until=due)

    assert digest.is_empty
    run(lambda: digests.send_digests(user_ids=[follower.pk], due_at=due))
    assert [m for m in mail.outbox if m.to == [follower.email]] == []


def test_followers_digests_cost_the_same_queries_for_5_and_50_people():
    purposes = [PurposeFactory(title=f"Purpose {n}") for n in range(2)]
    for purpose in purposes:
        progress_goal(purpose)
    until = timezone.now() + datetime.timedelta(minutes=1)
    counts = []
    for size in (5, 50):
        people = bulk_people(size, label=f"followers{size}x")
        PurposeFollow.objects.bulk_create(
            PurposeFollow(user=person, purpose=purpose) for person in people for purpose in purposes
        )
        with CaptureQueriesContext(connection) as captured:
            built = digests.build_digests(people=people, until=until)
        assert all(len(digest.groups) == 2 for digest in built)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_administrators_see_who_follows_which_purpose(client):
    purpose = PurposeFactory(title="Cut delivery CO2")
    person = UserFactory(member_type="employee", display_name="Fay Follower")
    services.follow_purpose(user=person, purpose=purpose)
    client.force_login(AdministratorFactory(is_superuser=True))

    page = visible_text(client.get(reverse("admin:purposes_purposefollow_changelist")).text)

    assert "Cut delivery CO2Fay Follower" in page and "1 purpose follow" in page
    assert client.get(reverse("admin:purposes_purposefollow_add")).status_code == 403
