"""Forms for threads and posts. They parse input; the services decide what is allowed.

Length limits on the text are checked by the services, so a too-long post gets one clear
message ("at most 50,000 characters; this one has …") and keeps its text in the form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Category
from core.text import validate_single_line
from discussions.models import ReactionKind, ThreadKind

STARTABLE_KINDS = [
    (ThreadKind.DISCUSSION.value, ThreadKind.DISCUSSION.label),
    (ThreadKind.QUESTION.value, ThreadKind.QUESTION.label),
]

BODY_HELP = _("Markdown is supported. Mention someone with @ and their name.")


def split_tags(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        validate_single_line(name)
    return names


def _body_field(label: str, rows: int = 8) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=BODY_HELP,
        error_messages={"required": _("Write something first.")},
    )


class ThreadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=STARTABLE_KINDS,
        widget=forms.RadioSelect,
        initial=ThreadKind.DISCUSSION,
    )
    title = forms.CharField(
        label=_("Title"),
        strip=False,
        error_messages={"required": _("Give your thread a title.")},
        validators=[validate_single_line],
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas, for example: logistics, pilot."),
    )
    body = _body_field(_("Text"), rows=10)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {category.pk: category for category in categories}
        if self.categories:
            self.fields["category"].choices = [("", "—")] + [
                (category.pk, category.name) for category in categories
            ]
        else:
            del self.fields["category"]

    def clean_category(self) -> Category | None:
        value = self.cleaned_data["category"]
        return self.categories.get(value) if value is not None else None

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data["tags"])


class ReplyForm(forms.Form):
    body = _body_field(_("Your reply"))
    quoted_post = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditPostForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        strip=False,
        error_messages={"required": _("Give your thread a title.")},
        validators=[validate_single_line],
    )
    body = _body_field(_("Text"), rows=10)

    def __init__(self, *args, with_title: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]


class DeletePostForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Moderators see it; required when the post is someone else's."),
    )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=ReactionKind.choices)


class ThreadFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ThreadKind.choices]
    )
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        if categories:
            self.fields["category"].choices = [("", _("All categories"))] + [
                (category.pk, category.name) for category in categories
            ]
        else:
            del self.fields["category"]


class ModerateThreadForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("pin", _("Pin")),
            ("unpin", _("Unpin")),
            ("lock", _("Lock")),
            ("unlock", _("Unlock")),
            ("close", _("Close")),
            ("reopen", _("Reopen")),
        ]
    )


class MoveThreadForm(forms.Form):
    target = forms.TypedChoiceField(label=_("Move to"), coerce=int)
    confirm = forms.BooleanField(
        label=_("I understand that more people will be able to read this thread there."),
        required=False,
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (
                target.community.pk,
                f"{target.community.name} ({target.community.visibility_name})",
            )
            for target in targets
        ]
