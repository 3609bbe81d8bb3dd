from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import AuditAction, Decision, FlagReason


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=FlagReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note for the moderators"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you choose “Something else”."),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    reason = forms.CharField(required=False, max_length=300)


class LogFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Person (id)"), required=False, min_value=1)
    community = forms.SlugField(label=_("Community (address)"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any")), *AuditAction.choices]
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
