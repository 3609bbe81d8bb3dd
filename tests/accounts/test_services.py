import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import services
from accounts.models import MemberType, MemberTypeChange, OrganisationKind, User
from tests.accounts.factories import (
    OrganisationDomainFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def newcomer(email: str) -> User:
    """A person who signed up and has not verified anything yet: no organisation, no type."""
    return UserFactory(email=email, member_type="")


def changes(user: User) -> list[tuple]:
    return list(
        MemberTypeChange.objects.filter(user=user)
        .order_by("changed_at", "pk")
        .values_list(
            "from_organisation__name",
            "to_organisation__name",
            "from_member_type",
            "to_member_type",
            "changed_by",
        )
    )


# Member type from a verified email address


@pytest.mark.parametrize(
    ("kind", "expected_type"),
    [
        (OrganisationKind.HOST, MemberType.EMPLOYEE),
        (OrganisationKind.CUSTOMER, MemberType.CUSTOMER),
        (OrganisationKind.VENDOR, MemberType.VENDOR),
        (OrganisationKind.PARTNER, MemberType.PARTNER),
    ],
)
def test_address_on_verified_domain_gives_that_organisation_and_its_type(kind, expected_type):
    organisation = OrganisationFactory(name="Acme", kind=kind)
    OrganisationDomainFactory(organisation=organisation, domain="acme.example")
    user = newcomer("ann@acme.example")

    changed = services.assign_member_type_from_email(user=user, email="ann@acme.example")

    assert changed is True
    user.refresh_from_db()
    assert user.organisation == organisation
    assert user.member_type == expected_type
    assert changes(user) == [(None, "Acme", "", expected_type, None)]
    change = MemberTypeChange.objects.get(user=user)
    assert change.reason == "Verified email address ann@acme.example"


def test_subdomain_address_belongs_to_the_parent_domain_organisation():
    host = OrganisationFactory(name="Acme", kind=OrganisationKind.HOST)
    OrganisationDomainFactory(organisation=host, domain="acme.example")
    user = newcomer("ann@eu.acme.example")

    services.assign_member_type_from_email(user=user, email="ann@eu.acme.example")

    user.refresh_from_db()
    assert user.organisation == host
    assert user.member_type == MemberType.EMPLOYEE


def test_most_specific_verified_domain_wins():
    host = OrganisationFactory(name="Acme", kind=OrganisationKind.HOST)
    OrganisationDomainFactory(organisation=host, domain="acme.example")
    partner = OrganisationFactory(name="Acme Europe Partners", kind=OrganisationKind.PARTNER)
    OrganisationDomainFactory(organisation=partner, domain="eu.acme.example")
    user = newcomer("ann@eu.acme.example")

    services.assign_member_type_from_email(user=user, email="ann@eu.acme.example")

    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (partner, MemberType.PARTNER)


def test_domain_and_address_match_whatever_their_case():
    vendor = OrganisationFactory(name="Globex", kind=OrganisationKind.VENDOR)
    domain = OrganisationDomainFactory(organisation=vendor, domain=" @Globex.Example ")
    user = newcomer("victor@globex.example")

    services.assign_member_type_from_email(user=user, email="Victor@GLOBEX.example")

    assert domain.domain == "globex.example"
    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (vendor, MemberType.VENDOR)


def test_unverified_domain_is_ignored_and_default_type_applies():
    host = OrganisationFactory(name="Acme", kind=OrganisationKind.HOST)
    OrganisationDomainFactory(organisation=host, domain="acme.example", is_verified=False)
    user = newcomer("mallory@acme.example")

    services.assign_member_type_from_email(user=user, email="mallory@acme.example")

    user.refresh_from_db()
    assert user.organisation is None
    assert user.member_type == MemberType.CUSTOMER
    assert changes(user) == [(None, None, "", "customer", None)]


def test_other_domains_get_the_default_type_customer():
    user = newcomer("sam@mail.example")

    services.assign_member_type_from_email(user=user, email="sam@mail.example")

    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (None, MemberType.CUSTOMER)


def test_default_type_follows_the_setting(settings):
    settings.COMMONS_DEFAULT_MEMBER_TYPE = MemberType.PARTNER
    user = newcomer("sam@mail.example")

    services.assign_member_type_from_email(user=user, email="sam@mail.example")

    user.refresh_from_db()
    assert user.member_type == MemberType.PARTNER
    assert changes(user) == [(None, None, "", "partner", None)]


def test_verifying_the_same_organisation_again_records_nothing():
    customer = OrganisationFactory(name="Acme", kind=OrganisationKind.CUSTOMER)
    OrganisationDomainFactory(organisation=customer, domain="acme.example")
    user = newcomer("ann@acme.example")
    services.assign_member_type_from_email(user=user, email="ann@acme.example")

    changed = services.assign_member_type_from_email(user=user, email="ann.b@acme.example")

    assert changed is False
    assert MemberTypeChange.objects.filter(user=user).count() == 1


def test_member_of_an_organisation_keeps_it_when_verifying_a_private_address():
    vendor = OrganisationFactory(name="Globex", kind=OrganisationKind.VENDOR)
    OrganisationDomainFactory(organisation=vendor, domain="globex.example")
    user = newcomer("victor@globex.example")
    services.assign_member_type_from_email(user=user, email="victor@globex.example")

    changed = services.assign_member_type_from_email(user=user, email="victor@mail.example")

    assert changed is False
    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (vendor, MemberType.VENDOR)
    assert MemberTypeChange.objects.filter(user=user).count() == 1


def test_default_type_person_who_verifies_a_host_address_becomes_employee():
    host = OrganisationFactory(name="Northwind", kind=OrganisationKind.HOST)
    OrganisationDomainFactory(organisation=host, domain="northwind.example")
    user = newcomer("ana@mail.example")
    services.assign_member_type_from_email(user=user, email="ana@mail.example")

    changed = services.assign_member_type_from_email(user=user, email="ana@northwind.example")

    assert changed is True
    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (host, MemberType.EMPLOYEE)
    assert changes(user) == [
        (None, None, "", "customer", None),
        (None, "Northwind", "customer", "employee", None),
    ]


# Administrators


def test_administrator_change_is_recorded_with_who_from_and_to():
    admin = UserFactory(is_staff=True, is_superuser=True)
    customer = OrganisationFactory(name="Acme", kind=OrganisationKind.CUSTOMER)
    partner = OrganisationFactory(name="Initech", kind=OrganisationKind.PARTNER)
    user = UserFactory(organisation=customer, member_type=MemberType.CUSTOMER)

    changed = services.change_member_type(
        user=user,
        organisation=partner,
        member_type=MemberType.PARTNER,
        changed_by=admin,
        reason="Moved to the partner programme",
    )

    assert changed is True
    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (partner, MemberType.PARTNER)
    assert user.member_type_set_by_admin is True
    change = MemberTypeChange.objects.get(user=user)
    assert change.changed_by == admin
    assert (change.from_organisation, change.to_organisation) == (customer, partner)
    assert (change.from_member_type, change.to_member_type) == ("customer", "partner")
    assert change.reason == "Moved to the partner programme"


def test_administrator_set_type_is_never_overwritten_by_a_later_verification():
    admin = UserFactory(is_staff=True, is_superuser=True)
    host = OrganisationFactory(name="Northwind", kind=OrganisationKind.HOST)
    OrganisationDomainFactory(organisation=host, domain="northwind.example")
    user = newcomer("ana@mail.example")
    services.change_member_type(
        user=user, organisation=None, member_type=MemberType.VENDOR, changed_by=admin
    )

    changed = services.assign_member_type_from_email(user=user, email="ana@northwind.example")

    assert changed is False
    user.refresh_from_db()
    assert (user.organisation, user.member_type) == (None, MemberType.VENDOR)
    assert changes(user) == [(None, None, "", "vendor", admin.pk)]
    assert MemberTypeChange.objects.get(user=user).reason == "Changed by an administrator"


def test_administrator_confirming_the_current_type_records_no_change_but_pins_it():
    admin = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(member_type=MemberType.CUSTOMER)

    changed = services.change_member_type(
        user=user, organisation=None, member_type=MemberType.CUSTOMER, changed_by=admin
    )

    assert changed is False
    user.refresh_from_db()
    assert user.member_type_set_by_admin is True
    assert MemberTypeChange.objects.count() == 0


def test_administrator_cannot_set_an_unknown_type():
    admin = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(member_type=MemberType.CUSTOMER)

    with pytest.raises(ValidationError) as error:
        services.change_member_type(
            user=user, organisation=None, member_type="overlord", changed_by=admin
        )

    assert error.value.message_dict == {"member_type": ["Choose a valid member type."]}
    user.refresh_from_db()
    assert (user.member_type, user.member_type_set_by_admin) == ("customer", False)
    assert MemberTypeChange.objects.count() == 0


# Profile


def profile_fields(user: User) -> dict:
    return {
        "display_name": user.display_name,
        "bio": user.bio,
        "timezone": user.timezone,
        "language": user.language,
    }


def test_update_profile_saves_trimmed_text_and_preferences():
    user = UserFactory(display_name="Ana")

    services.update_profile(
        user=user,
        display_name="  Ana Lima ",
        bio=" Sustainability lead. \n",
        timezone="Europe/Lisbon",
        language="fr",
    )

    user.refresh_from_db()
    assert profile_fields(user) == {
        "display_name": "Ana Lima",
        "bio": "Sustainability lead.",
        "timezone": "Europe/Lisbon",
        "language": "fr",
    }


def test_update_profile_resizes_the_avatar_to_a_square_webp(settings, media_root, make_image):
    user = UserFactory()

    services.update_profile(
        user=user,
        display_name="Ana",
        bio="",
        timezone="UTC",
        language="en",
        avatar=make_image(size=(900, 400)),
    )

    user.refresh_from_db()
    assert user.avatar.name == f"avatars/{user.pk}/avatar.webp"
    with Image.open(user.avatar.path) as picture:
        assert picture.format == "WEBP"
        assert picture.size == (settings.AVATAR_SIZE_PX, settings.AVATAR_SIZE_PX)


def test_update_profile_with_a_broken_picture_changes_nothing(media_root):
    user = UserFactory(display_name="Ana", bio="Old bio")

    with pytest.raises(ValidationError) as error:
        services.update_profile(
            user=user,
            display_name="Someone else",
            bio="New bio",
            timezone="UTC",
            language="en",
            avatar=SimpleUploadedFile("me.png", b"\x89PNG\r\n\x1a\n not really", "image/png"),
        )

    assert error.value.message_dict == {
        "avatar": ["Upload a picture in JPEG, PNG, GIF or WebP format."]
    }
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.avatar.name) == ("Ana", "Old bio", "")
    assert not (media_root / "avatars").exists()


def test_replacing_the_avatar_deletes_the_old_file_after_commit(
    media_root, make_image, django_capture_on_commit_callbacks
):
    user = UserFactory()
    services.update_profile(
        user=user, display_name="Ana", bio="", timezone="UTC", language="en", avatar=make_image()
    )
    old_path = media_root / user.avatar.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.update_profile(
            user=user,
            display_name="Ana",
            bio="",
            timezone="UTC",
            language="en",
            avatar=make_image(name="new.jpg", image_format="JPEG"),
        )
    user.refresh_from_db()
    new_path = media_root / user.avatar.name

    assert new_path != old_path
    assert old_path.exists()  # still there until the new name is committed
    for callback in callbacks:
        callback()
    assert not old_path.exists()
    assert new_path.exists()


def test_avatar_size_follows_the_setting(settings, media_root, make_image):
    settings.AVATAR_SIZE_PX = 64
    user = UserFactory()

    services.update_profile(
        user=user,
        display_name="Ana",
        bio="",
        timezone="UTC",
        language="en",
        avatar=make_image(size=(300, 500), image_format="GIF"),
    )

    with Image.open(media_root / user.avatar.name) as picture:
        assert (picture.format, picture.size) == ("WEBP", (64, 64))
