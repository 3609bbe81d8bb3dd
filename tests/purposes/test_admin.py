"""The Django admin changes purposes, goals, measurements and challenges only through the
purposes services: statements are rendered, status changes recorded, measurements move
their goal, single-line fields stay on one line, and nothing is deleted behind them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from purposes.models import Challenge, Goal, Measurement, Purpose, PurposeStatusChange
from tests.admin_support import change_form_data, flashed
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory, record

pytestmark = pytest.mark.django_db

SINGLE_LINE = "Keep this on one line, without line breaks, tabs or control characters."
NOT_ONE_LINE = ["Green\nfleet", "Green\rfleet", "Green\tfleet", "Green\u202efleet", "Green\x07"]


@pytest.fixture
def administrator():
    return AdministratorFactory(is_superuser=True)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def purpose_change(admin_client, purpose, **changes):
    url = reverse("admin:purposes_purpose_change", args=[purpose.pk])
    data = change_form_data(admin_client.get(url))
    data.update(changes)
    return admin_client.post(url, data)


def snapshot() -> dict:
    """Everything the purposes admin could write, to assert that a refusal wrote nothing."""
    return {
        "purposes": list(
            Purpose.objects.order_by("pk").values(
                "title", "slug", "statement", "statement_html", "status", "cover_colour"
            )
        ),
        "owners": list(Purpose.owners.through.objects.order_by("pk").values()),
        "history": PurposeStatusChange.objects.count(),
        "goals": list(Goal.objects.order_by("pk").values()),
        "measurements": Measurement.objects.count(),
        "challenges": Challenge.objects.count(),
    }


def test_editing_a_statement_in_the_admin_renders_it_as_on_the_edit_page(admin_client):
    purpose = PurposeFactory(title="Greener deliveries", statement="Old")

    response = purpose_change(
        admin_client, purpose, title="Greener deliveries 2030", statement="**Electric** vans"
    )

    assert response.status_code == 302
    purpose.refresh_from_db()
    assert purpose.title == "Greener deliveries 2030"
    assert purpose.statement_html == "<p><strong>Electric</strong> vans</p>\n"
    # The status did not change: the history keeps only the creation.
    assert purpose.status_changes.count() == 1


def test_changing_the_status_in_the_admin_records_it_in_the_history(admin_client, administrator):
    purpose = PurposeFactory(status="draft")
    before = purpose.status_changed_at

    response = purpose_change(admin_client, purpose, status="active")

    assert response.status_code == 302
    purpose.refresh_from_db()
    assert purpose.status == "active"
    assert purpose.status_changed_at > before
    latest = purpose.status_changes.first()
    assert (latest.from_status, latest.to_status, latest.changed_by) == (
        "draft",
        "active",
        administrator,
    )
    assert purpose.status_changes.count() == 2


@pytest.mark.parametrize("title", NOT_ONE_LINE)
def test_a_purpose_title_that_is_not_one_line_is_refused_in_the_admin(admin_client, title):
    purpose = PurposeFactory(title="Greener deliveries")
    before = snapshot()

    response = purpose_change(admin_client, purpose, title=title, statement="Changed")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"title": [SINGLE_LINE]}
    assert snapshot() == before


def test_adding_a_purpose_in_the_admin_goes_through_the_service(admin_client, administrator):
    owner = AdministratorFactory()

    response = admin_client.post(
        reverse("admin:purposes_purpose_add"),
        {
            "title": "Quiet streets",
            "slug": "quiet-streets",
            "statement": "*Less* noise",
            "cover_colour": "green",
            "owners": [str(owner.pk)],
            "status": "draft",
            "goals-TOTAL_FORMS": "1",
            "goals-INITIAL_FORMS": "0",
            "goals-0-metric": "Night noise",
            "goals-0-unit": "dB",
            "goals-0-baseline": "60",
            "goals-0-target": "45",
        },
    )

    assert response.status_code == 302
    purpose = Purpose.objects.get(slug="quiet-streets")
    assert purpose.statement_html == "<p><em>Less</em> noise</p>\n"
    assert list(purpose.owners.all()) == [owner]
    assert list(purpose.status_changes.values_list("from_status", "to_status", "changed_by")) == [
        ("", "draft", administrator.pk)
    ]
    goal = purpose.goals.get()
    assert (goal.metric, goal.unit, goal.direction) == ("Night noise", "dB", "decrease")


def test_editing_a_goal_inline_sets_its_direction_from_the_target(admin_client):
    goal = GoalFactory(metric="Delivery CO2", baseline=Decimal("100"), target=Decimal("50"))
    assert goal.direction == "decrease"

    response = purpose_change(admin_client, goal.purpose, **{"goals-0-target": "150"})

    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.target, goal.direction) == (Decimal("150"), "increase")


@pytest.mark.parametrize("field", ["metric", "unit"])
def test_a_goal_metric_or_unit_that_is_not_one_line_is_refused_in_the_admin(admin_client, field):
    goal = GoalFactory(metric="Delivery CO2", unit="t")
    before = snapshot()

    response = purpose_change(admin_client, goal.purpose, **{f"goals-0-{field}": "CO2\nt"})

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors == [{field: [SINGLE_LINE]}]
    assert snapshot() == before


def test_a_goal_target_equal_to_its_baseline_is_refused_in_the_admin(admin_client):
    goal = GoalFactory(baseline=Decimal("100"), target=Decimal("50"))
    before = snapshot()

    response = purpose_change(admin_client, goal.purpose, **{"goals-0-target": "100"})

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors == [
        {"target": ["The target must differ from the baseline, or there is nothing to move."]}
    ]
    assert snapshot() == before


def test_a_slug_taken_meanwhile_is_refused_with_the_reason_and_nothing_saved(
    admin_client, monkeypatch
):
    purpose = PurposeFactory(slug="greener", status="draft")
    PurposeFactory(slug="taken")
    url = reverse("admin:purposes_purpose_change", args=[purpose.pk])
    data = change_form_data(admin_client.get(url))
    data.update(slug="taken", statement="Changed", status="active")
    # The form checked the address before another purpose took it: only the service sees it.
    monkeypatch.setattr(
        "django.forms.models.BaseModelForm.validate_unique", lambda form, *args: None
    )
    before = snapshot()

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert response.url == url
    assert flashed(response) == [("error", "Another purpose already uses this address.")]
    assert snapshot() == before


def measurement_add(admin_client, goal, **values):
    data = {
        "goal": str(goal.pk),
        "value": "72",
        "measured_on": timezone.localdate().isoformat(),
        "note": "Q3 fleet report",
    }
    data.update(values)
    return admin_client.post(reverse("admin:purposes_measurement_add"), data)


def test_a_measurement_recorded_in_the_admin_moves_the_goals_current_value(
    admin_client, administrator
):
    goal = GoalFactory(baseline=Decimal("100"), target=Decimal("50"))
    record(goal, "90", days_ago=10)

    response = measurement_add(admin_client, goal, value="72")

    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.current_value, goal.current_value_on) == (Decimal("72"), timezone.localdate())
    measurement = goal.measurements.latest("measured_on")
    assert (measurement.value, measurement.recorded_by) == (Decimal("72"), administrator)


def test_a_measurement_dated_in_the_future_is_refused_in_the_admin(admin_client):
    goal = GoalFactory()
    record(goal, "90", days_ago=1)
    before = snapshot()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = measurement_add(admin_client, goal, measured_on=tomorrow.isoformat())

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "measured_on": ["A measurement cannot be dated in the future."]
    }
    assert snapshot() == before


def challenge_add(admin_client, purpose, **values):
    data = {
        "purpose": str(purpose.pk),
        "title": "Cleaner last mile",
        "question": "How do we deliver without vans?",
        "description": "**Bold** ideas",
        "opens_at_0": "2026-01-01",
        "opens_at_1": "09:00:00",
        "closes_at_0": "2026-02-01",
        "closes_at_1": "09:00:00",
    }
    data.update(values)
    return admin_client.post(reverse("admin:purposes_challenge_add"), data)


def test_a_challenge_created_in_the_admin_goes_through_the_service(admin_client, administrator):
    purpose = PurposeFactory()

    response = challenge_add(admin_client, purpose)

    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.description_html == "<p><strong>Bold</strong> ideas</p>\n"
    assert challenge.created_by == administrator


@pytest.mark.parametrize("field", ["title", "question"])
@pytest.mark.parametrize("value", NOT_ONE_LINE)
def test_a_challenge_title_or_question_that_is_not_one_line_is_refused(admin_client, field, value):
    purpose = PurposeFactory()
    before = snapshot()

    response = challenge_add(admin_client, purpose, **{field: value})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [SINGLE_LINE]}
    assert snapshot() == before


def test_a_challenge_closing_before_it_opens_is_refused_with_the_reason(admin_client):
    purpose = PurposeFactory()
    before = snapshot()

    response = challenge_add(admin_client, purpose, closes_at_0="2025-12-01")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "closes_at": ["The closing time must be after the opening time."]
    }
    assert snapshot() == before


def rows_of_every_kind():
    goal = GoalFactory()
    measurement = record(goal, "70")
    purpose = goal.purpose
    challenge = Challenge.objects.create(
        purpose=purpose,
        title="Old challenge",
        question="Why?",
        opens_at=timezone.now(),
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    return {
        "purpose": purpose,
        "measurement": measurement,
        "challenge": challenge,
        "purposestatuschange": purpose.status_changes.get(),
    }


@pytest.mark.parametrize("model", ["purpose", "measurement", "challenge", "purposestatuschange"])
def test_nothing_is_deleted_in_the_admin(admin_client, model):
    row = rows_of_every_kind()[model]
    before = snapshot()

    changelist = admin_client.get(reverse(f"admin:purposes_{model}_changelist"))
    delete = admin_client.post(
        reverse(f"admin:purposes_{model}_delete", args=[row.pk]), {"post": "yes"}
    )
    bulk = admin_client.post(
        reverse(f"admin:purposes_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [str(row.pk)], "post": "yes"},
    )

    assert changelist.status_code == 200
    action_form = changelist.context["action_form"]
    actions = [name for name, _label in action_form.fields["action"].choices] if action_form else []
    assert "delete_selected" not in actions
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    assert snapshot() == before


@pytest.mark.parametrize("model", ["measurement", "challenge"])
def test_rows_no_service_edits_cannot_be_changed_in_the_admin(admin_client, model):
    row = rows_of_every_kind()[model]
    url = reverse(f"admin:purposes_{model}_change", args=[row.pk])
    before = snapshot()

    page = admin_client.get(url)
    response = admin_client.post(
        url,
        {
            "value": "1",
            "measured_on": "2020-01-01",
            "title": "Renamed",
            "question": "Renamed?",
        },
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    assert snapshot() == before


def test_the_status_history_cannot_be_written_in_the_admin(admin_client):
    purpose = PurposeFactory()
    before = snapshot()

    response = admin_client.post(
        reverse("admin:purposes_purposestatuschange_add"),
        {"purpose": str(purpose.pk), "from_status": "draft", "to_status": "retired"},
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_goals_are_not_deleted_inline(admin_client):
    goal = GoalFactory()
    before = snapshot()

    response = purpose_change(admin_client, goal.purpose, **{"goals-0-DELETE": "on"})

    assert response.status_code == 302
    assert snapshot()["goals"] == before["goals"]
