from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import NotificationKind, NotificationSettings, email_field


class NotificationSettingsForm(forms.ModelForm):
    """A person's own choices: email for each kind, the digest, a daily cap."""

    class Meta:
        model = NotificationSettings
        fields = [
            *(email_field(kind) for kind in NotificationKind.values),
            "keep_mentions_when_muted",
            "digest_cadence",
            "digest_weekday",
            "digest_hour",
            "daily_email_cap",
        ]
        widgets = {
            **{email_field(kind): forms.RadioSelect for kind in NotificationKind.values},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["daily_email_cap"].widget.attrs.update({"min": 1, "max": 500})
        self.fields["daily_email_cap"].min_value = 1

    def clean_daily_email_cap(self):
        value = self.cleaned_data.get("daily_email_cap")
        if value is not None and not 1 <= value <= 500:
            raise forms.ValidationError(_("Choose a number from 1 to 500, or leave it empty."))
        return value

    def email_fields(self):
        return [self[email_field(kind)] for kind in NotificationKind.values]

    def other_fields(self):
        names = {email_field(kind) for kind in NotificationKind.values}
        return [field for field in self.visible_fields() if field.name not in names]
