"""Forms for decisions: they parse input; the services decide what is allowed."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberType
from core.text import validate_single_line
from discussions.models import DecisionMode

DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class DecisionForm(forms.Form):
    """Lengths of the texts are checked by the services, with their own messages."""

    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_single_line])
    body = forms.CharField(
        label=_("Proposal"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What is being decided and why. Markdown is supported."),
    )
    mode = forms.ChoiceField(
        label=_("Kind of vote"),
        choices=DecisionMode.choices,
        initial=DecisionMode.SINGLE,
        widget=forms.RadioSelect,
    )
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line, at least two. Consent decisions always offer agree, abstain, "
            "disagree and block."
        ),
    )
    closes_at = forms.DateTimeField(
        label=_("Voting closes"),
        input_formats=[DATETIME_INPUT_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT_FORMAT),
        help_text=_("Date and time, in the site's time zone."),
    )
    voter_types = forms.MultipleChoiceField(
        label=_("Who may vote"),
        choices=MemberType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to let every member vote."),
    )
    show_results_before_close = forms.BooleanField(
        label=_("Show results while voting is open"),
        required=False,
        initial=True,
        help_text=_("Untick to keep the results hidden until voting closes."),
    )

    @staticmethod
    def default_closing() -> datetime.datetime:
        later = timezone.localtime() + datetime.timedelta(days=7)
        return later.replace(second=0, microsecond=0)

    def clean_options(self) -> list[str]:
        options = [line for line in self.cleaned_data["options"].splitlines() if line.strip()]
        for option in options:
            validate_single_line(option)
        return options


class VoteForm(forms.Form):
    option = forms.IntegerField(min_value=1)
    # "1" adds the option to the person's choices, "0" takes it out.
    choose = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", initial="1"
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the group decided and what happens next. Markdown is supported."),
    )


class GoalLinkForm(forms.Form):
    goal = forms.IntegerField(min_value=1)
    expected_impact = forms.CharField(label=_("Expected impact"), required=False, max_length=300)
