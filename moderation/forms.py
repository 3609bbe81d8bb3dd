import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import SanctionKind
from core.text import validate_single_line
from moderation.models import (
    LIMIT_LEVELS,
    LIMIT_NAMES,
    AuditAction,
    Decision,
    FlagReason,
    ModerationSettings,
    TrustLevel,
)


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


DURATIONS = [
    ("1", _("1 day")),
    ("3", _("3 days")),
    ("7", _("1 week")),
    ("14", _("2 weeks")),
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
    ("", _("Until lifted")),
]


class _SanctionForm(forms.Form):
    duration = forms.ChoiceField(label=_("For"), choices=DURATIONS, initial="7", required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        validators=[validate_single_line],
        help_text=_("The person sees this reason."),
    )

    def ends_at(self) -> datetime.datetime | None:
        days = self.cleaned_data.get("duration")
        return timezone.now() + datetime.timedelta(days=int(days)) if days else None


class CommunitySanctionForm(_SanctionForm):
    kind = forms.ChoiceField(
        label=_("Sanction"),
        choices=[
            ("silence", _("Silence: may read, may not write")),
            ("ban", _("Remove and ban")),
        ],
        widget=forms.RadioSelect,
        initial="silence",
    )
    field_order = ["kind", "duration", "reason"]


class AccountSanctionForm(_SanctionForm):
    kind = forms.ChoiceField(
        label=_("Sanction"),
        choices=[
            (SanctionKind.SILENCE.value, _("Silence: may read, may write nowhere")),
            (SanctionKind.SUSPEND.value, _("Suspend: signed out, may not sign in")),
        ],
        widget=forms.RadioSelect,
        initial=SanctionKind.SILENCE.value,
    )
    field_order = ["kind", "duration", "reason"]


class TrustLevelForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Trust level"),
        choices=[("", _("Earned by taking part (automatic)")), *TrustLevel.choices],
        required=False,
    )


class ModerationSettingsForm(forms.ModelForm):
    class Meta:
        model = ModerationSettings
        fields = [
            "auto_hide_flag_count",
            "member_after_days",
            "member_after_posts_read",
            "member_after_posts",
            "regular_after_days",
            "regular_after_posts_read",
            "regular_after_posts",
            "regular_max_upheld_flags",
            "host_verified_level",
            *(f"{name}_{level}" for name in LIMIT_NAMES for level in LIMIT_LEVELS),
        ]

    def clean_host_verified_level(self) -> int:
        level = self.cleaned_data["host_verified_level"]
        if level not in TrustLevel.values:
            raise forms.ValidationError(_("Choose a trust level: 0, 1, 2 or 3."))
        return level
