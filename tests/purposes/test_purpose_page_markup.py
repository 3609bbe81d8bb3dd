"""The exact markup of the purpose page's goals and linked ideas.

Both are built in Python (purposes.templatetags.goals, discussions.templatetags.
linked_ideas); these tests pin what people see: each goal's progress, chart, measurement
history and, for managers, its actions; the linked ideas grouped by status, most supported
first, with their community, votes and goals; every person-supplied text escaped.
Whitespace between tags is normalised: the markup, not the indentation, is pinned.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from discussions.models import GoalLink, Idea, IdeaStatus
from discussions.selectors import ideas as idea_selectors
from discussions.services import ideas as idea_services
from purposes import services
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.factories import member_of
from tests.discussions.test_ideas_factories import idea_in, open_community
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def section(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, pattern
    return squeeze(match.group(0))


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
        metric="CO₂ <per> parcel",
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


def row(idea: Idea, community: str, votes: str, goals: str) -> str:
    return (
        f'<li> <a href="/communities/{idea.community.slug}/threads/{idea.thread_id}/">'
        f"{idea.title_html}</a> "
        f'<span class="muted">· {community} · {votes} · {goals}</span> </li>'
    )


def group(number: int, status: str, rows: list[str]) -> str:
    return (
        f'<section class="card purpose-ideas-group" aria-labelledby="purpose-ideas-{number}"> '
        f'<h3 id="purpose-ideas-{number}">{status} <span class="muted">({len(rows)})</span></h3> '
        f'<ul class="plain-list"> {" ".join(rows)} </ul> </section>'
    )


def titled(scene) -> dict:
    titles = {
        "solar": "Solar &lt;script&gt;alert(1)&lt;/script&gt; roofs",
        "bikes": "Bike couriers",
        "night": "Night shifts &amp; &quot;quiet&quot; hours",
        "vans": "Electric vans",
        "secret": "Secret depot",
    }
    for key, idea in scene["ideas"].items():
        idea.title_html = titles[key]
    return scene["ideas"]


IDEAS_SECTION = (
    r'<section aria-labelledby="purpose-ideas-heading">.*?</section>\s*'
    r'<section aria-labelledby="challenges-heading">'
)
CO2 = "CO₂ &lt;per&gt; parcel"
DEPOT = "Depot &lt;crew&gt; &amp; co"


def test_linked_ideas_by_status_most_supported_first_for_a_visitor(client, scene):
    ideas = titled(scene)

    page = client.get(scene["purpose"].get_absolute_url()).content.decode()

    assert section(page, IDEAS_SECTION) == squeeze(
        '<section aria-labelledby="purpose-ideas-heading"> '
        '<h2 id="purpose-ideas-heading">Ideas linked to these goals</h2> '
        + group(
            1,
            "Implemented",
            [
                row(ideas["bikes"], DEPOT, "5 votes", CO2),
                row(ideas["solar"], DEPOT, "2 votes", f"{CO2}, Waste"),
            ],
        )
        + " "
        + group(2, "Planned", [row(ideas["night"], DEPOT, "1 vote", "Waste")])
        + " "
        + group(3, "New", [row(ideas["vans"], DEPOT, "0 votes", CO2)])
        + ' </section> <section aria-labelledby="challenges-heading">'
    )
    assert "<script>alert(1)</script>" not in page
    assert "Secret depot" not in page and "Solar panels" not in page
    # Implemented ideas per goal count only what the viewer may read.
    counts = re.findall(r'<p class="goal-ideas muted">(.*?)</p>', page)
    assert counts == ["2 implemented ideas", "1 implemented idea"]


def test_members_of_a_private_community_see_its_linked_ideas_too(client, scene):
    ideas = titled(scene)
    client.force_login(member_of(scene["private"]))

    page = client.get(scene["purpose"].get_absolute_url()).content.decode()

    implemented = section(page, r'<section class="card purpose-ideas-group".*?</section>')
    assert implemented == squeeze(
        group(
            1,
            "Implemented",
            [
                row(ideas["secret"], scene["private"].name, "9 votes", CO2),
                row(ideas["bikes"], DEPOT, "5 votes", CO2),
                row(ideas["solar"], DEPOT, "2 votes", f"{CO2}, Waste"),
            ],
        )
    )
    assert re.findall(r'<p class="goal-ideas muted">(.*?)</p>', page) == [
        "3 implemented ideas",
        "1 implemented idea",
    ]


def test_a_long_list_shows_the_most_supported_links_and_says_so(client, scene, monkeypatch):
    ideas = titled(scene)
    monkeypatch.setattr(idea_selectors, "PURPOSE_IDEAS_LIMIT", 2)

    page = client.get(scene["purpose"].get_absolute_url()).content.decode()

    assert section(page, IDEAS_SECTION) == squeeze(
        '<section aria-labelledby="purpose-ideas-heading"> '
        '<h2 id="purpose-ideas-heading">Ideas linked to these goals</h2> '
        + group(
            1,
            "Implemented",
            [
                row(ideas["bikes"], DEPOT, "5 votes", CO2),
                row(ideas["solar"], DEPOT, "2 votes", CO2),
            ],
        )
        + ' <p class="muted">Showing the most supported linked ideas.</p> </section> '
        '<section aria-labelledby="challenges-heading">'
    )


def test_no_linked_ideas(client, scene):
    GoalLink.objects.all().delete()

    page = client.get(scene["purpose"].get_absolute_url()).content.decode()

    assert section(page, IDEAS_SECTION) == squeeze(
        '<section aria-labelledby="purpose-ideas-heading"> '
        '<h2 id="purpose-ideas-heading">Ideas linked to these goals</h2> '
        '<p class="empty-state">No ideas you can see are linked to these goals yet.</p> '
        '</section> <section aria-labelledby="challenges-heading">'
    )


def goal_cards(scene, *, manage: bool) -> str:
    """The two goal cards; an administrator reads the private community's idea too."""
    purpose, co2, waste = scene["purpose"], scene["co2"], scene["waste"]

    def actions(goal):
        if not manage:
            return ""
        record = reverse("measurement_create", args=[purpose.slug, goal.pk])
        edit = reverse("goal_edit", args=[purpose.slug, goal.pk])
        return (
            '<div class="form-actions"> '
            f'<a class="button button-primary" href="{record}">Record a measurement</a> '
            f'<a class="button button-secondary" href="{edit}">Edit goal</a> </div> '
        )

    def chart(goal):
        return reverse("goal_chart", args=[purpose.slug, goal.pk])

    return (
        f'<article class="card goal" id="goal-{co2.pk}"> <div class="goal-progress"> '
        '<div class="goal-numbers"> '
        f'<span class="goal-metric">{CO2}</span> '
        '<span class="goal-value">52 kg <span class="muted">of target 49.50 kg</span></span> '
        "</div> "
        f'<progress max="100" value="76" aria-label="Progress on {CO2}">76%</progress> '
        '<p class="goal-meta muted">76% of the way · lower is better · due April 26, 2027</p> '
        "</div> "
        f'<p class="goal-ideas muted">{3 if manage else 2} implemented ideas</p> '
        f'<img class="goal-chart" src="{chart(co2)}" width="640" height="280" '
        f'alt="Chart of {CO2} over time (2 measurements)" loading="lazy"> '
        "<details> <summary>Measurement history</summary> <table> "
        f'<caption class="visually-hidden">Measurements of {CO2}</caption> '
        '<thead><tr><th scope="col">Date</th><th scope="col">Value</th>'
        '<th scope="col">Note</th></tr></thead> '
        "<tbody><tr><td>Feb. 14, 2025</td><td>52 kg</td><td></td></tr>"
        "<tr><td>Jan. 15, 2025</td><td>55.50 kg</td>"
        "<td>Quarterly &lt;b&gt;review&lt;/b&gt;</td></tr></tbody> </table> </details> "
        f"{actions(co2)}</article> "
        f'<article class="card goal" id="goal-{waste.pk}"> <div class="goal-progress"> '
        '<div class="goal-numbers"> <span class="goal-metric">Waste</span> '
        '<span class="goal-value">0 <span class="muted">of target 100 </span></span> </div> '
        '<progress max="100" value="0" aria-label="Progress on Waste">0%</progress> '
        '<p class="goal-meta muted">0% of the way · higher is better</p> </div> '
        '<p class="goal-ideas muted">1 implemented idea</p> '
        f'<img class="goal-chart" src="{chart(waste)}" width="640" height="280" '
        'alt="Chart of Waste over time (0 measurements)" loading="lazy"> '
        '<p class="empty-state">No measurements yet.</p> '
        f"{actions(waste)}</article>"
    )


GOALS_SECTION = r'<section aria-labelledby="goals-heading">.*?</section>'


@pytest.mark.parametrize("manage", [False, True], ids=["visitor", "administrator"])
def test_goal_cards(client, scene, manage):
    if manage:
        client.force_login(scene["admin"])

    page = client.get(scene["purpose"].get_absolute_url()).content.decode()

    assert section(page, GOALS_SECTION) == squeeze(
        '<section aria-labelledby="goals-heading"> <h2 id="goals-heading">Goals</h2> '
        + goal_cards(scene, manage=manage)
        + " </section>"
    )
    assert "<b>review</b>" not in page and "<per>" not in page


def test_the_directory_shows_each_purposes_goal_progress(client, scene):
    page = client.get(reverse("purpose_list")).content.decode()

    progress = section(page, r'<div class="goal-progress">.*?</p>\s*</div>')
    assert progress == squeeze(
        '<div class="goal-progress"> <div class="goal-numbers"> '
        f'<span class="goal-metric">{CO2}</span> '
        '<span class="goal-value">52 kg <span class="muted">of target 49.50 kg</span></span> '
        f'</div> <progress max="100" value="76" aria-label="Progress on {CO2}">76%</progress> '
        '<p class="goal-meta muted">76% of the way · lower is better · due April 26, 2027</p> '
        "</div>"
    )
