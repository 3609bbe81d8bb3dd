"""Forms for ideas: they parse input; the services decide what is allowed."""

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from core.text import validate_single_line
from discussions.models import IdeaStatus
from purposes.models import Challenge, Goal

# Far above any real idea, so an oversized one reaches the service and gets its message,
# yet a bound on what the form accepts at all.
FORM_TEXT_LIMIT = 2 * 1024 * 1024


class IdeaForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, strip=True, validators=[validate_single_line]
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=FORM_TEXT_LIMIT,
        help_text=_("Markdown: **bold**, _italic_, lists and links."),
    )
    challenge = forms.IntegerField(
        label=_("Answers the challenge"),
        required=False,
        widget=forms.Select,
        help_text=_("Only challenges that are open now take ideas."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=300,
        help_text=_("Optional, separated by commas."),
    )

    def __init__(self, *args, challenges: list[Challenge], open_challenges: list[Challenge], **kw):
        super().__init__(*args, **kw)
        self.challenges = {challenge.pk: challenge for challenge in challenges}
        # Only open challenges are offered, but any challenge of the purpose is accepted
        # here, so answering one that has just closed gets the service's explanation
        # rather than "not a valid choice".
        self.fields["challenge"].widget.choices = [("", _("No challenge"))] + [
            (challenge.pk, _challenge_label(challenge)) for challenge in open_challenges
        ]
        self.fields["description"].widget.attrs["maxlength"] = settings.POST_MAX_LENGTH
        if not open_challenges:
            self.fields["challenge"].widget = forms.HiddenInput()

    def add_error(self, field, error) -> None:
        # A hidden field shows no errors of its own: say it above the form instead.
        if field and field in self.fields and self.fields[field].widget.is_hidden:
            field = None
        super().add_error(field, error)

    def clean_challenge(self) -> Challenge | None:
        value = self.cleaned_data.get("challenge")
        if value is None:
            return None
        if value not in self.challenges:
            raise forms.ValidationError(_("Choose a challenge of this community's purpose."))
        return self.challenges[value]

    def clean_tags(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]
        for name in names:
            validate_single_line(name)
        return names


def _challenge_label(challenge: Challenge) -> str:
    closes = formats.date_format(timezone.localtime(challenge.closes_at), "DATE_FORMAT")
    return f"{challenge.title} ({_('until')} {closes})"


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(value, label) for value, label in IdeaStatus.choices if value != "duplicate"],
    )
    response = forms.CharField(
        label=_("Official response"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=FORM_TEXT_LIMIT,
        help_text=_("Shown prominently on the idea. Markdown."),
    )


class MergeForm(forms.Form):
    original = forms.IntegerField(
        label=_("Number of the original idea"),
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The idea this one duplicates: its votes move there."),
    )
    response = forms.CharField(
        label=_("Official response (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=FORM_TEXT_LIMIT,
    )


class GoalLinkForm(forms.Form):
    goal = forms.TypedChoiceField(
        label=_("Goal"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose a goal of this community's purpose.")},
    )
    expected_impact = forms.CharField(
        label=_("Expected impact"),
        required=False,
        max_length=300,
        help_text=_("How this should move the goal."),
    )

    def __init__(self, *args, goals: list[Goal], **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = {goal.pk: goal for goal in goals}
        self.fields["goal"].choices = [(goal.pk, goal.metric) for goal in goals]

    def clean_goal(self) -> Goal:
        return self.goals[self.cleaned_data["goal"]]
