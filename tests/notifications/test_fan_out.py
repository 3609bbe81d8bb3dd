"""Who is told of what: replies, mentions, new threads, idea status changes, decisions,
measurements and requests, through the audience face of the access rule and each
person's preferences; once per event, never of their own action."""

import datetime

import pytest
from django.utils import timezone

from communities import services as community_services
from discussions.models import ThreadSubscription
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from notifications import services
from notifications.models import Event, Notification, NotificationSettings
from notifications.selectors import describe
from purposes import services as purpose_services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.notifications.support import notified, set_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a write and everything it scheduled after commit (the fan-out, eagerly)."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def test_a_reply_tells_followers_once_and_never_its_author(run):
    community = CommunityFactory(visibility="private")
    author, follower, bystander = (member_of(community) for _ in range(3))
    thread = run(lambda: ThreadFactory(community=community, author=author, title="Vans"))
    thread_services.follow(user=follower, thread=thread)

    reply = run(lambda: PostFactory(thread=thread, author=follower, body="Agreed."))
    second = run(
        lambda: PostFactory(thread=thread, author=author, body=f"Thanks @{follower.display_name}")
    )

    assert [(n.kind, n.event.post_id) for n in notified(author)] == [("reply", reply.pk)]
    # Mentioned in a thread they follow: one notification, as a mention.
    assert [(n.kind, n.event.post_id) for n in notified(follower)] == [("mention", second.pk)]
    assert notified(bystander) == []
    assert NotificationSettings.objects.get(user=author).unread_count == 1


def test_a_new_thread_tells_members_who_watch_the_community(run):
    community = CommunityFactory(visibility="listed")
    everything, topics, participating, muted = (member_of(community) for _ in range(4))
    set_level(community, everything, "all")
    set_level(community, topics, "topics")
    set_level(community, participating, "participating")
    set_level(community, muted, "none")
    owner = owner_of(community)

    thread = run(lambda: ThreadFactory(community=community, author=owner, title="Charging"))

    told = set(
        Notification.objects.filter(thread=thread, kind="new_topic").values_list(
            "recipient", flat=True
        )
    )
    assert told == {everything.pk, topics.pk}
    [notification] = Notification.objects.filter(recipient=topics)
    assert describe(notification).headline == f"{owner.name} started “Charging”"
    run(lambda: open_decision(community, author=owner, title="Van model"))
    [_first, decision] = Notification.objects.filter(recipient=topics).order_by("pk")
    assert describe(decision).headline == f"{owner.name} opened the decision “Van model”"


def test_muted_means_muted_except_mentions_kept(run):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    keeps, drops, thread_muter = (member_of(community) for _ in range(3))
    set_level(community, keeps, "none")
    set_level(community, drops, "none")
    services.update_settings(user=drops, keep_mentions_when_muted=False)
    thread = run(lambda: ThreadFactory(community=community, author=owner))
    for person in (keeps, drops, thread_muter):
        thread_services.follow(user=person, thread=thread)
    ThreadSubscription.objects.filter(user=thread_muter).update(muted=True, following=False)

    run(lambda: PostFactory(thread=thread, author=owner, body="A plain reply."))
    assert notified(keeps) == notified(drops) == notified(thread_muter) == []

    run(
        lambda: PostFactory(
            thread=thread,
            author=owner,
            body=(
                f"@{keeps.display_name} and @{drops.display_name} and "
                f"@{thread_muter.display_name} look"
            ),
        )
    )
    assert [n.kind for n in notified(keeps)] == ["mention"]
    assert notified(drops) == []
    assert [n.kind for n in notified(thread_muter)] == ["mention"]


def test_nobody_outside_a_private_community_is_told(run):
    community = CommunityFactory(visibility="private")
    owner = owner_of(community)
    leaver = member_of(community)
    thread = run(lambda: ThreadFactory(community=community, author=owner))
    thread_services.follow(user=leaver, thread=thread)
    community_services.leave_community(user=leaver, community=community)
    outsider = UserFactory(member_type="employee")
    set_level(community, owner, "all")

    run(lambda: PostFactory(thread=thread, author=owner, body=f"@{outsider.display_name} hello"))
    run(lambda: ThreadFactory(community=community, author=owner))

    assert notified(leaver) == []
    assert notified(outsider) == []


def test_an_idea_status_change_tells_its_author_voters_and_followers(run):
    community = CommunityFactory(visibility="public", audience=("employee", "customer"))
    owner = owner_of(community)
    author, voter, follower = (member_of(community, member_type="customer") for _ in range(3))
    idea = run(
        lambda: idea_services.submit_idea(
            author=author, community=community, title="Night deliveries", description="Why."
        )
    )
    idea_services.vote(user=voter, idea=idea)
    thread_services.follow(user=follower, thread=idea.thread)

    change = run(
        lambda: idea_services.change_status(
            idea=idea, by=owner, status="planned", response="We start in May."
        )
    )

    for person in (author, voter, follower):
        [notification] = notified(person, kind="idea_status")
        assert notification.event.object_id == change.pk
    assert notified(owner, kind="idea_status") == []


def test_decisions_closing_soon_and_closed_tell_those_involved(run):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    watcher = member_of(community)
    set_level(community, watcher, "all")
    quiet = member_of(community)
    decision = run(
        lambda: open_decision(community, author=owner, closes_in=datetime.timedelta(hours=5))
    )

    run(lambda: services.sweep())
    run(lambda: services.sweep())  # a second sweep finds nothing new to tell

    assert [n.event.kind for n in notified(watcher, kind="decision")] == ["decision_closing"]
    assert [n.event.kind for n in notified(owner, kind="decision")] == ["decision_closing"]
    assert notified(quiet, kind="decision") == []

    from discussions.services import decisions as decision_services

    run(lambda: decision_services.close_due_decisions(now=decision.closes_at))
    assert [n.event.kind for n in notified(watcher, kind="decision")] == [
        "decision_closing",
        "decision_closed",
    ]

    run(
        lambda: decision_services.record_outcome(
            by=owner, decision=decision, outcome="We take **the green** vans."
        )
    )
    outcome = notified(watcher, kind="decision")[-1]
    assert outcome.event.kind == "decision_outcome"
    assert describe(outcome).excerpt == "We take the green vans."
    assert notified(owner, kind="decision")[-1].event.kind != "decision_outcome"


def test_a_measurement_tells_members_of_the_purposes_communities(run):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    member = member_of(community)
    muted = member_of(community)
    set_level(community, muted, "none")
    outsider = UserFactory(member_type="employee")
    from tests.purposes.factories import GoalFactory

    goal = GoalFactory(purpose=community.purpose)
    goal.purpose.owners.add(owner)

    run(
        lambda: purpose_services.record_measurement(
            goal=goal, by=owner, value=12, measured_on=timezone.localdate()
        )
    )

    assert [n.kind for n in notified(member)] == ["measurement"]
    assert notified(muted) == notified(outsider) == notified(owner) == []


def test_join_requests_tell_moderators_and_the_answer_tells_the_person(run):
    community = CommunityFactory(visibility="listed", join_policy="request")
    owner = owner_of(community)
    moderator = member_of(community, role="moderator")
    member = member_of(community)
    asker = UserFactory(member_type="employee")

    join_request = run(lambda: community_services.request_to_join(user=asker, community=community))
    assert [n.kind for n in notified(owner)] == ["join_request"]
    assert [n.kind for n in notified(moderator)] == ["join_request"]
    assert notified(member) == []

    run(lambda: community_services.approve_join_request(join_request=join_request, by=owner))
    [told] = notified(asker)
    assert (told.kind, told.event.kind) == ("membership", "join_request_approved")


def test_an_invitation_tells_a_person_who_has_an_account(run):
    community = CommunityFactory(visibility="private")
    owner = owner_of(community)
    invited = UserFactory(member_type="employee", email="guest@example.org")

    run(
        lambda: community_services.invite_by_email(
            community=community, by=owner, emails=["guest@example.org", "nobody@example.org"]
        )
    )

    [told] = notified(invited)
    assert (told.kind, told.event.kind, told.email_state) == ("membership", "invited", "")


def test_fanning_out_again_adds_nothing(run):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    people = [member_of(community) for _ in range(5)]
    for person in people:
        set_level(community, person, "all")
    thread = run(lambda: ThreadFactory(community=community, author=owner))
    event = Event.objects.get(thread=thread)
    Event.objects.filter(pk=event.pk).update(fanned_out_at=None)

    run(lambda: services.fan_out_event(event_id=event.pk))

    assert Notification.objects.filter(event=event).count() == 5
    assert [NotificationSettings.objects.get(user=p).unread_count for p in people] == [1] * 5


def test_posting_a_reply_does_not_fan_out_in_the_request(django_capture_on_commit_callbacks):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    follower = member_of(community)
    with django_capture_on_commit_callbacks(execute=True):
        thread = ThreadFactory(community=community, author=owner)
    thread_services.follow(user=follower, thread=thread)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        PostFactory(thread=thread, author=owner)

    assert Notification.objects.filter(recipient=follower).count() == 0
    assert Event.objects.filter(thread=thread, kind="post_created").count() == 2
    assert len(callbacks) == 1  # the fan-out, scheduled after commit


def test_fan_out_costs_the_same_for_few_or_many(django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for members in (5, 60):
        community = CommunityFactory(visibility="listed")
        owner = owner_of(community)
        for _ in range(members):
            set_level(community, member_of(community), "all")
        with django_capture_on_commit_callbacks(execute=False):
            thread = ThreadFactory(community=community, author=owner)
        event = Event.objects.get(thread=thread)

        with (
            django_capture_on_commit_callbacks(execute=False),
            CaptureQueriesContext(connection) as queries,
        ):
            services.fan_out_event(event_id=event.pk)

        assert Notification.objects.filter(event=event).count() == members
        counts.append(len(queries))
    # Never a query per person: the event, the people, one chunk of bulk writes, done.
    assert counts[0] == counts[1] <= 16


def test_a_post_deleted_before_its_fan_out_tells_nobody(run, django_capture_on_commit_callbacks):
    community = CommunityFactory(visibility="listed")
    owner = owner_of(community)
    follower = member_of(community)
    thread = run(lambda: ThreadFactory(community=community, author=owner))
    thread_services.follow(user=follower, thread=thread)
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        post = PostFactory(thread=thread, author=owner)
    thread_services.delete_post(by=owner, post=post)

    run(lambda: [callback() for callback in scheduled])

    assert notified(follower) == []
    assert Event.objects.get(post=post).fanned_out_at is not None
