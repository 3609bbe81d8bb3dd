"""One rule of whether a person may still see a notification (`selectors.still_visible`),
used by the notification centre, the email at sending and the digest alike: a former
moderator is told neither by email nor in the digest of a join request, someone who lost
access to a community is told nothing of it, and the rule agrees with the audience faces
of the access modules."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from communities import permissions as community_permissions
from communities import services as community_services
from communities.models import Membership
from discussions.services import threads as thread_services
from notifications import digests, selectors, services
from notifications.models import Event, Notification
from purposes import permissions as purpose_permissions
from purposes import services as purpose_services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.notifications.support import set_level
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def digest_at_nine(person) -> datetime.datetime:
    services.update_settings(user=person, digest_cadence="daily", digest_hour=9)
    now = timezone.now()
    due = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return due if due > now else due + datetime.timedelta(days=1)


def digest_texts(person) -> list[str]:
    return [message.body for message in mail.outbox if message.to == [person.email]]


def ask_to_join(run, community, message: str):
    asker = UserFactory(member_type="employee", display_name="Asha Asker")
    run(
        lambda: community_services.request_to_join(user=asker, community=community, message=message)
    )
    return asker


def test_a_former_moderator_gets_no_email_of_a_join_request(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    community = CommunityFactory(visibility="listed", join_policy="request", name="Board")
    owner = owner_of(community)
    moderator = member_of(community, role="moderator", email="mo@example.org")
    asker = UserFactory(member_type="employee")
    with django_capture_on_commit_callbacks(execute=False):
        community_services.request_to_join(user=asker, community=community, message="Hi")
    event = Event.objects.get(kind="join_requested")
    with django_capture_on_commit_callbacks(execute=False) as emails:
        services.fan_out_event(event_id=event.pk)
    told = Notification.objects.get(recipient=moderator)
    assert told.email_state == "pending"

    membership = Membership.objects.get(community=community, user=moderator)
    community_services.change_role(membership=membership, by=owner, role="member")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in emails:
            callback()

    assert smtp_mailbox.to("mo@example.org") == []
    told.refresh_from_db()
    assert told.email_state == "skipped"
    # The owner, still moderating, got theirs.
    assert len(smtp_mailbox.to(owner.email)) == 1


def test_a_former_moderator_finds_no_join_request_in_the_digest(run):
    community = CommunityFactory(visibility="listed", join_policy="request", name="Board")
    owner = owner_of(community)
    moderator = member_of(community, role="moderator")
    due = digest_at_nine(moderator)
    kept = member_of(community, role="moderator")
    due_kept = digest_at_nine(kept)
    for person in (moderator, kept):
        services.update_settings(user=person, email_join_request="digest")
    ask_to_join(run, community, "I run the depot in Leeds.")
    assert Notification.objects.filter(recipient=moderator, email_state="digest").count() == 1

    membership = Membership.objects.get(community=community, user=moderator)
    community_services.change_role(membership=membership, by=owner, role="member")
    run(lambda: digests.send_digests(user_ids=[moderator.pk, kept.pk], due_at=due))

    assert not any("Asha Asker" in text for text in digest_texts(moderator))
    assert Notification.objects.get(recipient=moderator).email_state == "skipped"
    # Someone still moderating there is told, in the same batch.
    assert due == due_kept
    [text] = digest_texts(kept)
    assert "Asha Asker asks to join Board" in text


def test_someone_who_lost_access_gets_no_digest_entry_and_no_email(run, smtp_mailbox):
    community = CommunityFactory(visibility="private", name="Back office")
    owner = owner_of(community)
    reader = member_of(community, email="rita@example.org")
    due = digest_at_nine(reader)
    set_level(community, reader, "all")
    thread = run(lambda: ThreadFactory(community=community, author=owner, title="Payroll"))
    thread_services.follow(user=reader, thread=thread)
    services.update_settings(user=reader, email_reply="digest")
    run(lambda: PostFactory(thread=thread, author=owner, body="Salaries move to Friday."))
    assert Notification.objects.filter(recipient=reader, email_state="digest").count() == 2

    community_services.leave_community(user=reader, community=community)
    run(lambda: digests.send_digests(user_ids=[reader.pk], due_at=due))

    assert digest_texts(reader) == []
    assert set(
        Notification.objects.filter(recipient=reader).values_list("email_state", flat=True)
    ) == {"skipped"}
    assert smtp_mailbox.to("rita@example.org") == []


def test_a_deleted_post_is_neither_listed_nor_emailed(client, run, smtp_mailbox):
    community = CommunityFactory(visibility="private")
    owner = owner_of(community)
    reader = member_of(community, email="rita@example.org")
    thread = run(lambda: ThreadFactory(community=community, author=owner, title="Vans"))
    thread_services.follow(user=reader, thread=thread)
    services.update_settings(user=reader, email_reply="digest")
    post = run(lambda: PostFactory(thread=thread, author=owner, body="Oops, wrong thread."))
    client.force_login(reader)
    assert "Oops, wrong thread." in client.get("/notifications/").text

    thread_services.delete_post(by=owner, post=post, reason="Wrong thread")

    page = client.get("/notifications/").text
    assert "replied in “Vans”" not in page
    assert not selectors.visible_notifications(reader).filter(event__post=post).exists()


def test_the_rule_agrees_with_the_audience_faces_of_the_access_modules():
    """Every kind of notification, for people in every position, against `audience_for`
    (content), `moderators_of` plus staff (join requests) and the purpose's audience
    (measurements): the bulk rule and the one-object faces give the same answers."""
    public = CommunityFactory(visibility="public", name="Open square")
    private = CommunityFactory(visibility="private", name="Back office")
    secret = CommunityFactory(
        visibility="secret", name="War room", audience=("employee", "customer")
    )
    member = member_of(private)
    moderator = member_of(private, role="moderator")
    suspended = member_of(private, role="moderator")
    suspended.member_type = "vendor"
    suspended.save(update_fields=["member_type"])
    customer = member_of(secret, member_type="customer")
    gone = member_of(private, is_active=False)
    stranger = member_of(public)
    staff = AdministratorFactory()
    draft = PurposeFactory(status="draft", owners=[member])
    people = [member, moderator, suspended, customer, gone, stranger, staff, owner_of(secret)]
    communities = [public, private, secret]
    purposes = [public.purpose, draft]
    rows = []
    for number, community in enumerate(communities):
        for kind, event_kind in (("reply", "post_created"), ("join_request", "join_requested")):
            event = Event.objects.create(
                kind=event_kind, object_id=1000 + number, community=community
            )
            rows += [
                Notification(recipient=person, event=event, kind=kind, community=community)
                for person in people
            ]
    for number, purpose in enumerate(purposes):
        event = Event.objects.create(
            kind="measurement_recorded", object_id=2000 + number, purpose=purpose
        )
        rows += [
            Notification(recipient=person, event=event, kind="measurement", purpose=purpose)
            for person in people
        ]
    Notification.objects.bulk_create(rows)

    def expected(row: Notification) -> bool:
        person = row.recipient
        if row.kind == "measurement":
            return purpose_permissions.audience_for(row.purpose).filter(pk=person.pk).exists()
        community = row.community
        if row.kind == "join_request":
            moderators = community_permissions.moderators_of(community)
            return (person.is_active and person.is_staff) or moderators.filter(
                pk=person.pk
            ).exists()
        return community_permissions.audience_for(community).filter(pk=person.pk).exists()

    visible = set(
        Notification.objects.filter(selectors.still_visible()).values_list("pk", flat=True)
    )
    everything = Notification.objects.select_related("recipient", "community", "purpose")
    assert {row.pk for row in everything if expected(row)} == visible

    # A few answers spelled out.
    def sees(person, **where) -> bool:
        return Notification.objects.filter(pk__in=visible, recipient=person, **where).exists()

    assert sees(moderator, kind="join_request", community=private)
    assert not sees(member, kind="join_request", community=private)
    assert not sees(suspended, kind="join_request", community=private)
    assert not sees(suspended, kind="reply", community=private)
    assert sees(staff, kind="join_request", community=secret)
    assert sees(stranger, kind="reply", community=public)
    assert not sees(stranger, kind="reply", community=secret)
    assert not sees(gone, kind="reply", community=public)
    assert sees(member, kind="measurement", purpose=draft)
    assert not sees(stranger, kind="measurement", purpose=draft)
    assert sees(stranger, kind="measurement", purpose=public.purpose)


def test_a_measurement_email_stops_when_the_purpose_goes_back_to_draft(
    smtp_mailbox, django_capture_on_commit_callbacks
):
    community = CommunityFactory(visibility="listed", name="Fleet")
    member = member_of(community, email="mia@example.org")
    services.update_settings(user=member, email_measurement="immediately")
    purpose = community.purpose
    from tests.purposes.factories import GoalFactory

    goal = GoalFactory(purpose=purpose, metric="Electric share")
    admin = AdministratorFactory()
    with django_capture_on_commit_callbacks(execute=False):
        purpose_services.record_measurement(
            goal=goal, by=admin, value=12, measured_on=timezone.localdate()
        )
    event = Event.objects.get(kind="measurement_recorded")
    with django_capture_on_commit_callbacks(execute=False) as emails:
        services.fan_out_event(event_id=event.pk)
    assert Notification.objects.get(recipient=member).email_state == "pending"

    purpose_services.change_purpose_status(purpose=purpose, by=admin, status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in emails:
            callback()

    assert smtp_mailbox.to("mia@example.org") == []
    assert Notification.objects.get(recipient=member).email_state == "skipped"
