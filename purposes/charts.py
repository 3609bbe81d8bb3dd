"""Goal charts drawn on the server as SVG, so pages need no chart script."""

import re

import pygal
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pygal.style import Style

from core.text import strip_control_characters
from purposes.models import Goal, Measurement

INLINE_SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    colors=("#1d4ed8", "#b45309"),
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
)


def goal_chart_svg(goal: Goal, measurements: list[Measurement]) -> bytes:
    """A line of measurements over time with the target as a dashed line."""
    chart = pygal.Line(
        style=CHART_STYLE,
        width=640,
        height=280,
        show_dots=True,
        dots_size=3,
        x_label_rotation=0,
        legend_at_bottom=True,
        disable_xml_declaration=False,
        js=[],  # no tooltip script files: the chart is shown as an image
        interpolate=None,
        truncate_label=-1,
        print_values=False,
    )
    # Names stored before single-line fields were enforced may hold characters XML refuses.
    chart.title = strip_control_characters(goal.metric)
    points = [(m.measured_on, float(m.value)) for m in measurements]
    labels = [date_format(day, "SHORT_DATE_FORMAT") for day, _value in points]
    chart.x_labels = labels or [_("No measurements yet")]
    if len(labels) > 8:
        step = max(1, len(labels) // 6)
        chart.x_labels_major = labels[::step]
        chart.show_minor_x_labels = False
    values = [value for _day, value in points] or [float(goal.baseline)]
    every_value = [*values, float(goal.target), float(goal.baseline)]
    low, high = min(every_value), max(every_value)
    margin = (high - low) * 0.05 or 1
    chart.range = (low - margin, high + margin)
    chart.add(_("Measured"), values)
    chart.add(_("Target"), [float(goal.target)] * len(values), stroke_style={"dasharray": "6,4"})
    # pygal still embeds a small configuration script; an image needs none.
    return INLINE_SCRIPT.sub(b"", chart.render())
