from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberType, User, timezone_choices
from core.text import validate_single_line


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        required=True,
        help_text=_("How others will see you, for example “Ana Lima”."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        validators=[validate_single_line],
    )

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"), max_length=80, validators=[validate_single_line]
    )
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Up to 500 characters. Shown on your profile."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("Dates and times are shown in this time zone."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("A square picture works best. JPEG, PNG, GIF or WebP, up to %(size)s.")
        % {"size": filesizeformat(settings.AVATAR_MAX_UPLOAD_BYTES)},
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and avatar.size > settings.AVATAR_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("This picture is %(size)s; the limit is %(limit)s.")
                % {
                    "size": filesizeformat(avatar.size),
                    "limit": filesizeformat(settings.AVATAR_MAX_UPLOAD_BYTES),
                }
            )
        return avatar


class AccessTokenForm(forms.Form):
    """A new personal access token for the REST API (made by `api.services.create_token`)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What will use it, for example “BI export” or “Backlog sync”."),
        validators=[validate_single_line],
    )
    scope = forms.ChoiceField(
        label=_("What it may do"),
        choices=[
            ("read", _("Read only: see what you can see")),
            ("read_write", _("Read and write: also post, reply and vote as you")),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )


TOKEN_SCOPE_CHOICES = [
    ("read", _("Read only: see what the account can see")),
    ("read_write", _("Read and write: also post, record measurements and vote as the account")),
]


class ServiceAccountForm(forms.Form):
    """A service account and its first token (made by an administrator)."""

    name = forms.CharField(
        label=_("Account name"),
        max_length=80,
        help_text=_("The program that will use it, for example “BI export”."),
        validators=[validate_single_line],
    )
    member_type = forms.ChoiceField(
        label=_("Member type"),
        choices=MemberType.choices,
        initial=MemberType.EMPLOYEE,
        help_text=_("Decides which communities it may join, like a person's type."),
    )
    token_name = forms.CharField(
        label=_("Token name"), max_length=80, initial="default", validators=[validate_single_line]
    )
    scope = forms.ChoiceField(
        label=_("What the token may do"),
        choices=TOKEN_SCOPE_CHOICES,
        initial="read",
        widget=forms.RadioSelect,
    )


class ServiceTokenForm(forms.Form):
    """Another token for an existing service account."""

    name = forms.CharField(label=_("Token name"), max_length=80, validators=[validate_single_line])
    scope = forms.ChoiceField(
        label=_("What the token may do"), choices=TOKEN_SCOPE_CHOICES, initial="read"
    )
