"""What templates of discussions need beyond core's helpers (`config/jinja2.py`)."""

from django.utils import formats


def grouped(value: int) -> str:
    """A count with the reader's language's thousands separator ("2,000"), as
    `floatformat:"g"` writes it."""
    return formats.number_format(value, force_grouping=True)


FILTERS = {"grouped": grouped}
