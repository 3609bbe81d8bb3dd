"""A purpose page's goals, linked ideas and challenges come from the cache
(`purposes.fragments.purpose_sections`) for readers who see the same: a new measurement, a
vote, an edited challenge and a challenge whose opening time passes show at the next view,
and what one reader may see or do (a private community's idea, a manager's links) never
reaches another reader."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from communities.models import Membership
from core import shown_cache
from discussions.services import ideas as idea_services
from purposes import models as purpose_models
from purposes import services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, MembershipFactory, owner_of
from tests.core.reading import element, elements, links, visible_text
from tests.discussions.factories import member_of
from tests.discussions.test_ideas_factories import idea_in, open_community
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


def purpose_scene() -> dict:
    """A purpose with a goal, an idea of its public community and one of its private
    community, both linked to the goal, and a challenge opening in an hour."""
    admin = AdministratorFactory()
    community = open_community(name="Depot crew", slug="depot-crew")
    purpose = community.purpose
    manager = owner_of(community)
    private = CommunityFactory(visibility="private", purpose=purpose, owner=manager, slug="inner")
    goal = services.add_goal(
        purpose=purpose,
        by=admin,
        metric="Parcels <by> bike",
        unit="%",
        baseline=Decimal("0"),
        target=Decimal("50"),
    )
    shown = idea_in(community, title="Bike couriers")
    secret = idea_in(private, title="Secret depot")
    for idea in (shown, secret):
        idea_services.link_goal(thread=idea.thread, goal=goal, by=manager)
    now = timezone.now()
    challenge = services.create_challenge(
        purpose=purpose,
        by=admin,
        title="Winter routes",
        question="How do we ride in the snow?",
        description="",
        opens_at=now + datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
    )
    return {
        "admin": admin,
        "purpose": purpose,
        "goal": goal,
        "community": community,
        "private": private,
        "manager": manager,
        "shown": shown,
        "secret": secret,
        "challenge": challenge,
    }


@pytest.fixture
def scene():
    return purpose_scene()


def purpose_page(client, scene, viewer=None) -> str:
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(scene["purpose"].get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def goal_text(page: str) -> str:
    return element(page, "article", "goal").text


def linked_ideas(page: str) -> str:
    return visible_text(element(page, "section", "purpose-ideas-group").html)


def challenge_text(page: str) -> str:
    return element(page, "article", "challenge").text


def test_the_same_sections_seen_twice_are_rendered_once(client, scene, monkeypatch):
    first = purpose_page(client, scene)
    rendered = []
    monkeypatch.setattr(shown_cache, "render_to_string", lambda *args: rendered.append(args))

    second = purpose_page(client, scene)

    assert rendered == []
    assert goal_text(second) == goal_text(first)
    assert "Parcels <by> bike" in goal_text(second)
    assert "<by>" not in second
    assert "Bike couriers" in linked_ideas(second)


def test_a_measurement_a_vote_and_an_edited_challenge_show_at_the_next_view(client, scene):
    page = purpose_page(client, scene)
    assert "No measurements yet." in goal_text(page)
    assert "0 votes" in linked_ideas(page)
    assert "Winter routes" in challenge_text(page)

    services.record_measurement(
        goal=scene["goal"],
        by=scene["admin"],
        value=Decimal("20"),
        measured_on=datetime.date(2026, 11, 2),
        note="First count",
    )
    for _ in range(3):
        idea_services.vote(user=member_of(scene["community"]), idea=scene["shown"])
    scene["challenge"].__class__.objects.filter(pk=scene["challenge"].pk).update(
        title="Snow routes"
    )

    page = purpose_page(client, scene)
    assert "First count" in goal_text(page)
    assert "40% of the way" in goal_text(page)
    assert "3 votes" in linked_ideas(page)
    assert "Snow routes" in challenge_text(page)


def test_a_challenge_shows_open_once_its_opening_time_has_passed(client, scene, monkeypatch):
    assert "Upcoming" in challenge_text(purpose_page(client, scene))

    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(purpose_models.timezone, "now", lambda: later)

    assert "Open" in challenge_text(purpose_page(client, scene))


def test_one_readers_ideas_and_links_are_not_shown_to_another(client, scene):
    manager = scene["manager"]
    managed = purpose_page(client, scene, manager)
    assert "Secret depot" in linked_ideas(managed)
    assert "Record a measurement" in [link.text for link in links(managed)]

    visitor = purpose_page(client, scene)
    assert "Secret depot" not in visitor
    assert "Bike couriers" in linked_ideas(visitor)
    assert "Record a measurement" not in [link.text for link in links(visitor)]

    member = purpose_page(client, scene, member_of(scene["community"]))
    assert "Secret depot" not in member
    assert "Record a measurement" not in [link.text for link in links(member)]
    assert len(elements(member, "article", "goal")) == 1

    # Sees the same ideas as the manager, and may not manage the purpose.
    insider = purpose_page(client, scene, member_of(scene["private"]))
    assert "Secret depot" in linked_ideas(insider)
    assert "Record a measurement" not in [link.text for link in links(insider)]


def test_the_linked_ideas_follow_each_readers_memberships_and_type_as_they_change(client, scene):
    """The reading rule's SQL for the linked ideas is compiled once per reader (their id,
    member type and whether they administer the site), in each process: who belongs
    where is read when the query runs, so a membership, a departure and a change of
    member type show at the next view of the same reader."""
    reader = UserFactory(member_type="employee")
    assert "Secret depot" not in purpose_page(client, scene, reader)
    membership = MembershipFactory(community=scene["private"], user=reader)
    assert "Secret depot" in purpose_page(client, scene, reader)
    # Another reader who is no member is not given the first reader's rule.
    assert "Secret depot" not in purpose_page(client, scene, UserFactory(member_type="employee"))
    # Out of the private community's audience: the membership is suspended.
    reader.member_type = "vendor"
    reader.save(update_fields=["member_type"])
    assert "Secret depot" not in purpose_page(client, scene, reader)
    reader.member_type = "employee"
    reader.save(update_fields=["member_type"])
    assert "Secret depot" in purpose_page(client, scene, reader)
    Membership.objects.filter(pk=membership.pk).delete()
    assert "Secret depot" not in purpose_page(client, scene, reader)
