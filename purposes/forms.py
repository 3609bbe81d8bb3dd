from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.text import validate_single_line
from purposes.models import CoverColour, PurposeStatus


class OwnerEmailsField(forms.CharField):
    """People named by email address, one per line or comma-separated."""

    def clean(self, value):
        value = super().clean(value)
        emails = sorted(
            {part.strip().lower() for part in value.replace("\n", ",").split(",")} - {""}
        )
        users = list(User.objects.filter(email__in=emails, is_active=True))
        missing = sorted(set(emails) - {user.email.lower() for user in users})
        if missing:
            raise forms.ValidationError(
                _("No one has signed up with: %(emails)s") % {"emails": ", ".join(missing)}
            )
        return users


class PurposeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, validators=[validate_single_line])
    slug = forms.SlugField(
        label=_("Address"),
        max_length=80,
        help_text=_("Used in the page address, after /purposes/. Letters, digits, hyphens."),
    )
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Why people collaborate on this. Markdown is supported."),
    )
    cover_colour = forms.ChoiceField(label=_("Cover colour"), choices=CoverColour.choices)
    owners = OwnerEmailsField(
        label=_("Owners"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Email addresses of the purpose owners. Leave empty to own it yourself."),
    )


class PurposeStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PurposeStatus.choices)


class GoalForm(forms.Form):
    metric = forms.CharField(
        label=_("Metric"),
        max_length=160,
        help_text=_("What is measured, e.g. “Delivery CO₂”."),
        validators=[validate_single_line],
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=40, required=False, validators=[validate_single_line]
    )
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=16, decimal_places=4)
    target = forms.DecimalField(
        label=_("Target"),
        max_digits=16,
        decimal_places=4,
        help_text=_("Below the baseline for a metric that should go down."),
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("baseline") is not None
            and data.get("target") is not None
            and data["baseline"] == data["target"]
        ):
            self.add_error(
                "target",
                _("The target must differ from the baseline, or there is nothing to move."),
            )
        return data


class MeasurementForm(forms.Form):
    value = forms.DecimalField(label=_("Value"), max_digits=16, decimal_places=4)
    measured_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ChallengeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, validators=[validate_single_line])
    question = forms.CharField(
        label=_("Question"), max_length=300, validators=[validate_single_line]
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown is supported."),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        return data
