"""Purposes, goals and measurements for tests, written through the purposes services."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from purposes import services
from purposes.models import Goal, Measurement, Purpose, PurposeStatus
from tests.accounts.factories import UserFactory


class AdministratorFactory(UserFactory):
    """An active staff account: administers every purpose and community."""

    email = factory.Sequence(lambda n: f"admin{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Administrator {n}")
    member_type = "employee"
    is_staff = True


class PurposeFactory(factory.Factory):
    """A purpose created by an administrator through `services.create_purpose`.

    `owners` defaults to a new employee (not the administrator), so tests can tell an
    owner's rights from an administrator's.
    """

    class Meta:
        model = Purpose

    by = factory.SubFactory(AdministratorFactory)
    title = factory.Sequence(lambda n: f"Purpose {n}")
    slug = factory.Sequence(lambda n: f"purpose-{n}")
    statement = "Why this matters."
    owners = factory.LazyFunction(lambda: [UserFactory(member_type="employee")])
    cover_colour = "blue"
    status = PurposeStatus.ACTIVE

    @classmethod
    def _create(cls, model_class, by, **kwargs) -> Purpose:
        return services.create_purpose(by=by, **kwargs)


class GoalFactory(factory.Factory):
    """A goal added by an administrator through `services.add_goal`."""

    class Meta:
        model = Goal

    purpose = factory.SubFactory(PurposeFactory)
    by = factory.SubFactory(AdministratorFactory)
    metric = factory.Sequence(lambda n: f"Metric {n}")
    unit = "t"
    baseline = Decimal("100")
    target = Decimal("50")
    due_date = None

    @classmethod
    def _create(cls, model_class, **kwargs) -> Goal:
        return services.add_goal(**kwargs)


def record(goal: Goal, value: str, days_ago: int = 0, *, by=None, note: str = "") -> Measurement:
    """Record a measurement `days_ago` days before today through the service."""
    return services.record_measurement(
        goal=goal,
        by=by or AdministratorFactory(),
        value=Decimal(value),
        measured_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        note=note,
    )
