"""Single-line text: names, titles, labels and other values shown on one line.

Line breaks and invisible control characters in such a value break whatever carries it
on: an email header refuses it, an SVG chart becomes invalid XML, a bidirectional override
makes a name read differently from what it is. Forms and services refuse them with
`validate_single_line` / `require_single_line`; code that hands already stored values to
a stricter format cleans them with `strip_control_characters` or `one_line`.
"""

import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Cc: C0 and C1 controls, among them \t \r \n; Cf: format characters (bidirectional
# overrides, zero-width spaces, the byte-order mark); Zl/Zp: U+2028 and U+2029; Cs: lone
# surrogates, which no encoding can carry.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Zero-width joiner and non-joiner are format characters too, but emoji sequences and
# scripts such as Persian and the Indic ones need them inside ordinary names.
ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})

SINGLE_LINE_MESSAGE = _("Keep this on one line, without line breaks, tabs or control characters.")


def _is_refused(character: str) -> bool:
    if character in ALLOWED_FORMAT_CHARACTERS:
        return False
    # Noncharacters (U+FFFE, U+FFFF, ...) are not allowed in XML either.
    if (ord(character) & 0xFFFE) == 0xFFFE or 0xFDD0 <= ord(character) <= 0xFDEF:
        return True
    return unicodedata.category(character) in REFUSED_CATEGORIES


def is_single_line(value: str) -> bool:
    return not any(_is_refused(character) for character in value)


def validate_single_line(value: str) -> None:
    """A form field validator: refuse line breaks, tabs and control characters."""
    if value and not is_single_line(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="single_line")


def require_single_line(**fields: str | Iterable[str] | None) -> None:
    """For services: raise one ValidationError naming every field that is not one line.

    A field given as a list of values (tags, option labels) fails if any of them does.
    """
    errors = {
        name: ValidationError(SINGLE_LINE_MESSAGE, code="single_line")
        for name, value in fields.items()
        if value
        and not all(is_single_line(item) for item in ([value] if isinstance(value, str) else value))
    }
    if errors:
        raise ValidationError(errors)


def strip_control_characters(value: str) -> str:
    """The value without the characters single-line fields refuse, spaces kept as typed."""
    return "".join(
        " " if character in "\t\r\n\u2028\u2029" else character
        for character in value
        if character in "\t\r\n\u2028\u2029" or not _is_refused(character)
    )


_WHITESPACE = re.compile(r"\s+")


def one_line(value: str) -> str:
    """The value cleaned for a place that takes one line only, such as an email header:
    control characters dropped, every run of whitespace (line breaks among it) one space."""
    return _WHITESPACE.sub(" ", strip_control_characters(value)).strip()
