"""Notification emails over a real SMTP server: recipients, subject, both bodies, the
unsubscribe headers and link (RFC 8058), access checked again at sending, the daily cap."""

from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from communities import services as community_services
from discussions.services import threads as thread_services
from notifications import services
from notifications.models import Event, Notification, NotificationSettings
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def fleet(run):
    community = CommunityFactory(visibility="private", name="Fleet")
    owner = owner_of(community)
    follower = member_of(community, display_name="Fiona Follower")
    thread = run(lambda: ThreadFactory(community=community, author=owner, title="Electric vans"))
    thread_services.follow(user=follower, thread=thread)
    return community, owner, follower, thread


def test_a_reply_is_emailed_with_both_bodies_and_unsubscribe_headers(run, fleet, smtp_mailbox):
    _community, owner, follower, thread = fleet

    run(lambda: PostFactory(thread=thread, author=owner, body="The first van arrives Monday."))

    [message] = smtp_mailbox.wait_for(1)
    assert message["To"] == follower.email
    # Python folds a non-ASCII subject onto a continuation line: a leading space when read.
    assert message["Subject"].strip() == f"{owner.name} replied in “Electric vans” · Fleet"
    assert message["X-Commons-Kind"] == "reply"
    text, html = smtp_mailbox.text(message), smtp_mailbox.html(message)
    assert "The first van arrives Monday." in text
    assert "The first van arrives Monday." in html
    assert f"{owner.name} replied in “Electric vans”" in text
    notification = Notification.objects.get(recipient=follower)
    assert f"/notifications/{notification.pk}/" in text
    assert f"/notifications/{notification.pk}/" in html
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("http") and "/notifications/unsubscribe/" in unsubscribe
    assert unsubscribe in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notification.email_state == "sent"


def test_a_one_click_post_stops_that_kind_of_email(run, fleet, smtp_mailbox):
    _community, owner, follower, thread = fleet
    run(lambda: PostFactory(thread=thread, author=owner))
    [message] = smtp_mailbox.wait_for(1)
    path = urlparse(message["List-Unsubscribe"].strip().strip("<>")).path
    mail_client = Client(enforce_csrf_checks=True)  # no session, no token: a mail server

    shown = mail_client.get(path)
    assert shown.status_code == 200
    assert "Stop emails for “Replies in threads I follow”?" in shown.text
    assert NotificationSettings.objects.get(user=follower).email_reply == "immediately"

    first = mail_client.post(path, "List-Unsubscribe=One-Click", content_type="text/plain")
    again = mail_client.post(path, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert (first.status_code, again.status_code) == (200, 200)
    assert "you will no longer receive emails" in first.text

    run(lambda: PostFactory(thread=thread, author=owner))
    assert len(smtp_mailbox.messages) == 1
    assert Notification.objects.filter(recipient=follower).count() == 2  # still in the app
    assert NotificationSettings.objects.get(user=follower).email_mention == "immediately"


def test_a_forged_unsubscribe_link_changes_nothing(client, fleet):
    _community, _owner, follower, _thread = fleet
    token = services.unsubscribe_token(user_id=follower.pk, kind="reply")
    forged = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    assert client.post(reverse("notification_unsubscribe", args=[forged])).status_code == 404


def test_someone_who_lost_access_before_the_email_gets_none(
    fleet, smtp_mailbox, django_capture_on_commit_callbacks
):
    community, owner, follower, thread = fleet
    with django_capture_on_commit_callbacks(execute=False):
        post = PostFactory(thread=thread, author=owner)
    event = Event.objects.get(kind="post_created", object_id=post.pk)
    with django_capture_on_commit_callbacks(execute=False) as emails:
        services.fan_out_event(event_id=event.pk)
    assert Notification.objects.get(recipient=follower).email_state == "pending"

    community_services.leave_community(user=follower, community=community)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in emails:
            callback()

    assert smtp_mailbox.messages == []
    assert Notification.objects.get(recipient=follower).email_state == "skipped"


def test_over_the_daily_cap_emails_wait_for_the_digest(run, fleet, smtp_mailbox):
    _community, owner, follower, thread = fleet
    services.update_settings(user=follower, daily_email_cap=1)

    run(lambda: PostFactory(thread=thread, author=owner))
    run(lambda: PostFactory(thread=thread, author=owner))

    assert len(smtp_mailbox.wait_for(1)) == 1
    states = list(
        Notification.objects.filter(recipient=follower)
        .order_by("pk")
        .values_list("email_state", flat=True)
    )
    assert states == ["sent", "digest"]


def test_digest_only_kinds_are_not_emailed_at_once(run, smtp_mailbox):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    watcher = member_of(community)
    community_services.update_membership_preferences(
        membership=watcher.memberships.get(), notification_level="all"
    )

    run(lambda: ThreadFactory(community=community, author=owner))

    assert smtp_mailbox.messages == []
    assert Notification.objects.get(recipient=watcher).email_state == "digest"


def test_the_email_offers_to_mute_its_community(run, fleet, smtp_mailbox):
    community, owner, follower, thread = fleet
    run(lambda: PostFactory(thread=thread, author=owner))
    [message] = smtp_mailbox.wait_for(1)
    text = smtp_mailbox.text(message)
    line = next(line for line in text.splitlines() if line.startswith("Mute Fleet:"))
    path = urlparse(line.split(": ", 1)[1].strip()).path
    assert path in smtp_mailbox.html(message)
    mail_client = Client(enforce_csrf_checks=True)

    assert "Mute Fleet?" in mail_client.get(path).text
    assert "Fleet is muted" in mail_client.post(path).text

    assert follower.memberships.get(community=community).notification_level == "none"
    run(lambda: PostFactory(thread=thread, author=owner))
    assert len(smtp_mailbox.messages) == 1
    assert Notification.objects.filter(recipient=follower).count() == 1


def test_a_thread_moved_where_the_reader_cannot_read_takes_its_notifications_along(
    client, smtp_mailbox, django_capture_on_commit_callbacks
):
    """A reply told to a follower, then the thread moved to a private community they are
    not in: the notification leaves their list and its email, not yet sent, is not sent."""
    public = CommunityFactory(visibility="public", name="Open fleet")
    owner = owner_of(public)
    reader = member_of(public)
    with django_capture_on_commit_callbacks(execute=True):
        thread = ThreadFactory(community=public, author=owner, title="Depot plans")
    thread_services.follow(user=reader, thread=thread)
    with django_capture_on_commit_callbacks(execute=False):
        post = PostFactory(thread=thread, author=owner, body="The new depot's address.")
    event = Event.objects.get(kind="post_created", object_id=post.pk)
    with django_capture_on_commit_callbacks(execute=False) as emails:
        services.fan_out_event(event_id=event.pk)
    client.force_login(reader)
    assert len(client.get(reverse("notification_list")).context["groups"]) == 1

    board = CommunityFactory(visibility="private", owner=owner, name="Board")
    thread_services.move_thread(by=owner, thread=thread, target=board)

    assert client.get(reverse("notification_list")).context["groups"] == []
    with django_capture_on_commit_callbacks(execute=True):
        for callback in emails:
            callback()
    assert smtp_mailbox.messages == []
    assert Notification.objects.get(recipient=reader, event=event).email_state == "skipped"
