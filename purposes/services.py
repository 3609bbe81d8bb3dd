"""Every write about purposes, goals, measurements and challenges."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from core.markdown import render_markdown
from core.text import require_single_line
from purposes import permissions
from purposes.models import (
    Challenge,
    Goal,
    GoalDirection,
    Measurement,
    Purpose,
    PurposeFollow,
    PurposeStatus,
    PurposeStatusChange,
)


def _slug_taken(slug: str, exclude_pk: int | None = None) -> bool:
    return Purpose.objects.filter(slug=slug).exclude(pk=exclude_pk).exists()


@transaction.atomic
def create_purpose(
    *,
    by: User,
    title: str,
    slug: str,
    statement: str = "",
    owners: Iterable[User] = (),
    cover_colour: str = "blue",
    status: str = PurposeStatus.DRAFT,
) -> Purpose:
    permissions.require_create_purpose(by)
    require_single_line(title=title)
    if _slug_taken(slug):
        raise ValidationError({"slug": _("Another purpose already uses this address.")})
    purpose = Purpose(
        title=title.strip(),
        slug=slug,
        statement=statement,
        statement_html=render_markdown(statement),
        cover_colour=cover_colour,
        status=status,
    )
    try:
        with transaction.atomic():
            purpose.save()
    except IntegrityError as error:
        raise ValidationError({"slug": _("Another purpose already uses this address.")}) from error
    purpose.owners.set(list(owners) or [by])
    PurposeStatusChange.objects.create(purpose=purpose, to_status=status, changed_by=by)
    return purpose


@transaction.atomic
def update_purpose(
    *,
    purpose: Purpose,
    by: User,
    title: str,
    slug: str,
    statement: str,
    cover_colour: str,
    owners: Iterable[User] | None = None,
) -> Purpose:
    permissions.require_manage_purpose(by, purpose)
    require_single_line(title=title)
    if _slug_taken(slug, exclude_pk=purpose.pk):
        raise ValidationError({"slug": _("Another purpose already uses this address.")})
    purpose.title = title.strip()
    purpose.slug = slug
    purpose.statement = statement
    purpose.statement_html = render_markdown(statement)
    purpose.cover_colour = cover_colour
    purpose.save(
        update_fields=["title", "slug", "statement", "statement_html", "cover_colour", "updated_at"]
    )
    if owners is not None:
        owners = list(owners)
        if not owners:
            raise ValidationError({"owners": _("A purpose needs at least one owner.")})
        purpose.owners.set(owners)
    return purpose


@transaction.atomic
def change_purpose_status(*, purpose: Purpose, by: User, status: str) -> Purpose:
    permissions.require_manage_purpose(by, purpose)
    if status not in PurposeStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    purpose = Purpose.objects.select_for_update().get(pk=purpose.pk)
    if purpose.status == status:
        return purpose
    PurposeStatusChange.objects.create(
        purpose=purpose, from_status=purpose.status, to_status=status, changed_by=by
    )
    purpose.status = status
    purpose.status_changed_at = timezone.now()
    purpose.save(update_fields=["status", "status_changed_at", "updated_at"])
    return purpose


def _direction_for(baseline: Decimal, target: Decimal) -> str:
    if target == baseline:
        raise ValidationError(
            {"target": _("The target must differ from the baseline, or there is nothing to move.")}
        )
    return GoalDirection.INCREASE if target > baseline else GoalDirection.DECREASE


@transaction.atomic
def add_goal(
    *,
    purpose: Purpose,
    by: User,
    metric: str,
    unit: str,
    baseline: Decimal,
    target: Decimal,
    due_date: datetime.date | None = None,
) -> Goal:
    """The direction (increase or decrease) follows from the target's side of the baseline."""
    permissions.require_manage_purpose(by, purpose)
    require_single_line(metric=metric, unit=unit)
    direction = _direction_for(baseline, target)
    position = purpose.goals.count()
    return Goal.objects.create(
        purpose=purpose,
        metric=metric.strip(),
        unit=unit.strip(),
        baseline=baseline,
        target=target,
        direction=direction,
        due_date=due_date,
        position=position,
    )


@transaction.atomic
def update_goal(
    *,
    goal: Goal,
    by: User,
    metric: str,
    unit: str,
    baseline: Decimal,
    target: Decimal,
    due_date: datetime.date | None,
) -> Goal:
    permissions.require_manage_purpose(by, goal.purpose)
    require_single_line(metric=metric, unit=unit)
    goal.direction = _direction_for(baseline, target)
    goal.metric, goal.unit = metric.strip(), unit.strip()
    goal.baseline, goal.target, goal.due_date = baseline, target, due_date
    goal.save(update_fields=["metric", "unit", "baseline", "target", "direction", "due_date"])
    return goal


@transaction.atomic
def record_measurement(
    *,
    goal: Goal,
    by: User,
    value: Decimal,
    measured_on: datetime.date,
    note: str = "",
) -> Measurement:
    """Add a point to a goal's history; the goal's current value is its latest measurement."""
    permissions.require_manage_purpose(by, goal.purpose)
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("A measurement cannot be dated in the future.")})
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    measurement = Measurement.objects.create(
        goal=goal, value=value, measured_on=measured_on, note=note.strip(), recorded_by=by
    )
    if goal.current_value_on is None or measured_on >= goal.current_value_on:
        goal.current_value = value
        goal.current_value_on = measured_on
        goal.save(update_fields=["current_value", "current_value_on"])
    events.publish("measurement_recorded", measurement.pk)
    return measurement


@transaction.atomic
def create_challenge(
    *,
    purpose: Purpose,
    by: User,
    title: str,
    question: str,
    description: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
) -> Challenge:
    permissions.require_manage_purpose(by, purpose)
    require_single_line(title=title, question=question)
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})
    return Challenge.objects.create(
        purpose=purpose,
        title=title.strip(),
        question=question.strip(),
        description=description,
        description_html=render_markdown(description),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by,
    )


@transaction.atomic
def follow_purpose(*, user: User, purpose: Purpose) -> PurposeFollow:
    """Follow `purpose` (its goal progress reaches the person); following twice keeps
    one follow. Only a signed-in person who may see the purpose may."""
    permissions.require_follow_purpose(user, purpose)
    follow, _created = PurposeFollow.objects.get_or_create(user=user, purpose=purpose)
    return follow


@transaction.atomic
def unfollow_purpose(*, user: User, purpose: Purpose) -> bool:
    """Stop following `purpose`; returns whether the person followed it. Anyone may stop,
    even after losing sight of the purpose."""
    if not user.is_authenticated:
        raise PermissionDenied
    deleted, _by_model = PurposeFollow.objects.filter(user=user, purpose=purpose).delete()
    return bool(deleted)
