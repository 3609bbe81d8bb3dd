from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import WebhookEvent


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Payload URL"),
        max_length=2000,
        help_text=_("Where Commons POSTs each event, as JSON (http:// or https://)."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "inputmode": "url"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=200,
        required=False,
        help_text=_(
            "Signs every delivery (Commons-Signature header). Leave empty to have one made "
            "and shown once."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)


class EndpointChangeForm(EndpointForm):
    new_secret_wanted = forms.BooleanField(
        label=_("Make a new secret (shown once; the old one stops working)"), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"].label = _("New secret")
        self.fields["secret"].help_text = _("Leave empty to keep the current secret.")
