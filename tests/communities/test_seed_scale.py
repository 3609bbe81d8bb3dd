"""`seed_scale` makes a consistent dataset, and never silently doubles it."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F

from accounts.models import MEMBER_TYPE_FOR_KIND, Organisation, OrganisationKind, User
from communities.models import (
    Community,
    JoinPolicy,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Role,
    Visibility,
)
from purposes.models import Goal, Measurement, Purpose

pytestmark = pytest.mark.django_db

SMALL = {"members": 80, "communities": 12, "purposes": 3}
# Discussions too, tiny (tests/discussions/test_seed_scale_discussions.py checks them).
SMALL.update(threads=30, posts=90, ideas=6, decisions=3, votes=20, reactions=10)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_scale", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def test_seed_scale_makes_a_consistent_dataset():
    output = seed()

    assert "Scale data ready" in output
    assert User.objects.count() == 80
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 80
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(OrganisationKind)
    for person in User.objects.exclude(organisation=None).select_related("organisation"):
        assert person.member_type == MEMBER_TYPE_FOR_KIND[person.organisation.kind]
        assert person.email.endswith(person.organisation.domains.get().domain)

    assert Purpose.objects.count() == 3
    assert (
        Purpose.objects.annotate(owners_count=Count("owners")).filter(owners_count=0).count() == 0
    )
    assert Goal.objects.count() == 9
    assert Measurement.objects.count() == 9 * 12
    for goal in Goal.objects.prefetch_related("measurements"):
        assert goal.current_value == list(goal.measurements.all())[-1].value

    assert Community.objects.count() == 12
    counted = Community.objects.annotate(real=Count("memberships"))
    assert counted.exclude(member_count=F("real")).count() == 0
    assert Membership.objects.filter(role=Role.OWNER).count() == 12
    biggest = Community.objects.order_by("-member_count").first()
    assert biggest.visibility == Visibility.PUBLIC
    assert biggest.join_policy == JoinPolicy.OPEN
    assert biggest.member_count == 39  # half of everyone but the administrator
    for membership in Membership.objects.select_related("community", "user"):
        assert membership.community.is_open_to(membership.user.member_type)

    for join_request in JoinRequest.objects.select_related("community"):
        assert join_request.status == JoinRequestStatus.PENDING
        assert join_request.community.join_policy == JoinPolicy.REQUEST
        assert not Membership.objects.filter(
            community=join_request.community, user=join_request.user_id
        ).exists()


def test_seed_scale_refuses_to_run_twice_unless_reset():
    seed()

    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert User.objects.count() == 80

    output = seed(reset=True)

    assert "Deleted the earlier scale data" in output
    assert User.objects.count() == 80
    assert Community.objects.count() == 12
    assert Purpose.objects.count() == 3
    assert Organisation.objects.count() == 17
