import zoneinfo
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class MemberType(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")


def member_type_fields(template: str) -> dict[str, str]:
    """The boolean field each member type has on a model, named from `template`, whose
    `{types}` is the type's plural: "open_to_{types}" gives open_to_employees, ...

    Models with one flag per member type (a community's audience and idea voters, a
    decision's voters) name those flags this way; this is the one map from a type to its
    flag.
    """
    return {kind: template.format(types=f"{kind.value}s") for kind in MemberType}


class OrganisationKind(models.TextChoices):
    HOST = "host", _("Host organisation")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")


MEMBER_TYPE_FOR_KIND = {
    OrganisationKind.HOST: MemberType.EMPLOYEE,
    OrganisationKind.CUSTOMER: MemberType.CUSTOMER,
    OrganisationKind.VENDOR: MemberType.VENDOR,
    OrganisationKind.PARTNER: MemberType.PARTNER,
}


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    require_mfa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("People of this organisation must set up an authenticator app."),
    )
    created_at = models.DateTimeField(_("created"), default=django_timezone.now)

    class Meta:
        ordering = ["name"]
        # The API's organisation list filters by kind, in name order.
        indexes = [models.Index(fields=["kind", "name", "id"])]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def member_type(self) -> str:
        return MEMBER_TYPE_FOR_KIND[OrganisationKind(self.kind)]


class OrganisationDomain(models.Model):
    """An email domain that belongs to an organisation.

    Only verified domains decide a person's organisation: anyone can type a domain in.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="domains",
        verbose_name=_("organisation"),
    )
    domain = models.CharField(_("domain"), max_length=253, unique=True)
    is_verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(_("created"), default=django_timezone.now)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class PersonName(NamedTuple):
    """Enough of a person to show their linked name and badge, read as plain columns by
    busy lists instead of loading whole `User` rows."""

    pk: int
    name: str
    member_type: str

    @classmethod
    def of(
        cls, pk: int | None, display_name: str | None, email: str | None, member_type: str
    ) -> "PersonName | None":
        """The person whose account columns these are, or None when there is none (a
        former member's rows keep no author)."""
        return cls(pk, User.name_of(display_name, email), member_type) if pk else None


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


def avatar_path(instance: "User", filename: str) -> str:
    return f"avatars/{instance.pk}/{filename}"


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organisation"),
    )
    member_type = models.CharField(
        _("member type"), max_length=20, choices=MemberType.choices, blank=True, db_index=True
    )
    member_type_set_by_admin = models.BooleanField(
        _("type set by an administrator"),
        default=False,
        help_text=_("When set, verifying another email address does not change the type."),
    )
    bio = models.TextField(_("short bio"), max_length=500, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_path, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    # An account a program uses through the API, made by an administrator: it has no
    # password and never signs in to the site (accounts.adapters refuses it).
    is_service_account = models.BooleanField(_("service account"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=django_timezone.now)
    # Raised to sign the person out everywhere: every session's check hash includes it.
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # Set while an `AccountSanction` exists for the person (kept by moderation's services),
    # so the access rule knows without a query that nearly everyone is under none.
    has_site_sanction = models.BooleanField(default=False, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_of(self.display_name, self.email)

    @staticmethod
    def name_of(display_name: str, email: str) -> str:
        """The name shown for someone: their display name, else their address's local part."""
        return display_name or email.split("@")[0]

    @property
    def initials(self) -> str:
        words = [word for word in self.name.replace(".", " ").split() if word]
        letters = "".join(word[0] for word in words[:2]) or "?"
        return letters.upper()

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django keeps this hash in each session and drops a session whose hash no longer
        # matches: mixing in `session_generation` lets a suspension end every session of
        # the account, wherever it is stored, without finding them.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "accounts.User.session_generation",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class SanctionKind(models.TextChoices):
    SILENCE = "silence", _("Silenced")
    SUSPEND = "suspend", _("Suspended")


class AccountSanction(models.Model):
    """A site-wide sanction on an account: silenced (reads, writes nothing anywhere) or
    suspended (signed out, cannot sign in), until `ends_at` (empty: until lifted), for a
    reason the person is shown. Written by moderation's services; read by the access rule
    and the sign-in checks."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(_("sanction"), max_length=10, choices=SanctionKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=django_timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="accounts_one_sanction_per_kind")
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="accounts_sanction_list"),
            models.Index(fields=["ends_at"], name="accounts_sanction_ends"),
        ]
        verbose_name = _("account sanction")
        verbose_name_plural = _("account sanctions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class MemberTypeChange(models.Model):
    """Who changed a person's organisation or member type, when, from what and to what."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="member_type_changes", verbose_name=_("person")
    )
    changed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=django_timezone.now)
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_member_type = models.CharField(max_length=20, choices=MemberType.choices, blank=True)
    to_member_type = models.CharField(max_length=20, choices=MemberType.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["user", "-changed_at"])]
        verbose_name = _("member type change")
        verbose_name_plural = _("member type changes")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.from_member_type} -> {self.to_member_type}"
