from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.addresses import url as address


class PurposeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    RETIRED = "retired", _("Retired")


class CoverColour(models.TextChoices):
    BLUE = "blue", _("Blue")
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    VIOLET = "violet", _("Violet")
    ROSE = "rose", _("Rose")
    TEAL = "teal", _("Teal")


class Purpose(models.Model):
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    statement = models.TextField(_("statement"), blank=True)
    statement_html = models.TextField(editable=False, blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="owned_purposes", verbose_name=_("owners")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PurposeStatus.choices, default=PurposeStatus.DRAFT
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    cover_colour = models.CharField(
        _("cover colour"), max_length=20, choices=CoverColour.choices, default=CoverColour.BLUE
    )
    cover_image = models.ImageField(_("cover image"), upload_to="purposes/", blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["status", "title", "id"]),
            # The community directory's purpose filter lists every visible purpose by title.
            models.Index(fields=["title", "id"]),
        ]
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return address("purpose_detail", self.slug)


class PurposeStatusChange(models.Model):
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=PurposeStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PurposeStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["purpose", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.purpose_id}: {self.from_status} -> {self.to_status}"


class GoalDirection(models.TextChoices):
    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")


class Goal(models.Model):
    purpose = models.ForeignKey(
        Purpose, on_delete=models.CASCADE, related_name="goals", verbose_name=_("purpose")
    )
    metric = models.CharField(_("metric"), max_length=160)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=4)
    current_value = models.DecimalField(
        _("current value"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    current_value_on = models.DateField(_("measured on"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=GoalDirection.choices)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["purpose", "position", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target=F("baseline")), name="purposes_goal_target_differs"
            ),
            models.CheckConstraint(
                condition=(Q(direction="increase", target__gt=F("baseline")))
                | Q(direction="decrease", target__lt=F("baseline")),
                name="purposes_goal_direction_matches_target",
            ),
        ]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.metric

    @property
    def value(self) -> Decimal:
        return self.baseline if self.current_value is None else self.current_value

    @property
    def progress(self) -> float:
        """Share of the way from baseline to target, in percent; may leave 0–100."""
        span = self.target - self.baseline
        return float((self.value - self.baseline) / span * 100)

    @property
    def progress_display(self) -> int:
        """Progress clamped to 0–100 for bars and labels."""
        return max(0, min(100, round(self.progress)))


class Measurement(models.Model):
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("goal")
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    measured_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measured_on", "id"]
        indexes = [
            models.Index(fields=["goal", "measured_on", "id"]),
            # The home feed reads each goal's newest recordings first.
            models.Index(fields=["goal", "-created_at", "-id"]),
        ]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.value} on {self.measured_on}"


class ChallengeState(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Challenge(models.Model):
    purpose = models.ForeignKey(
        Purpose, on_delete=models.CASCADE, related_name="challenges", verbose_name=_("purpose")
    )
    title = models.CharField(_("title"), max_length=160)
    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at", "id"]
        indexes = [
            models.Index(fields=["purpose", "closes_at"]),
            # A purpose page lists its challenges newest first.
            models.Index(fields=["purpose", "-opens_at", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="purposes_challenge_closes_after"
            )
        ]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self) -> str:
        return self.title

    def state_at(self, moment) -> str:
        if moment < self.opens_at:
            return ChallengeState.UPCOMING
        if moment >= self.closes_at:
            return ChallengeState.CLOSED
        return ChallengeState.OPEN

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())

    def get_state_display(self) -> str:
        return ChallengeState(self.state).label


class PurposeFollow(models.Model):
    """A person follows a purpose: its goal progress reaches them (notifications of new
    measurements, their digest) whether or not they belong to one of its communities,
    for as long as they may see the purpose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="purpose_follows"
    )
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "purpose"], name="purposes_follow_once")
        ]
        indexes = [models.Index(fields=["purpose", "user"])]
        verbose_name = _("purpose follow")
        verbose_name_plural = _("purpose follows")

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.purpose_id}"
