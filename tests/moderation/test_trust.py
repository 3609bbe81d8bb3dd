"""Trust levels: earned by taking part (the periodic task), overridden by administrators
in the browser and then left alone, a head start for the host organisation's people;
changes of trust, role and member type are in the audit log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from communities.models import Membership, Role
from discussions.models import ThreadSubscription
from moderation import selectors, tasks
from moderation.models import AuditAction, AuditEntry, PersonTrust, TrustLevel
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.moderation.support import client_for, place

pytestmark = pytest.mark.django_db


def joined_days_ago(user: User, days: int) -> None:
    User.objects.filter(pk=user.pk).update(
        date_joined=timezone.now() - datetime.timedelta(days=days)
    )


def test_the_periodic_task_promotes_people_by_what_they_did_and_records_each_change():
    where = place()
    newcomer = member_of(where.community)
    regular = member_of(where.community)
    joined_days_ago(regular, 20)
    thread = ThreadFactory(community=where.community, author=where.owner)
    for number in range(10):
        PostFactory(thread=thread, author=regular, body=f"Useful answer {number}")
    # Read markers: the regular has read every post of the thread.
    ThreadSubscription.objects.filter(user=regular, thread=thread).update(
        last_read_post_id=thread.posts.order_by("-id").first().pk
    )
    for _index in range(50):
        PostFactory(thread=thread, author=where.owner, body="More")
    ThreadSubscription.objects.filter(user=regular, thread=thread).update(
        last_read_post_id=thread.posts.order_by("-id").first().pk
    )

    changed = tasks.recompute_trust_levels()

    assert selectors.trust_level(regular) == TrustLevel.REGULAR
    assert selectors.trust_level(newcomer) == TrustLevel.NEW
    entry = AuditEntry.objects.get(action=AuditAction.TRUST_LEVEL_CHANGE, subject=regular)
    assert (entry.before, entry.after, entry.actor) == ({"level": 0}, {"level": 2}, None)
    assert changed >= 1
    # Idempotent: nothing more to change, nothing more recorded.
    entries = AuditEntry.objects.count()
    assert tasks.recompute_trust_levels() == 0
    assert AuditEntry.objects.count() == entries


def test_moderator_deletions_keep_someone_below_regular():
    where = place()
    person = member_of(where.community)
    joined_days_ago(person, 30)
    thread = ThreadFactory(community=where.community, author=person)
    for number in range(12):
        PostFactory(thread=thread, author=person, body=f"Post {number}")
    ThreadSubscription.objects.filter(user=person).update(last_read_post_id=10**9)
    for _index in range(40):
        PostFactory(thread=thread, author=where.owner, body="Read me")
    ThreadSubscription.objects.filter(user=person).update(last_read_post_id=10**9)
    from discussions.services import threads as thread_services

    post = thread.posts.filter(author=person, is_first=False).first()
    thread_services.delete_post(by=where.moderator, post=post, reason="Off-topic advert")
    assert selectors.upheld_flag_count(person) == 1

    tasks.recompute_trust_levels()
    assert selectors.trust_level(person) == TrustLevel.MEMBER


def test_an_administrator_sets_a_level_in_the_browser_and_the_task_leaves_it_alone():
    where = place()
    admin = UserFactory(is_staff=True, member_type="employee")
    joined_days_ago(where.member, 40)
    url = reverse("person_trust", args=[where.member.pk])

    assert client_for(where.owner).post(url, {"level": "3"}).status_code == 403
    assert not PersonTrust.objects.filter(user=where.member).exists()

    response = client_for(admin).post(url, {"level": "3"})
    assert response.status_code == 302
    trust = PersonTrust.objects.get(user=where.member)
    assert (trust.level, trust.set_by_admin) == (TrustLevel.LEADER, True)
    entry = AuditEntry.objects.get(action=AuditAction.TRUST_LEVEL_CHANGE)
    assert entry.actor == admin and entry.after == {"level": 3, "set_by_admin": True}

    tasks.recompute_trust_levels()
    assert selectors.trust_level(where.member) == TrustLevel.LEADER

    # "Automatic" hands the level back to the task.
    client_for(admin).post(url, {"level": ""})
    tasks.recompute_trust_levels()
    assert selectors.trust_level(where.member) != TrustLevel.LEADER


def test_people_of_the_host_organisation_start_at_the_configured_level():
    host = OrganisationFactory(name="Northwind", kind="host")
    employee = UserFactory(member_type="employee", organisation=host)
    customer = UserFactory(member_type="customer")
    assert selectors.trust_level(employee) == TrustLevel.MEMBER
    assert selectors.trust_level(customer) == TrustLevel.NEW

    row = selectors.moderation_settings()
    row.host_verified_level = TrustLevel.REGULAR
    row.save()
    assert selectors.trust_level(employee) == TrustLevel.REGULAR
    tasks.recompute_trust_levels()
    assert PersonTrust.objects.get(user=employee).level == TrustLevel.REGULAR


def test_role_and_member_type_changes_are_in_the_audit_log():
    where = place()
    membership = Membership.objects.get(community=where.community, user=where.member)
    response = client_for(where.owner).post(
        reverse("community_member_role", args=[where.community.slug, membership.pk]),
        {"role": Role.MODERATOR},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGE, subject=where.member)
    assert (entry.actor, entry.subject, entry.community) == (
        where.owner,
        where.member,
        where.community,
    )
    assert (entry.before, entry.after) == ({"role": "member"}, {"role": "moderator"})

    admin = UserFactory(is_staff=True, member_type="employee")
    account_services.change_member_type(
        user=where.member, organisation=None, member_type="vendor", changed_by=admin
    )
    entry = AuditEntry.objects.get(action=AuditAction.MEMBER_TYPE_CHANGE)
    assert entry.actor == admin and entry.subject == where.member
    assert entry.before["member_type"] == "employee" and entry.after["member_type"] == "vendor"


def test_a_flag_upheld_by_hiding_or_a_warning_counts_against_the_author_a_dismissal_not():
    from moderation.models import ReviewItem
    from moderation.services import flag, review
    from tests.moderation.support import world

    d = world()
    flag(by=d["member"], reason="spam", post=d["reply"])
    item = ReviewItem.objects.get(post=d["reply"])
    review(by=d["moderator"], item=item, decision="dismiss", reason="")
    assert selectors.upheld_flag_count(d["author"]) == 0
    flag(by=d["moderator"], reason="spam", post=d["reply"])
    review(by=d["moderator"], item=item, decision="hide", reason="Adverts")
    assert selectors.upheld_flag_count(d["author"]) == 1
