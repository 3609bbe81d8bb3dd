import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.forms import ProfileForm, SignupForm
from tests.accounts.factories import UserFactory

VALID = {"display_name": "Ana Lima", "bio": "", "timezone": "Europe/Lisbon", "language": "de"}


def test_profile_form_accepts_a_real_time_zone_and_language():
    form = ProfileForm(VALID)

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "display_name": "Ana Lima",
        "bio": "",
        "timezone": "Europe/Lisbon",
        "language": "de",
        "avatar": None,
        "remove_avatar": False,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "timezone",
            "Europe/Atlantis",
            "Select a valid choice. Europe/Atlantis is not one of the available choices.",
        ),
        ("timezone", "", "This field is required."),
        ("language", "xx", "Select a valid choice. xx is not one of the available choices."),
        ("display_name", "", "This field is required."),
        (
            "display_name",
            "A" * 81,
            "Ensure this value has at most 80 characters (it has 81).",
        ),
    ],
)
def test_profile_form_refuses_bad_values(field, value, message):
    form = ProfileForm({**VALID, field: value})

    assert not form.is_valid()
    assert form.errors == {field: [message]}


def test_profile_form_refuses_an_avatar_over_the_limit(settings):
    settings.AVATAR_MAX_UPLOAD_BYTES = 2048
    upload = SimpleUploadedFile("big.png", b"x" * 3000, content_type="image/png")

    form = ProfileForm(VALID, {"avatar": upload})

    assert not form.is_valid()
    assert form.errors == {"avatar": ["This picture is 2.9\xa0KB; the limit is 2.0\xa0KB."]}


def test_profile_form_accepts_an_avatar_at_the_limit(settings):
    settings.AVATAR_MAX_UPLOAD_BYTES = 2048
    upload = SimpleUploadedFile("ok.png", b"x" * 2048, content_type="image/png")

    form = ProfileForm(VALID, {"avatar": upload})

    # Whether it is a picture is checked when it is processed, not here.
    assert form.is_valid(), form.errors


def test_profile_form_help_text_states_the_upload_limit():
    assert "up to 5.0\xa0MB" in str(ProfileForm().fields["avatar"].help_text)


@pytest.mark.django_db
def test_signup_form_stores_the_trimmed_display_name():
    user = UserFactory(display_name="")
    form = SignupForm({"display_name": "  Ana Lima  "})
    assert form.is_valid()

    form.signup(request=None, user=user)

    user.refresh_from_db()
    assert user.display_name == "Ana Lima"
