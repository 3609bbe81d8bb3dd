import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberType, member_type_fields
from core.addresses import url as address
from purposes.models import Purpose


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can read")
    LISTED = "listed", _("Listed: in the directory for its audience, content for members")
    PRIVATE = "private", _("Private: reachable by its audience through a link, content for members")
    SECRET = "secret", _("Secret: invisible to everyone but members")


VISIBILITY_NAMES = {
    Visibility.PUBLIC: _("Public"),
    Visibility.LISTED: _("Listed"),
    Visibility.PRIVATE: _("Private"),
    Visibility.SECRET: _("Secret"),
}


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: join in one click")
    REQUEST = "request", _("Request: moderators approve")
    INVITATION = "invitation", _("Invitation only")


class NotificationLevel(models.TextChoices):
    """How much of a community a member is told of, from most to least. Muted means
    nothing at all, except mentions for people who keep them (their own setting)."""

    ALL = "all", _("All activity")
    TOPICS = "topics", _("New threads and ideas, and threads I follow")
    PARTICIPATING = "participating", _("Replies in threads I follow and mentions")
    MENTIONS = "mentions", _("Mentions only")
    NONE = "none", _("Muted")


AUDIENCE_FIELDS = member_type_fields("open_to_{types}")
IDEA_VOTER_FIELDS = member_type_fields("ideas_vote_{types}")


class Community(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="communities", verbose_name=_("purpose")
    )
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    guidelines = models.TextField(_("guidelines"), blank=True)
    guidelines_html = models.TextField(editable=False, blank=True)
    open_to_employees = models.BooleanField(_("employees"), default=True)
    open_to_customers = models.BooleanField(_("customers"), default=False)
    open_to_vendors = models.BooleanField(_("vendors"), default=False)
    open_to_partners = models.BooleanField(_("partners"), default=False)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.LISTED
    )
    join_policy = models.CharField(
        _("join policy"), max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    default_notification_level = models.CharField(
        _("default notifications for new members"),
        max_length=20,
        choices=NotificationLevel.choices,
        default=NotificationLevel.PARTICIPATING,
    )
    ideas_vote_employees = models.BooleanField(_("employees may vote on ideas"), default=True)
    ideas_vote_customers = models.BooleanField(_("customers may vote on ideas"), default=True)
    ideas_vote_vendors = models.BooleanField(_("vendors may vote on ideas"), default=True)
    ideas_vote_partners = models.BooleanField(_("partners may vote on ideas"), default=True)
    # Kept by the membership services with F() updates, so lists never count rows.
    hold_first_posts = models.BooleanField(
        _("hold new members' first posts for approval"), default=False
    )
    member_count = models.PositiveIntegerField(_("members"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["purpose", "name", "id"]),
            models.Index(fields=["visibility", "name", "id"]),
        ]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return address("community_detail", self.slug)

    @property
    def visibility_name(self) -> str:
        """The visibility's one-word name (its choice label explains it at length)."""
        return VISIBILITY_NAMES[self.visibility]

    @property
    def audience(self) -> list[str]:
        return [kind for kind, field in AUDIENCE_FIELDS.items() if getattr(self, field)]

    def audience_labels(self) -> list[str]:
        return [MemberType(kind).label for kind in self.audience]

    @property
    def idea_voters(self) -> list[str]:
        return [kind for kind, field in IDEA_VOTER_FIELDS.items() if getattr(self, field)]

    def lets_vote_on_ideas(self, member_type: str) -> bool:
        field = IDEA_VOTER_FIELDS.get(member_type)
        return bool(field and getattr(self, field))

    def is_open_to(self, member_type: str) -> bool:
        field = AUDIENCE_FIELDS.get(member_type)
        return bool(field and getattr(self, field))


class Category(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="communities_category_unique"
            )
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


class JoinedVia(models.TextChoices):
    CREATED = "created", _("Created the community")
    OPEN = "open", _("Joined")
    REQUEST = "request", _("Approved request")
    INVITATION = "invitation", _("Invitation")
    ADDED = "added", _("Added by an administrator")


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("member since"), default=timezone.now)
    joined_via = models.CharField(_("joined through"), max_length=12, choices=JoinedVia.choices)
    notification_level = models.CharField(
        _("notifications"), max_length=20, choices=NotificationLevel.choices
    )

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="communities_one_membership")
        ]
        indexes = [
            models.Index(fields=["community", "role", "joined_at", "id"]),
            models.Index(fields=["community", "joined_at", "id"]),
            models.Index(fields=["user", "community"]),
            # A person's own list of memberships, newest first (the API's).
            models.Index(fields=["user", "-joined_at", "-id"], name="communities_mine_newest"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.community_id} ({self.role})"


class Ban(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Empty: until lifted. A ban past its end is ignored at once and deleted by the
    # moderation sweep, which records that it ended.
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="communities_one_ban")
        ]
        indexes = [
            models.Index(fields=["community", "-created_at", "-id"], name="communities_ban_list"),
            models.Index(fields=["ends_at"], name="communities_ban_ends"),
        ]
        verbose_name = _("ban")
        verbose_name_plural = _("bans")

    def __str__(self) -> str:
        return f"{self.user_id} banned from {self.community_id}"


class Silence(models.Model):
    """A member who may read a community but not write in it, until `ends_at` (empty:
    until lifted), for a reason they are shown. Written by moderation's services; read by
    the access rule."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="silences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    silenced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="communities_one_silence")
        ]
        indexes = [
            models.Index(
                fields=["community", "-created_at", "-id"], name="communities_silence_list"
            ),
            models.Index(fields=["ends_at"], name="communities_silence_ends"),
        ]
        verbose_name = _("silence")
        verbose_name_plural = _("silences")

    def __str__(self) -> str:
        return f"{self.user_id} silenced in {self.community_id}"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class JoinRequest(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(
        max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(status="pending"),
                name="communities_one_pending_request",
            )
        ]
        indexes = [models.Index(fields=["community", "status", "created_at"])]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.community_id} ({self.status})"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An email invitation (one person, one use) or a shareable link (many uses)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    email = models.EmailField(_("email"), blank=True)
    member_type = models.CharField(
        _("member type for new people"), max_length=20, choices=MemberType.choices, blank=True
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1)
    use_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(use_count__lte=F("max_uses")), name="communities_invitation_uses"
            ),
            models.CheckConstraint(
                condition=Q(max_uses__gte=1), name="communities_invitation_max_uses_positive"
            ),
        ]
        indexes = [models.Index(fields=["community", "-created_at"])]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email or f"link {self.token[:6]}…"

    def get_absolute_url(self) -> str:
        return reverse("invitation_detail", kwargs={"token": self.token})

    @property
    def is_link(self) -> bool:
        return not self.email

    def problem_at(self, moment) -> str | None:
        """Why this invitation can no longer be used, or None while it can."""
        if self.revoked_at:
            return "revoked"
        if moment >= self.expires_at:
            return "expired"
        if self.use_count >= self.max_uses:
            return "used_up"
        return None


class InvitationAcceptance(models.Model):
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "user"], name="communities_accept_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.invitation_id}"


class PendingInvitation(models.Model):
    """An invitation a new person signed up through, applied once their address is verified."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_invitation"
    )
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} via {self.invitation_id}"
