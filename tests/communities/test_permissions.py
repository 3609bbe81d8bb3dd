"""The access rule as a matrix: viewer x visibility x join policy x audience x action.

The expected answer comes from the small table of intended rules below, written from the
issue and the docstring of `communities.permissions` without calling that module. Each
case then goes through the real path (URL, view, selector, service) and checks the
answer, and on a denial that nothing changed and nothing was queued.

The communities and people are built once for the module inside a transaction that is
rolled back at the end; every test runs in a savepoint of it, so a test's writes vanish
before the next one.
"""

import html
import itertools
import re
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core import mail
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from communities import permissions, services
from communities.models import (
    Ban,
    Community,
    Invitation,
    InvitationAcceptance,
    JoinedVia,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Role,
)
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, ban, email_invitation
from tests.core.reading import form_errors
from tests.purposes.factories import AdministratorFactory, PurposeFactory

pytestmark = pytest.mark.django_db

# -- the intended rules, independent of communities.permissions ---------------------------

VIEWERS = [
    "anonymous",
    "employee",
    "customer",
    "vendor",
    "partner",
    "member",
    "moderator",
    "owner",
    "banned",
    "suspended",
    "administrator",
]
VISIBILITIES = ["public", "listed", "private", "secret"]
POLICIES = ["open", "request", "invitation"]
AUDIENCES = {"employees": ("employee",), "customers-and-employees": ("customer", "employee")}
AUDIENCE_WORDS = {"employees": "employees", "customers-and-employees": "employees and customers"}
ACTIONS = [
    "see",
    "list",
    "read_members",
    "join",
    "request",
    "invite",
    "invite_with_member_type",
    "accept_email_invitation",
    "accept_link_invitation",
    "configure",
    "moderate",
]

# Every person is an employee unless named after another type; the banned person is in
# every audience, so only the ban keeps them out. The suspended person joined every
# community as an employee and is a customer now: in a community open to employees only
# their membership is suspended and grants nothing; where customers are welcome too it is
# an ordinary membership.
MEMBER_TYPE = {
    "employee": "employee",
    "customer": "customer",
    "vendor": "vendor",
    "partner": "partner",
    "member": "employee",
    "moderator": "employee",
    "owner": "employee",
    "banned": "employee",
    "suspended": "customer",
    "administrator": "employee",
}
ROLE = {"member": "member", "moderator": "moderator", "owner": "owner"}
A_TYPE = {
    "employee": "an employee",
    "customer": "a customer",
    "vendor": "a vendor",
    "partner": "a partner",
}

ALREADY_MEMBER = "You are already a member of this community."
BANNED = "You are banned from this community permanently."
ASK_INSTEAD = "Ask to join: the moderators approve new members."
JOIN_INSTEAD = "This community is open: join it directly."
INVITATION_ONLY = "This community is by invitation only."
REQUEST_SENT = "Your request has been sent. You'll be told when a moderator answers."
ONLY_ADMINISTRATORS_TYPE = "Only administrators can invite people as a given member type."


def in_audience(viewer: str, audience: str) -> bool:
    return viewer != "anonymous" and MEMBER_TYPE[viewer] in AUDIENCES[audience]


def is_member(viewer: str, audience: str) -> bool:
    if viewer == "suspended":
        return in_audience(viewer, audience)
    return viewer in ROLE


def expect_see(viewer: str, visibility: str, audience: str) -> bool:
    if viewer == "administrator" or is_member(viewer, audience) or visibility == "public":
        return True
    if visibility in ("listed", "private"):
        return in_audience(viewer, audience)
    return False


def expect_listed(viewer: str, visibility: str, audience: str) -> bool:
    if viewer == "administrator" or is_member(viewer, audience) or visibility == "public":
        return True
    return visibility == "listed" and in_audience(viewer, audience)


def expect_read(viewer: str, visibility: str, audience: str) -> bool:
    return visibility == "public" or viewer == "administrator" or is_member(viewer, audience)


def expect_configure(viewer: str) -> bool:
    return viewer in ("administrator", "owner")


def expect_moderate(viewer: str) -> bool:
    return viewer in ("administrator", "owner", "moderator")


def membership_refusal(viewer: str, audience: str) -> str | None:
    """Why a signed-in viewer may not become a member by any way in."""
    if is_member(viewer, audience):
        return ALREADY_MEMBER
    if viewer == "banned":
        return BANNED
    if not in_audience(viewer, audience):
        return (
            f"This community is open to {AUDIENCE_WORDS[audience]} only, "
            f"and your account is {A_TYPE[MEMBER_TYPE[viewer]]} account."
        )
    return None


@dataclass(frozen=True)
class Outcome:
    kind: str  # "login", "404", "refused" or "done"
    message: str = ""


LOGIN = Outcome("login")
NOT_FOUND = Outcome("404")
DONE = Outcome("done")


def expect_join(viewer: str, visibility: str, policy: str, audience: str) -> Outcome:
    if viewer == "anonymous":
        return LOGIN
    if not expect_see(viewer, visibility, audience):
        return NOT_FOUND
    refusal = membership_refusal(viewer, audience)
    if refusal:
        return Outcome("refused", refusal)
    if policy == "request":
        return Outcome("refused", ASK_INSTEAD)
    if policy == "invitation":
        return Outcome("refused", INVITATION_ONLY)
    return DONE


def expect_request(viewer: str, visibility: str, policy: str, audience: str) -> Outcome:
    if viewer == "anonymous":
        return LOGIN
    if not expect_see(viewer, visibility, audience):
        return NOT_FOUND
    refusal = membership_refusal(viewer, audience)
    if refusal:
        return Outcome("refused", refusal)
    if policy == "open":
        return Outcome("refused", JOIN_INSTEAD)
    if policy == "invitation":
        return Outcome("refused", INVITATION_ONLY)
    return DONE


def expect_accept(viewer: str, audience: str) -> Outcome:
    """Invitations reach past visibility and join policy, never past audience or a ban."""
    if viewer == "anonymous":
        return LOGIN
    refusal = membership_refusal(viewer, audience)
    return Outcome("refused", refusal) if refusal else DONE


MODERATORS_ONLY = "Only the community's moderators can do this."
OWNERS_ONLY = "Only the community's owners and administrators can change its settings."


def expect_gate(allowed: bool, viewer: str, visibility: str, audience: str, reason: str) -> Outcome:
    """Pages behind sign-in: 404 to those who may not see the community, 403 with the
    reason to those who see it but may not do this."""
    if viewer == "anonymous":
        return LOGIN
    if allowed:
        return DONE
    if not expect_see(viewer, visibility, audience):
        return NOT_FOUND
    return Outcome("403", reason)


# -- the world: one community per combination, the same people in each --------------------


@dataclass
class World:
    people: dict[str, User]
    communities: dict[tuple[str, str, str], Community]
    email_invitations: dict[tuple[int, str], Invitation]
    links: dict[int, Invitation]
    sessions: dict[str, str]


def community_name(visibility: str, policy: str, audience: str) -> str:
    return f"Matrix {visibility} {policy} for {audience}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # Mail takes the site's real path (queued after commit), so a queued message shows up
    # as an on-commit callback.
    queued_mail = override_settings(EMAIL_BACKEND="core.mail.QueuedEmailBackend")
    with queued_mail, django_db_blocker.unblock(), transaction.atomic():
        people = {
            viewer: UserFactory(
                # The suspended person joins as an employee and becomes a customer below.
                member_type="employee" if viewer == "suspended" else MEMBER_TYPE[viewer],
                email=f"{viewer}@matrix.example",
                display_name=f"Matrix {viewer.title()}",
            )
            for viewer in VIEWERS
            if viewer not in ("anonymous", "administrator")
        }
        people["administrator"] = AdministratorFactory(email="administrator@matrix.example")
        purpose = PurposeFactory(by=people["administrator"], owners=[people["owner"]])
        communities, email_invitations, links = {}, {}, {}
        for visibility, policy, audience in itertools.product(VISIBILITIES, POLICIES, AUDIENCES):
            community = CommunityFactory(
                owner=people["owner"],
                purpose=purpose,
                name=community_name(visibility, policy, audience),
                slug=f"m-{visibility}-{policy}-{audience}",
                audience=AUDIENCES[audience],
                visibility=visibility,
                join_policy=policy,
            )
            MembershipFactory(community=community, user=people["member"])
            MembershipFactory(community=community, user=people["moderator"], role=Role.MODERATOR)
            ban(community, people["banned"])
            MembershipFactory(community=community, user=people["suspended"])
            for viewer, person in people.items():
                email_invitations[community.pk, viewer] = email_invitation(community, person.email)
            email_invitations[community.pk, "anonymous"] = email_invitation(
                community, "someone-new@matrix.example"
            )
            links[community.pk] = services.create_invitation_link(
                community=community, by=people["owner"], max_uses=1000, valid_days=7
            )
            communities[visibility, policy, audience] = Community.objects.get(pk=community.pk)
        # What an administrator's change of member type does, seen from the memberships.
        User.objects.filter(pk=people["suspended"].pk).update(member_type="customer")
        people["suspended"].refresh_from_db()
        sessions = {}
        for viewer, person in people.items():
            signed_in = Client()
            signed_in.force_login(person)
            sessions[viewer] = signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value
        yield World(people, communities, email_invitations, links, sessions)
        transaction.set_rollback(True)


COUNTED = {
    "memberships": (Membership, "COUNT(*)"),
    "join_requests": (JoinRequest, "COUNT(*)"),
    "acceptances": (InvitationAcceptance, "COUNT(*)"),
    "invitations": (Invitation, "COUNT(*)"),
    "uses": (Invitation, "COALESCE(SUM(use_count), 0)"),
    "bans": (Ban, "COUNT(*)"),
}
COUNTS = {
    f"counted_{name}": RawSQL(f"SELECT {expression} FROM {model._meta.db_table}", ())  # noqa: S611
    for name, (model, expression) in COUNTED.items()
}


def state(community: Community) -> dict:
    """Everything an action could change, in one query, for before/after comparisons."""
    row = Community.objects.filter(pk=community.pk).annotate(**COUNTS).values().get()
    counts = {name: row.pop(f"counted_{name}") for name in COUNTED}
    return counts | {"community": row}


def flashed(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]+', r"\1", html)


def settings_form(community: Community, description: str) -> dict:
    return {
        "purpose": community.purpose_id,
        "name": community.name,
        "slug": community.slug,
        "description": description,
        "guidelines": community.guidelines,
        "audience": community.audience,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "default_notification_level": community.default_notification_level,
        "categories": "",
    }


def assert_login_redirect(response, path: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


# -- the matrix through the pages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "visibility", "policy", "audience", "action"),
    list(itertools.product(VIEWERS, VISIBILITIES, POLICIES, AUDIENCES, ACTIONS)),
)
def test_access_matrix(
    world, client, django_capture_on_commit_callbacks, viewer, visibility, policy, audience, action
):
    community = world.communities[visibility, policy, audience]
    person = world.people.get(viewer)
    if person is not None:
        # A session made with the world: signing in anew for each case costs more than
        # the case itself.
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[viewer]
    before = state(community)
    with django_capture_on_commit_callbacks() as callbacks:
        changes = ACTION_CHECKS[action](
            client, world, community, viewer, person, visibility, policy, audience
        )
    expected = dict(before)
    for key, change in (changes or {}).items():
        if key == "community":
            expected[key] = before[key] | change
        else:
            expected[key] = before[key] + change
    assert state(community) == expected
    sends_mail = action in ("invite", "invite_with_member_type")
    # A request tells the moderators: its notification fan-out is scheduled after commit.
    tells_moderators = action == "request"
    assert len(callbacks) == (1 if (sends_mail or tells_moderators) and changes else 0)
    assert mail.outbox == []


def check_see(client, world, community, viewer, person, visibility, policy, audience):
    response = client.get(community.get_absolute_url())
    if expect_see(viewer, visibility, audience):
        assert response.status_code == 200
        assert f'<h1 class="page-title">{community.name}</h1>' in response.text
    else:
        assert response.status_code == 404
        missing = client.get("/communities/no-such-community/")
        assert missing.status_code == 404
        assert without_tokens(response.text) == without_tokens(missing.text)
        assert community.name not in response.text


def check_list(client, world, community, viewer, person, visibility, policy, audience):
    response = client.get(reverse("community_list"), {"q": community.name})
    assert response.status_code == 200
    link = f'href="{community.get_absolute_url()}"'
    assert response.text.count(link) == (1 if expect_listed(viewer, visibility, audience) else 0)


def check_read_members(client, world, community, viewer, person, visibility, policy, audience):
    response = client.get(reverse("community_members", args=[community.slug]))
    if expect_read(viewer, visibility, audience):
        assert response.status_code == 200
        for name in ("Matrix Owner", "Matrix Moderator", "Matrix Member"):
            assert name in response.text
        assert "Matrix Banned" not in response.text
    else:
        assert response.status_code == 404


def check_join(client, world, community, viewer, person, visibility, policy, audience):
    path = reverse("community_join", args=[community.slug])
    response = client.post(path)
    outcome = expect_join(viewer, visibility, policy, audience)
    return _membership_answer(response, path, community, person, outcome, JoinedVia.OPEN)


def check_request(client, world, community, viewer, person, visibility, policy, audience):
    path = reverse("community_request", args=[community.slug])
    response = client.post(path, {"message": "I work on this every day."})
    outcome = expect_request(viewer, visibility, policy, audience)
    if outcome.kind == "done":
        assert response.status_code == 302
        assert response["Location"] == community.get_absolute_url()
        assert flashed(response) == [("success", REQUEST_SENT)]
        join_request = JoinRequest.objects.get(community=community, user=person)
        assert join_request.status == JoinRequestStatus.PENDING
        assert join_request.message == "I work on this every day."
        return {"join_requests": 1}
    return _refusal(response, path, community, outcome)


def _membership_answer(response, path, community, person, outcome, joined_via):
    if outcome.kind == "done":
        assert response.status_code == 302
        assert response["Location"] == community.get_absolute_url()
        assert flashed(response) == [("success", f"Welcome to {community.name}!")]
        membership = Membership.objects.get(community=community, user=person)
        assert (membership.role, membership.joined_via) == (Role.MEMBER, joined_via)
        return {"memberships": 1, "community": {"member_count": community.member_count + 1}}
    return _refusal(response, path, community, outcome)


def _refusal(response, path, community, outcome):
    if outcome.kind == "login":
        assert_login_redirect(response, path)
    elif outcome.kind == "404":
        assert response.status_code == 404
    elif outcome.kind == "403":
        assert response.status_code == 403
        assert outcome.message in html.unescape(response.text)
    else:
        assert response.status_code == 302
        assert response["Location"] == community.get_absolute_url()
        assert flashed(response) == [("error", outcome.message)]
    return None


def check_accept_email_invitation(
    client, world, community, viewer, person, visibility, policy, audience
):
    invitation = world.email_invitations[community.pk, viewer]
    return _accept_and_check(client, community, invitation, viewer, person, audience)


def check_accept_link_invitation(
    client, world, community, viewer, person, visibility, policy, audience
):
    invitation = world.links[community.pk]
    return _accept_and_check(client, community, invitation, viewer, person, audience)


def _accept_and_check(client, community, invitation, viewer, person, audience):
    path = invitation.get_absolute_url()
    response = client.post(path)
    outcome = expect_accept(viewer, audience)
    if outcome.kind == "login":
        assert_login_redirect(response, path)
        return None
    if outcome.kind == "refused":
        assert response.status_code == 200
        assert flashed(response) == [("error", outcome.message)]
        assert outcome.message in response.text
        return None
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    assert flashed(response) == [("success", f"Welcome to {community.name}!")]
    membership = Membership.objects.get(community=community, user=person)
    assert (membership.role, membership.joined_via) == (Role.MEMBER, JoinedVia.INVITATION)
    assert InvitationAcceptance.objects.filter(invitation=invitation, user=person).count() == 1
    assert Invitation.objects.get(pk=invitation.pk).use_count == invitation.use_count + 1
    return {
        "memberships": 1,
        "acceptances": 1,
        "uses": 1,
        "community": {"member_count": community.member_count + 1},
    }


def check_invite(client, world, community, viewer, person, visibility, policy, audience):
    path = reverse("community_invite", args=[community.slug])
    invitee = "invitee@matrix.example"
    response = client.post(path, {"emails": invitee, "member_type": "", "valid_days": "14"})
    outcome = expect_gate(expect_moderate(viewer), viewer, visibility, audience, MODERATORS_ONLY)
    if outcome.kind != "done":
        _refusal(response, path, community, outcome)
        assert not Invitation.objects.filter(email=invitee).exists()
        return None
    assert response.status_code == 302
    assert response["Location"] == reverse("community_moderation", args=[community.slug])
    assert flashed(response) == [("success", "Invitation sent to 1 person.")]
    invitation = Invitation.objects.get(email=invitee)
    assert (invitation.community_id, invitation.invited_by_id) == (community.pk, person.pk)
    return {"invitations": 1}


def check_invite_with_member_type(
    client, world, community, viewer, person, visibility, policy, audience
):
    """Member types are identity: a moderator's invitation never sets one."""
    path = reverse("community_invite", args=[community.slug])
    invitee, member_type = "typed-invitee@matrix.example", AUDIENCES[audience][0]
    response = client.post(
        path, {"emails": invitee, "member_type": member_type, "valid_days": "14"}
    )
    outcome = expect_gate(expect_moderate(viewer), viewer, visibility, audience, MODERATORS_ONLY)
    if outcome.kind == "done" and viewer != "administrator":
        assert response.status_code == 200
        assert form_errors(response.text) == {"__all__": [ONLY_ADMINISTRATORS_TYPE]}
        outcome = Outcome("refused", ONLY_ADMINISTRATORS_TYPE)
    elif outcome.kind != "done":
        _refusal(response, path, community, outcome)
    if outcome.kind != "done":
        assert not Invitation.objects.filter(email=invitee).exists()
        return None
    assert response.status_code == 302
    invitation = Invitation.objects.get(email=invitee)
    assert (invitation.community_id, invitation.member_type) == (community.pk, member_type)
    return {"invitations": 1}


def check_configure(client, world, community, viewer, person, visibility, policy, audience):
    path = reverse("community_settings", args=[community.slug])
    outcome = expect_gate(expect_configure(viewer), viewer, visibility, audience, OWNERS_ONLY)
    page = client.get(path)
    response = client.post(path, settings_form(community, "Changed through the matrix."))
    if outcome.kind != "done":
        _refusal(page, path, community, outcome)
        _refusal(response, path, community, outcome)
        return None
    assert page.status_code == 200
    assert f'value="{community.slug}"' in page.text
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    assert flashed(response) == [("success", "Community settings saved.")]
    return {
        "community": {
            "description": "Changed through the matrix.",
            "description_html": "<p>Changed through the matrix.</p>\n",
        }
    }


def check_moderate(client, world, community, viewer, person, visibility, policy, audience):
    path = reverse("community_moderation", args=[community.slug])
    response = client.get(path)
    outcome = expect_gate(expect_moderate(viewer), viewer, visibility, audience, MODERATORS_ONLY)
    if outcome.kind == "done":
        assert response.status_code == 200
        assert "someone-new@matrix.example" in response.text
    else:
        _refusal(response, path, community, outcome)


ACTION_CHECKS = {
    "see": check_see,
    "list": check_list,
    "read_members": check_read_members,
    "join": check_join,
    "request": check_request,
    "invite": check_invite,
    "invite_with_member_type": check_invite_with_member_type,
    "accept_email_invitation": check_accept_email_invitation,
    "accept_link_invitation": check_accept_link_invitation,
    "configure": check_configure,
    "moderate": check_moderate,
}
assert set(ACTION_CHECKS) == set(ACTIONS)


# -- the four faces agree with each other and with the table --------------------------------


@pytest.mark.parametrize(
    ("viewer", "visibility", "policy", "audience"),
    list(itertools.product(VIEWERS, VISIBILITIES, POLICIES, AUDIENCES)),
)
def test_querysets_agree_with_booleans(world, viewer, visibility, policy, audience):
    community = world.communities[visibility, policy, audience]
    user = world.people.get(viewer) or AnonymousUser()
    plain = Community.objects.get(pk=community.pk)
    annotated = permissions.with_viewer_flags(Community.objects.filter(pk=community.pk), user).get()

    visible = communities_contain(permissions.communities_visible_to(user), community)
    listed = communities_contain(permissions.communities_listed_for(user), community)
    readable = communities_contain(permissions.communities_readable_by(user), community)

    assert visible == permissions.can_see(user, plain) == expect_see(viewer, visibility, audience)
    assert listed == expect_listed(viewer, visibility, audience)
    assert (
        readable
        == permissions.can_read_content(user, plain)
        == expect_read(viewer, visibility, audience)
    )
    if user.is_authenticated:
        in_audience_for = permissions.audience_for(plain).filter(pk=user.pk).exists()
        assert in_audience_for == readable
    for check in (
        permissions.can_see,
        permissions.can_read_content,
        permissions.can_join,
        permissions.can_request,
        permissions.can_invite,
        permissions.can_configure,
        permissions.can_moderate,
    ):
        fresh = Community.objects.get(pk=community.pk)
        assert check(user, annotated) == check(user, fresh), check.__name__
    assert permissions.can_configure(user, plain) == expect_configure(viewer)
    assert permissions.can_moderate(user, plain) == expect_moderate(viewer)
    assert permissions.can_join(user, plain) == (
        expect_join(viewer, visibility, policy, audience) == DONE
    )
    assert permissions.can_request(user, plain) == (
        expect_request(viewer, visibility, policy, audience) == DONE
    )


def communities_contain(queryset, community: Community) -> bool:
    return queryset.filter(pk=community.pk).exists()


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_audience_for_lists_exactly_the_readers(world, visibility):
    community = world.communities[visibility, "open", "employees"]
    inactive = UserFactory(member_type="employee", is_active=False)
    readers = set(permissions.audience_for(community).values_list("email", flat=True))
    matrix_people = {email for email in readers if email.endswith("@matrix.example")}
    if visibility == "public":
        assert readers == set(User.objects.filter(is_active=True).values_list("email", flat=True))
        assert inactive.email not in readers
    else:
        assert readers == set(
            User.objects.filter(is_active=True, is_staff=True).values_list("email", flat=True)
        ) | {"owner@matrix.example", "moderator@matrix.example", "member@matrix.example"}
    assert ("banned@matrix.example" in matrix_people) == (visibility == "public")
    # A member whose type left the audience is told nothing a visitor is not.
    assert ("suspended@matrix.example" in matrix_people) == (visibility == "public")
