"""The purpose page and directory as people read them.

Each goal's progress (value against target, percentage, direction, due date), chart,
measurement history and, for the purpose's managers only, its actions; the ideas linked to
the goals grouped by status, most supported first; every person-supplied text (goal names,
units, notes, idea titles, community names) shown as text, never as markup.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from discussions.models import GoalLink, Idea, IdeaStatus
from discussions.selectors import ideas as idea_selectors
from discussions.services import ideas as idea_services
from purposes import services
from tests.communities.factories import CommunityFactory, owner_of
from tests.core.reading import element, elements, links, visible_text
from tests.discussions.factories import member_of
from tests.discussions.test_ideas_factories import idea_in, open_community
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory

pytestmark = pytest.mark.django_db

CO2 = "CO₂ <per> parcel"
DEPOT = "Depot <crew> & co"


@pytest.fixture
def scene():
    """A purpose with two goals and ideas of every kind linked to them."""
    admin = AdministratorFactory()
    community = open_community(name="Depot <crew> & co", slug="depot-crew")
    purpose = community.purpose
    private = CommunityFactory(
        visibility="private", purpose=purpose, owner=owner_of(community), slug="inner"
    )
    co2 = services.add_goal(
        purpose=purpose,
        by=admin,
        metric=CO2,
        unit="kg",
        baseline=Decimal("60"),
        target=Decimal("49.5"),
        due_date=datetime.date(2027, 4, 26),
    )
    waste = services.add_goal(
        purpose=purpose,
        by=admin,
        metric="Waste",
        unit="",
        baseline=Decimal("0"),
        target=Decimal("100"),
    )
    for value, day, note in (("55.5", 15, "Quarterly <b>review</b>"), ("52", 45, "")):
        services.record_measurement(
            goal=co2,
            by=admin,
            value=Decimal(value),
            measured_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=day - 1),
            note=note,
        )
    manager = owner_of(community)

    def idea(title, status, votes, goals, where=community):
        made = idea_in(where, title=title)
        for goal in goals:
            idea_services.link_goal(thread=made.thread, goal=goal, by=manager)
        if status != IdeaStatus.NEW:
            idea_services.change_status(idea=made, by=manager, status=status, response="Done.")
        Idea.objects.filter(pk=made.pk).update(vote_count=votes)
        return made

    ideas = {
        "solar": idea("Solar <script>alert(1)</script> roofs", "implemented", 2, [co2, waste]),
        "bikes": idea("Bike couriers", "implemented", 5, [co2]),
        "night": idea('Night shifts & "quiet" hours', "planned", 1, [waste]),
        "vans": idea("Electric vans", "new", 0, [co2]),
        "secret": idea("Secret depot", "implemented", 9, [co2], where=private),
    }
    duplicate = idea("Solar panels", "new", 7, [co2])
    idea_services.merge_ideas(duplicate=duplicate, original=ideas["solar"], by=manager)
    Idea.objects.filter(pk=ideas["solar"].pk).update(vote_count=2)
    return {
        "admin": admin,
        "community": community,
        "private": private,
        "purpose": purpose,
        "co2": co2,
        "waste": waste,
        "ideas": ideas,
    }


def goal_cards(page: str) -> list:
    return elements(page, "article", "goal")


def measurement_rows(card) -> list[list[str]]:
    """The measurement history's rows, as (date, value, note) texts, latest first."""
    body = element(card.html, "tbody")
    return [[cell.text for cell in elements(row.html, "td")] for row in elements(body.html, "tr")]


def test_a_goal_card_shows_where_the_goal_stands(client, scene):
    purpose, co2 = scene["purpose"], scene["co2"]

    page = client.get(purpose.get_absolute_url()).text
    card = goal_cards(page)[0]

    assert card.attributes["id"] == f"goal-{co2.pk}"
    assert element(card.html, "span", "goal-metric").text == CO2
    assert element(card.html, "span", "goal-value").text == "52 kg of target 49.50 kg"
    progress = element(card.html, "progress")
    assert (progress.attributes["value"], progress.attributes["max"]) == ("76", "100")
    assert progress.attributes["aria-label"] == f"Progress on {CO2}"
    assert progress.text == "76%"
    assert element(card.html, "p", "goal-meta").text == (
        "76% of the way · lower is better · due April 26, 2027"
    )
    assert element(card.html, "p", "goal-ideas").text == "2 implemented ideas"
    chart = element(card.html, "img", "goal-chart")
    assert chart.attributes["src"] == reverse("goal_chart", args=[purpose.slug, co2.pk])
    assert chart.attributes["alt"] == f"Chart of {CO2} over time (2 measurements)"
    assert element(card.html, "summary").text == "Measurement history"
    assert element(card.html, "caption").text == f"Measurements of {CO2}"
    assert [cell.text for cell in elements(card.html, "th")] == ["Date", "Value", "Note"]
    assert measurement_rows(card) == [
        ["Feb. 14, 2025", "52 kg", ""],
        ["Jan. 15, 2025", "55.50 kg", "Quarterly <b>review</b>"],
    ]
    assert "<b>review</b>" not in page and "<per>" not in page


def test_a_goal_without_measurements_or_unit_or_due_date(client, scene):
    purpose, waste = scene["purpose"], scene["waste"]

    card = goal_cards(client.get(purpose.get_absolute_url()).text)[1]

    assert card.attributes["id"] == f"goal-{waste.pk}"
    assert element(card.html, "span", "goal-value").text == "0 of target 100"
    assert element(card.html, "progress").text == "0%"
    assert element(card.html, "p", "goal-meta").text == "0% of the way · higher is better"
    assert element(card.html, "p", "goal-ideas").text == "1 implemented idea"
    assert element(card.html, "img", "goal-chart").attributes["alt"] == (
        "Chart of Waste over time (0 measurements)"
    )
    assert element(card.html, "p", "empty-state").text == "No measurements yet."
    assert not elements(card.html, "table")


def manage_links(page: str) -> list[tuple[str, str]]:
    return [
        (link.text, link.href)
        for card in goal_cards(page)
        for link in links(card.html)
        if link.text in ("Record a measurement", "Edit goal")
    ]


GOAL_ACTIONS = (("Record a measurement", "measurement_create"), ("Edit goal", "goal_edit"))
PURPOSE_ACTIONS = ("Edit purpose", "Add a goal", "New challenge", "New community")


@pytest.mark.parametrize("viewer", ["visitor", "member", "owner", "administrator"])
def test_only_the_purposes_managers_see_its_actions(client, scene, viewer):
    purpose, co2, waste = scene["purpose"], scene["co2"], scene["waste"]
    people = {
        "member": member_of(scene["community"]),
        "owner": purpose.owners.order_by("pk").first(),
        "administrator": scene["admin"],
    }
    if viewer in people:
        client.force_login(people[viewer])
    manages = viewer in ("owner", "administrator")

    page = client.get(purpose.get_absolute_url()).text

    expected = [
        (label, reverse(name, args=[purpose.slug, goal.pk]))
        for goal in (co2, waste)
        for label, name in (
            ("Record a measurement", "measurement_create"),
            ("Edit goal", "goal_edit"),
        )
    ]
    assert manage_links(page) == (expected if manages else [])
    header = element(page, "header", "purpose-header")
    shown = [link.text for link in links(header.html) if link.text in PURPOSE_ACTIONS]
    assert shown == (list(PURPOSE_ACTIONS) if manages else [])
    forms = [form.attributes.get("action") for form in elements(header.html, "form")]
    follow = reverse("purpose_follow", args=[purpose.slug])
    assert bool([action for action in forms if action != follow]) is manages
    # Anyone signed in may follow the purpose; a visitor gets no follow form.
    assert (follow in forms) is (viewer in people)


def test_hostile_goal_names_units_and_notes_are_shown_as_text(client):
    hostile = "<script>alert('x')</script> \"quoted\" & 'single'"
    unit = '<img src=x onerror=alert(1)> "k\'g" &'  # a unit is 40 characters at most
    goal = GoalFactory(
        metric=f"Metric {hostile}",
        unit=unit,
        baseline=Decimal("10"),
        target=Decimal("20"),
    )
    services.record_measurement(
        goal=goal,
        by=AdministratorFactory(),
        value=Decimal("15"),
        measured_on=datetime.date(2025, 3, 1),
        note=f"Note {hostile}",
    )

    for url in (goal.purpose.get_absolute_url(), reverse("purpose_list")):
        page = client.get(url).text
        progress = element(page, "div", "goal-progress")

        assert element(progress.html, "span", "goal-metric").text == f"Metric {hostile}"
        assert element(progress.html, "span", "goal-value").text == (
            f"15 {unit} of target 20 {unit}"
        )
        assert element(progress.html, "progress").attributes["aria-label"] == (
            f"Progress on Metric {hostile}"
        )
        assert "<script>" not in page and "<img src=x" not in page
    (card,) = goal_cards(client.get(goal.purpose.get_absolute_url()).text)
    assert measurement_rows(card) == [["March 1, 2025", f"15 {unit}", f"Note {hostile}"]]
    assert element(card.html, "img", "goal-chart").attributes["alt"] == (
        f"Chart of Metric {hostile} over time (1 measurement)"
    )


def test_the_directory_shows_each_purposes_goal_progress(client, scene):
    page = client.get(reverse("purpose_list")).text

    (card,) = elements(page, "li", "purpose-card")
    assert [link.text for link in links(card.html)] == [scene["purpose"].title]
    first, second = elements(card.html, "div", "goal-progress")
    assert first.text == (
        f"{CO2} 52 kg of target 49.50 kg 76% 76% of the way · lower is better · due April 26, 2027"
    )
    assert second.text == "Waste 0 of target 100 0% 0% of the way · higher is better"


def test_the_directory_shows_three_goals_of_a_purpose_at_most(client):
    purpose = PurposeFactory(title="Many goals")
    for number in range(4):
        GoalFactory(purpose=purpose, metric=f"Goal number {number}")
    PurposeFactory(title="No goals")

    page = client.get(reverse("purpose_list")).text

    many, none = elements(page, "li", "purpose-card")
    metrics = [metric.text for metric in elements(many.html, "span", "goal-metric")]
    assert metrics == ["Goal number 0", "Goal number 1", "Goal number 2"]
    assert none.text == "No goals No goals yet."


def test_the_measurement_form_names_the_goal_and_its_numbers(client, scene):
    purpose, co2 = scene["purpose"], scene["co2"]
    client.force_login(scene["admin"])

    page = client.get(reverse("measurement_create", args=[purpose.slug, co2.pk])).text

    assert element(page, "h1").text == f"Record a measurement of {CO2}"
    assert "Baseline 60 kg, target 49.50 kg." in visible_text(page)
    assert "<per>" not in page


def test_challenges_show_their_question_state_and_times(client, scene):
    purpose = scene["purpose"]
    services.create_challenge(
        purpose=purpose,
        by=scene["admin"],
        title="Quiet <depots>",
        question='How do we cut "noise" & fumes?',
        description="Tell us **everything**.",
        opens_at=datetime.datetime(2025, 5, 2, 8, 0, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(2035, 5, 30, 17, 30, tzinfo=datetime.UTC),
    )

    page = client.get(purpose.get_absolute_url()).text

    (challenge,) = elements(page, "article", "challenge")
    assert challenge.text == (
        'Quiet <depots> Open How do we cut "noise" & fumes? Tell us everything. '
        "From May 2, 2025, 8 a.m. to May 30, 2035, 5:30 p.m."
    )
    question, emphasis = elements(challenge.html, "strong")
    assert (question.text, emphasis.text) == ('How do we cut "noise" & fumes?', "everything")
    assert "<depots>" not in page


# -- the ideas linked to the goals ------------------------------------------------------------


def linked_ideas(page: str) -> list[tuple[str, list[str]]]:
    """Each group of linked ideas: its heading and the text of each idea in it."""
    section = element(page, "section", **{"aria-labelledby": "purpose-ideas-heading"})
    return [
        (element(group.html, "h3").text, [row.text for row in elements(group.html, "li")])
        for group in elements(section.html, "section")
        if group.attributes.get("aria-labelledby") != "purpose-ideas-heading"
    ]


def idea_links(page: str) -> list[tuple[str, str]]:
    section = element(page, "section", **{"aria-labelledby": "purpose-ideas-heading"})
    return [(link.text, link.href) for link in links(section.html)]


def test_linked_ideas_by_status_most_supported_first_for_a_visitor(client, scene):
    ideas = scene["ideas"]

    page = client.get(scene["purpose"].get_absolute_url()).text

    assert linked_ideas(page) == [
        (
            "Implemented (2)",
            [
                f"Bike couriers · {DEPOT} · 5 votes · {CO2}",
                f"Solar <script>alert(1)</script> roofs · {DEPOT} · 2 votes · {CO2}, Waste",
            ],
        ),
        ("Planned (1)", [f'Night shifts & "quiet" hours · {DEPOT} · 1 vote · Waste']),
        ("New (1)", [f"Electric vans · {DEPOT} · 0 votes · {CO2}"]),
    ]
    assert idea_links(page) == [
        (idea.thread.title, idea.thread.get_absolute_url())
        for idea in (ideas["bikes"], ideas["solar"], ideas["night"], ideas["vans"])
    ]
    assert "<script>alert(1)</script>" not in page
    assert "Secret depot" not in page and "Solar panels" not in page
    # Implemented ideas per goal count only what the viewer may read.
    counts = [element(card.html, "p", "goal-ideas").text for card in goal_cards(page)]
    assert counts == ["2 implemented ideas", "1 implemented idea"]


def test_members_of_a_private_community_see_its_linked_ideas_too(client, scene):
    client.force_login(member_of(scene["private"]))

    page = client.get(scene["purpose"].get_absolute_url()).text

    assert linked_ideas(page)[0] == (
        "Implemented (3)",
        [
            f"Secret depot · {scene['private'].name} · 9 votes · {CO2}",
            f"Bike couriers · {DEPOT} · 5 votes · {CO2}",
            f"Solar <script>alert(1)</script> roofs · {DEPOT} · 2 votes · {CO2}, Waste",
        ],
    )
    counts = [element(card.html, "p", "goal-ideas").text for card in goal_cards(page)]
    assert counts == ["3 implemented ideas", "1 implemented idea"]


def test_a_long_list_shows_the_most_supported_of_each_status_and_links_to_the_rest(
    client, scene, monkeypatch
):
    monkeypatch.setattr(idea_selectors, "PURPOSE_IDEAS_PER_STATUS", 1)
    purpose = scene["purpose"]

    page = client.get(purpose.get_absolute_url()).text

    assert linked_ideas(page) == [
        ("Implemented (2)", [f"Bike couriers · {DEPOT} · 5 votes · {CO2}"]),
        ("Planned (1)", [f'Night shifts & "quiet" hours · {DEPOT} · 1 vote · Waste']),
        ("New (1)", [f"Electric vans · {DEPOT} · 0 votes · {CO2}"]),
    ]
    section = element(page, "section", **{"aria-labelledby": "purpose-ideas-heading"})
    more = [link for link in links(section.html) if link.text.startswith("and ")]
    assert [(link.text, link.href) for link in more] == [
        (
            "and 1 more idea: Implemented",
            reverse("purpose_idea_list", args=[purpose.slug]) + "?status=implemented",
        )
    ]

    # The link leads to every implemented idea the visitor may read, most supported first.
    rest = client.get(more[0].href)

    assert rest.status_code == 200
    assert element(rest.text, "h1").text == "Ideas linked to these goals: Implemented"
    assert [
        row.text for row in elements(element(rest.text, "ul", "purpose-ideas-group").html, "li")
    ] == [
        f"Bike couriers · {DEPOT} · 5 votes · {CO2}",
        f"Solar <script>alert(1)</script> roofs · {DEPOT} · 2 votes · {CO2}, Waste",
    ]
    assert "<script>alert" not in rest.text


def purpose_idea_rows(html: str) -> list[str]:
    return [row.text for row in elements(element(html, "ul", "purpose-ideas-group").html, "li")]


def test_the_purposes_idea_list_shows_what_the_viewer_may_read_a_page_at_a_time(
    client, scene, monkeypatch, django_assert_max_num_queries
):
    from tests.query_budgets import MEMBER_BUDGET, VISITOR_BUDGET

    url = reverse("purpose_idea_list", args=[scene["purpose"].slug])
    with django_assert_max_num_queries(VISITOR_BUDGET) as queries:
        visitor = client.get(url, {"status": "implemented"})
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert purpose_idea_rows(visitor.text) == [
        f"Bike couriers · {DEPOT} · 5 votes · {CO2}",
        f"Solar <script>alert(1)</script> roofs · {DEPOT} · 2 votes · {CO2}, Waste",
    ]
    assert element(visitor.text, "p", "eyebrow").text == scene["purpose"].title

    client.force_login(member_of(scene["private"]))
    monkeypatch.setattr(idea_selectors, "IDEAS_PAGE_SIZE", 2)
    with django_assert_max_num_queries(MEMBER_BUDGET):
        first = client.get(url, {"status": "implemented"})
    assert purpose_idea_rows(first.text) == [
        f"Secret depot · {scene['private'].name} · 9 votes · {CO2}",
        f"Bike couriers · {DEPOT} · 5 votes · {CO2}",
    ]
    (next_page,) = [link for link in links(first.text) if link.rel == "next"]
    second = client.get(url + next_page.href)
    assert purpose_idea_rows(second.text) == [
        f"Solar <script>alert(1)</script> roofs · {DEPOT} · 2 votes · {CO2}, Waste"
    ]
    assert not [link for link in links(second.text) if link.rel == "next"]


def test_the_purposes_idea_list_needs_a_status_it_lists(client, scene):
    url = reverse("purpose_idea_list", args=[scene["purpose"].slug])

    for status in ("", "duplicate", "nonsense"):
        assert client.get(url, {"status": status}).status_code == 404
    empty = client.get(url, {"status": "declined"})
    assert element(empty.text, "p", "empty-state").text == (
        "No ideas you can see with this status are linked to these goals."
    )


def test_no_linked_ideas(client, scene):
    GoalLink.objects.all().delete()

    page = client.get(scene["purpose"].get_absolute_url()).text

    section = element(page, "section", **{"aria-labelledby": "purpose-ideas-heading"})
    assert section.text == (
        "Ideas linked to these goals No ideas you can see are linked to these goals yet."
    )
