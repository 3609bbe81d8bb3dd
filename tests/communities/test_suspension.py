"""A membership whose holder leaves the community's audience is suspended, not kept.

The person's type changes (an administrator's decision, or a verified address on another
organisation's domain), or the owners narrow the audience: either way the membership
stays on record but grants nothing beyond what a visitor has, its owners see why, and it
comes back by itself when the person is in the audience again.
"""

import html

import pytest
from django.urls import reverse

from accounts import services as account_services
from communities import permissions
from communities.models import Membership
from discussions.models import IdeaVote, Post, Reaction, Thread
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.discussions.test_ideas_factories import idea_in
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

SUSPENDED_NOTICE = (
    "Your membership is suspended: this community is open to employees only, and your "
    "account is now a customer account. It is restored by itself if that changes."
)


def become(person, member_type: str) -> None:
    account_services.change_member_type(
        user=person,
        organisation=None,
        member_type=member_type,
        changed_by=AdministratorFactory(),
        reason="Moved to the customer side",
    )
    person.refresh_from_db()


def counts() -> dict:
    return {
        "memberships": Membership.objects.count(),
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "reactions": Reaction.objects.count(),
        "votes": IdeaVote.objects.count(),
    }


def test_a_member_who_becomes_a_customer_can_no_longer_read_a_private_employee_community(client):
    community = CommunityFactory(visibility="private", audience=("employee",))
    thread = ThreadFactory(community=community, title="Depot charging plan")
    person = member_of(community)
    client.force_login(person)
    assert client.get(thread.get_absolute_url()).status_code == 200

    become(person, "customer")

    # Private: its audience finds the page through a link; a customer is not its audience.
    assert client.get(community.get_absolute_url()).status_code == 404
    assert client.get(reverse("thread_list", args=[community.slug])).status_code == 404
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(reverse("community_members", args=[community.slug])).status_code == 404
    search = client.get(reverse("search"), {"q": "charging"})
    assert "Depot charging plan" not in search.text
    home = client.get(reverse("home"))
    assert community.name not in home.text


def test_a_suspended_member_of_a_public_community_reads_like_a_visitor_and_cannot_write(client):
    community = CommunityFactory(visibility="public", audience=("employee",))
    thread = ThreadFactory(community=community, title="Route planning")
    idea = idea_in(community, title="Night deliveries")
    post = PostFactory(thread=thread, body="First reply")
    person = member_of(community)
    become(person, "customer")
    client.force_login(person)
    before = counts()

    page = client.get(community.get_absolute_url())
    assert page.status_code == 200
    assert SUSPENDED_NOTICE in html.unescape(page.text)
    assert "Join community" not in page.text
    assert "Save notification settings" not in page.text

    reply = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]), {"body": "Still here?"}
    )
    new_thread = client.post(
        reverse("thread_create", args=[community.slug]),
        {"kind": "discussion", "title": "New", "body": "Body"},
    )
    react = client.post(
        reverse("post_react", args=[community.slug, thread.pk, post.pk]), {"emoji": "👍"}
    )
    vote = client.post(reverse("idea_vote", args=[community.slug, idea.thread_id]))

    for response in (reply, new_thread, react, vote):
        assert response.status_code in (200, 302, 403), response.wsgi_request.path
    assert counts() == before
    thread_page = client.get(thread.get_absolute_url())
    assert SUSPENDED_NOTICE in html.unescape(thread_page.text)


def test_owners_see_the_suspension_and_its_reason_in_the_member_list(client):
    community = CommunityFactory(visibility="private", audience=("employee",))
    person = member_of(community, display_name="Noor Haddad")
    become(person, "customer")

    client.force_login(owner_of(community))
    members = client.get(reverse("community_members", args=[community.slug]))

    assert members.status_code == 200
    assert "Noor Haddad" in members.text
    assert "Suspended: customer, outside this community" in html.unescape(members.text)

    other_member = member_of(community)
    client.force_login(other_member)
    as_member = client.get(reverse("community_members", args=[community.slug]))
    assert "Noor Haddad" in as_member.text
    assert "Suspended" not in as_member.text


def test_narrowing_the_audience_suspends_and_widening_it_restores(client):
    community = CommunityFactory(visibility="private", audience=("employee", "customer"))
    thread = ThreadFactory(community=community, title="Customer feedback round")
    customer = member_of(community, member_type="customer")
    client.force_login(customer)
    assert client.get(thread.get_absolute_url()).status_code == 200

    community.open_to_customers = False
    community.save(update_fields=["open_to_customers"])
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert Membership.objects.filter(community=community, user=customer).exists()

    community.open_to_customers = True
    community.save(update_fields=["open_to_customers"])
    assert client.get(thread.get_absolute_url()).status_code == 200
    reply = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]), {"body": "Back again."}
    )
    assert reply.status_code == 302
    assert Post.objects.filter(thread=thread, author=customer, body="Back again.").exists()


def test_the_membership_comes_back_when_the_person_returns_to_the_audience(client):
    community = CommunityFactory(visibility="secret", audience=("employee",))
    thread = ThreadFactory(community=community)
    person = member_of(community)
    become(person, "customer")
    client.force_login(person)
    assert client.get(thread.get_absolute_url()).status_code == 404

    become(person, "employee")

    assert client.get(thread.get_absolute_url()).status_code == 200
    assert community.name in client.get(reverse("home")).text


def test_a_suspended_moderator_loses_moderation(client):
    community = CommunityFactory(visibility="public", audience=("employee",))
    moderator = member_of(community, role="moderator")
    become(moderator, "vendor")
    client.force_login(moderator)

    response = client.get(reverse("community_moderation", args=[community.slug]))

    assert response.status_code == 403
    assert "Only the community's moderators can do this." in html.unescape(response.text)


def test_directory_cards_do_not_call_a_suspended_person_a_member(client):
    community = CommunityFactory(name="Fleet electrification", visibility="public")
    person = member_of(community)
    client.force_login(person)
    listed = client.get(reverse("community_list"), {"q": "Fleet"})
    assert "You are a member" in listed.text

    become(person, "customer")

    listed = client.get(reverse("community_list"), {"q": "Fleet"})
    assert "Fleet electrification" in listed.text
    assert "You are a member" not in listed.text


def test_a_type_change_takes_effect_on_the_instances_already_in_hand():
    """A request or task that changed someone's type and checks access again with the same
    objects must get the new answer, not the remembered one."""
    community = CommunityFactory(visibility="private", audience=("employee",))
    person = member_of(community)
    assert permissions.can_read_content(person, community)

    account_services.change_member_type(
        user=person, organisation=None, member_type="customer", changed_by=AdministratorFactory()
    )

    assert person.member_type == "customer"
    assert not permissions.can_read_content(person, community)
    assert permissions.is_suspended(person, community)
