"""Posting the Django admin's forms as a browser would, for the admin tests of every app."""

from django.contrib.messages import get_messages


def form_values(form) -> dict:
    """A form's current values as the browser would post them back."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[form.add_prefix(name)] = "on"
        elif isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [str(item) for item in value]
        else:
            data[form.add_prefix(name)] = str(value)
    return data


def change_form_data(response) -> dict:
    """The change form and its inline rows as the browser would post them back."""
    data = form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for inline_form in formset.initial_forms:
            data.update(form_values(inline_form))
    return data


def flashed(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]
