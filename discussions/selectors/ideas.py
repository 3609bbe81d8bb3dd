"""Reads about ideas, always through the access rule.

Every list and panel here runs a fixed number of queries whatever the amount of data:
lists are keyset-paginated on their sort key and the id, the viewer's votes for a page
are one query, and support by member type is counted by the database.
"""

import datetime
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial, reduce
from operator import or_

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import MemberType, PersonName, User
from accounts.permissions import is_administrator
from communities import permissions as community_permissions
from communities.models import Community
from core import params
from core.compiled_reads import rows_of
from core.expressions import column, in_subquery, load_json_rows, row_value, table
from core.pagination import Page, keyset_page, page_of
from core.postgresql import one_plan
from discussions import permissions
from discussions.models import GoalLink, Idea, IdeaStatus, IdeaStatusChange, IdeaVote, Tag, Thread
from discussions.selectors.threads import tag_names_of
from purposes.models import Challenge, Goal, Purpose
from purposes.selectors import purpose_shown_to

IDEAS_PAGE_SIZE = 20
SUPPORT_THRESHOLD = 5
SIMILAR_CANDIDATES = 200
SIMILAR_LIMIT = 5
SIMILARITY_THRESHOLD = 0.3
# The most supported linked ideas of each status on the purpose page; the rest are a link away.
PURPOSE_IDEAS_PER_STATUS = 5
FILTER_TAGS_LIMIT = 100

SORTS = {
    "trending": ("trending_score", gettext_lazy("Trending")),
    "top": ("vote_count", gettext_lazy("Top")),
    "newest": ("created_at", gettext_lazy("Newest")),
}
DEFAULT_SORT = "trending"

SUPPORT_GROUPS = (
    (MemberType.EMPLOYEE, gettext_lazy("Employees")),
    (MemberType.CUSTOMER, gettext_lazy("Customers")),
    (MemberType.VENDOR, gettext_lazy("Vendors")),
    (MemberType.PARTNER, gettext_lazy("Partners")),
)

# The order statuses are listed in on the purpose page: where an idea stands, most advanced
# first; duplicates are left out there (their votes count on the original).
STATUS_ORDER = (
    IdeaStatus.IMPLEMENTED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.PLANNED,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.NEW,
    IdeaStatus.DECLINED,
)


# -- fetching for a viewer --------------------------------------------------------------------


def get_idea(*, community: Community, thread_id: int, user: User | None = None) -> Idea:
    """An idea of a community the caller has checked is readable; 404 when there is none,
    or, given the `user` who asks, when it is hidden or held from them."""
    if params.positive_int(thread_id) is None:
        raise Http404
    ideas = Idea.objects.filter(community=community, thread_id=thread_id)
    if user is not None:
        ideas = ideas.filter(permissions.shown_q(user, prefix="thread__", community=community))
    idea = ideas.select_related(
        "thread", "thread__author", "challenge", "merged_into__thread__community"
    ).first()
    if idea is None:
        raise Http404
    idea.community = community
    idea.thread.community = community
    return idea


# -- keyset pagination, largest first -------------------------------------------------------


def _descending_page(
    queryset: QuerySet,
    *,
    field: str,
    after: str | None,
    page_size: int,
    rows: Callable[[QuerySet], list] = list,
) -> Page:
    """One page ordered by (`field`, pk) descending, starting after cursor "value|pk":
    the items `rows` makes of the page's slice of `queryset` (its model instances, unless
    told otherwise), each with `field` and `pk`.

    An unreadable cursor starts from the first page rather than failing.
    """
    queryset = queryset.order_by(f"-{field}", "-pk")
    if after:
        raw_value, _sep, raw_pk = after.rpartition("|")
        value = params.field_value(queryset.model._meta.get_field(field), raw_value)
        pk = params.positive_int(raw_pk)
        if value is not None and pk is not None:
            queryset = queryset.filter(
                Q(**{f"{field}__lte": value})
                & (Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk}))
            )
    return page_of(rows(queryset[: page_size + 1]), field=field, page_size=page_size)


# -- the idea list --------------------------------------------------------------------------


@dataclass
class IdeaFilters:
    sort: str = DEFAULT_SORT
    status: str = ""
    challenge: int | None = None
    tag: str = ""

    @classmethod
    def from_query(cls, query) -> "IdeaFilters":
        sort = query.get("sort", DEFAULT_SORT)
        status = query.get("status", "")
        challenge = query.get("challenge", "")
        return cls(
            sort=sort if sort in SORTS else DEFAULT_SORT,
            status=status if status in IdeaStatus.values else "",
            challenge=params.positive_int(challenge),
            tag=params.text(query.get("tag", "")).strip().lower()[:40],
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.status or self.challenge or self.tag)


def _set_vote_state(user: User, idea: "Idea | IdeaRow", voted: bool) -> None:
    """What the vote button shows: voted (may withdraw), may vote, or why not (for a
    voter who lost the standing to act, why they may not withdraw)."""
    idea.viewer_voted = voted
    if voted:
        idea.viewer_vote_refusal = permissions.withdraw_refusal(user, idea)
        idea.viewer_can_withdraw = idea.viewer_vote_refusal is None
    else:
        idea.viewer_vote_refusal = permissions.vote_refusal(user, idea)
        idea.viewer_can_withdraw = False
    idea.viewer_can_vote = not voted and idea.viewer_vote_refusal is None


def mark_viewer_votes(user: User, ideas: list[Idea]) -> None:
    """Set the vote state of each idea for `user`: one query for all of them.

    Each idea's `community` must be loaded (the permission checks read it).
    """
    voted: set[int] = set()
    if user.is_authenticated and ideas:
        voted = set(
            IdeaVote.objects.filter(user=user, idea_id__in=[idea.pk for idea in ideas]).values_list(
                "idea_id", flat=True
            )
        )
    for idea in ideas:
        _set_vote_state(user, idea, idea.pk in voted)


@dataclass(slots=True)
class IdeaTopic:
    """What an idea row shows of its thread."""

    pk: int
    title: str
    post_count: int
    author: PersonName | None

    @property
    def author_id(self) -> int | None:
        return self.author.pk if self.author is not None else None


@dataclass(slots=True)
class ChallengeChoice:
    pk: int
    title: str


@dataclass(slots=True)
class IdeaRow:
    """An idea as the idea list (page and API) shows it and its vote widget checks it,
    read straight from the query's columns: no model instances, which cost more to build
    than the list's query takes to run. The attributes are named as on `Idea`
    (`thread.title`, `thread.author`), so the vote rules read a row as they read an idea."""

    pk: int
    thread_id: int
    thread: IdeaTopic
    community: Community
    status: str
    status_changed_at: datetime.datetime | None
    vote_count: int
    trending_score: float
    created_at: datetime.datetime
    merged_into_id: int | None
    challenge: ChallengeChoice | None
    tag_names: list[str]
    shown_challenge: ChallengeChoice | None = None
    viewer_voted: bool = False
    viewer_can_vote: bool = False
    viewer_can_withdraw: bool = False
    viewer_vote_refusal: str | None = None

    @property
    def status_label(self) -> str:
        return IdeaStatus(self.status).label


_ROW_COLUMNS = (
    "pk",
    "thread_id",
    "status",
    "status_changed_at",
    "vote_count",
    "trending_score",
    "created_at",
    "merged_into_id",
    "thread__title",
    "thread__post_count",
    "thread__author_id",
    "thread__author__display_name",
    "thread__author__email",
    "thread__author__member_type",
    "challenge_id",
    "challenge__title",
    "tag_names",
)


def _row_columns(ideas: QuerySet[Idea], *, voted: bool) -> QuerySet:
    """The columns `_idea_rows` reads of `ideas` (annotated as `_shown_ideas` does)."""
    return (
        ideas.values_list(*_ROW_COLUMNS, "viewer_vote")
        if voted
        else ideas.values_list(*_ROW_COLUMNS)
    )


def _idea_rows(found: Iterable[tuple], community: Community, *, voted: bool) -> list[IdeaRow]:
    """`IdeaRow`s of the columns `_row_columns` reads of ideas of `community`."""
    rows = []
    for values in found:
        (pk, thread_id, status, changed_at, votes, score, created_at, merged_into_id) = values[:8]
        (title, post_count, author_id, display_name, email, member_type) = values[8:14]
        challenge_id, challenge_title, tags = values[14:17]
        author = PersonName.of(author_id, display_name, email, member_type)
        row = IdeaRow(
            pk=pk,
            thread_id=thread_id,
            thread=IdeaTopic(thread_id, title, post_count, author),
            community=community,
            status=status,
            status_changed_at=changed_at,
            vote_count=votes,
            trending_score=score,
            created_at=created_at,
            merged_into_id=merged_into_id,
            challenge=ChallengeChoice(challenge_id, challenge_title) if challenge_id else None,
            tag_names=sorted(load_json_rows(tags)),
        )
        row.viewer_voted = voted and values[17] is not None
        rows.append(row)
    return rows


def _shown_ideas(
    rule: str, user_id: int | None, community_id: int, filters: IdeaFilters
) -> QuerySet[Idea]:
    """The ideas of a community its reader (`permissions.shown_rule`'s `rule`, their id,
    None for a visitor) may see, as `filters` asks, annotated with their tag names and
    the reader's vote."""
    ideas = Idea.objects.filter(
        permissions.shown_q_by_rule(rule, user_id, prefix="thread__"),
        community_id=community_id,
    )
    if filters.status:
        ideas = ideas.filter(status=filters.status)
    else:
        ideas = ideas.exclude(status=IdeaStatus.DUPLICATE)
    if filters.challenge:
        ideas = ideas.filter(challenge_id=filters.challenge)
    if filters.tag:
        ideas = ideas.filter(thread__tags__name=filters.tag)
    ideas = ideas.annotate(tag_names=tag_names_of(column(Idea, "thread")))
    if user_id is not None:
        # The viewer's vote on the idea's (idea, user) index, in the rows' own query.
        mine = (
            f"FROM {table(IdeaVote, 'mine')} WHERE {column(IdeaVote, 'idea', 'mine')} = "
            f"{column(Idea, 'pk')} AND {column(IdeaVote, 'user', 'mine')} = %s"
        )
        ideas = ideas.annotate(
            viewer_vote=row_value("1", mine, (user_id,), IntegerField()),
        )
    return ideas


def _first_idea_page(
    rule: str, voted: bool, sort: str, limit: int, community_id: int, *viewer
) -> QuerySet:
    """The columns of the unfiltered first page of a community's ideas in `sort` order;
    `viewer` is a signed-in reader's id."""
    ideas = _shown_ideas(rule, viewer[0] if voted else None, community_id, IdeaFilters(sort))
    sort_field = SORTS[sort][0]
    return _row_columns(ideas.order_by(f"-{sort_field}", "-pk"), voted=voted)[:limit]


def idea_page(
    *,
    user: User,
    community: Community,
    filters: IdeaFilters,
    after: str | None = None,
    page_size: int = IDEAS_PAGE_SIZE,
) -> Page:
    """A page of the community's ideas (readable by `user`, checked by the caller), as
    `IdeaRow`s.

    Ideas merged into others are listed only when filtering by the duplicate status.
    Each row carries `viewer_voted`, `viewer_can_vote` and `viewer_vote_refusal`, and
    `shown_challenge` (None when the viewer may not see the purpose's challenges).
    """
    rule = permissions.shown_rule(user, community)
    user_id = user.pk if user.is_authenticated else None
    voted = user_id is not None
    sort_field = SORTS[filters.sort][0]
    if not after and not filters.is_filtered:
        # The unfiltered first page, the one everybody opens: compiled once per reader's
        # position and sort (`core.compiled_reads`), with one plan (the community's ideas
        # on the index of the sort): PostgreSQL planned it on every view, for longer than
        # it ran. A cursor or a filter is planned for its values: one plan for every
        # cursor read far too many rows.
        limit = page_size + 1
        with one_plan():
            found = rows_of(
                ("idea-list", rule, voted, filters.sort, limit),
                partial(_first_idea_page, rule, voted, filters.sort, limit),
                (community.pk, user_id) if voted else (community.pk,),
            )
        page = page_of(
            _idea_rows(found, community, voted=voted), field=sort_field, page_size=page_size
        )
    else:
        page = _descending_page(
            _shown_ideas(rule, user_id, community.pk, filters),
            field=sort_field,
            after=after,
            page_size=page_size,
            rows=lambda chosen: _idea_rows(
                _row_columns(chosen, voted=voted), community, voted=voted
            ),
        )
    challenges_shown = shows_challenges(user, community)
    for idea in page.items:
        idea.shown_challenge = idea.challenge if challenges_shown else None
        _set_vote_state(user, idea, idea.viewer_voted)
    return page


def shows_challenges(user: User, community: Community) -> bool:
    """Whether `user` may see the challenges of the community's purpose (not while it is
    a draft they do not own)."""
    return purpose_shown_to(user=user, purpose=community.purpose) is not None


def community_challenges(*, user: User, community: Community) -> list[Challenge]:
    """Every challenge of the community's purpose `user` may see, newest first."""
    if not shows_challenges(user, community):
        return []
    return list(
        Challenge.objects.filter(purpose_id=community.purpose_id).order_by("-opens_at", "id")
    )


def filter_choices(*, user: User, community: Community) -> dict:
    """The challenges (of the community's purpose, when `user` may see them, newest
    first) and the first tags by name (up to `FILTER_TAGS_LIMIT`) an idea list can be
    filtered by, in one query."""
    tag, challenge = Tag, Challenge
    # The tags' empty cells typed as the challenges' (a UNION needs the same types).
    no_pk = f"CAST(NULL AS {challenge._meta.pk.db_type(connection)})"
    no_moment = f"CAST(NULL AS {challenge._meta.get_field('opens_at').db_type(connection)})"
    tags = (
        f"SELECT * FROM (SELECT 1 AS part, {no_pk} AS pk, {column(tag, 'name')} AS label, "  # noqa: S608 - names from the models, values as parameters
        f"{no_moment} AS opens_at FROM {table(tag)} WHERE {column(tag, 'community')} = %s "
        f"ORDER BY {column(tag, 'name')} LIMIT %s) AS tags"
    )
    values: list = [community.pk, FILTER_TAGS_LIMIT]
    sql = tags
    if shows_challenges(user, community):
        sql = (
            f"SELECT 0, {column(challenge, 'pk')}, {column(challenge, 'title')}, "  # noqa: S608 - names from the models, values as parameters
            f"{column(challenge, 'opens_at')} FROM {table(challenge)} "
            f"WHERE {column(challenge, 'purpose')} = %s UNION ALL {tags} ORDER BY 1, 4 DESC, 2, 3"
        )
        values = [community.purpose_id, *values]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    return {
        "challenges": [ChallengeChoice(pk, label) for part, pk, label, _at in rows if not part],
        "tags": [label for part, _pk, label, _at in rows if part],
    }


def open_challenges(*, user: User, community: Community) -> list[Challenge]:
    """Challenges of the community's purpose that take ideas right now, if `user` may
    see them."""
    if not shows_challenges(user, community):
        return []
    now = timezone.now()
    return list(
        Challenge.objects.filter(
            purpose_id=community.purpose_id, opens_at__lte=now, closes_at__gt=now
        ).order_by("closes_at", "id")
    )


# -- similar ideas --------------------------------------------------------------------------

STOPWORDS = frozenset({
    "a", "about", "add", "adding", "after", "all", "allow", "also", "an", "and", "any", "are",
    "as", "at", "be", "been", "better", "but", "by", "can", "could", "do", "does", "for",
    "from", "get", "give", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its",
    "just", "let", "lets", "make", "more", "my", "need", "new", "no", "not", "of", "on", "or",
    "our", "out", "please", "should", "so", "some", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "to", "too", "up", "us", "use", "using", "via",
    "want", "was", "way", "we", "what", "when", "where", "which", "while", "who", "why",
    "will", "with", "would", "you", "your",
})  # fmt: skip
_WORD = re.compile(r"\w+", re.UNICODE)


def significant_words(text: str) -> list[str]:
    """Lower-cased words of `text` that say something (no stop words, no single letters)."""
    return [word for word in _WORD.findall(text.lower()) if len(word) > 1 and word not in STOPWORDS]


def _trigrams(words: list[str]) -> set[str]:
    grams: set[str] = set()
    for word in words:
        padded = f"  {word} "
        grams.update(padded[index : index + 3] for index in range(len(padded) - 2))
    return grams


def title_similarity(first: str, second: str) -> float:
    """Share of trigrams the two titles' significant words have in common (0 to 1).

    The same measure as PostgreSQL's pg_trgm, computed in Python so SQLite works too.
    """
    a, b = _trigrams(significant_words(first)), _trigrams(significant_words(second))
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar_ideas(
    *,
    community: Community,
    title: str,
    exclude_id: int | None = None,
    limit: int = SIMILAR_LIMIT,
) -> list[Idea]:
    """Ideas of `community` whose titles resemble `title`, most similar first.

    One query fetches a bounded set of candidates sharing the start of at least one
    significant word; they are then scored in Python. Merged duplicates are left out.
    """
    words = sorted(set(significant_words(title)), key=len, reverse=True)[:8]
    # A word's first five letters catch plurals and other endings ("notification(s)").
    stems = {word[:5] for word in words if len(word) >= 3}
    if not stems:
        return []
    matches = reduce(or_, (Q(thread__title__icontains=stem) for stem in sorted(stems)))
    candidates = (
        Idea.objects.filter(community=community, merged_into__isnull=True)
        .filter(matches)
        .exclude(pk=exclude_id)
        .select_related("thread")
        .order_by("-vote_count", "-id")[:SIMILAR_CANDIDATES]
    )
    scored = []
    for idea in candidates:
        idea.thread.community = community
        score = title_similarity(title, idea.thread.title)
        if score >= SIMILARITY_THRESHOLD:
            idea.similarity = score
            scored.append(idea)
    scored.sort(key=lambda idea: (-idea.similarity, -idea.vote_count, -idea.pk))
    return scored[:limit]


# -- one idea: the panel on its thread page ----------------------------------------------------


@dataclass
class SupportGroup:
    member_type: str
    label: str
    count: int | None = None  # None when not shown exactly
    # Hidden although large enough, so that a smaller group cannot be worked out from
    # the total and the groups that are shown.
    withheld: bool = False

    @property
    def display(self) -> str:
        if self.withheld:
            return _("not shown")
        if self.count is None:
            return _("fewer than %(threshold)d") % {"threshold": SUPPORT_THRESHOLD}
        return str(self.count)


def _small_group_derivable(
    counts: dict[str, int], hidden: set[str], withheld: set[str], shown: list[int]
) -> bool:
    """Whether someone who knows the total and every cell outside `hidden` could work out
    the exact size of a hidden group smaller than the threshold.

    They know each small hidden group is in [0, threshold - 1], each withheld one is at
    least the threshold and at most the smallest group still shown (withheld groups are
    the smallest of the `shown` ones that could have been withheld), and that the hidden
    groups add up to the rest of the total. A group is derivable when those bounds leave
    it one possible value other than zero (a group nobody in it voted for names no one).
    """
    rest = sum(counts[kind] for kind in hidden)
    ceiling = min(shown, default=rest)
    bounds = {
        kind: (SUPPORT_THRESHOLD, ceiling) if kind in withheld else (0, SUPPORT_THRESHOLD - 1)
        for kind in hidden
    }
    for kind in hidden - withheld:
        others_low = sum(low for other, (low, _high) in bounds.items() if other != kind)
        others_high = sum(high for other, (_low, high) in bounds.items() if other != kind)
        low = max(0, rest - others_high)
        high = min(SUPPORT_THRESHOLD - 1, rest - others_low)
        if low >= high and high > 0:
            return True
    return False


def support_groups(counts: dict[str, int], *, known: Iterable[str] = ()) -> list[SupportGroup]:
    """Support by member type from counts keyed `support_<type>`; small groups hidden.

    Groups of fewer than `SUPPORT_THRESHOLD` are never shown exactly, and neither is any
    group from which, with the total (the idea's vote count), a small one could be worked
    out: the smallest shown groups are withheld until none can (secondary suppression).
    `known` names member types whose count an observer may take as known whatever is
    shown (those who may not vote on ideas in the community, presumed none). When no
    breakdown keeps every small group hidden, the list is empty.
    """
    counts_by_type = {
        str(kind): counts.get(f"support_{kind}") or 0 for kind, _label in SUPPORT_GROUPS
    }
    known = set(known)
    small = {kind for kind, count in counts_by_type.items() if count < SUPPORT_THRESHOLD}
    hidden = small - known
    withheld: set[str] = set()
    order = [str(kind) for kind, _label in SUPPORT_GROUPS]
    while True:
        candidates = [kind for kind in order if kind not in hidden and kind not in known]
        shown = [counts_by_type[kind] for kind in candidates]
        if not hidden or not _small_group_derivable(counts_by_type, hidden, withheld, shown):
            break
        if not candidates:
            return []
        smallest = min(candidates, key=lambda kind: (counts_by_type[kind], order.index(kind)))
        hidden.add(smallest)
        withheld.add(smallest)
    return [
        SupportGroup(
            member_type=kind,
            label=str(label),
            count=None if kind in small or kind in withheld else counts_by_type[kind],
            withheld=kind in withheld,
        )
        for kind, label in SUPPORT_GROUPS
    ]


def _presumed_non_voters(community: Community) -> set[str]:
    """Member types an observer would take to have no votes on the community's ideas."""
    return {
        str(kind)
        for kind, _label in SUPPORT_GROUPS
        if not (community.is_open_to(kind) and community.lets_vote_on_ideas(kind))
    }


def _support_annotations() -> dict:
    """Voters of each member type, counted by the database as subqueries of the idea."""
    annotations = {}
    for member_type, _label in SUPPORT_GROUPS:
        counted = (
            IdeaVote.objects.filter(idea_id=OuterRef("pk"), user__member_type=member_type)
            .order_by()
            .values("idea_id")
            .annotate(total=Count("pk"))
            .values("total")
        )
        annotations[f"support_{member_type}"] = Coalesce(
            Subquery(counted, output_field=IntegerField()), Value(0)
        )
    return annotations


def idea_support(*, idea: Idea) -> list[SupportGroup]:
    """How many of each member type voted for `idea` (one aggregate query)."""
    totals = IdeaVote.objects.filter(idea_id=idea.pk).aggregate(
        **{
            f"support_{member_type}": Count("pk", filter=Q(user__member_type=member_type))
            for member_type, _label in SUPPORT_GROUPS
        }
    )
    return support_groups(totals, known=_presumed_non_voters(idea.community))


@dataclass
class IdeaPanel:
    idea: Idea
    support: list[SupportGroup]
    history: list[IdeaStatusChange]
    goal_links: list[GoalLink]
    can_manage: bool
    status_choices: list = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    # The idea this one was merged into, when the viewer may read it; a merged idea whose
    # original they may not read (moved to a community closed to them) says only "merged
    # into another idea".
    merged_into: Idea | None = None

    @property
    def official_response(self) -> IdeaStatusChange | None:
        """The latest status change: its response is shown prominently."""
        return self.history[0] if self.history else None


def idea_panel_context(*, user: User, thread: Thread) -> dict:
    """What the thread page shows for an idea thread: votes, support, status, history, goals.

    The caller has checked that `user` may read `thread`, and loaded `thread.community`
    (with its purpose). Returns a dict to add to the thread page's context, so that
    `{% include "discussions/ideas/_panel.html" %}` finds its one key `idea_panel`
    (passing `with idea_panel=...` works as well); an empty dict for other threads.

    Queries: the idea with the viewer's vote and support by member type (1), its status
    history (1), the purpose's goals marked linked or not (1); for a signed-in viewer who
    is not a moderator, the purpose-owner check (1).
    """
    if thread.kind != "idea":
        return {}
    ideas = (
        Idea.objects.filter(thread_id=thread.pk)
        .select_related("challenge", "merged_into__thread__community")
        .annotate(**_support_annotations())
    )
    if user.is_authenticated:
        ideas = ideas.annotate(
            viewer_voted=Exists(IdeaVote.objects.filter(idea_id=OuterRef("pk"), user=user))
        )
    idea = ideas.first()
    if idea is None:
        return {}
    idea.thread = thread
    idea.community = thread.community
    idea.shown_challenge = idea.challenge if shows_challenges(user, thread.community) else None
    _set_vote_state(user, idea, bool(getattr(idea, "viewer_voted", False)))
    history = list(
        IdeaStatusChange.objects.filter(idea=idea)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )
    merged_into = _readable_original(user, idea)
    if idea.merged_into_id and merged_into is None:
        # The merge's response names the original ("Merged into “title”."): keep it out.
        for change in history:
            if change.to_status == IdeaStatus.DUPLICATE:
                change.reference_hidden = True
    goals = _goals_with_links(thread)
    can_manage = permissions.can_manage_ideas(user, thread.community)
    panel = IdeaPanel(
        idea=idea,
        support=support_groups(
            {f"support_{kind}": getattr(idea, f"support_{kind}") for kind, _l in SUPPORT_GROUPS},
            known=_presumed_non_voters(thread.community),
        ),
        history=history,
        goal_links=[
            GoalLink(thread=thread, goal=goal, expected_impact=goal.link_impact)
            for goal in goals
            if goal.is_linked
        ],
        can_manage=can_manage,
        merged_into=merged_into,
    )
    if can_manage:
        panel.status_choices = [
            (value, label)
            for value, label in IdeaStatus.choices
            if value not in (IdeaStatus.DUPLICATE, idea.status)
        ]
        panel.goals = [goal for goal in goals if not goal.is_linked]
    return {"idea_panel": panel}


def _readable_original(user: User, idea: Idea) -> Idea | None:
    """The idea `idea` was merged into, if `user` may read it where it lives now."""
    original = idea.merged_into if idea.merged_into_id else None
    if original is None:
        return None
    if not community_permissions.can_read_content(user, original.thread.community):
        return None
    return original


def _goals_with_links(thread: Thread) -> list[Goal]:
    """The goals of the thread's purpose, each with `is_linked` and `link_impact`: the
    links to show and the goals left to link, in one query."""
    links = GoalLink.objects.filter(thread_id=thread.pk, goal_id=OuterRef("pk"))
    return list(
        Goal.objects.filter(purpose_id=thread.community.purpose_id)
        .annotate(
            is_linked=Exists(links),
            link_impact=Subquery(links.values("expected_impact")[:1]),
        )
        .order_by("position", "id")
    )


def merge_candidates(*, idea: Idea) -> list[Idea]:
    """Ideas the idea could be a duplicate of, by title: shown on the merge page."""
    return similar_ideas(community=idea.community, title=idea.thread.title, exclude_id=idea.pk)


def community_goals(*, community: Community) -> list[Goal]:
    return list(Goal.objects.filter(purpose_id=community.purpose_id).order_by("position", "id"))


# -- the purpose page -----------------------------------------------------------------------


@dataclass(slots=True)
class LinkedIdea:
    """An idea as the purpose page and its idea list show it, read as plain columns (no
    model instances)."""

    thread_id: int
    title: str
    community_name: str
    community_slug: str
    status: str
    vote_count: int
    goals: list[Goal] = field(default_factory=list)  # the purpose's own `Goal`s it is linked to


@dataclass
class LinkedIdeaGroup:
    """The linked ideas of one status on the purpose page: the most supported `ideas` of
    `total`."""

    status: str
    label: str
    ideas: list[LinkedIdea]
    total: int

    @property
    def more(self) -> int:
        """How many more ideas of this status there are (on the purpose's idea list)."""
        return self.total - len(self.ideas)


@dataclass
class PurposeIdeas:
    purpose_slug: str
    by_status: list[LinkedIdeaGroup]
    implemented_per_goal: dict[int, int]


@dataclass(frozen=True)
class _Reader:
    """What the reading rule reads of a person to write its SQL: their id, member type
    and whether they administer the site (`communities_readable_by`, `audience_q`,
    `threads_not_shown_to`). Two readers equal in these get the same SQL; the rows it
    selects (memberships, hidden threads) are read by the database when it runs."""

    pk: int | None
    member_type: str | None
    administrator: bool
    user: User = field(compare=False, hash=False)

    @classmethod
    def of(cls, user: User) -> "_Reader":
        if not user.is_authenticated:
            return cls(None, None, False, user)
        return cls(user.pk, user.member_type, is_administrator(user), user)


def _linked_sql(user: User, *, status: str | None) -> tuple[str, list]:
    """`_linked_sql_of` for `user`, compiled once per reader and status in each process:
    compiling the reading rule's subqueries was about a millisecond of every member's
    purpose page, more than a third of running the query."""
    sql, params = _linked_sql_of(_Reader.of(user), status)
    return sql, list(params)


@lru_cache(maxsize=4096)
def _linked_sql_of(reader: _Reader, status: str | None) -> tuple[str, tuple]:
    """SQL (and its parameters, the purpose's id first) for the links of the readable
    ideas to the purpose's goals: (thread_id, goal_id, goal_position, status,
    vote_count) rows, of ideas of `status` (when given; never duplicates).

    The links are read through the idea rows alone (an idea thread always has one, and
    its community moves with the thread): status, votes and community are there, so the
    thread and its community are looked up only for the ideas shown, not for every link
    (800 of them for a purpose at a million posts)."""
    user = reader.user
    readable_sql, readable_params = (
        community_permissions.communities_readable_by(user).values("pk").order_by().query
    ).sql_with_params()
    link, idea = GoalLink, Idea
    chosen = f" AND {column(idea, 'status', 'i')} = %s" if status else ""
    # Ideas hidden by a moderator or held for approval, unless `user` may see them.
    hidden_params: list = []
    if not is_administrator(user):
        hidden_sql, hidden_params = (
            permissions.threads_not_shown_to(user).order_by().query.sql_with_params()
        )
        hidden = in_subquery(column(idea, "thread", "i"), hidden_sql, negate=True)
        chosen += f" AND {hidden}"
    sql = (
        f"SELECT {column(link, 'thread', 'gl')}, {column(link, 'goal', 'gl')}, "  # noqa: S608 - names from the models, values as parameters
        f"{column(Goal, 'position', 'g')}, {column(idea, 'status', 'i')}, "
        f"{column(idea, 'vote_count', 'i')} "
        f"FROM {table(link, 'gl')} "
        f"INNER JOIN {table(Goal, 'g')} ON {column(Goal, 'pk', 'g')} = "
        f"{column(link, 'goal', 'gl')} "
        f"INNER JOIN {table(idea, 'i')} ON {column(idea, 'thread', 'i')} = "
        f"{column(link, 'thread', 'gl')} "
        f"WHERE {column(Goal, 'purpose', 'g')} = %s AND {column(idea, 'status', 'i')} <> %s"
        f"{chosen} AND {in_subquery(column(idea, 'community', 'i'), readable_sql)}"
    )
    return sql, (
        IdeaStatus.DUPLICATE.value,
        *([status] if status else []),
        *hidden_params,
        *readable_params,
    )


def _shown(thread_alias: str) -> str:
    """SQL joining an idea's thread (by the column `<thread_alias>.thread_id`) and its
    community, for the columns the lists show."""
    thread = Thread
    return (
        f"INNER JOIN {table(thread, 't')} ON {column(thread, 'pk', 't')} = "
        f"{thread_alias}.thread_id "
        f"INNER JOIN {table(Community, 'c')} ON {column(Community, 'pk', 'c')} = "
        f"{column(thread, 'community', 't')}"
    )


def _goals_of(thread_alias: str) -> str:
    """SQL joining the links of an idea (by the column `<thread_alias>.thread_id`) to the
    goals of the purpose given as its one parameter.

    The shown ideas' goals are read again through the link table's index rather than
    joined back to the `linked` rows: the planner cannot estimate a common table
    expression's rows, and its nested loop compared every shown idea with every link."""
    link = GoalLink
    return (
        f"INNER JOIN {table(link, 'gl')} ON {column(link, 'thread', 'gl')} = "
        f"{thread_alias}.thread_id "
        f"INNER JOIN {table(Goal, 'g')} ON {column(Goal, 'pk', 'g')} = "
        f"{column(link, 'goal', 'gl')} AND {column(Goal, 'purpose', 'g')} = %s"
    )


# How long the links of a purpose's goals (`_purpose_links`) are kept at most: what is
# written behind the services (the admin, a shell) shows within this time.
PURPOSE_LINKS_SECONDS = 60
PURPOSE_LINKS_GENERATION_KEY = "purpose-links-generation"
# The events after which the kept links may be out of date (`forget_purpose_links`).
PURPOSE_LINK_EVENTS = frozenset({"idea_created", "idea_status_changed", "thread_moved"})


def forget_purpose_links(kind: str = "", _object_id: int = 0) -> None:
    """Read every purpose's links again (`_purpose_links`): an idea's votes, status,
    title, community or goals changed. Called by the idea and thread services as they
    write (inside their transaction: a page read before the commit keeps the earlier
    links, for at most `PURPOSE_LINKS_SECONDS`), for the events that change ideas
    (`PURPOSE_LINK_EVENTS`; any other `kind` is ignored) and for every audited action (a
    community renamed, a merge)."""
    if kind and kind not in PURPOSE_LINK_EVENTS:
        return
    cache.set(PURPOSE_LINKS_GENERATION_KEY, time.time_ns(), None)


def forget_purpose_links_after_action(**_entry) -> None:
    forget_purpose_links()


@dataclass(frozen=True)
class _PurposeLinks:
    """The links of a purpose's goals to its ideas (duplicates left out), the same for
    every reader: `ideas` by thread id, each (status, votes, community id, title,
    community name, community slug); `links` as (thread id, goal id), in the goals'
    order."""

    ideas: dict[int, tuple]
    links: tuple[tuple[int, int], ...]


def _read_purpose_links(purpose_id: int) -> _PurposeLinks:
    rows = (
        GoalLink.objects.filter(goal__purpose_id=purpose_id)
        .exclude(thread__idea__status=IdeaStatus.DUPLICATE)
        .order_by("goal__position", "goal_id", "thread_id")
        .values_list(
            "thread_id",
            "goal_id",
            "thread__idea__status",
            "thread__idea__vote_count",
            "thread__idea__community_id",
            "thread__title",
            "thread__idea__community__name",
            "thread__idea__community__slug",
        )
    )
    ideas: dict[int, tuple] = {}
    links = []
    for thread_id, goal_id, status, *idea in rows:
        if status is None:
            continue  # a decision linked to the goal, not an idea
        ideas[thread_id] = (status, *idea)
        links.append((thread_id, goal_id))
    return _PurposeLinks(ideas, tuple(links))


def _purpose_links(purpose_id: int) -> _PurposeLinks:
    """Every link of the purpose's goals to an idea, whoever reads, kept in the cache:
    reading them joined 800 links at a million posts to their ideas on every view, the
    most expensive query of the purpose page. Each reader's page then keeps the links
    they may read (`_readable_links`), checked on every view."""
    key = f"purpose-links:{purpose_id}"
    kept = cache.get_many([PURPOSE_LINKS_GENERATION_KEY, key])
    generation = kept.get(PURPOSE_LINKS_GENERATION_KEY, 0)
    made_in, links = kept.get(key, (None, None))
    if links is not None and made_in == generation:
        return links
    links = _read_purpose_links(purpose_id)
    cache.set(key, (generation, links), PURPOSE_LINKS_SECONDS)
    return links


def _readable_links(user: User, purpose_id: int, links: _PurposeLinks) -> _PurposeLinks:
    """`links` without those of ideas `user` may not read, by the reading rule itself (one
    query): ideas of communities they may not read, and ideas hidden by a moderator or
    held for approval unless they may see them."""
    community_ids = sorted({idea[2] for idea in links.ideas.values()})
    if not community_ids:
        return links
    sql, rule_params = _readable_links_sql_of(_Reader.of(user), len(community_ids))
    readable_params, hidden_params = rule_params
    values = [*community_ids, *readable_params]
    if hidden_params is not None:
        values += [purpose_id, *hidden_params]
    found: tuple[set, set] = (set(), set())
    # A few rows by index: one plan serves every purpose and reader.
    with one_plan(), connection.cursor() as cursor:
        cursor.execute(sql, values)
        for part, pk in cursor.fetchall():
            found[part].add(pk)
    readable_communities, hidden_threads = found
    ideas = {
        thread_id: idea
        for thread_id, idea in links.ideas.items()
        if idea[2] in readable_communities and thread_id not in hidden_threads
    }
    return _PurposeLinks(ideas, tuple(link for link in links.links if link[0] in ideas))


@lru_cache(maxsize=4096)
def _readable_links_sql_of(reader: _Reader, community_count: int) -> tuple[str, tuple]:
    """SQL for `_readable_links`, compiled once per reader and number of communities in
    each process (as `_linked_sql_of`): (0, id) rows for the communities of the ids given
    first that the reader may read, then, unless they administer the site, (1, thread id)
    rows for the linked threads of the purpose given next that are hidden from them.
    Returns the SQL and the rule's parameters (the readable communities', and the hidden
    threads' or None)."""
    user = reader.user
    readable_sql, readable_params = (
        community_permissions.communities_readable_by(user).values("pk").order_by().query
    ).sql_with_params()
    community_id = column(Community, "pk", "c")
    sql = (
        f"SELECT 0, {community_id} FROM {table(Community, 'c')} "  # noqa: S608 - names from the models, values as parameters
        f"WHERE {community_id} IN ({', '.join(['%s'] * community_count)}) "
        f"AND {in_subquery(community_id, readable_sql)}"
    )
    if is_administrator(user):
        return sql, (tuple(readable_params), None)
    hidden_sql, hidden_params = (
        permissions.threads_not_shown_to(user).order_by().query.sql_with_params()
    )
    thread_id = column(GoalLink, "thread", "gl")
    sql += (
        f" UNION ALL SELECT 1, {thread_id} FROM {table(GoalLink, 'gl')} "  # noqa: S608 - names from the models, values as parameters
        f"INNER JOIN {table(Goal, 'g')} ON {column(Goal, 'pk', 'g')} = "
        f"{column(GoalLink, 'goal', 'gl')} "
        f"WHERE {column(Goal, 'purpose', 'g')} = %s AND {in_subquery(thread_id, hidden_sql)}"
    )
    return sql, (tuple(readable_params), tuple(hidden_params))


def purpose_ideas(
    *, user: User, purpose: Purpose, goals: list[Goal], per_status: int | None = None
) -> PurposeIdeas:
    """Ideas linked to the purpose's goals that `user` may read, grouped by status: the
    `per_status` (`PURPOSE_IDEAS_PER_STATUS`) most supported of each and how many there
    are in all, and the number of implemented ideas per goal (counting only ideas `user`
    may read).

    `goals` are the purpose's goals; each gets `implemented_idea_count`, and the entries
    refer to them (each entry's goals in the goals' order).

    One query whatever the number of ideas and goals (none when the purpose has no
    goals), and a second when the purpose's links are not kept (`_purpose_links`).
    """
    if not goals:
        return PurposeIdeas(purpose.slug, by_status=[], implemented_per_goal={})
    links = _readable_links(user, purpose.pk, _purpose_links(purpose.pk))
    per_status = per_status or PURPOSE_IDEAS_PER_STATUS
    by_status: dict[str, list[int]] = defaultdict(list)
    for thread_id, idea in links.ideas.items():
        by_status[idea[0]].append(thread_id)
    shown: dict[int, LinkedIdea] = {}
    groups = []
    for status in STATUS_ORDER:
        chosen = by_status.get(status)
        if not chosen:
            continue
        chosen.sort(key=lambda thread_id: (links.ideas[thread_id][1], thread_id), reverse=True)
        entries = []
        for thread_id in chosen[:per_status]:
            _status, votes, _community, title, name, slug = links.ideas[thread_id]
            entry = shown[thread_id] = LinkedIdea(thread_id, title, name, slug, status, votes)
            entries.append(entry)
        groups.append(LinkedIdeaGroup(status, IdeaStatus(status).label, entries, len(chosen)))
    goal_by_id = {goal.pk: goal for goal in goals}
    implemented: dict[int, int] = {}
    for thread_id, goal_id in links.links:
        goal = goal_by_id.get(goal_id)
        if goal is None:
            continue
        if thread_id in shown:
            shown[thread_id].goals.append(goal)
        if links.ideas[thread_id][0] == IdeaStatus.IMPLEMENTED:
            implemented[goal_id] = implemented.get(goal_id, 0) + 1
    for goal in goals:
        goal.implemented_idea_count = implemented.get(goal.pk, 0)
    return PurposeIdeas(purpose.slug, by_status=groups, implemented_per_goal=implemented)


def purpose_idea_page(
    *,
    user: User,
    purpose: Purpose,
    status: str,
    after: str | None = None,
    page_size: int | None = None,
) -> Page:
    """A page of the ideas of `status` linked to the purpose's goals that `user` may read,
    most supported first (the purpose page's "and N more"), keyset-paginated on (votes,
    thread id). Items are `LinkedIdea`s with the goals they serve. Two queries: the
    purpose's goals, and the ideas."""
    page_size = page_size or IDEAS_PAGE_SIZE
    goals = {goal.pk: goal for goal in Goal.objects.filter(purpose=purpose)}
    linked_sql, linked_params = _linked_sql(user, status=status)
    keyset, keyset_params = "", []
    if after:
        raw_votes, _sep, raw_thread = after.partition("|")
        votes = params.positive_int(raw_votes) if raw_votes != "0" else 0
        thread_id = params.positive_int(raw_thread)
        if votes is not None and thread_id is not None:
            keyset = " WHERE vote_count < %s OR (vote_count = %s AND thread_id < %s)"
            keyset_params = [votes, votes, thread_id]
    sql = (
        "WITH linked (thread_id, goal_id, goal_position, status, vote_count) AS "  # noqa: S608 - names from the models, values as parameters
        f"({linked_sql}), "
        "chosen AS (SELECT DISTINCT thread_id, vote_count FROM linked), "
        f"page AS (SELECT * FROM chosen{keyset} "
        "ORDER BY vote_count DESC, thread_id DESC LIMIT %s) "
        f"SELECT page.thread_id, {column(GoalLink, 'goal', 'gl')}, "
        f"{column(Thread, 'title', 't')}, "
        f"{column(Community, 'name', 'c')}, {column(Community, 'slug', 'c')}, "
        f"page.vote_count FROM page {_goals_of('page')} {_shown('page')} "
        f"ORDER BY page.vote_count DESC, page.thread_id DESC, {column(Goal, 'position', 'g')}, "
        f"{column(GoalLink, 'goal', 'gl')}"
    )
    values = (purpose.pk, *linked_params, *keyset_params, page_size + 1, purpose.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    entries: dict[int, LinkedIdea] = {}
    for thread_id, goal_id, title, name, slug, votes in rows:
        entry = entries.get(thread_id)
        if entry is None:
            entry = entries[thread_id] = LinkedIdea(thread_id, title, name, slug, status, votes)
        if goal_id in goals:
            entry.goals.append(goals[goal_id])
    items = list(entries.values())
    next_cursor = None
    if len(items) > page_size:
        items = items[:page_size]
        next_cursor = f"{items[-1].vote_count}|{items[-1].thread_id}"
    return Page(items, next_cursor)


# -- the API's idea governance lists ----------------------------------------------------------

GOVERNANCE_PAGE_SIZE = 50


def status_change_page(
    *, idea: Idea, after: str | None = None, page_size: int = GOVERNANCE_PAGE_SIZE
) -> Page:
    """The idea's status changes with their official responses, the latest first, with
    who made them (one query)."""
    changes = IdeaStatusChange.objects.filter(idea=idea).select_related("changed_by")
    return keyset_page(
        changes, field="changed_at", after=after, page_size=page_size, descending=True
    )


def goal_link_page(
    *, thread: Thread, after: str | None = None, page_size: int = GOVERNANCE_PAGE_SIZE
) -> Page:
    """The goals an idea or decision thread is linked to, in the order they were linked,
    with the goals (one query; the thread's few links come by its unique index)."""
    links = GoalLink.objects.filter(thread=thread).select_related("goal", "goal__purpose")
    return keyset_page(links, field="id", after=after, page_size=page_size)


def get_status_change(*, change_id: int) -> IdeaStatusChange:
    return IdeaStatusChange.objects.select_related("changed_by").get(pk=change_id)
