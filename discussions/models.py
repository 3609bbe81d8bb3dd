from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Category, Community
from core.addresses import url as address
from purposes.models import Challenge, Goal

# Trending: each tenfold of votes is worth this many seconds of newness, so an idea's
# score decays relative to newer ones without any periodic recomputation.
TRENDING_SECONDS_PER_DECADE = 45000
TRENDING_EPOCH = 1767225600  # 2026-01-01T00:00:00Z


class ThreadKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    QUESTION = "question", _("Question")
    IDEA = "idea", _("Idea")
    DECISION = "decision", _("Decision")


class ReviewState(models.TextChoices):
    """Where a thread or post stands with the moderators. Only PUBLISHED rows reach
    everyone; the others reach their author and the community's moderators alone
    (`discussions.permissions.shown_q`)."""

    PUBLISHED = "", _("Published")
    HIDDEN = "hidden", _("Hidden by a moderator")
    HELD = "held", _("Waiting for approval")


class Tag(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="discussions_tag_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="threads", verbose_name=_("community")
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ThreadKind.choices)
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="threads"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads")
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_post_id_cache = models.BigIntegerField(default=0)
    # Counted by the services with F() updates; lists never count posts.
    post_count = models.PositiveIntegerField(default=0)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    is_closed = models.BooleanField(_("closed"), default=False)
    accepted_answer = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_from = models.ForeignKey(
        Community, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Hidden or held with its first post (whose `review_note` says why); written by the
    # services only (`services.threads.set_review_state`).
    review_state = models.CharField(
        _("review"), max_length=8, choices=ReviewState.choices, default="", blank=True
    )

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-is_pinned", "-last_activity_at", "-id"]),
            models.Index(fields=["community", "kind", "-last_activity_at", "-id"]),
            models.Index(fields=["-created_at", "-id"]),
            # The few hidden and held threads, which every post read leaves out.
            models.Index(
                fields=["community"],
                condition=~models.Q(review_state=""),
                name="discussions_thread_unpublished",
            ),
        ]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return address("thread_detail", self.community.slug, self.pk)


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    # The thread's community, copied onto each post so that the access rule filters posts
    # without reading their threads (search checks thousands of matches). Written with
    # the post and changed with its thread's (`services.threads.move_thread`). Not
    # indexed, and left alone when a community is deleted: its threads take their posts.
    community = models.ForeignKey(
        Community, on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="posts"
    )
    body = models.TextField(_("text"))
    body_html = models.TextField(editable=False)
    # Title (for a first post) and body as plain words, for full-text search. On PostgreSQL
    # the table also has `search_document`, its tsvector, a generated column that is not a
    # field here (migration 0004; read by discussions.selectors.search.SearchDocument).
    search_text = models.TextField(editable=False, blank=True)
    is_first = models.BooleanField(default=False)
    quoted_post = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    revision_count = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    deletion_reason = models.CharField(max_length=300, blank=True)
    review_state = models.CharField(
        _("review"), max_length=8, choices=ReviewState.choices, default="", blank=True
    )
    # Why a moderator hid the post, shown to its author.
    review_note = models.CharField(_("moderator's note"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["thread", "id"]),
            models.Index(fields=["author", "-id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(is_first=True), name="discussions_one_first_post"
            )
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.thread_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.review_state == ReviewState.HIDDEN

    @property
    def is_held(self) -> bool:
        return self.review_state == ReviewState.HELD


class PostRevision(models.Model):
    """The text a post had before an edit."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    body_html = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["post", "-created_at"])]

    def __str__(self) -> str:
        return f"Revision of {self.post_id}"


class ReactionKind(models.TextChoices):
    LIKE = "like", _("Like")
    THANKS = "thanks", _("Thanks")
    INSIGHTFUL = "insightful", _("Insightful")
    CELEBRATE = "celebrate", _("Celebrate")


REACTION_SYMBOLS = {
    ReactionKind.LIKE: "👍",
    ReactionKind.THANKS: "🙏",
    ReactionKind.INSIGHTFUL: "💡",
    ReactionKind.CELEBRATE: "🎉",
}


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "user", "kind"], name="discussions_one_reaction_each"
            )
        ]
        indexes = [models.Index(fields=["post", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.post_id}"


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="discussions_mention_once")
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.post_id}"


class ThreadSubscription(models.Model):
    """A person's relation to a thread: whether they follow it and what they have read."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_subscriptions"
    )
    following = models.BooleanField(default=False)
    # Nothing from this thread reaches the person (mentions only if they keep them).
    muted = models.BooleanField(default=False)
    last_read_post_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="discussions_one_subscription")
        ]
        indexes = [models.Index(fields=["user", "thread"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.thread_id}"


class IdeaStatus(models.TextChoices):
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    DECLINED = "declined", _("Declined")
    DUPLICATE = "duplicate", _("Duplicate")


class Idea(models.Model):
    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="idea")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="ideas")
    challenge = models.ForeignKey(
        Challenge, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    status = models.CharField(max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.NEW)
    status_changed_at = models.DateTimeField(default=timezone.now)
    vote_count = models.PositiveIntegerField(default=0)
    trending_score = models.FloatField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["community", "-trending_score", "-id"]),
            models.Index(fields=["community", "-vote_count", "-id"]),
            models.Index(fields=["community", "-created_at", "-id"]),
            models.Index(fields=["community", "status", "-trending_score", "-id"]),
            models.Index(fields=["challenge", "-trending_score"]),
        ]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")

    def __str__(self) -> str:
        return f"Idea {self.thread_id}"

    @property
    def status_label(self) -> str:
        # The enum's label, not get_status_display(), which rebuilds (and hashes every
        # translated label of) the choices for each call: the list shows one per row.
        return IdeaStatus(self.status).label


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="discussions_one_vote_per_idea")
        ]
        indexes = [models.Index(fields=["user", "idea"])]

    def __str__(self) -> str:
        return f"{self.user_id} for {self.idea_id}"


class IdeaStatusChange(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=IdeaStatus.choices)
    to_status = models.CharField(max_length=16, choices=IdeaStatus.choices)
    response = models.TextField(_("official response"))
    response_html = models.TextField(editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["idea", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.from_status} -> {self.to_status}"


class GoalLink(models.Model):
    """An idea or decision tied to a goal of its community's purpose."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="goal_links")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="thread_links")
    expected_impact = models.CharField(_("expected impact"), max_length=300, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "goal"], name="discussions_link_goal_once")
        ]
        indexes = [models.Index(fields=["goal", "thread"])]

    def __str__(self) -> str:
        return f"{self.thread_id} -> goal {self.goal_id}"


class DecisionMode(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    CONSENT = "consent", _("Consent (agree, abstain, disagree, block)")


class Decision(models.Model):
    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="decision")
    mode = models.CharField(_("kind of vote"), max_length=10, choices=DecisionMode.choices)
    closes_at = models.DateTimeField(_("closes at"))
    show_results_before_close = models.BooleanField(_("show results before closing"), default=True)
    employees_may_vote = models.BooleanField(default=True)
    customers_may_vote = models.BooleanField(default=True)
    vendors_may_vote = models.BooleanField(default=True)
    partners_may_vote = models.BooleanField(default=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_html = models.TextField(editable=False, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    voter_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["closed_at", "closes_at"])]

    def __str__(self) -> str:
        return f"Decision {self.thread_id}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_voting_over(self, moment) -> bool:
        """Whether votes are refused at `moment`: closed, or past its closing time even
        before the periodic sweep has closed it. `voting_open_at` is the same rule for
        querysets."""
        return self.is_closed or self.closes_at <= moment

    @staticmethod
    def voting_open_at(moment) -> Q:
        """Decisions that still take votes at `moment` (the rule of `is_voting_over`)."""
        return Q(closed_at__isnull=True, closes_at__gt=moment)


class DecisionOption(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class DecisionVote(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(DecisionOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["option", "user"], name="discussions_vote_option_once")
        ]
        indexes = [models.Index(fields=["decision", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} for option {self.option_id}"


class ActivityKind(models.TextChoices):
    THREAD_STARTED = "thread_started", _("started a thread")
    IDEA_POSTED = "idea_posted", _("posted an idea")
    IDEA_STATUS = "idea_status", _("changed an idea's status")
    DECISION_OPENED = "decision_opened", _("opened a decision")
    DECISION_CLOSED = "decision_closed", _("recorded a decision")


class Activity(models.Model):
    """What the activity feed shows, written by the services as things happen."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["community", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} in {self.community_id}"
