import datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from purposes import permissions, selectors, services
from purposes.forms import ChallengeForm, GoalForm
from purposes.models import (
    Challenge,
    ChallengeState,
    Goal,
    GoalDirection,
    Measurement,
    Purpose,
    PurposeStatus,
    PurposeStatusChange,
)
from tests.accounts.factories import UserFactory
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory, record

pytestmark = pytest.mark.django_db

SAME_TARGET = "The target must differ from the baseline, or there is nothing to move."
CLOSES_FIRST = "The closing time must be after the opening time."

SCRIPTED = (
    "Hello <script>alert(1)</script> and [click](javascript:alert(1)) and "
    "[ok](https://example.org) <img src=x onerror=alert(1)>\n\n"
    '<a href="javascript:alert(2)">x</a> [ent](jav&#x61;script:alert(4))'
)
SCRIPTED_HTML = (
    "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; and [click](javascript:alert(1)) and "
    '<a href="https://example.org" rel="nofollow ugc noopener">ok</a> '
    "&lt;img src=x onerror=alert(1)&gt;</p>\n"
    '<p>&lt;a href="javascript:alert(2)"&gt;x&lt;/a&gt; [ent](javascript:alert(4))</p>\n'
)


# -- progress -----------------------------------------------------------------------------


def goal_at(baseline: str, target: str, current: str | None) -> Goal:
    baseline, target = Decimal(baseline), Decimal(target)
    return Goal(
        baseline=baseline,
        target=target,
        current_value=None if current is None else Decimal(current),
        direction=GoalDirection.INCREASE if target > baseline else GoalDirection.DECREASE,
    )


@pytest.mark.parametrize(
    ("baseline", "target", "current", "progress", "display"),
    [
        # Increasing metrics.
        ("100", "200", None, 0.0, 0),
        ("100", "200", "100", 0.0, 0),
        ("100", "200", "150", 50.0, 50),
        ("100", "200", "200", 100.0, 100),
        ("100", "200", "250", 150.0, 100),
        ("100", "200", "50", -50.0, 0),
        ("0", "3", "1", 100 / 3, 33),
        ("0", "3", "2", 200 / 3, 67),
        # Decreasing metrics: going down is progress.
        ("100", "50", "75", 50.0, 50),
        ("100", "50", "90", 20.0, 20),
        ("100", "50", "50", 100.0, 100),
        ("100", "50", "40", 120.0, 100),
        ("100", "50", "110", -20.0, 0),
        ("-10", "-30", "-25", 75.0, 75),
        ("1200", "800", "1000.5", 49.875, 50),
    ],
)
def test_goal_progress(baseline, target, current, progress, display):
    goal = goal_at(baseline, target, current)

    assert goal.progress == pytest.approx(progress, abs=1e-9)
    assert goal.progress_display == display


def test_add_goal_works_out_the_direction_from_the_target():
    purpose = PurposeFactory()
    administrator = AdministratorFactory()

    down = services.add_goal(
        purpose=purpose,
        by=administrator,
        metric=" Delivery CO2 ",
        unit=" t ",
        baseline=Decimal("1200"),
        target=Decimal("800"),
    )
    up = services.add_goal(
        purpose=purpose,
        by=administrator,
        metric="Returns handled in a day",
        unit="%",
        baseline=Decimal("40"),
        target=Decimal("90"),
        due_date=datetime.date(2030, 1, 1),
    )

    assert (down.metric, down.unit, down.direction, down.position) == (
        "Delivery CO2",
        "t",
        GoalDirection.DECREASE,
        0,
    )
    assert (up.direction, up.position, up.due_date) == (
        GoalDirection.INCREASE,
        1,
        datetime.date(2030, 1, 1),
    )
    assert [goal.pk for goal in selectors.purpose_goals(purpose=purpose)] == [down.pk, up.pk]


def test_a_target_equal_to_the_baseline_is_refused_and_nothing_is_saved():
    purpose = PurposeFactory()

    with pytest.raises(ValidationError) as caught:
        services.add_goal(
            purpose=purpose,
            by=AdministratorFactory(),
            metric="Flat",
            unit="",
            baseline=Decimal("5"),
            target=Decimal("5.0000"),
        )

    assert caught.value.message_dict == {"target": [SAME_TARGET]}
    assert Goal.objects.count() == 0


def test_updating_a_goal_to_a_target_equal_to_the_baseline_changes_nothing():
    goal = GoalFactory(metric="CO2", baseline=Decimal("100"), target=Decimal("50"))

    with pytest.raises(ValidationError) as caught:
        services.update_goal(
            goal=goal,
            by=AdministratorFactory(),
            metric="Renamed",
            unit="kg",
            baseline=Decimal("70"),
            target=Decimal("70"),
            due_date=None,
        )

    assert caught.value.message_dict == {"target": [SAME_TARGET]}
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.metric, stored.unit, stored.baseline, stored.target, stored.direction) == (
        "CO2",
        "t",
        Decimal("100"),
        Decimal("50"),
        GoalDirection.DECREASE,
    )


def test_updating_a_goal_can_flip_its_direction():
    goal = GoalFactory(baseline=Decimal("100"), target=Decimal("50"))

    services.update_goal(
        goal=goal,
        by=AdministratorFactory(),
        metric="Recycled share",
        unit="%",
        baseline=Decimal("10"),
        target=Decimal("60"),
        due_date=None,
    )

    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.metric, stored.direction, stored.target) == (
        "Recycled share",
        GoalDirection.INCREASE,
        Decimal("60"),
    )


def test_goal_form_refuses_a_target_equal_to_the_baseline():
    form = GoalForm({"metric": "Flat", "unit": "", "baseline": "3.5", "target": "3.50"})

    assert form.is_valid() is False
    assert form.errors == {"target": [SAME_TARGET]}


# -- measurements -------------------------------------------------------------------------


def test_record_measurement_moves_the_current_value_only_for_the_latest_date():
    goal = GoalFactory(baseline=Decimal("100"), target=Decimal("50"))
    owner = goal.purpose.owners.get()

    record(goal, "90", days_ago=10, by=owner, note=" first ")
    goal.refresh_from_db()
    assert (goal.current_value, goal.current_value_on) == (
        Decimal("90"),
        timezone.localdate() - datetime.timedelta(days=10),
    )
    assert goal.progress == 20.0

    record(goal, "70", days_ago=2, by=owner)
    record(goal, "95", days_ago=5, by=owner)  # an older reading, filled in late
    goal.refresh_from_db()
    assert (goal.current_value, goal.current_value_on) == (
        Decimal("70"),
        timezone.localdate() - datetime.timedelta(days=2),
    )

    record(goal, "65", days_ago=2, by=owner)  # a correction on the latest day
    goal.refresh_from_db()
    assert goal.current_value == Decimal("65")
    assert goal.progress == 70.0
    assert list(goal.measurements.values_list("value", "note", "recorded_by")) == [
        (Decimal("90"), "first", owner.pk),
        (Decimal("95"), "", owner.pk),
        (Decimal("70"), "", owner.pk),
        (Decimal("65"), "", owner.pk),
    ]


def test_a_future_dated_measurement_is_refused():
    goal = GoalFactory()

    with pytest.raises(ValidationError) as caught:
        services.record_measurement(
            goal=goal,
            by=AdministratorFactory(),
            value=Decimal("1"),
            measured_on=timezone.localdate() + datetime.timedelta(days=1),
        )

    assert caught.value.message_dict == {
        "measured_on": ["A measurement cannot be dated in the future."]
    }
    assert Measurement.objects.count() == 0
    goal.refresh_from_db()
    assert (goal.current_value, goal.current_value_on) == (None, None)


def test_only_owners_and_administrators_record_measurements():
    goal = GoalFactory()

    with pytest.raises(PermissionDenied):
        record(goal, "80", by=UserFactory(member_type="employee"))

    assert Measurement.objects.count() == 0


# -- challenges ---------------------------------------------------------------------------


def test_a_challenge_closing_before_it_opens_is_refused():
    purpose = PurposeFactory()
    opens = timezone.now() + datetime.timedelta(days=3)

    for closes in (opens, opens - datetime.timedelta(minutes=1)):
        with pytest.raises(ValidationError) as caught:
            services.create_challenge(
                purpose=purpose,
                by=AdministratorFactory(),
                title="Ideas",
                question="How?",
                description="",
                opens_at=opens,
                closes_at=closes,
            )
        assert caught.value.message_dict == {"closes_at": [CLOSES_FIRST]}

    assert Challenge.objects.count() == 0


def test_challenge_form_refuses_closing_before_opening():
    form = ChallengeForm(
        {
            "title": "Ideas",
            "question": "How?",
            "description": "",
            "opens_at": "2030-05-02T10:00",
            "closes_at": "2030-05-01T10:00",
        }
    )

    assert form.is_valid() is False
    assert form.errors == {"closes_at": [CLOSES_FIRST]}


def test_challenge_states_follow_the_clock():
    purpose = PurposeFactory()
    now = timezone.now()
    day = datetime.timedelta(days=1)

    def make(title, opens_at, closes_at):
        return services.create_challenge(
            purpose=purpose,
            by=purpose.owners.get(),
            title=title,
            question="What would you try?",
            description="**Bold** ideas",
            opens_at=opens_at,
            closes_at=closes_at,
        )

    upcoming = make("Upcoming", now + day, now + 2 * day)
    running = make("Open", now - day, now + day)
    closed = make("Closed", now - 2 * day, now - day)

    assert (upcoming.state, running.state, closed.state) == (
        ChallengeState.UPCOMING,
        ChallengeState.OPEN,
        ChallengeState.CLOSED,
    )
    assert running.state_at(running.closes_at) == ChallengeState.CLOSED
    assert running.state_at(running.opens_at) == ChallengeState.OPEN
    assert running.description_html == "<p><strong>Bold</strong> ideas</p>\n"
    assert [c.title for c in selectors.purpose_challenges(purpose=purpose)] == [
        "Upcoming",
        "Open",
        "Closed",
    ]


# -- purposes -----------------------------------------------------------------------------


def test_only_administrators_create_purposes():
    with pytest.raises(PermissionDenied):
        services.create_purpose(by=UserFactory(member_type="employee"), title="X", slug="x")

    assert Purpose.objects.count() == 0


def test_create_purpose_records_its_first_status_and_owners():
    administrator = AdministratorFactory()
    owner = UserFactory(member_type="employee")

    purpose = services.create_purpose(
        by=administrator,
        title="  Cut delivery CO2 ",
        slug="cut-delivery-co2",
        statement="We **measure** it.",
        owners=[owner],
    )
    alone = services.create_purpose(by=administrator, title="Mine", slug="mine")

    purpose.refresh_from_db()
    assert purpose.title == "Cut delivery CO2"
    assert purpose.status == PurposeStatus.DRAFT
    assert purpose.statement_html == "<p>We <strong>measure</strong> it.</p>\n"
    assert list(purpose.owners.all()) == [owner]
    assert list(alone.owners.all()) == [administrator]
    change = PurposeStatusChange.objects.get(purpose=purpose)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "",
        PurposeStatus.DRAFT,
        administrator,
    )


def test_duplicate_purpose_slug_is_refused():
    existing = PurposeFactory(slug="cut-co2", title="First")
    other = PurposeFactory(slug="other")
    administrator = AdministratorFactory()

    with pytest.raises(ValidationError) as created:
        services.create_purpose(by=administrator, title="Second", slug="cut-co2")
    with pytest.raises(ValidationError) as updated:
        services.update_purpose(
            purpose=other,
            by=administrator,
            title="Other",
            slug="cut-co2",
            statement="",
            cover_colour="blue",
        )

    message = {"slug": ["Another purpose already uses this address."]}
    assert created.value.message_dict == message
    assert updated.value.message_dict == message
    assert sorted(Purpose.objects.values_list("slug", "title")) == [
        ("cut-co2", existing.title),
        ("other", other.title),
    ]


def test_markdown_statement_is_stored_sanitised():
    purpose = services.create_purpose(
        by=AdministratorFactory(), title="Safe", slug="safe", statement=SCRIPTED
    )

    purpose.refresh_from_db()
    assert purpose.statement == SCRIPTED
    assert purpose.statement_html == SCRIPTED_HTML
    assert elements(purpose.statement_html) == [
        ("p", []),
        ("a", [("href", "https://example.org"), ("rel", "nofollow ugc noopener")]),
        ("p", []),
    ]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def elements(markup: str) -> list[tuple[str, list]]:
    """The real elements in `markup` (escaped text is not an element)."""
    parser = _Elements()
    parser.feed(markup)
    return parser.found


def test_status_changes_are_dated_and_recorded():
    purpose = PurposeFactory(status=PurposeStatus.DRAFT)
    owner = purpose.owners.get()
    created_at = Purpose.objects.get(pk=purpose.pk).status_changed_at

    services.change_purpose_status(purpose=purpose, by=owner, status=PurposeStatus.ACTIVE)
    services.change_purpose_status(purpose=purpose, by=owner, status=PurposeStatus.ACTIVE)
    services.change_purpose_status(purpose=purpose, by=owner, status=PurposeStatus.ACHIEVED)

    purpose.refresh_from_db()
    assert purpose.status == PurposeStatus.ACHIEVED
    assert purpose.status_changed_at > created_at
    assert list(
        PurposeStatusChange.objects.filter(purpose=purpose)
        .order_by("changed_at", "id")
        .values_list("from_status", "to_status")
    ) == [("", "draft"), ("draft", "active"), ("active", "achieved")]
    with pytest.raises(ValidationError):
        services.change_purpose_status(purpose=purpose, by=owner, status="forgotten")
    with pytest.raises(PermissionDenied):
        services.change_purpose_status(
            purpose=purpose, by=UserFactory(member_type="employee"), status=PurposeStatus.RETIRED
        )
    assert Purpose.objects.get(pk=purpose.pk).status == PurposeStatus.ACHIEVED


def test_an_owner_edits_but_another_person_cannot():
    purpose = PurposeFactory(title="Before")
    owner = purpose.owners.get()
    fields = {"title": "After", "slug": purpose.slug, "statement": "", "cover_colour": "teal"}

    with pytest.raises(PermissionDenied):
        services.update_purpose(purpose=purpose, by=UserFactory(member_type="employee"), **fields)
    assert Purpose.objects.get(pk=purpose.pk).title == "Before"

    services.update_purpose(purpose=purpose, by=owner, **fields)
    stored = Purpose.objects.get(pk=purpose.pk)
    assert (stored.title, stored.cover_colour) == ("After", "teal")
    with pytest.raises(ValidationError) as caught:
        services.update_purpose(purpose=purpose, by=owner, owners=[], **fields)
    assert caught.value.message_dict == {"owners": ["A purpose needs at least one owner."]}
    assert list(Purpose.objects.get(pk=purpose.pk).owners.all()) == [owner]


@pytest.mark.parametrize(
    ("status", "anonymous", "stranger", "owner", "administrator"),
    [
        (PurposeStatus.DRAFT, False, False, True, True),
        (PurposeStatus.ACTIVE, True, True, True, True),
        (PurposeStatus.ACHIEVED, True, True, True, True),
        (PurposeStatus.RETIRED, True, True, True, True),
    ],
)
def test_who_sees_a_purpose(status, anonymous, stranger, owner, administrator):
    from django.contrib.auth.models import AnonymousUser

    purpose = PurposeFactory(status=status)
    viewers = {
        "anonymous": AnonymousUser(),
        "stranger": UserFactory(member_type="employee"),
        "owner": purpose.owners.get(),
        "administrator": AdministratorFactory(),
    }
    expected = {
        "anonymous": anonymous,
        "stranger": stranger,
        "owner": owner,
        "administrator": administrator,
    }

    for name, user in viewers.items():
        assert permissions.can_see_purpose(user, purpose) == expected[name], name
        visible = permissions.purposes_visible_to(user).filter(pk=purpose.pk).exists()
        assert visible == expected[name], name
