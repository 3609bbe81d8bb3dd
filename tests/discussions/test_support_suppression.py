"""Support by member type never lets a group of fewer than five be worked out by
subtraction from the total (secondary suppression), read from the idea's page."""

import pytest

from tests.core.elements import parse
from tests.discussions.test_ideas_factories import idea_in, open_community, people_in, vote_by

pytestmark = pytest.mark.django_db

NOTE = "Shown once enough people have voted to keep small groups private."


def support_on_page(client, idea) -> tuple[list[tuple[str, str]], str, int]:
    """The groups as (label, shown value), the note under them and the vote total, as a
    visitor reads them."""
    page = parse(client.get(idea.thread.get_absolute_url()).text)
    section = page.one("section", aria_labelledby="idea-support-heading")
    cells = [(row.one("dt").text, row.one("dd").text) for row in section.one("dl").all("div")]
    note = " ".join(section.texts("p", cls="muted"))
    total = page.one(cls="idea-vote-count").one("strong").text
    return cells, note, int(total)


def test_eight_votes_five_employees_three_vendors_show_neither_exactly(client):
    # Only employees and vendors may take part: customers and partners are known to be 0,
    # so "Employees 5" next to the total 8 would give vendors away as 3.
    community = open_community(audience=("employee", "vendor"))
    idea = idea_in(community)
    vote_by(idea, people_in(community, 5, "employee") + people_in(community, 3, "vendor"))

    cells, note, total = support_on_page(client, idea)

    assert total == 8
    assert cells == [
        ("Employees", "not shown"),
        ("Customers", "fewer than 5"),
        ("Vendors", "fewer than 5"),
        ("Partners", "fewer than 5"),
    ]
    assert note == ""


def test_two_small_groups_hide_each_other(client):
    community = open_community()
    idea = idea_in(community)
    vote_by(
        idea,
        people_in(community, 10, "employee")
        + people_in(community, 6, "customer")
        + people_in(community, 3, "vendor"),
    )

    cells, _note, total = support_on_page(client, idea)

    # Vendors and partners share the 3 left over: neither can be told apart.
    assert total == 19
    assert cells == [
        ("Employees", "10"),
        ("Customers", "6"),
        ("Vendors", "fewer than 5"),
        ("Partners", "fewer than 5"),
    ]


def test_one_small_group_withholds_the_smallest_shown_one(client):
    community = open_community(audience=("employee", "customer", "vendor"))
    idea = idea_in(community)
    vote_by(
        idea,
        people_in(community, 9, "employee")
        + people_in(community, 6, "customer")
        + people_in(community, 2, "vendor"),
    )

    cells, _note, total = support_on_page(client, idea)

    # Partners may not take part (0): with customers shown, vendors would be 17 - 9 - 6 = 2.
    # Customers withheld, customers + vendors = 8 leaves vendors anywhere from 0 to 3.
    assert total == 17
    assert cells == [
        ("Employees", "9"),
        ("Customers", "not shown"),
        ("Vendors", "fewer than 5"),
        ("Partners", "fewer than 5"),
    ]


def test_a_single_group_below_the_floor_shows_no_breakdown(client):
    community = open_community(audience=("employee",))
    idea = idea_in(community)
    vote_by(idea, people_in(community, 3, "employee"))

    cells, note, total = support_on_page(client, idea)

    assert total == 3
    assert cells == []
    assert note == NOTE


def test_large_groups_are_shown_exactly(client):
    community = open_community(audience=("employee", "customer"))
    idea = idea_in(community)
    vote_by(idea, people_in(community, 7, "employee") + people_in(community, 5, "customer"))

    cells, note, total = support_on_page(client, idea)

    assert total == 12
    assert cells == [
        ("Employees", "7"),
        ("Customers", "5"),
        ("Vendors", "fewer than 5"),
        ("Partners", "fewer than 5"),
    ]
    assert note == ""
