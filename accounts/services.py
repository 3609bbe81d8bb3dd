"""Every write about people and organisations."""

import io
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import MemberType, MemberTypeChange, Organisation, OrganisationKind, User
from accounts.permissions import require_administrator
from accounts.selectors import member_type_after_invitation, organisation_for_email
from core import audit
from core.text import require_single_line

logger = logging.getLogger(__name__)


def _record_change(
    *,
    user: User,
    organisation: Organisation | None,
    member_type: str,
    changed_by: User | None,
    reason: str,
) -> bool:
    """Apply and log a change of organisation or type; returns False when nothing changed."""
    if user.organisation_id == (organisation.pk if organisation else None) and (
        user.member_type == member_type
    ):
        return False
    MemberTypeChange.objects.create(
        user=user,
        changed_by=changed_by,
        from_organisation_id=user.organisation_id,
        to_organisation=organisation,
        from_member_type=user.member_type,
        to_member_type=member_type,
        reason=reason[:200],
    )
    audit.record(
        actor=changed_by,
        action="member_type_change",
        target=user,
        subject=user,
        before={"organisation": user.organisation_id, "member_type": user.member_type},
        after={
            "organisation": organisation.pk if organisation else None,
            "member_type": member_type,
        },
        reason=reason[:200],
    )
    user.organisation = organisation
    user.member_type = member_type
    return True


@transaction.atomic
def assign_member_type_from_email(*, user: User, email: str) -> bool:
    """Derive a person's organisation and type from an email address they have verified.

    An address on a verified organisation domain makes them a member of that organisation
    with its type; any other address gives the site's default type, unless they already
    belong to an organisation. A type an administrator set is never overridden here.
    """
    caller_copy = user
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.member_type_set_by_admin:
        return False
    organisation = organisation_for_email(email)
    if organisation is not None:
        member_type = organisation.member_type
    elif user.organisation_id is not None or user.member_type:
        return False
    else:
        member_type = settings.COMMONS_DEFAULT_MEMBER_TYPE
    changed = _record_change(
        user=user,
        organisation=organisation,
        member_type=member_type,
        changed_by=None,
        reason=_("Verified email address %(email)s") % {"email": email},
    )
    if changed:
        user.save(update_fields=["organisation", "member_type"])
        _show_type_to(caller_copy, user)
    return changed


def _show_type_to(caller_copy: User, saved: User) -> None:
    """The caller's instance sees the new type at once: access checks made with it later
    in the same request (or task) must not act on the type it had before."""
    caller_copy.organisation_id = saved.organisation_id
    caller_copy.member_type = saved.member_type
    caller_copy.member_type_set_by_admin = saved.member_type_set_by_admin
    if User.organisation.is_cached(caller_copy):
        User.organisation.field.delete_cached_value(caller_copy)


@transaction.atomic
def _locked_for_type_change(user: User, member_type: str) -> User:
    """`user` read again under a row lock, once `member_type` is known to be valid."""
    if member_type not in MemberType.values:
        raise ValidationError({"member_type": _("Choose a valid member type.")})
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def change_member_type(
    *,
    user: User,
    organisation: Organisation | None,
    member_type: str,
    changed_by: User,
    reason: str = "",
) -> bool:
    """An administrator sets a person's organisation and type; later email checks keep it."""
    caller_copy = user
    user = _locked_for_type_change(user, member_type)
    changed = _record_change(
        user=user,
        organisation=organisation,
        member_type=member_type,
        changed_by=changed_by,
        reason=reason or _("Changed by an administrator"),
    )
    user.member_type_set_by_admin = True
    user.save(update_fields=["organisation", "member_type", "member_type_set_by_admin"])
    _show_type_to(caller_copy, user)
    return changed


UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError)


def _pixel_limit() -> int:
    # Pillow only warns between its own MAX_IMAGE_PIXELS and twice that: refuse there too.
    return min(settings.AVATAR_MAX_PIXELS, Image.MAX_IMAGE_PIXELS or settings.AVATAR_MAX_PIXELS)


def _not_a_picture() -> ValidationError:
    return ValidationError({"avatar": _("Upload a picture in JPEG, PNG, GIF or WebP format.")})


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        {
            "avatar": _(
                "This picture has too many pixels: at most %(limit)s million. "
                "Upload a smaller picture."
            )
            % {"limit": f"{_pixel_limit() / 1_000_000:g}"}
        }
    )


def resize_avatar(upload: UploadedFile) -> ContentFile:
    """Crop an uploaded picture to a square and shrink it; raises ValidationError if it is
    not a picture Pillow can read, or has more than AVATAR_MAX_PIXELS pixels."""
    try:
        # Opening reads the header only; the pixels are decoded by load().
        image = Image.open(upload)
    except Image.DecompressionBombError as error:
        raise _too_many_pixels() from error
    except UNREADABLE as error:
        raise _not_a_picture() from error
    # A few kilobytes of PNG can claim, and unpack into, gigabytes of pixels: refuse by the
    # size the header claims, before anything is decoded.
    width, height = image.size
    if width * height > _pixel_limit():
        image.close()
        raise _too_many_pixels()
    try:
        with image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            size = settings.AVATAR_SIZE_PX
            image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            image.save(buffer, format="WEBP", quality=85)
    except (*UNREADABLE, Image.DecompressionBombError) as error:
        raise _not_a_picture() from error
    return ContentFile(buffer.getvalue(), name="avatar.webp")


@transaction.atomic
def update_profile(
    *,
    user: User,
    display_name: str,
    bio: str,
    timezone: str,
    language: str,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Save a person's own profile. The avatar is processed before anything is written."""
    require_single_line(display_name=display_name)
    new_avatar = resize_avatar(avatar) if avatar is not None else None
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.timezone = timezone
    user.language = language
    fields = ["display_name", "bio", "timezone", "language"]
    old_avatar_name = user.avatar.name if user.avatar else ""
    if new_avatar is not None:
        user.avatar.save(new_avatar.name, new_avatar, save=False)
        fields.append("avatar")
    elif remove_avatar and user.avatar:
        user.avatar = None
        fields.append("avatar")
    user.save(update_fields=fields)
    if "avatar" in fields and old_avatar_name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return user


@transaction.atomic
def set_member_type_from_invitation(
    *, user: User, member_type: str, invited_by: User | None
) -> bool:
    """Give a person the type of the administrator's invitation they accepted.

    Call it only from the transaction that accepts the invitation (so the type and the
    membership change together). The type applies only where `member_type_after_invitation`
    allows: never over an organisation domain or an administrator's choice.
    """
    caller_copy = user
    user = _locked_for_type_change(user, member_type)
    member_type = member_type_after_invitation(user, member_type)
    changed = _record_change(
        user=user,
        organisation=user.organisation,
        member_type=member_type,
        changed_by=invited_by,
        reason=_("Joined through an invitation"),
    )
    if changed:
        user.save(update_fields=["organisation", "member_type"])
        _show_type_to(caller_copy, user)
    return changed


# -- organisations ---------------------------------------------------------------------------

ORGANISATION_NAME_MAX_LENGTH = 200


def _organisation_name(name: str, *, exclude_pk: int | None = None) -> str:
    require_single_line(name=name)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the organisation a name.")})
    if len(name) > ORGANISATION_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": _("A name can be at most %(limit)d characters.")
                % {"limit": ORGANISATION_NAME_MAX_LENGTH}
            }
        )
    if Organisation.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": _("Another organisation already has this name.")})
    return name


def _organisation_kind(kind: str) -> str:
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": _("Choose host, customer, vendor or partner.")})
    return kind


@transaction.atomic
def create_organisation(
    *, by: User, name: str, kind: str, require_mfa: bool = False
) -> Organisation:
    """A new organisation; administrators only."""
    require_administrator(by)
    organisation = Organisation(
        name=_organisation_name(name), kind=_organisation_kind(kind), require_mfa=require_mfa
    )
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as error:
        raise ValidationError({"name": _("Another organisation already has this name.")}) from error
    return organisation


@transaction.atomic
def update_organisation(
    *, organisation: Organisation, by: User, name: str, kind: str, require_mfa: bool
) -> Organisation:
    """Rename an organisation, change its kind or its two-factor requirement;
    administrators only. People keep their member type until their type is next
    derived (as when the kind is changed in the admin)."""
    require_administrator(by)
    organisation.name = _organisation_name(name, exclude_pk=organisation.pk)
    organisation.kind = _organisation_kind(kind)
    organisation.require_mfa = require_mfa
    try:
        with transaction.atomic():
            organisation.save(update_fields=["name", "kind", "require_mfa"])
    except IntegrityError as error:
        raise ValidationError({"name": _("Another organisation already has this name.")}) from error
    return organisation


# -- service accounts ------------------------------------------------------------------------

SERVICE_ACCOUNT_DOMAIN = "service.invalid"


@transaction.atomic
def create_service_account(*, by: User, name: str, member_type: str) -> User:
    """An account for a program (a BI export, a backlog sync), made by an administrator.

    It has no usable password and an address on a reserved domain that receives no mail,
    so it can never sign in to the site; it acts only through the tokens an administrator
    makes for it (`api.services.create_service_token`).
    """
    require_administrator(by)
    require_single_line(name=name)
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = _("Name the program that will use this account.")
    elif len(name) > 80:
        errors["name"] = _("A name can be at most %(limit)d characters.") % {"limit": 80}
    if member_type not in MemberType.values:
        errors["member_type"] = _("Choose a valid member type.")
    if errors:
        raise ValidationError(errors)
    account = User(
        email=f"service-{secrets.token_hex(8)}@{SERVICE_ACCOUNT_DOMAIN}",
        display_name=name,
        member_type=member_type,
        member_type_set_by_admin=True,
        is_service_account=True,
    )
    account.set_unusable_password()
    account.save()
    MemberTypeChange.objects.create(
        user=account,
        changed_by=by,
        to_member_type=member_type,
        reason=_("Service account created by an administrator"),
    )
    return account
