"""A goal's progress and its card on the purpose page, built in Python.

A goal card holds a dozen translated labels, a plural or two, number and date formatting
and a row per measurement: as templates and includes that cost more than the page's
queries. This writes the same markup, escaping every value people typed (metric, unit,
notes).
"""

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from core import formatting
from purposes.models import Goal, GoalDirection, Purpose

register = template.Library()


def progress_html(goal: Goal) -> str:
    """Where a goal stands: its value against the target, a progress bar, the direction
    and the due date."""
    metric, unit = escape(goal.metric), escape(goal.unit)
    percent = goal.progress_display
    of_target = gettext("of target %(target)s %(unit)s") % {
        "target": formatting.number(goal.target),
        "unit": goal.unit,
    }
    label = gettext("Progress on %(metric)s") % {"metric": goal.metric}
    meta = [escape(gettext("%(percent)s%% of the way") % {"percent": percent})]
    if goal.direction == GoalDirection.DECREASE:
        meta.append(escape(gettext("lower is better")))
    else:
        meta.append(escape(gettext("higher is better")))
    if goal.due_date:
        meta.append(escape(gettext("due %(due)s") % {"due": formatting.date(goal.due_date)}))
    return (
        '<div class="goal-progress">\n<div class="goal-numbers">\n'
        f'<span class="goal-metric">{metric}</span>\n'
        f'<span class="goal-value">{formatting.number(goal.value)}{" " + unit if unit else ""} '
        f'<span class="muted">{escape(of_target)}</span></span>\n</div>\n'
        f'<progress max="100" value="{percent}" aria-label="{escape(label)}">'
        f"{percent}%</progress>\n"
        f'<p class="goal-meta muted">{" · ".join(meta)}</p>\n</div>'
    )


def _measurements_html(goal: Goal, measurements: list) -> str:
    """The goal's measurements, latest first, in a table folded under a summary."""
    if not measurements:
        return f'<p class="empty-state">{escape(gettext("No measurements yet."))}</p>'
    unit = escape(goal.unit)
    rows = "".join(
        f"<tr><td>{escape(formatting.date(measurement.measured_on))}</td>"
        f"<td>{formatting.number(measurement.value)} {unit}</td>"
        f"<td>{escape(measurement.note)}</td></tr>"
        for measurement in reversed(measurements)
    )
    caption = gettext("Measurements of %(metric)s") % {"metric": goal.metric}
    headings = "".join(
        f'<th scope="col">{escape(heading)}</th>'
        for heading in (gettext("Date"), gettext("Value"), gettext("Note"))
    )
    return (
        f"<details>\n<summary>{escape(gettext('Measurement history'))}</summary>\n<table>\n"
        f'<caption class="visually-hidden">{escape(caption)}</caption>\n'
        f"<thead><tr>{headings}</tr></thead>\n<tbody>{rows}</tbody>\n</table>\n</details>"
    )


@register.simple_tag
def goal_progress(goal: Goal) -> SafeString:
    return mark_safe(progress_html(goal))  # noqa: S308 - every value is escaped


@register.simple_tag
def goal_card(goal: Goal, purpose: Purpose, can_manage: bool = False) -> SafeString:
    """A goal on its purpose's page: progress, implemented ideas (`implemented_idea_count`,
    set by `purpose_ideas`), chart, measurement history and, for managers, its actions.
    The goal's measurements are prefetched."""
    measurements = list(goal.measurements.all())
    count = len(measurements)
    implemented = goal.implemented_idea_count
    ideas = ngettext("%(count)s implemented idea", "%(count)s implemented ideas", implemented) % {
        "count": implemented
    }
    chart_alt = ngettext(
        "Chart of %(metric)s over time (%(count)s measurement)",
        "Chart of %(metric)s over time (%(count)s measurements)",
        count,
    ) % {"metric": goal.metric, "count": count}
    args = [purpose.slug, goal.pk]
    actions = ""
    if can_manage:
        actions = (
            '\n<div class="form-actions">\n'
            f'<a class="button button-primary" href="{reverse("measurement_create", args=args)}">'
            f"{escape(gettext('Record a measurement'))}</a>\n"
            f'<a class="button button-secondary" href="{reverse("goal_edit", args=args)}">'
            f"{escape(gettext('Edit goal'))}</a>\n</div>"
        )
    html = (
        f'<article class="card goal" id="goal-{goal.pk}">\n{progress_html(goal)}\n'
        f'<p class="goal-ideas muted">{escape(ideas)}</p>\n'
        f'<img class="goal-chart" src="{reverse("goal_chart", args=args)}" width="640" '
        f'height="280" alt="{escape(chart_alt)}" loading="lazy">\n'
        f"{_measurements_html(goal, measurements)}{actions}\n</article>"
    )
    return mark_safe(html)  # noqa: S308 - every value is escaped
