"""The Django admin changes communities, memberships, requests and bans only through the
communities services: a ban removes the membership, an approval creates it, counters hold."""

import pytest
from django.urls import reverse

from communities import services
from communities.models import Ban, Community, JoinRequest, Membership
from tests.accounts.factories import UserFactory
from tests.admin_support import change_form_data, flashed
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    ban,
    email_invitation,
    owner_of,
)
from tests.communities.test_views import counts
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory(is_superuser=True))
    return client


def offered_actions(response) -> list[str]:
    action_form = response.context["action_form"]
    return [name for name, _label in action_form.fields["action"].choices if name]


def run_action(client, model: str, action: str, rows) -> object:
    return client.post(
        reverse(f"admin:communities_{model}_changelist"),
        {"action": action, "_selected_action": [str(row.pk) for row in rows]},
    )


def test_banning_in_the_admin_removes_the_membership_and_counts_it(admin_client):
    community = CommunityFactory(visibility="public")
    membership = MembershipFactory(community=community)
    assert Community.objects.get(pk=community.pk).member_count == 2

    response = run_action(admin_client, "membership", "ban_members", [membership])

    assert response.status_code == 302
    assert flashed(response) == [("success", "1 member removed and banned.")]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Ban.objects.filter(community=community, user=membership.user).exists()
    assert Community.objects.get(pk=community.pk).member_count == 1


def test_the_lists_offer_only_actions_that_call_the_services(admin_client):
    pages = {
        model: admin_client.get(reverse(f"admin:communities_{model}_changelist"))
        for model in ("membership", "joinrequest", "ban", "invitation")
    }

    assert {model: offered_actions(page) for model, page in pages.items()} == {
        "membership": [
            "remove_members",
            "ban_members",
            "make_members",
            "make_moderators",
            "make_owners",
        ],
        "joinrequest": ["approve_requests", "decline_requests"],
        "ban": ["lift_bans"],
        "invitation": ["revoke_invitations"],
    }


def test_approving_a_request_in_the_admin_creates_the_membership(admin_client):
    community = CommunityFactory(join_policy="request", audience=["employee"])
    person = UserFactory(member_type="employee")
    join_request = services.request_to_join(user=person, community=community)

    response = run_action(admin_client, "joinrequest", "approve_requests", [join_request])

    assert flashed(response) == [("success", "1 request approved.")]
    membership = Membership.objects.get(community=community, user=person)
    assert membership.joined_via == "request"
    join_request.refresh_from_db()
    assert join_request.status == "approved"
    assert Community.objects.get(pk=community.pk).member_count == 2


def test_declining_in_the_admin_answers_the_request_without_a_membership(admin_client):
    community = CommunityFactory(join_policy="request", audience=["employee"])
    person = UserFactory(member_type="employee")
    join_request = services.request_to_join(user=person, community=community)

    run_action(admin_client, "joinrequest", "decline_requests", [join_request])

    join_request.refresh_from_db()
    assert join_request.status == "declined"
    assert not Membership.objects.filter(community=community, user=person).exists()


def test_approving_a_banned_persons_request_is_refused_with_the_reason(admin_client):
    community = CommunityFactory(join_policy="request", audience=["employee"])
    person = UserFactory(member_type="employee")
    join_request = services.request_to_join(user=person, community=community)
    # Banned after asking, by a direct write, as data older than the rule could be.
    Ban.objects.create(community=community, user=person, banned_by=owner_of(community))
    before = counts()

    response = run_action(admin_client, "joinrequest", "approve_requests", [join_request])

    assert flashed(response) == [
        ("error", f"{join_request}: This person has been banned from the community.")
    ]
    assert counts() == before


def test_lifting_a_ban_in_the_admin(admin_client):
    community = CommunityFactory(visibility="public")
    person = UserFactory(member_type="employee")
    ban(community, person)

    response = run_action(admin_client, "ban", "lift_bans", Ban.objects.all())

    assert flashed(response) == [("success", "1 ban lifted.")]
    assert Ban.objects.count() == 0
    # Logged like a moderator's lifting, so the moderation log tells who lifted it.
    from moderation.models import AuditAction, AuditEntry

    entry = AuditEntry.objects.get(action=AuditAction.SANCTION_LIFTED)
    assert (entry.community, entry.subject, entry.before["kind"]) == (community, person, "ban")


def test_the_last_owner_cannot_be_removed_in_the_admin(admin_client):
    community = CommunityFactory()
    owner_membership = Membership.objects.get(community=community)
    before = counts()

    response = run_action(admin_client, "membership", "ban_members", [owner_membership])

    assert flashed(response) == [
        ("error", f"{owner_membership}: A community needs at least one owner.")
    ]
    assert counts() == before


@pytest.mark.parametrize("model", ["membership", "joinrequest", "ban", "invitation", "community"])
def test_rows_cannot_be_added_or_deleted_directly(admin_client, model):
    community = CommunityFactory(join_policy="request", audience=["employee"])
    membership = MembershipFactory(community=community)
    rows = {
        "membership": membership,
        "joinrequest": services.request_to_join(
            user=UserFactory(member_type="employee"), community=community
        ),
        "ban": Ban.objects.create(
            community=community, user=UserFactory(), banned_by=owner_of(community)
        ),
        "invitation": email_invitation(community, "sam@example.org"),
        "community": community,
    }
    row = rows[model]
    before = counts()

    changelist = admin_client.get(reverse(f"admin:communities_{model}_changelist"))
    add = admin_client.get(reverse(f"admin:communities_{model}_add"))
    delete = admin_client.post(
        reverse(f"admin:communities_{model}_delete", args=[row.pk]), {"post": "yes"}
    )

    assert changelist.status_code == 200
    assert changelist.context["has_add_permission"] is False
    action_form = changelist.context["action_form"]
    actions = [name for name, _label in action_form.fields["action"].choices] if action_form else []
    assert "delete_selected" not in actions
    assert add.status_code == 403
    assert delete.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("model", ["membership", "joinrequest", "ban"])
def test_rows_cannot_be_changed_directly(admin_client, model):
    community = CommunityFactory(join_policy="request", audience=["employee"])
    membership = MembershipFactory(community=community)
    row = {
        "membership": membership,
        "joinrequest": services.request_to_join(
            user=UserFactory(member_type="employee"), community=community
        ),
        "ban": Ban.objects.create(
            community=community, user=UserFactory(), banned_by=owner_of(community)
        ),
    }[model]
    before = counts()
    url = reverse(f"admin:communities_{model}_change", args=[row.pk])

    page = admin_client.get(url)
    response = admin_client.post(url, {"role": "owner", "status": "approved"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    assert counts() == before
    assert JoinRequest.objects.filter(status="approved").count() == 0


def community_change(admin_client, community, **changes):
    url = reverse("admin:communities_community_change", args=[community.pk])
    data = change_form_data(admin_client.get(url))
    data.update(changes)
    return admin_client.post(url, data)


def test_saving_a_community_in_the_admin_goes_through_the_settings_service(admin_client):
    community = CommunityFactory(name="Green fleet", description="Old")

    response = community_change(
        admin_client, community, name="Green fleet 2030", description="**Electric** vans"
    )

    assert response.status_code == 302
    community.refresh_from_db()
    assert community.name == "Green fleet 2030"
    # Rendered by the service, as on the settings page; a direct save would keep the old HTML.
    assert community.description_html == "<p><strong>Electric</strong> vans</p>\n"
    assert community.member_count == 1


def test_a_community_name_with_a_line_break_is_refused_in_the_admin(admin_client):
    community = CommunityFactory(name="Green fleet")

    response = community_change(admin_client, community, name="Green\nfleet")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": ["Keep this on one line, without line breaks, tabs or control characters."]
    }
    community.refresh_from_db()
    assert community.name == "Green fleet"
