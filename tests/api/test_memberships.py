"""Memberships through the API: joining, leaving, asking to join, moderators answering,
invitations, the member list and the person's own memberships, with the same access rule
as the community pages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Invitation, JoinRequest, JoinRequestStatus, Membership, Role
from communities.services import request_to_join
from core.formatting import moment
from moderation.services import ban_from_community
from tests.accounts.factories import UserFactory
from tests.api.support import api_client, place
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    ban,
    email_invitation,
)
from tests.discussions.factories import member_of
from tests.query_budgets import MEMBER_BUDGET

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _url(community, rest: str = "") -> str:
    return f"/api/v1/communities/{community.slug}/{rest}"


def _is_member(person, community) -> bool:
    return Membership.objects.filter(user=person, community=community).exists()


def test_joining_an_open_community_choosing_its_level_and_leaving():
    spot = place("public")
    client = api_client(spot.outsider)
    joined = client.post(_url(spot.community, "membership/"))
    assert joined.status_code == 201, joined.content
    assert joined.json()["role"] == "member"
    assert joined.json()["community"] == spot.community.slug
    assert _is_member(spot.outsider, spot.community)

    again = client.post(_url(spot.community, "membership/"))
    assert again.status_code == 400
    assert again.json()["errors"] == {
        "non_field_errors": ["You are already a member of this community."]
    }

    changed = client.patch(
        _url(spot.community, "membership/"), {"notification_level": "mentions"}, JSON
    )
    assert (changed.status_code, changed.json()["notification_level"]) == (200, "mentions")
    assert Membership.objects.get(user=spot.outsider).notification_level == "mentions"
    bad = client.patch(_url(spot.community, "membership/"), {"notification_level": "loud"}, JSON)
    assert bad.status_code == 400 and "notification_level" in bad.json()["errors"]

    mine = client.get("/api/v1/me/memberships/").json()["results"]
    assert [row["community"] for row in mine] == [spot.community.slug]

    left = client.delete(_url(spot.community, "membership/"))
    assert left.status_code == 204
    assert not _is_member(spot.outsider, spot.community)
    gone = client.get(_url(spot.community, "membership/"))
    assert gone.status_code == 404
    assert gone.json()["detail"] == "You are not a member of this community."


def test_the_last_owner_cannot_leave():
    spot = place("public")
    answer = api_client(spot.owner).delete(_url(spot.community, "membership/"))
    assert answer.status_code == 400
    assert answer.json()["errors"]["non_field_errors"] == [
        "You are the last owner. Make someone else an owner before you leave."
    ]
    assert _is_member(spot.owner, spot.community)


def test_joining_is_refused_with_the_reason():
    asks = place("public", join_policy="request")
    answer = api_client(asks.outsider).post(_url(asks.community, "membership/"))
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Ask to join: the moderators approve new members."
    customer = UserFactory(member_type="customer")
    open_one = place("public")
    refused = api_client(customer).post(_url(open_one.community, "membership/"))
    assert refused.status_code == 403
    assert not _is_member(customer, open_one.community)
    assert not _is_member(asks.outsider, asks.community)


def test_a_banned_person_is_told_until_when_and_why_when_joining_again():
    spot = place("public")
    ends_at = datetime.datetime(2031, 3, 14, 9, 30, tzinfo=datetime.UTC)
    ban_from_community(
        by=spot.owner, community=spot.community, user=spot.member, reason="Spam", ends_at=ends_at
    )

    answer = api_client(spot.member).post(_url(spot.community, "membership/"))

    assert answer.status_code == 403
    assert answer.json()["detail"] == (
        f"You are banned from this community until {moment(ends_at)[1]} "
        "(then you may join again). Reason: Spam"
    )
    assert answer.json()["code"] == "sanctioned"
    assert answer.json()["sanction"] == {
        "kind": "ban",
        "site_wide": False,
        "reason": "Spam",
        "ends_at": ends_at.isoformat(),
    }
    assert not _is_member(spot.member, spot.community)


def test_a_person_banned_for_good_asking_to_join_is_told_it_is_permanent():
    asks = place("public", join_policy="request")
    ban(asks.community, asks.outsider)

    answer = api_client(asks.outsider).post(_url(asks.community, "join-request/"), {}, JSON)

    assert answer.status_code == 403
    assert answer.json()["detail"] == "You are banned from this community permanently."
    assert not JoinRequest.objects.filter(community=asks.community, user=asks.outsider).exists()


def test_a_read_token_cannot_join():
    spot = place("public")
    answer = api_client(spot.outsider, scope="read").post(_url(spot.community, "membership/"))
    assert answer.status_code == 403
    assert "can only read" in answer.json()["detail"]
    assert not _is_member(spot.outsider, spot.community)


def test_asking_to_join_and_a_moderator_approving():
    spot = place("listed", join_policy="request")
    asked = api_client(spot.outsider).post(
        _url(spot.community, "join-request/"), {"message": "I run the depot."}, JSON
    )
    assert asked.status_code == 201, asked.content
    assert (asked.json()["status"], asked.json()["message"]) == ("pending", "I run the depot.")
    twice = api_client(spot.outsider).post(_url(spot.community, "join-request/"), {}, JSON)
    assert twice.status_code == 403
    assert twice.json()["detail"] == (
        "You have already asked to join; the moderators will answer soon."
    )

    refused = api_client(spot.member).get(_url(spot.community, "join-requests/"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the community's moderators can do this."

    owner = api_client(spot.owner)
    rows = owner.get(_url(spot.community, "join-requests/")).json()["results"]
    assert [(row["person"]["name"], row["message"]) for row in rows] == [
        ("Otto Outsider", "I run the depot.")
    ]
    approved = owner.post(_url(spot.community, f"join-requests/{rows[0]['id']}/approve/"))
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert _is_member(spot.outsider, spot.community)
    answered = owner.post(_url(spot.community, f"join-requests/{rows[0]['id']}/decline/"), {}, JSON)
    assert answered.status_code == 400
    assert answered.json()["errors"]["non_field_errors"] == [
        "This request has already been answered."
    ]


def test_a_moderator_declines_with_a_reason_and_a_person_withdraws():
    spot = place("listed", join_policy="request")
    first = request_to_join(user=spot.outsider, community=spot.community)
    declined = api_client(spot.owner).post(
        _url(spot.community, f"join-requests/{first.pk}/decline/"), {"reason": "Staff only"}, JSON
    )
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    assert JoinRequest.objects.get(pk=first.pk).decision_reason == "Staff only"
    assert not _is_member(spot.outsider, spot.community)

    client = api_client(spot.outsider)
    assert client.post(_url(spot.community, "join-request/"), {}, JSON).status_code == 201
    assert client.delete(_url(spot.community, "join-request/")).status_code == 204
    assert not JoinRequest.objects.filter(status=JoinRequestStatus.PENDING).exists()
    assert client.delete(_url(spot.community, "join-request/")).status_code == 404


def test_invitations_made_listed_revoked_and_accepted():
    spot = place("listed", join_policy="invitation")
    assert api_client(spot.member).get(_url(spot.community, "invitations/")).status_code == 403
    refused = api_client(spot.member).post(_url(spot.community, "invitations/"), {}, JSON)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the community's moderators can invite people."
    assert not Invitation.objects.exists()

    owner = api_client(spot.owner)
    made = owner.post(_url(spot.community, "invitations/"), {"max_uses": 2, "valid_days": 3}, JSON)
    assert made.status_code == 201, made.content
    link = made.json()[0]
    assert (link["max_uses"], link["state"], link["email"]) == (2, "valid", "")
    mailed = owner.post(_url(spot.community, "invitations/"), {"emails": ["new@example.com"]}, JSON)
    assert [row["email"] for row in mailed.json()] == ["new@example.com"]
    bad = owner.post(_url(spot.community, "invitations/"), {"emails": ["nope"]}, JSON)
    assert bad.status_code == 400 and "emails.0" in bad.json()["errors"]

    listed = owner.get(_url(spot.community, "invitations/")).json()["results"]
    assert [row["email"] for row in listed] == ["new@example.com", ""]

    joined = api_client(spot.outsider).post(f"/api/v1/invitations/{link['token']}/accept/")
    assert joined.status_code == 201, joined.content
    assert _is_member(spot.outsider, spot.community)

    assert owner.delete(_url(spot.community, f"invitations/{link['id']}/")).status_code == 204
    assert Invitation.objects.get(pk=link["id"]).revoked_at is not None
    late = api_client(UserFactory(member_type="employee")).post(
        f"/api/v1/invitations/{link['token']}/accept/"
    )
    assert late.status_code == 403
    assert late.json()["detail"] == "This invitation has been withdrawn."


def test_an_unusable_invitation_to_a_secret_community_names_nothing():
    community = CommunityFactory(visibility="secret", join_policy="invitation")
    invitation = email_invitation(
        community, "x@example.com", expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    answer = api_client(UserFactory(member_type="employee")).post(
        f"/api/v1/invitations/{invitation.token}/accept/"
    )
    assert answer.status_code == 404
    assert community.name.encode() not in answer.content
    assert api_client(UserFactory()).post("/api/v1/invitations/nothing/accept/").status_code == 404


@pytest.mark.parametrize("visibility", ["private", "secret"])
def test_a_hidden_community_answers_nothing_to_an_outsider(visibility):
    spot = place(visibility, join_policy="request")
    client = api_client(spot.outsider)
    gets = ["membership/", "members/", "join-requests/", "invitations/"]
    for rest in gets:
        answer = client.get(_url(spot.community, rest))
        expected = (
            403 if (visibility == "private" and rest in ("join-requests/", "invitations/")) else 404
        )
        assert answer.status_code == expected, (rest, answer.content)
        assert b"Mia" not in answer.content
    if visibility == "secret":
        for rest in ("membership/", "join-request/", "invitations/"):
            assert client.post(_url(spot.community, rest), {}, JSON).status_code == 404, rest
    assert not JoinRequest.objects.exists() and not Invitation.objects.exists()
    assert not _is_member(spot.outsider, spot.community)


def test_the_member_list_shows_members_to_readers_only():
    spot = place("private")
    assert api_client(spot.outsider).get(_url(spot.community, "members/")).status_code == 404
    rows = api_client(spot.member).get(_url(spot.community, "members/")).json()["results"]
    assert [(row["person"]["name"], row["role"]) for row in rows] == [
        (spot.owner.name, "owner"),
        ("Mia Member", "member"),
    ]
    assert not any(row["can_remove"] for row in rows)
    moderated = api_client(spot.owner).get(_url(spot.community, "members/"), {"q": "mia"})
    assert [(row["person"]["name"], row["can_remove"]) for row in moderated.json()["results"]] == [
        ("Mia Member", True)
    ]
    owners = api_client(spot.member).get(_url(spot.community, "members/"), {"role": "owner"})
    assert [row["role"] for row in owners.json()["results"]] == [Role.OWNER]


def _queries(client, url: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, {"page_size": page_size})
    assert answer.status_code == 200, answer.content
    return len(captured), len(answer.json()["results"])


def test_membership_lists_cost_the_same_whatever_their_size(django_assert_max_num_queries):
    spot = place("public", join_policy="request")
    for number in range(8):
        member_of(spot.community, display_name=f"Member {number}")
        person = UserFactory(member_type="employee")
        request_to_join(user=person, community=spot.community, message="Hello")
        other = CommunityFactory(visibility="public", name=f"Other {number}")
        MembershipFactory(community=other, user=spot.owner)
        email_invitation(spot.community, f"p{number}@example.com")
    client = api_client(spot.owner, scope="read")
    for url in (
        _url(spot.community, "members/"),
        _url(spot.community, "join-requests/"),
        _url(spot.community, "invitations/"),
        "/api/v1/me/memberships/",
    ):
        client.get(url)
        small, small_rows = _queries(client, url, 2)
        with django_assert_max_num_queries(MEMBER_BUDGET):
            large, large_rows = _queries(client, url, 100)
        assert small_rows == 2 and large_rows >= 8, url
        assert small == large, (url, small, large)
