"""The profile settings page and the public profile page."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import Image

from accounts.models import MemberType, User
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.discussions.factories import publicly_active
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("settings_profile")


def profile_data(**overrides) -> dict:
    data = {
        "display_name": "Ana Lima",
        "bio": "Sustainability lead.",
        "timezone": "Europe/Lisbon",
        "language": "en",
    }
    data.update(overrides)
    return data


def stored_profile(user: User) -> tuple:
    user.refresh_from_db()
    return (user.display_name, user.bio, user.timezone, user.language, user.avatar.name)


# Profile settings


def test_profile_settings_need_a_signed_in_person(client):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={PROFILE_URL}"


def test_profile_settings_show_the_current_values(client):
    user = UserFactory(display_name="Ana Lima", bio="Hello there", timezone="Asia/Tokyo")
    client.force_login(user)

    response = client.get(PROFILE_URL)

    assert response.status_code == 200
    assert 'value="Ana Lima"' in response.text
    assert ">\nHello there</textarea>" in response.text
    assert '<option value="Asia/Tokyo" selected>' in response.text


def test_saving_the_profile_stores_it_and_says_so(client):
    user = UserFactory(display_name="Ana")
    client.force_login(user)

    response = client.post(PROFILE_URL, profile_data(), follow=True)

    assert response.redirect_chain == [(PROFILE_URL, 302)]
    assert "Your profile has been saved." in response.text
    assert stored_profile(user) == (
        "Ana Lima",
        "Sustainability lead.",
        "Europe/Lisbon",
        "en",
        "",
    )


def test_uploaded_avatar_is_resized_to_a_square_webp(client, settings, media_root, make_image):
    user = UserFactory()
    client.force_login(user)

    response = client.post(PROFILE_URL, profile_data(avatar=make_image(size=(1200, 800))))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name == f"avatars/{user.pk}/avatar.webp"
    size = settings.AVATAR_SIZE_PX
    with Image.open(media_root / user.avatar.name) as picture:
        assert (picture.format, picture.size) == ("WEBP", (size, size))
    page = client.get(reverse("person_detail", args=[user.pk])).text
    assert f'src="/media/avatars/{user.pk}/avatar.webp"' in page
    assert "avatar-initials" not in page


def test_removing_the_avatar_goes_back_to_initials(
    client, media_root, make_image, django_capture_on_commit_callbacks
):
    user = UserFactory(display_name="Ana Lima")
    client.force_login(user)
    client.post(PROFILE_URL, profile_data(avatar=make_image()))
    user.refresh_from_db()
    old_file = media_root / user.avatar.name
    assert old_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROFILE_URL, profile_data(remove_avatar="on"))

    assert response.status_code == 302
    assert stored_profile(user)[4] == ""
    assert not old_file.exists()
    page = client.get(reverse("person_detail", args=[user.pk])).text
    assert '<span class="avatar avatar-lg avatar-initials' in page
    assert ">AL</span>" in page


def test_remove_avatar_checkbox_is_offered_only_when_there_is_an_avatar(
    client, media_root, make_image
):
    user = UserFactory()
    client.force_login(user)
    assert 'name="remove_avatar"' not in client.get(PROFILE_URL).text

    client.post(PROFILE_URL, profile_data(avatar=make_image()))

    assert 'name="remove_avatar"' in client.get(PROFILE_URL).text


# Bad input on the profile page: message on the same page, typed text kept, nothing saved.


@pytest.fixture
def ana(client):
    user = UserFactory(display_name="Ana", bio="Old bio", timezone="UTC", language="en")
    client.force_login(user)
    return user


def assert_kept_what_was_typed(response) -> None:
    assert 'value="Ana Lima"' in response.text
    assert ">\nSustainability lead.</textarea>" in response.text


def test_oversized_avatar_is_refused(client, settings, media_root, make_image, ana):
    settings.AVATAR_MAX_UPLOAD_BYTES = 1024
    picture = make_image(size=(400, 400), image_format="BMP")
    assert picture.size > 1024

    response = client.post(PROFILE_URL, profile_data(avatar=picture))

    assert response.status_code == 200
    expected = f"This picture is {filesizeformat(picture.size)}; the limit is 1.0\xa0KB."
    assert expected in response.text
    assert_kept_what_was_typed(response)
    assert stored_profile(ana) == ("Ana", "Old bio", "UTC", "en", "")
    assert not (media_root / "avatars").exists()


def test_non_image_avatar_is_refused(client, media_root, ana):
    not_a_picture = SimpleUploadedFile(
        "cv.png", b"%PDF-1.7 this is a document", content_type="image/png"
    )

    response = client.post(PROFILE_URL, profile_data(avatar=not_a_picture))

    assert response.status_code == 200
    assert "Upload a picture in JPEG, PNG, GIF or WebP format." in response.text
    assert_kept_what_was_typed(response)
    assert stored_profile(ana) == ("Ana", "Old bio", "UTC", "en", "")
    assert not (media_root / "avatars").exists()


def test_unknown_time_zone_is_refused(client, ana):
    response = client.post(PROFILE_URL, profile_data(timezone="Mars/Olympus_Mons"))

    assert response.status_code == 200
    assert (
        "Select a valid choice. Mars/Olympus_Mons is not one of the available choices."
        in response.text
    )
    assert_kept_what_was_typed(response)
    assert stored_profile(ana) == ("Ana", "Old bio", "UTC", "en", "")


def test_unknown_language_is_refused(client, ana):
    response = client.post(PROFILE_URL, profile_data(language="tlh"))

    assert response.status_code == 200
    assert "Select a valid choice. tlh is not one of the available choices." in response.text
    assert stored_profile(ana) == ("Ana", "Old bio", "UTC", "en", "")


def test_empty_display_name_is_refused(client, ana):
    response = client.post(PROFILE_URL, profile_data(display_name=""))

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert ">\nSustainability lead.</textarea>" in response.text
    assert stored_profile(ana) == ("Ana", "Old bio", "UTC", "en", "")


def test_too_long_bio_is_refused(client, ana):
    response = client.post(PROFILE_URL, profile_data(bio="x" * 501))

    assert response.status_code == 200
    assert "Ensure this value has at most 500 characters (it has 501)." in response.text
    assert stored_profile(ana) == ("Ana", "Old bio", "UTC", "en", "")


# Public profile


@pytest.fixture
def carla():
    acme = OrganisationFactory(name="Acme Retail", kind="customer")
    return publicly_active(
        UserFactory(
            display_name="Carla Rossi",
            bio="Head of supply chain.",
            organisation=acme,
            member_type=MemberType.VENDOR,
        )
    )


def test_public_profile_shows_name_organisation_badge_and_bio(client, carla):
    response = client.get(reverse("person_detail", args=[carla.pk]))

    assert response.status_code == 200
    assert "<title>Carla Rossi · Commons</title>" in response.text
    assert '<h1 class="page-title">Carla Rossi <span class="badge badge-vendor">Vendor</span>' in (
        response.text
    )
    assert '<p class="muted">Acme Retail</p>' in response.text
    assert "Head of supply chain." in response.text
    assert ">CR</span>" in response.text
    assert "Edit profile" not in response.text


@pytest.mark.parametrize(
    ("member_type", "badge"),
    [
        (MemberType.EMPLOYEE, '<span class="badge badge-employee">Employee</span>'),
        (MemberType.CUSTOMER, '<span class="badge badge-customer">Customer</span>'),
        (MemberType.VENDOR, '<span class="badge badge-vendor">Vendor</span>'),
        (MemberType.PARTNER, '<span class="badge badge-partner">Partner</span>'),
    ],
)
def test_member_type_badge_text_for_each_type(client, member_type, badge):
    person = publicly_active(UserFactory(member_type=member_type))

    response = client.get(reverse("person_detail", args=[person.pk]))

    assert response.text.count(badge) == 1


def test_person_without_a_type_shows_no_badge(client):
    person = UserFactory(member_type="")
    client.force_login(AdministratorFactory())

    response = client.get(reverse("person_detail", args=[person.pk]))

    assert 'class="badge' not in response.text


def test_own_profile_offers_editing(client, carla):
    client.force_login(carla)

    response = client.get(reverse("person_detail", args=[carla.pk]))

    assert "Edit profile" in response.text


def test_own_empty_bio_invites_to_add_one(client):
    person = UserFactory(bio="")
    client.force_login(person)

    response = client.get(reverse("person_detail", args=[person.pk]))

    assert "Your bio is empty." in response.text


def test_inactive_person_profile_is_not_found(client):
    person = UserFactory(is_active=False, display_name="Gone Person")

    response = client.get(reverse("person_detail", args=[person.pk]))

    assert response.status_code == 404
    assert "Gone Person" not in response.text
    assert "We couldn't find that page" in response.text


def test_unknown_person_profile_is_not_found(client):
    assert client.get(reverse("person_detail", args=[987654])).status_code == 404


def test_profile_shows_join_date_in_the_viewers_time_zone(client, carla):
    carla.date_joined = dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.UTC)
    carla.save(update_fields=["date_joined"])
    viewer = UserFactory(timezone="Asia/Tokyo")
    url = reverse("person_detail", args=[carla.pk])

    anonymous = client.get(url).text
    client.force_login(viewer)
    signed_in = client.get(url).text

    assert "Member since Jan. 1, 2024" in anonymous
    assert "Member since Jan. 2, 2024" in signed_in


def test_profile_page_query_count_for_an_anonymous_viewer(
    client, carla, django_assert_max_num_queries
):
    # The person with their organisation, in one query.
    with django_assert_max_num_queries(1):
        response = client.get(reverse("person_detail", args=[carla.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize(("mfa_required", "queries"), [(False, 2), (True, 3)])
def test_profile_page_query_count_for_a_signed_in_viewer(
    client, carla, totp, mfa_required, queries, django_assert_max_num_queries
):
    """The viewer with their organisation, the MFA check when their organisation requires
    it, and the person shown; the session comes from the cache."""
    organisation = OrganisationFactory(name="Northwind", kind="host", require_mfa=mfa_required)
    viewer = UserFactory(organisation=organisation, member_type=MemberType.EMPLOYEE)
    totp.activate(viewer)
    client.force_login(viewer)

    with django_assert_max_num_queries(queries):
        response = client.get(reverse("person_detail", args=[carla.pk]))

    assert response.status_code == 200
    assert "Carla Rossi" in response.text
