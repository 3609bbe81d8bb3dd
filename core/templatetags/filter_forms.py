"""The fields of a list's filter form, built in Python.

Filter forms sit on the busiest pages (thread and idea lists). Django renders each field,
label and `<option>` through a template of its own, which costs more than the list's
queries; these fields (choices and short text) get the same markup as
`core/_form_fields.html` built directly. Any other kind of field falls back to Django's
own rendering.
"""

from django import forms, template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _control(bound: forms.BoundField, extra: str) -> str:
    field = bound.field
    name, control_id = escape(bound.html_name), escape(bound.auto_id)
    value = bound.value()
    if isinstance(field, forms.ChoiceField) and type(field.widget) is forms.Select:
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(choice)}"{" selected" if str(choice) == chosen else ""}>'
            f"{escape(label)}</option>"
            for choice, label in field.choices
        )
        return f'<select name="{name}" id="{control_id}"{extra}>{options}</select>'
    if isinstance(field, forms.CharField) and type(field.widget) is forms.TextInput:
        shown = f' value="{escape(value)}"' if value not in (None, "") else ""
        limit = f' maxlength="{field.max_length}"' if field.max_length else ""
        return f'<input type="text" name="{name}"{shown}{limit}{extra} id="{control_id}">'
    return ""


@register.simple_tag
def filter_fields(form: forms.Form) -> SafeString:
    """Every visible field of `form` as `<div class="field">` with its label, errors and
    control (`aria-invalid` and `aria-describedby` pointing at the errors, if any)."""
    parts = []
    if form.non_field_errors():
        parts.append(f'<div class="form-errors" role="alert">{form.non_field_errors()}</div>')
    parts += [str(field) for field in form.hidden_fields()]
    for bound in form.visible_fields():
        error_id = f"{bound.auto_id}_error"
        extra = f' aria-invalid="true" aria-describedby="{error_id}"' if bound.errors else ""
        control = _control(bound, extra)
        if not control:
            parts.append(f'<div class="field">{bound.as_field_group()}</div>')
            continue
        errors = ""
        if bound.errors:
            items = "".join(f"<li>{escape(error)}</li>" for error in bound.errors)
            errors = f'<ul class="errorlist" id="{escape(error_id)}">{items}</ul>'
        invalid = " field-invalid" if bound.errors else ""
        label = f"{escape(bound.label)}{escape(form.label_suffix)}"
        parts.append(
            f'<div class="field{invalid}"><label for="{escape(bound.auto_id)}">{label}</label>'
            f"{errors}{control}</div>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped
