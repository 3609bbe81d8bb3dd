"""Threads, posts, ideas, votes, decisions, reactions and activity for the scale dataset.

`manage.py seed_scale` calls this once it has made people and communities. On its own,
`manage.py seed_discussions_scale` adds discussions to the scale communities already in
the database (`--reset` replaces earlier ones).

By default: 50,000 threads (10,000 of them ideas and 1,000 decisions), 1,000,000 posts,
200,000 idea votes and 200,000 reactions; `--light` asks for a tenth of each. It is fast
because nothing that can run once runs per row: every count is planned before anything
is written, so counters are inserted already right; post bodies are assembled from a
fixed set of Markdown fragments and each distinct body is rendered (and reduced to plain
words for search) once, then shared by every post that uses it; rows go in with large
`bulk_create` batches, posts streamed chunk by chunk so memory stays flat. Afterwards one
set-based UPDATE fills `Thread.last_post_id_cache` and a few aggregate queries check
every counter against the rows.
"""

import datetime
import html
import math
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, reset_queries, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from communities.models import Category, Community, Membership, Role
from core.markdown import render_markdown
from discussions.models import (
    TRENDING_EPOCH,
    TRENDING_SECONDS_PER_DECADE,
    Activity,
    ActivityKind,
    Decision,
    DecisionMode,
    DecisionOption,
    DecisionVote,
    GoalLink,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Post,
    Reaction,
    ReactionKind,
    Tag,
    Thread,
    ThreadKind,
    ThreadSubscription,
)
from moderation.scale import seed_moderation_scale
from purposes.models import Challenge, Goal

SLUG_PREFIX = "scale-"  # the communities seed_scale made
FULL_SIZES = {
    "threads": 50_000,
    "posts": 1_000_000,
    "ideas": 10_000,
    "decisions": 1_000,
    "votes": 200_000,
    "reactions": 200_000,
}
LIGHT_DIVISOR = 10
ROW_BATCH = 2000  # rows per INSERT for everything but posts
POST_BATCH = 5000  # posts per INSERT (SQLite lowers it to its parameter limit)
POST_CHUNK = 20_000  # posts built in memory before they are written
THREAD_SHARES_OF_BIGGEST = [0.20, 0.12, 0.08]  # the rest is spread over the others
# A word that only a few posts in a thousand contain: what `make bench` searches for.
SAMPLE_SEARCH_WORD = "refrigerant"

DAY = 86_400
HISTORY_DAYS = 730

OPENINGS = [
    "We tried this at the north depot last month and the numbers moved.",
    "Short version: it works, but only when the whole shift is on board.",
    "I have been looking at this since the spring review.",
    "Thanks for starting this, it comes up in every team meeting.",
    "Our customers keep asking about this, so here is what we know.",
    "Two things surprised me when we measured it properly.",
    "Coming at this from the vendor side, the picture is a bit different.",
    "I would start smaller than the proposal suggests.",
    "This matches what the partner audit found in March.",
    "Before we decide anything, a quick look at last quarter.",
    "The pilot finished on Friday, so here are the first results.",
    "Agreed with most of the above, with one caveat.",
]
MIDDLES = [
    "Route changes cut **empty kilometres** by about a tenth:\n\n- fewer trips\n- fuller vans",
    "The forklift checks now take *four minutes* instead of ten, and nobody skips them.",
    "Returns drop when the size guide sits next to the order button.",
    "See the [shared dashboard](https://example.com/dashboard) for the weekly figures.",
    "Packaging with one material is easier to recycle:\n\n1. cardboard only\n2. paper tape",
    "The night shift saw the biggest change; the day shift barely noticed.",
    "Supplier onboarding went from six weeks to three once the forms were merged.",
    "Energy use per pallet fell after we fixed the dock doors (`dock-7` was always open).",
    "> The best measurement is the one people trust.\n\nThat was the point of the survey.",
    "Spare parts arrive faster when the depot keeps the ten most common ones in stock.",
    "Invoices with the order number in the subject line get paid a week sooner.",
    "Accessibility testing found three forms that a screen reader cannot finish.",
]
CLOSINGS = [
    "Happy to share the spreadsheet.",
    "What did other sites see?",
    "I can bring this to the next review.",
    "Let us measure again in a month.",
    "Does anyone have numbers from the southern region?",
    "Worth a proper pilot, I think.",
    "Credit goes to the warehouse team.",
    "More soon.",
]
# Rare sentences (2% of posts): they make searching for one word realistic.
ASIDES = [
    "The refrigerant leak at the cold store is fixed now.",
    "Side note: the hydraulic lift in bay four is booked all week.",
    "The telematics export still drops the last day of each month.",
    "Someone left the calibration weights in the canteen again.",
    "The solar inverter reported a fault twice this week.",
    "Our tachograph audit passed without remarks.",
    "The pallet wrapper firmware update is scheduled for Tuesday.",
    "Ask facilities about the humidity sensor readings.",
    "The carbon ledger now includes subcontracted haulage.",
    "A braille label trial starts at the flagship store.",
]
TOPICS = [
    "delivery emissions",
    "customer returns",
    "supplier onboarding",
    "warehouse safety",
    "packaging waste",
    "energy use",
    "invoice accuracy",
    "product quality",
    "repair times",
    "accessibility",
    "route planning",
    "the cold chain",
    "water use",
    "spare parts",
    "night shifts",
    "the returns portal",
]
SITES = [
    "Antwerp",
    "Bilbao",
    "Cork",
    "Dortmund",
    "Eindhoven",
    "Faro",
    "Graz",
    "Hamburg",
    "Lyon",
    "Malmö",
    "Nantes",
    "Porto",
    "Turin",
    "Utrecht",
]
TITLE_FORMS = {
    ThreadKind.DISCUSSION: [
        "What we learned about {topic} in {site}",
        "Notes on {topic} from {site}",
        "Let us talk about {topic} ({site})",
        "Monthly thread: {topic} in {site}",
    ],
    ThreadKind.QUESTION: [
        "How do we measure {topic} in {site}?",
        "Who owns {topic} at {site}?",
        "Why did {topic} get worse in {site}?",
        "Is there a checklist for {topic} ({site})?",
    ],
    ThreadKind.IDEA: [
        "Idea: a weekly review of {topic} in {site}",
        "Share the {topic} dashboard with {site}",
        "Pilot a new approach to {topic} in {site}",
        "Train every team in {site} on {topic}",
    ],
    ThreadKind.DECISION: [
        "Decide: next step for {topic} in {site}",
        "Poll: which {topic} pilot for {site}?",
        "Consent: adopt the {topic} plan in {site}",
    ],
}
TAG_NAMES = ["pilot", "metrics", "safety", "customers", "vendors", "quick-win", "policy", "data"]
DELETION_REASON = "Posted twice by mistake."

IDEA_STATUS_WEIGHTS = [
    (IdeaStatus.NEW, 45),
    (IdeaStatus.UNDER_REVIEW, 15),
    (IdeaStatus.PLANNED, 10),
    (IdeaStatus.IN_PROGRESS, 8),
    (IdeaStatus.IMPLEMENTED, 10),
    (IdeaStatus.DECLINED, 8),
    (IdeaStatus.DUPLICATE, 4),
]
# The statuses an idea went through, in order, to reach each status.
STATUS_PATHS = {
    IdeaStatus.NEW: [],
    IdeaStatus.UNDER_REVIEW: [IdeaStatus.UNDER_REVIEW],
    IdeaStatus.PLANNED: [IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED],
    IdeaStatus.IN_PROGRESS: [IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS],
    IdeaStatus.IMPLEMENTED: [IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED],
    IdeaStatus.DECLINED: [IdeaStatus.UNDER_REVIEW, IdeaStatus.DECLINED],
    IdeaStatus.DUPLICATE: [IdeaStatus.DUPLICATE],
}
STATUS_RESPONSES = {
    IdeaStatus.UNDER_REVIEW: "Thanks! The idea team is **looking at this** this month.",
    IdeaStatus.PLANNED: "We will do this next quarter; the owner is the operations lead.",
    IdeaStatus.IN_PROGRESS: "Work has started at two sites. Progress is on the purpose page.",
    IdeaStatus.IMPLEMENTED: "Done everywhere. The goal chart shows the effect so far.",
    IdeaStatus.DECLINED: "Not now: the cost is *higher* than the expected gain.",
    IdeaStatus.DUPLICATE: "Merged into an earlier idea; your votes moved with it.",
}
GOAL_IMPACTS = [
    "Should move this goal by a few points within a quarter.",
    "Small but steady effect expected.",
    "Main lever for this goal this year.",
]
DECISION_OPTIONS = {
    DecisionMode.SINGLE: ["Start the pilot now", "Wait for the audit", "Drop it", "Ask a vendor"],
    DecisionMode.MULTIPLE: ["North depot", "South depot", "Head office", "Partner sites"],
}
CONSENT_OPTIONS = ["Agree", "Abstain", "Disagree", "Block"]
OUTCOMES = {
    DecisionMode.SINGLE: "We go with the option most people chose; **review in three months**.",
    DecisionMode.MULTIPLE: "The two sites with the most support start first.",
    DecisionMode.CONSENT: "Adopted: no blocks were raised. Concerns go into the first review.",
}


# -- sizes -------------------------------------------------------------------------------


def add_size_arguments(parser: CommandParser) -> None:
    """The discussion sizes, shared by seed_scale and seed_discussions_scale."""
    for name, default in FULL_SIZES.items():
        parser.add_argument(
            f"--{name}",
            type=int,
            default=None,
            help=f"{name} ({default:,}; a tenth with --light)",
        )
    parser.add_argument(
        "--light",
        action="store_true",
        help="a tenth of every discussion size (100,000 posts): for SQLite or a quick look",
    )


def resolve_sizes(options: dict) -> dict[str, int]:
    divisor = LIGHT_DIVISOR if options.get("light") else 1
    sizes = {
        name: (options[name] if options.get(name) is not None else default // divisor)
        for name, default in FULL_SIZES.items()
    }
    if sizes["threads"] == 0:
        return sizes  # no discussions at all
    if min(sizes.values()) < 0:
        raise CommandError("Sizes cannot be negative.")
    if sizes["posts"] < sizes["threads"]:
        raise CommandError("Every thread has a first post: ask for at least as many posts.")
    if sizes["ideas"] + sizes["decisions"] > sizes["threads"]:
        raise CommandError("Ideas and decisions are threads: ask for more threads.")
    if sizes["reactions"] > 3 * sizes["posts"]:
        raise CommandError("At most three reactions a post: ask for fewer reactions.")
    return sizes


def tune_for_bulk_loading() -> None:
    """Inside the seeding transaction on PostgreSQL: do not wait for the WAL flush."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


# -- helpers -----------------------------------------------------------------------------


def apportion(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Split `total` into whole numbers proportional to `weights`, none above its cap.

    Largest remainders first, so the parts always add up to `total` exactly; what a cap
    cuts off goes to the others. Raises ValueError when the caps cannot hold `total`.
    """
    parts = [0] * len(weights)
    if caps is None:
        caps = [total] * len(weights)
    remaining = total
    open_ = [i for i, weight in enumerate(weights) if weight > 0 and caps[i] > 0]
    while remaining and open_:
        weight_sum = sum(weights[i] for i in open_)
        shares = {i: remaining * weights[i] / weight_sum for i in open_}
        given = 0
        for i in open_:
            add = min(int(shares[i]), caps[i] - parts[i])
            parts[i] += add
            given += add
        remaining -= given
        for i in sorted(open_, key=lambda i: shares[i] - int(shares[i]), reverse=True):
            if not remaining:
                break
            if parts[i] < caps[i]:
                parts[i] += 1
                remaining -= 1
        open_ = [i for i in open_ if parts[i] < caps[i]]
    if remaining:
        raise ValueError(f"{remaining} of {total} do not fit under the caps")
    return parts


def uniform_moment(
    rng: random.Random, start: datetime.datetime, end: datetime.datetime
) -> datetime.datetime:
    span = max(0.0, (end - start).total_seconds())
    return start + datetime.timedelta(seconds=rng.uniform(0, span))


def trending_score(created_at: datetime.datetime, votes: int) -> float:
    """What `Idea.trending_score` holds (see the constants in discussions.models)."""
    newness = (created_at.timestamp() - TRENDING_EPOCH) / TRENDING_SECONDS_PER_DECADE
    return math.log10(max(votes, 1)) + newness


TAG_PATTERN = re.compile(r"<[^>]+>")


def plain_words(body_html: str) -> str:
    """The words of rendered HTML, for `Post.search_text`."""
    return " ".join(html.unescape(TAG_PATTERN.sub(" ", body_html)).split())


class Bodies:
    """Post bodies from fixed fragments; each distinct body is rendered once and shared."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cache: dict[tuple[int, int, int, int], tuple[str, str, str]] = {}

    def pick(self) -> tuple[str, str, str]:
        """(Markdown, HTML, plain words) of a body."""
        rng = self.rng
        aside = rng.randrange(len(ASIDES)) if rng.random() < 0.02 else -1
        key = (
            rng.randrange(len(OPENINGS)),
            rng.randrange(len(MIDDLES)),
            rng.randrange(len(CLOSINGS)),
            aside,
        )
        found = self.cache.get(key)
        if found is None:
            paragraphs = [OPENINGS[key[0]], MIDDLES[key[1]]]
            if aside >= 0:
                paragraphs.append(ASIDES[aside])
            paragraphs.append(CLOSINGS[key[2]])
            body = "\n\n".join(paragraphs)
            body_html = render_markdown(body)
            found = self.cache[key] = (body, body_html, plain_words(body_html))
        return found


def rendered_once(texts: dict) -> dict:
    return {key: (text, render_markdown(text)) for key, text in texts.items()}


@dataclass
class ThreadPlan:
    thread: Thread
    replies: int
    cast: list[int]  # who replies
    community: Community
    posts: list[Post] = field(default_factory=list)


# -- the seeder --------------------------------------------------------------------------


class DiscussionSeeder:
    """Seeds discussions into the scale communities already in the database."""

    def __init__(self, *, stdout, rng: random.Random, now: datetime.datetime) -> None:
        self.stdout = stdout
        self.rng = rng
        self.now = now
        self.activities: list[Activity] = []

    def step(self, label: str, function, *args) -> None:
        started = time.monotonic()
        function(*args)
        reset_queries()  # with DEBUG on, Django would keep every (huge) INSERT's SQL
        self.stdout.write(f"  {label}: {time.monotonic() - started:.2f}s")

    def run(self, sizes: dict[str, int]) -> str:
        self.sizes = sizes
        self.step("Discussions: communities, members and goals loaded", self.load)
        self.step(f"{sizes['threads']} threads planned and written", self.seed_threads)
        self.step(
            f"{sizes['posts']} posts, follows and {sizes['reactions']} reactions", self.seed_posts
        )
        self.step("Thread counters: last post", self.fill_last_posts)
        self.step(
            f"{sizes['ideas']} ideas, {sizes['votes']} votes, status history", self.seed_ideas
        )
        self.step(f"{sizes['decisions']} decisions, options and votes", self.seed_decisions)
        self.step("Activity rows for the feed", self.seed_activity)
        self.step("Counters checked against the rows", self.check_counters)
        biggest = self.communities[0]
        return (
            f"{sizes['threads']} threads ({sizes['ideas']} ideas, {sizes['decisions']} "
            f"decisions), {sizes['posts']} posts, {sizes['votes']} idea votes, "
            f"{sizes['reactions']} reactions, {self.activity_total} activity rows; "
            f"busiest thread list: /communities/{biggest.slug}/threads/"
        )

    # -- what is there -----------------------------------------------------------------

    def load(self) -> None:
        communities = Community.objects.filter(slug__startswith=SLUG_PREFIX)
        self.communities = list(communities.order_by("-member_count", "pk"))
        if not self.communities:
            raise CommandError("No scale communities here: run `manage.py seed_scale` first.")
        self.members: dict[int, list[int]] = defaultdict(list)
        self.moderators: dict[int, list[int]] = defaultdict(list)
        self.member_type: dict[int, str] = {}
        rows = (
            Membership.objects.filter(community__in=communities)
            .order_by("community_id", "joined_at", "pk")
            .values_list("community_id", "user_id", "role", "user__member_type")
        )
        for community_id, user_id, role, member_type in rows:
            self.members[community_id].append(user_id)
            if role in (Role.OWNER, Role.MODERATOR):
                self.moderators[community_id].append(user_id)
            self.member_type[user_id] = member_type
        self.categories = {
            (community_id, name): pk
            for community_id, name, pk in Category.objects.filter(
                community__in=communities
            ).values_list("community_id", "name", "pk")
        }
        purposes = {community.purpose_id for community in self.communities}
        self.goals: dict[int, list[int]] = defaultdict(list)
        for purpose_id, pk in Goal.objects.filter(purpose__in=purposes).values_list(
            "purpose_id", "pk"
        ):
            self.goals[purpose_id].append(pk)
        self.challenges: dict[int, list[tuple]] = defaultdict(list)
        for row in Challenge.objects.filter(purpose__in=purposes).values_list(
            "purpose_id", "pk", "opens_at", "closes_at"
        ):
            self.challenges[row[0]].append(row[1:])

    # -- threads -----------------------------------------------------------------------

    def community_weights(self) -> list[float]:
        """The biggest communities get fixed shares of the threads; the rest vary."""
        rng, count = self.rng, len(self.communities)
        big = THREAD_SHARES_OF_BIGGEST[: max(0, count - 1)] if count > 1 else [1.0]
        rest = count - len(big)
        others = [rng.uniform(0.5, 1.5) for _ in range(rest)]
        scale = (1 - sum(big)) / sum(others) if others else 0
        return big + [weight * scale for weight in others]

    def seed_threads(self) -> None:
        rng, now, sizes = self.rng, self.now, self.sizes
        total = sizes["threads"]
        per_community = apportion(total, self.community_weights())
        slots = [
            community
            for community, count in zip(self.communities, per_community, strict=True)
            for _ in range(count)
        ]
        rng.shuffle(slots)
        plain = total - sizes["ideas"] - sizes["decisions"]
        questions = plain // 4
        kinds = (
            [ThreadKind.IDEA] * sizes["ideas"]
            + [ThreadKind.DECISION] * sizes["decisions"]
            + [ThreadKind.QUESTION] * questions
            + [ThreadKind.DISCUSSION] * (plain - questions)
        )
        rng.shuffle(kinds)
        # Replies: a long tail, a few threads run to many pages.
        replies = apportion(
            sizes["posts"] - total, [min(rng.paretovariate(1.1), 150.0) for _ in range(total)]
        )
        earliest_allowed = now - datetime.timedelta(days=HISTORY_DAYS)
        latest_start = now - datetime.timedelta(hours=1)
        plans = []
        for community, kind, reply_count in zip(slots, kinds, replies, strict=True):
            members = self.members[community.pk]
            created = uniform_moment(rng, max(community.created_at, earliest_allowed), latest_start)
            if reply_count:
                last = min(now, created + datetime.timedelta(seconds=rng.uniform(600, 60 * DAY)))
            else:
                last = created
            author = rng.choice(members)
            cast = rng.sample(members, k=min(len(members), rng.randint(2, 8)))
            if author not in cast and rng.random() < 0.6:
                cast.append(author)  # the author often answers
            topic, site = rng.choice(TOPICS), rng.choice(SITES)
            title = rng.choice(TITLE_FORMS[kind]).format(topic=topic, site=site)
            category = "Ideas" if kind == ThreadKind.IDEA else "General"
            if kind == ThreadKind.DISCUSSION and rng.random() < 0.05:
                category = "Announcements"
            if rng.random() < 0.1:
                category = None  # uncategorised
            thread = Thread(
                community_id=community.pk,
                category_id=self.categories.get((community.pk, category)),
                kind=kind,
                title=title[0].upper() + title[1:],
                author_id=author,
                created_at=created,
                last_activity_at=last,
                post_count=1 + reply_count,
                is_locked=kind == ThreadKind.DISCUSSION and rng.random() < 0.005,
                is_closed=kind == ThreadKind.QUESTION and rng.random() < 0.005,
            )
            plans.append(ThreadPlan(thread, reply_count, cast, community))
        # Oldest first, so ids grow with time as they do in use.
        plans.sort(key=lambda plan: plan.thread.created_at)
        self.plans = plans
        self.plan_ideas()
        by_community: dict[int, list[ThreadPlan]] = defaultdict(list)
        for plan in plans:
            by_community[plan.community.pk].append(plan)
        for community_plans in by_community.values():
            discussions = [p for p in community_plans if p.thread.kind == ThreadKind.DISCUSSION]
            pinned = 2 if len(community_plans) >= 100 else 1 if len(community_plans) >= 10 else 0
            for plan in discussions[:pinned]:
                plan.thread.is_pinned = True
        Thread.objects.bulk_create([plan.thread for plan in plans], batch_size=ROW_BATCH)
        self.seed_tags(by_community)

    def seed_tags(self, by_community: dict[int, list[ThreadPlan]]) -> None:
        rng = self.rng
        tags = [
            Tag(community_id=community_id, name=name)
            for community_id in by_community
            for name in rng.sample(TAG_NAMES, k=5)
        ]
        Tag.objects.bulk_create(tags, batch_size=ROW_BATCH)
        tags_of: dict[int, list[int]] = defaultdict(list)
        for tag in tags:
            tags_of[tag.community_id].append(tag.pk)
        Tagged = Thread.tags.through
        links = []
        for plan in self.plans:
            if rng.random() < 0.4:
                chosen = rng.sample(tags_of[plan.community.pk], k=rng.randint(1, 2))
                links += [Tagged(thread_id=plan.thread.pk, tag_id=tag) for tag in chosen]
        Tagged.objects.bulk_create(links, batch_size=ROW_BATCH)

    # -- posts, follows, reactions -----------------------------------------------------

    def plan_reactions(self) -> dict[int, int]:
        """How many reactions each post gets, by its position among all posts (1 to 3)."""
        wanted, posts = self.sizes["reactions"], self.sizes["posts"]
        if not wanted:
            return {}
        reacted = min(posts, math.ceil(wanted / 2))
        chosen = self.rng.sample(range(posts), k=reacted)
        counts = dict.fromkeys(chosen, 1)
        extra = wanted - reacted
        while extra:
            position = self.rng.choice(chosen)
            if counts[position] < 3:
                counts[position] += 1
                extra -= 1
        return counts

    def seed_posts(self) -> None:
        self.bodies = Bodies(self.rng)
        self.reaction_counts = self.plan_reactions()
        self.post_position = 0
        self.answered: list[Thread] = []
        chunk: list[ThreadPlan] = []
        size = 0
        for plan in self.plans:
            plan.posts = self.posts_for(plan)
            chunk.append(plan)
            size += len(plan.posts)
            if size >= POST_CHUNK:
                self.write_posts(chunk)
                chunk, size = [], 0
        if chunk:
            self.write_posts(chunk)
        Thread.objects.bulk_update(self.answered, ["accepted_answer"], batch_size=ROW_BATCH)
        self.stdout.write(f"    ({len(self.bodies.cache)} distinct bodies, each rendered once)")

    def posts_for(self, plan: ThreadPlan) -> list[Post]:
        rng, thread = self.rng, plan.thread
        body, body_html, words = self.bodies.pick()
        posts = [
            Post(
                thread_id=thread.pk,
                community_id=thread.community_id,
                author_id=thread.author_id,
                body=body,
                body_html=body_html,
                search_text=f"{thread.title}\n{words}",
                is_first=True,
                created_at=thread.created_at,
            )
        ]
        if plan.replies:
            moments = sorted(
                uniform_moment(rng, thread.created_at, thread.last_activity_at)
                for _ in range(plan.replies - 1)
            )
            moments.append(thread.last_activity_at)
            for moment in moments:
                body, body_html, words = self.bodies.pick()
                author = rng.choice(plan.cast)
                deleted = rng.random() < 0.003
                posts.append(
                    Post(
                        thread_id=thread.pk,
                        community_id=thread.community_id,
                        author_id=author,
                        body=body,
                        body_html=body_html,
                        search_text=words,
                        created_at=moment,
                        deleted_at=moment + datetime.timedelta(minutes=5) if deleted else None,
                        deleted_by_id=author if deleted else None,
                        deletion_reason=DELETION_REASON if deleted else "",
                    )
                )
        return posts

    def write_posts(self, chunk: list[ThreadPlan]) -> None:
        rng = self.rng
        Post.objects.bulk_create(
            [post for plan in chunk for post in plan.posts], batch_size=POST_BATCH
        )
        follows, reactions = [], []
        kinds = ReactionKind.values
        for plan in chunk:
            posts, thread = plan.posts, plan.thread
            # Everyone who wrote follows the thread, having read up to some later post.
            last_own: dict[int, int] = {}
            for index, post in enumerate(posts):
                last_own[post.author_id] = index
            for user_id, index in last_own.items():
                read = posts[rng.randint(index, len(posts) - 1)]
                follows.append(
                    ThreadSubscription(
                        thread_id=thread.pk,
                        user_id=user_id,
                        following=True,
                        last_read_post_id=read.pk,
                        updated_at=read.created_at,
                    )
                )
            if thread.kind == ThreadKind.QUESTION and plan.replies and rng.random() < 0.4:
                answers = [post for post in posts[1:] if post.deleted_at is None]
                if answers:
                    thread.accepted_answer_id = rng.choice(answers).pk
                    self.answered.append(thread)
            members = self.members[plan.community.pk]
            for post in posts:
                wanted = self.reaction_counts.get(self.post_position, 0)
                self.post_position += 1
                chosen: set[tuple[int, str]] = set()
                while len(chosen) < wanted:
                    chosen.add((rng.choice(members), rng.choice(kinds)))
                reactions += [
                    Reaction(
                        post_id=post.pk,
                        user_id=user_id,
                        kind=kind,
                        created_at=min(
                            self.now, post.created_at + datetime.timedelta(hours=rng.randint(1, 72))
                        ),
                    )
                    for user_id, kind in sorted(chosen)
                ]
            plan.posts = []  # written: let them go
        ThreadSubscription.objects.bulk_create(follows, batch_size=ROW_BATCH)
        Reaction.objects.bulk_create(reactions, batch_size=ROW_BATCH)
        reset_queries()

    def fill_last_posts(self) -> None:
        """One set-based UPDATE: each thread's newest post id."""
        newest = Post.objects.filter(thread=OuterRef("pk")).order_by("-id").values("id")[:1]
        Thread.objects.filter(community__slug__startswith=SLUG_PREFIX).update(
            last_post_id_cache=Subquery(newest)
        )

    # -- ideas -------------------------------------------------------------------------

    def plan_ideas(self) -> None:
        """Statuses, duplicates and vote counts, decided before anything is written: a
        size that cannot work (too few voters) fails at once, not after the posts."""
        rng = self.rng
        plans = [plan for plan in self.plans if plan.thread.kind == ThreadKind.IDEA]
        statuses, weights = zip(*IDEA_STATUS_WEIGHTS, strict=True)
        seen: dict[int, list[int]] = defaultdict(list)  # community -> earlier idea indexes
        chosen_status, original_of = [], {}
        for index, plan in enumerate(plans):
            status = rng.choices(statuses, weights)[0]
            if status == IdeaStatus.DUPLICATE:
                recent = seen[plan.community.pk][-40:]
                earlier = [i for i in recent if chosen_status[i] != IdeaStatus.DUPLICATE]
                if earlier:
                    original_of[index] = rng.choice(earlier)
                else:
                    status = IdeaStatus.NEW
            chosen_status.append(status)
            seen[plan.community.pk].append(index)
        voters: dict[int, list[int]] = {}
        for community in self.communities:
            voters[community.pk] = [
                user_id
                for user_id in self.members[community.pk]
                if community.lets_vote_on_ideas(self.member_type[user_id])
            ]
        caps = [
            0 if status == IdeaStatus.DUPLICATE else len(voters[plan.community.pk])
            for plan, status in zip(plans, chosen_status, strict=True)
        ]
        try:
            votes = apportion(
                self.sizes["votes"], [min(rng.paretovariate(1.3), 60.0) for _ in plans], caps
            )
        except ValueError as error:
            raise CommandError(
                f"Not enough voters for {self.sizes['votes']} idea votes ({sum(caps)} possible): "
                "ask for fewer votes, or more members or ideas."
            ) from error
        self.idea_plans = list(zip(plans, chosen_status, votes, strict=True))
        self.originals = original_of
        self.voters = voters

    def seed_ideas(self) -> None:
        rng, now = self.rng, self.now
        if not self.idea_plans:
            return
        responses = rendered_once(STATUS_RESPONSES)
        ideas, changes, links = [], [], []  # changes: one list per idea
        for plan, status, vote_count in self.idea_plans:
            thread, community = plan.thread, plan.community
            moderators = self.moderators[community.pk] or self.members[community.pk]
            challenge_id = None
            for pk, opens_at, closes_at in self.challenges[community.purpose_id]:
                if opens_at <= thread.created_at <= min(closes_at, now) and rng.random() < 0.6:
                    challenge_id = pk
            path = STATUS_PATHS[status]
            moments = sorted(uniform_moment(rng, thread.created_at, now) for _ in path)
            previous = IdeaStatus.NEW
            changer = rng.choice(moderators)
            changes.append([])
            for to_status, moment in zip(path, moments, strict=True):
                text, text_html = responses[to_status]
                changes[-1].append(
                    IdeaStatusChange(
                        from_status=previous,
                        to_status=to_status,
                        response=text,
                        response_html=text_html,
                        changed_by_id=changer,
                        changed_at=moment,
                    )
                )
                self.activity(thread, changer, ActivityKind.IDEA_STATUS, moment, to_status)
                previous = to_status
            ideas.append(
                Idea(
                    thread_id=thread.pk,
                    community_id=community.pk,
                    challenge_id=challenge_id,
                    status=status,
                    status_changed_at=moments[-1] if moments else thread.created_at,
                    vote_count=vote_count,
                    trending_score=trending_score(thread.created_at, vote_count),
                    created_at=thread.created_at,
                )
            )
            self.activity(
                thread, thread.author_id, ActivityKind.IDEA_POSTED, thread.created_at, thread.title
            )
            goals = self.goals[community.purpose_id]
            if goals and status in GOAL_STATUSES and rng.random() < 0.6:
                links.append(self.goal_link(thread, rng.choice(goals), changer, moments[-1]))
        Idea.objects.bulk_create(ideas, batch_size=ROW_BATCH)
        for idea, idea_changes in zip(ideas, changes, strict=True):
            for change in idea_changes:
                change.idea_id = idea.pk
        duplicates = []
        for index, original in self.originals.items():
            ideas[index].merged_into_id = ideas[original].pk
            duplicates.append(ideas[index])
        Idea.objects.bulk_update(duplicates, ["merged_into"], batch_size=ROW_BATCH)
        IdeaStatusChange.objects.bulk_create(
            [change for idea_changes in changes for change in idea_changes], batch_size=ROW_BATCH
        )
        GoalLink.objects.bulk_create(links, batch_size=ROW_BATCH)
        self.seed_idea_votes(ideas, [plan for plan, _, _ in self.idea_plans], self.voters)

    def seed_idea_votes(self, ideas: list[Idea], plans: list[ThreadPlan], voters) -> None:
        rng, now = self.rng, self.now
        batch: list[IdeaVote] = []
        for idea, plan in zip(ideas, plans, strict=True):
            for user_id in rng.sample(voters[plan.community.pk], k=idea.vote_count):
                batch.append(
                    IdeaVote(
                        idea_id=idea.pk,
                        user_id=user_id,
                        created_at=uniform_moment(rng, idea.created_at, now),
                    )
                )
            if len(batch) >= POST_CHUNK:
                IdeaVote.objects.bulk_create(batch, batch_size=ROW_BATCH)
                batch = []
                reset_queries()
        IdeaVote.objects.bulk_create(batch, batch_size=ROW_BATCH)

    def goal_link(self, thread: Thread, goal_id: int, by: int, moment) -> GoalLink:
        return GoalLink(
            thread_id=thread.pk,
            goal_id=goal_id,
            expected_impact=self.rng.choice(GOAL_IMPACTS),
            linked_by_id=by,
            created_at=moment,
        )

    # -- decisions ---------------------------------------------------------------------

    def seed_decisions(self) -> None:
        rng, now = self.rng, self.now
        plans = [plan for plan in self.plans if plan.thread.kind == ThreadKind.DECISION]
        if not plans:
            return
        outcomes = rendered_once(OUTCOMES)
        decisions, option_sets, ballots, links = [], [], [], []
        for plan in plans:
            thread, community = plan.thread, plan.community
            mode = rng.choice(DecisionMode.values)
            closes_at = thread.created_at + datetime.timedelta(days=rng.randint(3, 21))
            closed = closes_at <= now
            vendors_may_vote = rng.random() < 0.8
            decision = Decision(
                thread_id=thread.pk,
                mode=mode,
                closes_at=closes_at,
                show_results_before_close=rng.random() < 0.7,
                vendors_may_vote=vendors_may_vote,
                closed_at=closes_at if closed else None,
            )
            if closed and rng.random() < 0.8:
                decision.outcome, decision.outcome_html = outcomes[mode]
                decision.outcome_by_id = thread.author_id
            if mode == DecisionMode.CONSENT:
                labels = CONSENT_OPTIONS
            else:
                labels = rng.sample(DECISION_OPTIONS[mode], k=rng.randint(2, 4))
            pool = [
                user_id
                for user_id in self.members[community.pk]
                if vendors_may_vote or self.member_type[user_id] != "vendor"
            ]
            chosen = rng.sample(pool, k=min(len(pool), rng.randint(0, 30)))
            until = min(closes_at, now)
            votes = []  # (option index, user, moment)
            for user_id in chosen:
                picks = rng.sample(range(len(labels)), k=rng.randint(1, 2))
                if mode != DecisionMode.MULTIPLE:
                    picks = picks[:1]
                moment = uniform_moment(rng, thread.created_at, until)
                votes += [(pick, user_id, moment) for pick in picks]
            decision.voter_count = len(chosen)
            tally = [0] * len(labels)
            for pick, _, _ in votes:
                tally[pick] += 1
            decisions.append(decision)
            option_sets.append(
                [
                    DecisionOption(label=label, position=position, vote_count=tally[position])
                    for position, label in enumerate(labels)
                ]
            )
            ballots.append(votes)
            self.activity(thread, thread.author_id, ActivityKind.DECISION_OPENED, thread.created_at)
            if closed:
                self.activity(thread, thread.author_id, ActivityKind.DECISION_CLOSED, closes_at)
            goals = self.goals[community.purpose_id]
            if goals and rng.random() < 0.3:
                links.append(
                    self.goal_link(thread, rng.choice(goals), thread.author_id, thread.created_at)
                )
        Decision.objects.bulk_create(decisions, batch_size=ROW_BATCH)
        for decision, options in zip(decisions, option_sets, strict=True):
            for option in options:
                option.decision_id = decision.pk
        DecisionOption.objects.bulk_create(
            [option for options in option_sets for option in options], batch_size=ROW_BATCH
        )
        DecisionVote.objects.bulk_create(
            [
                DecisionVote(
                    decision_id=decision.pk,
                    option_id=options[pick].pk,
                    user_id=user_id,
                    created_at=moment,
                )
                for decision, options, votes in zip(decisions, option_sets, ballots, strict=True)
                for pick, user_id, moment in votes
            ],
            batch_size=ROW_BATCH,
        )
        GoalLink.objects.bulk_create(links, batch_size=ROW_BATCH)

    # -- activity ----------------------------------------------------------------------

    def activity(self, thread: Thread, actor: int, kind: str, moment, detail: str = "") -> None:
        self.activities.append(
            Activity(
                community_id=thread.community_id,
                thread_id=thread.pk,
                actor_id=actor,
                kind=kind,
                detail=detail[:200],
                created_at=moment,
            )
        )

    def seed_activity(self) -> None:
        for plan in self.plans:
            thread = plan.thread
            if thread.kind in (ThreadKind.DISCUSSION, ThreadKind.QUESTION):
                self.activity(
                    thread,
                    thread.author_id,
                    ActivityKind.THREAD_STARTED,
                    thread.created_at,
                    thread.title,
                )
        self.activities.sort(key=lambda activity: activity.created_at)
        Activity.objects.bulk_create(self.activities, batch_size=ROW_BATCH)
        self.activity_total = len(self.activities)
        self.activities = []

    # -- checks ------------------------------------------------------------------------

    def check_counters(self) -> None:
        """Every stored counter equals what the rows say, or the command fails."""
        threads = Thread.objects.filter(community__slug__startswith=SLUG_PREFIX)
        wrong = {
            "threads": threads.annotate(
                real=Count("posts"),
                newest=Max("posts__id"),
                latest=Max("posts__created_at"),
            )
            .exclude(
                Q(post_count=F("real"))
                & Q(last_post_id_cache=F("newest"))
                & Q(last_activity_at=F("latest"))
            )
            .count(),
            "ideas": Idea.objects.filter(thread__in=threads)
            .annotate(real=Count("votes"))
            .exclude(vote_count=F("real"))
            .count(),
            "decision options": DecisionOption.objects.filter(decision__thread__in=threads)
            .annotate(real=Count("votes"))
            .exclude(vote_count=F("real"))
            .count(),
            "decisions": Decision.objects.filter(thread__in=threads)
            .annotate(real=Count("votes__user", distinct=True))
            .exclude(voter_count=F("real"))
            .count(),
        }
        problems = [f"{count} {name}" for name, count in wrong.items() if count]
        if problems:
            raise CommandError(f"Counters that are off: {', '.join(problems)}.")


GOAL_STATUSES = {IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED}


# -- deleting ------------------------------------------------------------------------------


def scale_discussions_exist() -> bool:
    return Thread.objects.filter(community__slug__startswith=SLUG_PREFIX).exists()


def purge_scale_discussions() -> None:
    """Delete the scale threads, tags and everything hanging off them, set-based.

    `QuerySet.delete()` would load a million posts to follow their relations; this walks
    the relations (every model pointing at threads, posts, ideas... whoever added it)
    and deletes children first with one DELETE ... WHERE id IN (subquery) per table.
    """
    purge(Thread.objects.filter(community__slug__startswith=SLUG_PREFIX))
    purge(Tag.objects.filter(community__slug__startswith=SLUG_PREFIX))


def purge(queryset: models.QuerySet, depth: int = 0) -> None:
    if depth > 8:
        raise CommandError(f"Relations too deep to purge at {queryset.model.__name__}.")
    model = queryset.model
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        child, foreign_key = relation.related_model, relation.field
        children = child._base_manager.filter(**{f"{foreign_key.name}__in": queryset.values("pk")})
        on_delete = relation.on_delete
        if on_delete is models.CASCADE:
            purge(children, depth + 1)
        elif on_delete is models.SET_NULL:
            children.update(**{foreign_key.name: None})
        elif on_delete is models.DO_NOTHING:
            continue
        elif children.exists():
            raise CommandError(
                f"{child.__name__}.{foreign_key.name} blocks deleting scale discussions."
            )
    sql, params = queryset.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        # Only identifiers from the model's own metadata and Django's compiled subquery.
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({sql})", params)  # noqa: S608


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# -- the command ---------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Add threads, posts, ideas, votes, decisions, reactions and activity to the scale "
        "communities made by seed_scale. Refuses to run twice unless --reset is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_size_arguments(parser)
        parser.add_argument(
            "--reset", action="store_true", help="delete earlier scale discussions first"
        )
        parser.add_argument("--random-seed", type=int, default=2026, help="for repeatable data")

    def handle(self, *args, **options) -> None:
        sizes = resolve_sizes(options)
        if not sizes["threads"]:
            raise CommandError("Ask for at least one thread.")
        started = time.monotonic()
        rng = random.Random(options["random_seed"])  # noqa: S311 - test data, not secrets
        with transaction.atomic():
            tune_for_bulk_loading()
            if scale_discussions_exist():
                if not options["reset"]:
                    raise CommandError(
                        "Scale discussions are already here. Run `manage.py "
                        "seed_discussions_scale --reset` to delete them and seed again."
                    )
                started_purge = time.monotonic()
                purge_scale_discussions()
                self.stdout.write(
                    f"  Deleted the earlier scale discussions: "
                    f"{time.monotonic() - started_purge:.2f}s"
                )
            summary = DiscussionSeeder(stdout=self.stdout, rng=rng, now=timezone.now()).run(sizes)
            # Flags and the audit log, written after the posts they are about.
            summary += "; " + seed_moderation_scale(rng=rng, now=timezone.now())
        analyze()
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale discussions ready in {time.monotonic() - started:.1f}s: {summary}."
            )
        )
