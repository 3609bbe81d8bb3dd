from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberType
from communities.models import JoinPolicy, NotificationLevel, Role, Visibility
from core.text import validate_single_line
from purposes.models import Purpose


class CommunityForm(forms.Form):
    purpose = forms.ModelChoiceField(label=_("Purpose"), queryset=Purpose.objects.none())
    name = forms.CharField(label=_("Name"), max_length=120, validators=[validate_single_line])
    slug = forms.SlugField(
        label=_("Address"),
        max_length=80,
        help_text=_("Used in the page address, after /communities/."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What this community is for. Markdown is supported."),
    )
    guidelines = forms.CharField(
        label=_("Guidelines"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How members are expected to take part. Markdown is supported."),
    )
    audience = forms.MultipleChoiceField(
        label=_("Open to"),
        choices=MemberType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Which member types may join."),
    )
    idea_voters = forms.MultipleChoiceField(
        label=_("May vote on ideas"),
        choices=MemberType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Members of other types may still comment. Leave all unticked to let the whole "
            "audience vote."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, widget=forms.RadioSelect
    )
    join_policy = forms.ChoiceField(
        label=_("How people join"), choices=JoinPolicy.choices, widget=forms.RadioSelect
    )
    default_notification_level = forms.ChoiceField(
        label=_("Notifications for new members"), choices=NotificationLevel.choices
    )
    hold_first_posts = forms.BooleanField(
        label=_("Hold new members' first posts for approval"),
        required=False,
        help_text=_(
            "A member's posts wait in the review queue until a moderator approves their first one."
        ),
    )
    categories = forms.CharField(
        label=_("Categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )

    def __init__(self, *args, purposes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if purposes is not None:
            self.fields["purpose"].queryset = purposes

    def clean_idea_voters(self) -> list[str] | None:
        return self.cleaned_data["idea_voters"] or None

    def clean_categories(self) -> list[str]:
        names = [
            line.strip() for line in self.cleaned_data["categories"].splitlines() if line.strip()
        ]
        for name in names:
            validate_single_line(name)
        return names


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the moderators"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: say who you are and why you'd like to join."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=300)


class _InvitationTypeMixin:
    """The member-type field is offered only to those who may set a type (administrators).

    Without the field, a type asked for anyway (a hand-made POST) still reaches the service,
    which refuses it with its reason instead of quietly inviting without it.
    """

    def __init__(self, *args, can_set_member_type: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_set_member_type = can_set_member_type
        if not can_set_member_type:
            del self.fields["member_type"]

    def clean(self):
        cleaned_data = super().clean()
        if not self.can_set_member_type:
            cleaned_data["member_type"] = str(
                self.data.get(self.add_prefix("member_type"), "")
            ).strip()
        return cleaned_data


class InviteEmailsForm(_InvitationTypeMixin, forms.Form):
    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line or separated by commas. At most 50 at a time."),
    )
    member_type = forms.ChoiceField(
        label=_("Member type for people new to the site"),
        choices=[("", _("Decided by their email address"))] + list(MemberType.choices),
        required=False,
        help_text=_(
            "Given to people who create their account through this invitation, unless "
            "their email address belongs to a known organisation."
        ),
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=90, initial=14
    )

    def clean_emails(self) -> list[str]:
        raw = self.cleaned_data["emails"].replace("\n", ",").replace(";", ",")
        emails = [part.strip() for part in raw.split(",") if part.strip()]
        validator = forms.EmailField()
        invalid = []
        for email in emails:
            try:
                validator.clean(email)
            except forms.ValidationError:
                invalid.append(email)
        if invalid:
            raise forms.ValidationError(
                _("These are not email addresses: %(list)s") % {"list": ", ".join(invalid)}
            )
        if len(emails) > 50:
            raise forms.ValidationError(_("Invite at most 50 people at a time."))
        return emails


class InviteLinkForm(_InvitationTypeMixin, forms.Form):
    """Shown on the moderation page next to InviteEmailsForm, which has fields of the same
    names: its own ids keep every label tied to its own field."""

    max_uses = forms.IntegerField(label=_("Maximum uses"), min_value=1, max_value=10000, initial=25)
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=90, initial=7
    )
    member_type = forms.ChoiceField(
        label=_("Member type for people new to the site"),
        choices=[("", _("Decided by their email address"))] + list(MemberType.choices),
        required=False,
        help_text=_(
            "Given to people who create their account through this invitation, unless "
            "their email address belongs to a known organisation."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=80)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles"))] + list(Role.choices)
    )


class RemoveMemberForm(forms.Form):
    ban = forms.BooleanField(label=_("Also ban them from rejoining"), required=False)
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=300)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MembershipPreferencesForm(forms.Form):
    notification_level = forms.ChoiceField(
        label=_("Notifications"),
        choices=NotificationLevel.choices,
        help_text=_(
            "Also what your digest tells of this community: nothing when muted or set to "
            "mentions only. When digests come is set in your notification settings."
        ),
    )
