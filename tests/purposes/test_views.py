import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.models import Role
from purposes.models import (
    Challenge,
    Goal,
    Measurement,
    Purpose,
    PurposeStatus,
    PurposeStatusChange,
)
from tests.accounts.factories import UserFactory
from tests.communities.factories import MembershipFactory
from tests.core.reading import Element, field_errors, links, visible_text
from tests.core.reading import element as page_element
from tests.core.reading import elements as page_elements
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory, record
from tests.purposes.test_services import SCRIPTED, SCRIPTED_HTML, elements

pytestmark = pytest.mark.django_db


def employee(**fields):
    return UserFactory(member_type="employee", **fields)


def flashed(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def snapshot() -> dict:
    return {
        "purposes": sorted(
            Purpose.objects.values_list("slug", "title", "statement", "status", "cover_colour")
        ),
        "owners": sorted(Purpose.owners.through.objects.values_list("purpose_id", "user_id")),
        "status_changes": PurposeStatusChange.objects.count(),
        "goals": sorted(
            Goal.objects.values_list("pk", "metric", "baseline", "target", "current_value")
        ),
        "measurements": Measurement.objects.count(),
        "challenges": Challenge.objects.count(),
    }


def purpose_titles(response) -> list[Element]:
    """The title of each purpose the directory lists, in the page's order."""
    return [
        page_element(card.html, "h2") for card in page_elements(response.text, "li", "purpose-card")
    ]


def purposes_listed(response) -> list[str]:
    return [title.text for title in purpose_titles(response)]


def purpose_form(**fields) -> dict:
    return {
        "title": "Cut delivery CO2",
        "slug": "cut-delivery-co2",
        "statement": "Less *CO2* per parcel.",
        "cover_colour": "green",
        "owners": "",
    } | fields


# -- creating and editing -----------------------------------------------------------------


def test_an_administrator_creates_a_purpose_with_goals_and_a_measurement(client):
    administrator = AdministratorFactory()
    owner = employee(email="ana@example.org")
    client.force_login(administrator)

    created = client.post(
        reverse("purpose_create"), purpose_form(owners="ANA@example.org, ana@example.org")
    )
    client.get(created["Location"])  # shows, and so consumes, the message
    purpose = Purpose.objects.get()
    assert created["Location"] == "/purposes/cut-delivery-co2/"
    assert flashed(created) == [("success", "Purpose created. Add its goals next.")]
    assert list(purpose.owners.all()) == [owner]
    assert purpose.statement_html == "<p>Less <em>CO2</em> per parcel.</p>\n"

    goal_path = reverse("goal_create", args=[purpose.slug])
    for goal in (
        {"metric": "CO2", "unit": "t", "baseline": "1200", "target": "800"},
        {"metric": "Recycled", "unit": "%", "baseline": "10", "target": "60"},
    ):
        added = client.post(goal_path, goal, follow=True)
        assert added.redirect_chain == [(purpose.get_absolute_url(), 302)]
    co2, recycled = Goal.objects.order_by("position")
    assert (co2.direction, recycled.direction) == ("decrease", "increase")
    measured = client.post(
        reverse("measurement_create", args=[purpose.slug, co2.pk]),
        {"value": "1000", "measured_on": timezone.localdate().isoformat(), "note": "Q1"},
    )
    assert flashed(measured) == [("success", "Measurement recorded.")]

    page = client.get(purpose.get_absolute_url())
    bars = [bar.attributes["value"] for bar in page_elements(page.text, "progress")]
    assert bars == ["50", "0"]
    assert visible_text(page.text).count("50% of the way") == 1
    charts = [chart.attributes["src"] for chart in page_elements(page.text, "img", "goal-chart")]
    assert f"/purposes/cut-delivery-co2/goals/{co2.pk}/chart.svg" in charts


def test_people_other_than_administrators_cannot_create_purposes(client):
    client.force_login(employee())
    before = snapshot()

    assert client.get(reverse("purpose_create")).status_code == 404
    assert client.post(reverse("purpose_create"), purpose_form()).status_code == 404
    assert snapshot() == before
    client.logout()
    response = client.post(reverse("purpose_create"), purpose_form())
    assert response["Location"] == f"{reverse('account_login')}?next={reverse('purpose_create')}"
    assert snapshot() == before


def test_duplicate_purpose_slug_is_a_form_error(client):
    PurposeFactory(slug="cut-delivery-co2", title="The first")
    client.force_login(AdministratorFactory())
    before = snapshot()

    response = client.post(reverse("purpose_create"), purpose_form())

    assert response.status_code == 200
    assert field_errors(response.text) == {"slug": ["Another purpose already uses this address."]}
    assert snapshot() == before


def test_unknown_owner_addresses_are_a_form_error(client):
    client.force_login(AdministratorFactory())

    response = client.post(reverse("purpose_create"), purpose_form(owners="nobody@example.org"))

    assert field_errors(response.text) == {
        "owners": ["No one has signed up with: nobody@example.org"]
    }
    assert Purpose.objects.count() == 0


def management_requests(purpose: Purpose, goal: Goal) -> list[tuple[str, str, dict]]:
    today = timezone.localdate().isoformat()
    return [
        ("get", reverse("purpose_edit", args=[purpose.slug]), {}),
        ("post", reverse("purpose_edit", args=[purpose.slug]), purpose_form(slug=purpose.slug)),
        ("post", reverse("purpose_status", args=[purpose.slug]), {"status": "retired"}),
        (
            "post",
            reverse("goal_create", args=[purpose.slug]),
            {"metric": "M", "unit": "", "baseline": "1", "target": "2"},
        ),
        (
            "post",
            reverse("goal_edit", args=[purpose.slug, goal.pk]),
            {"metric": "M", "unit": "", "baseline": "1", "target": "2"},
        ),
        (
            "post",
            reverse("measurement_create", args=[purpose.slug, goal.pk]),
            {"value": "1", "measured_on": today},
        ),
        (
            "post",
            reverse("challenge_create", args=[purpose.slug]),
            {
                "title": "T",
                "question": "Q",
                "opens_at": "2030-01-01T10:00",
                "closes_at": "2030-01-02T10:00",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("viewer", "status", "expected"),
    [
        ("anonymous", "active", "login"),
        ("anonymous", "draft", "login"),
        ("employee", "active", 403),
        ("employee", "draft", 404),
        ("community owner", "active", 403),
        ("purpose owner", "active", "allowed"),
        ("purpose owner", "draft", "allowed"),
        ("administrator", "draft", "allowed"),
    ],
)
def test_only_owners_and_administrators_manage_a_purpose(client, viewer, status, expected):
    purpose = PurposeFactory(status=status)
    goal = GoalFactory(purpose=purpose)
    people = {
        "employee": employee(),
        "community owner": None,
        "purpose owner": purpose.owners.get(),
        "administrator": AdministratorFactory(),
    }
    if viewer == "community owner":
        # Owning one of the purpose's communities gives no rights over the purpose.
        community = community_services.create_community(
            by=AdministratorFactory(), purpose=purpose, name="C", slug="c"
        )
        people[viewer] = MembershipFactory(community=community, role=Role.OWNER).user
    if viewer != "anonymous":
        client.force_login(people[viewer])
    before = snapshot()

    for method, path, data in management_requests(purpose, goal):
        response = getattr(client, method)(path, data)
        if expected == "login":
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('account_login')}?next={path}"
        elif expected == "allowed":
            assert response.status_code == (302 if method == "post" else 200), (
                path,
                field_errors(response.text),
            )
        else:
            assert response.status_code == expected, path

    if expected == "allowed":
        after = snapshot()
        assert after["measurements"] == before["measurements"] + 1
        assert after["challenges"] == before["challenges"] + 1
        assert len(after["goals"]) == len(before["goals"]) + 1
        assert Purpose.objects.get(pk=purpose.pk).status == PurposeStatus.RETIRED
    else:
        assert snapshot() == before


def test_a_target_equal_to_the_baseline_is_refused_in_the_page(client):
    purpose = PurposeFactory()
    client.force_login(purpose.owners.get())
    before = snapshot()

    response = client.post(
        reverse("goal_create", args=[purpose.slug]),
        {"metric": "Flat", "unit": "", "baseline": "5", "target": "5.00"},
    )

    assert response.status_code == 200
    assert field_errors(response.text) == {
        "target": ["The target must differ from the baseline, or there is nothing to move."]
    }
    assert snapshot() == before


def test_a_challenge_closing_before_it_opens_is_refused_in_the_page(client):
    purpose = PurposeFactory()
    client.force_login(purpose.owners.get())
    before = snapshot()

    response = client.post(
        reverse("challenge_create", args=[purpose.slug]),
        {
            "title": "Ideas",
            "question": "How?",
            "opens_at": "2030-05-02T10:00",
            "closes_at": "2030-05-02T09:00",
        },
    )

    assert response.status_code == 200
    assert field_errors(response.text) == {
        "closes_at": ["The closing time must be after the opening time."]
    }
    assert snapshot() == before


def test_a_future_measurement_is_refused_in_the_page(client):
    goal = GoalFactory()
    client.force_login(goal.purpose.owners.get())
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        reverse("measurement_create", args=[goal.purpose.slug, goal.pk]),
        {"value": "10", "measured_on": tomorrow.isoformat()},
    )

    assert field_errors(response.text) == {
        "measured_on": ["A measurement cannot be dated in the future."]
    }
    assert Measurement.objects.count() == 0


def test_a_goal_of_another_purpose_is_not_found(client):
    purpose = PurposeFactory()
    other_goal = GoalFactory()
    client.force_login(purpose.owners.get())

    response = client.post(
        reverse("measurement_create", args=[purpose.slug, other_goal.pk]),
        {"value": "10", "measured_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 404
    assert Measurement.objects.count() == 0


# -- seeing -------------------------------------------------------------------------------


def test_a_draft_purpose_is_not_found_for_people_who_do_not_own_it(client):
    purpose = PurposeFactory(status=PurposeStatus.DRAFT, title="Secret plan")
    goal = GoalFactory(purpose=purpose)
    paths = [
        purpose.get_absolute_url(),
        reverse("goal_chart", args=[purpose.slug, goal.pk]),
    ]

    for viewer in (None, employee()):
        if viewer:
            client.force_login(viewer)
        for path in paths:
            assert client.get(path).status_code == 404
        assert "Secret plan" not in client.get(reverse("purpose_list"), {"status": "draft"}).text

    for viewer in (purpose.owners.get(), AdministratorFactory()):
        client.force_login(viewer)
        for path in paths:
            assert client.get(path).status_code == 200
        assert "Secret plan" in client.get(reverse("purpose_list"), {"status": "draft"}).text


def test_directory_shows_active_purposes_by_default(client):
    PurposeFactory(title="Running", status=PurposeStatus.ACTIVE)
    PurposeFactory(title="Done", status=PurposeStatus.ACHIEVED)

    default = client.get(reverse("purpose_list"))
    achieved = client.get(reverse("purpose_list"), {"status": "achieved"})
    unknown = client.get(reverse("purpose_list"), {"status": "nonsense"})

    assert purposes_listed(default) == ["Running"]
    assert purposes_listed(achieved) == ["Done"]
    assert purposes_listed(unknown) == ["Running"]


def test_purpose_directory_pages_show_every_purpose_once(client):
    administrator = AdministratorFactory()
    for index in range(50):
        PurposeFactory(by=administrator, title=f"Purpose {index % 5}", owners=[administrator])

    seen, query = [], ""
    while query is not None:
        response = client.get(reverse("purpose_list") + query)
        seen += [link.href for title in purpose_titles(response) for link in links(title.html)]
        following = [link.href for link in links(response.text) if link.rel == "next"]
        query = following[0] if following else None

    assert len(seen) == 50
    assert set(seen) == {purpose.get_absolute_url() for purpose in Purpose.objects.all()}


def test_the_chart_is_an_svg_image_naming_the_metric(client):
    goal = GoalFactory(metric="Delivery CO2", baseline=Decimal("1200"), target=Decimal("800"))
    record(goal, "1100", days_ago=30)
    record(goal, "950", days_ago=1)

    response = client.get(reverse("goal_chart", args=[goal.purpose.slug, goal.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert "Delivery CO2" in svg
    assert svg.count("<path") >= 2  # the measured line and the target line


def test_a_metric_name_with_markup_stays_text_in_the_chart(client):
    goal = GoalFactory(metric='CO2 <script>alert("x")</script>')

    svg = client.get(reverse("goal_chart", args=[goal.purpose.slug, goal.pk])).content.decode()

    assert "<script>alert" not in svg
    assert "CO2 &lt;script&gt;alert" in svg


def test_the_chart_of_a_goal_without_measurements(client):
    goal = GoalFactory(metric="Parcels")

    response = client.get(reverse("goal_chart", args=[goal.purpose.slug, goal.pk]))

    assert response["Content-Type"] == "image/svg+xml"
    assert "Parcels" in response.content.decode()
    assert "No measurements yet" in response.content.decode()


@pytest.mark.parametrize(
    ("viewer", "shown"),
    [
        ("anonymous", ["Public circle"]),
        ("employee", ["Listed circle", "Public circle"]),
        ("vendor", ["Public circle"]),
        ("secret member", ["Listed circle", "Public circle", "Secret circle"]),
        ("administrator", ["Listed circle", "Private circle", "Public circle", "Secret circle"]),
    ],
)
def test_purpose_page_lists_only_communities_the_viewer_may_see(client, viewer, shown):
    purpose = PurposeFactory()
    administrator = AdministratorFactory()
    communities = {}
    for visibility in ("public", "listed", "private", "secret"):
        communities[visibility] = community_services.create_community(
            by=administrator,
            purpose=purpose,
            name=f"{visibility.title()} circle",
            slug=f"{visibility}-circle",
            visibility=visibility,
            audience=["employee"],
        )
    people = {
        "employee": employee(),
        "vendor": UserFactory(member_type="vendor"),
        "secret member": MembershipFactory(community=communities["secret"]).user,
        "administrator": administrator,
    }
    if viewer != "anonymous":
        client.force_login(people[viewer])

    response = client.get(purpose.get_absolute_url())

    assert response.status_code == 200
    section = page_element(response.text, "section", **{"aria-labelledby": "communities-heading"})
    assert [card.text for card in page_elements(section.html, "h3")] == shown
    for visibility in ("public", "listed", "private", "secret"):
        name = f"{visibility.title()} circle"
        assert (name in response.text) == (name in shown), name


def test_a_statement_with_script_and_javascript_links_is_rendered_harmless(client):
    purpose = PurposeFactory(statement=SCRIPTED, title="Safe words")

    response = client.get(purpose.get_absolute_url())

    assert Purpose.objects.get(pk=purpose.pk).statement_html == SCRIPTED_HTML
    assert SCRIPTED_HTML.strip() in response.text
    page_elements = elements(response.text)
    assert not [tag for tag, attrs in page_elements if tag in ("img", "iframe", "object")]
    assert not [
        attrs
        for tag, attrs in page_elements
        for name, value in attrs
        if name.startswith("on") or (value or "").strip().lower().startswith("javascript:")
    ]
    scripts = [attrs for tag, attrs in page_elements if tag == "script"]
    assert all(dict(attrs).get("src", "").startswith("/static/") for attrs in scripts)


def test_editing_a_statement_sanitises_it_again(client):
    purpose = PurposeFactory(statement="Plain")
    client.force_login(purpose.owners.get())

    response = client.post(
        reverse("purpose_edit", args=[purpose.slug]),
        purpose_form(title=purpose.title, slug=purpose.slug, statement=SCRIPTED),
    )

    assert response.status_code == 302
    purpose.refresh_from_db()
    assert purpose.statement_html == SCRIPTED_HTML
    assert list(purpose.owners.all()) == [purpose.owners.get()]


def test_the_goal_chart_carries_no_script(client):
    goal = GoalFactory(metric="Delivery CO2")

    response = client.get(reverse("goal_chart", args=[goal.purpose.slug, goal.pk]))

    assert response.status_code == 200
    assert "<script" not in response.content.decode()
    assert "Delivery CO2" in response.content.decode()
