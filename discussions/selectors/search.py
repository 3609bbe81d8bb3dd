"""Search across the threads, posts and ideas a person may read.

Only `discussions.permissions.posts_visible_to` decides what can be found: the
community's access rule, with deleted posts left out. A thread's title is part of its
first post's search text, so titles, posts and ideas (idea threads) are found alike.

On PostgreSQL: `websearch_to_tsquery` (quotes, `or`, `-word`) matched against each post's
stored `to_tsvector('english', search_text)` (the `search_document` column with its GIN
index, made by migration 0004), ranked with `ts_rank`, snippets from `ts_headline`.
Elsewhere (SQLite): every word must appear (`icontains`), titles that contain the words
rank first, and the snippet is cut in Python.

Ranking is bounded. A search ranks at most `CANDIDATE_LIMIT` matches, the most recent
ones (highest ids: ids grow as posts are written), so a word found in half the posts
costs what one found in a few thousand does: PostgreSQL reads the posts newest first
through the primary key and stops at the limit, and for a rare word, whose matches would
not fill the limit, answers from the GIN index instead (the planner chooses, from the
document column's statistics). Scoring every match, as before, took about 600 ms for a
word in 83,000 posts. When the limit cut the matches short, the page says so. The limit
is 500: what a word in a quarter of a million posts costs is the rows read to find that
many visible matches (with 2,000, a common word narrowed to ideas read some 60,000 posts).
The access rule reads each candidate's community from the post itself (`Post.community`,
its thread's, compared with the readable communities as a filter on the row:
`posts_visible_to(..., each_row=True)`), so no thread is read to check a match: probing
each candidate's thread was most of a rare word's time. Only a kind joins the threads.

The access rule chooses the ranked ids (the first query): the `CANDIDATE_LIMIT` most
recent matches, all ranked, which are kept in the cache for `RANKING_SECONDS` under the
reader, the words and the kind, so the pages after the first and the same search again
are read from them without ranking again. The second query reads the page's posts by id,
with their snippets, without the rule's subqueries (compiling them a second time cost a
member's search more than running them). When the ranking was kept, each shown post is
checked again with `discussions.permissions.can_read_post`, the same rule for one post,
on the row read (its community's viewer facts annotated): a post hidden, deleted or
moved out of the reader's reach since, or a reader banned or gone since, shows nothing.
A post written (the first page's key holds the newest post's id), edited, hidden or shown
again, every event (`core.events`: a post approved or moved, someone joining) and every
audited action (`core.audit`: a community's settings, a role, a member type) start the
rankings again (`forget_rankings`).

Results are keyset-paginated like every other list, ordered by (rank, id) descending:
the cursor (`?after=`) is "rank|id|position|newest" of the last result shown, and the
next page starts strictly after it in the ranking. `newest`
is the id of the newest match the first page ranked: later pages choose their candidates
among matches up to it, so a post written meanwhile does not push an unseen match out of
the set. Two SQL queries per page (the ranked ids, then those posts with their
snippets; one when the ranking was kept); no total is counted. On PostgreSQL the rank
is `ts_rank`'s `real` (float4), read as the Python float of that value: the cursor
writes it with `repr`, which reads back as the same float. An unreadable cursor starts
from the first page.

Highlights are never HTML here: the database (or the fallback) wraps each match in two
private-use characters, taken out of the text beforehand so no post can forge them, and
`marked_pieces` turns that into (text, is_match) pieces which the template escapes,
putting the matches in <mark>.
"""

import datetime
import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVectorField
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Expression,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from communities import permissions as community_permissions
from communities.models import AUDIENCE_FIELDS
from core import params
from core.compiled_reads import models_of
from core.postgresql import NOT_PREPARED
from discussions.models import Post, ThreadKind
from discussions.permissions import can_read_post, posts_visible_to

PAGE_SIZE = 20
# How many of the most recent matches are ranked, at most.
CANDIDATE_LIMIT = 500
# How long a ranking is kept for the same reader, words and kind. Posts written, edited,
# hidden or shown again, every event and every audited action (a community's settings, a
# role, a member type) start the rankings again at once (`forget_rankings`), and each
# shown post is checked again; a match that became readable by any other path (a direct
# change in the admin, say) is found within this time.
RANKING_SECONDS = 60
RANKINGS_GENERATION_KEY = "search-rankings-generation"
MAX_CURSOR_LENGTH = 90
# A result's number in the list, as far as anyone pages.
MAX_POSITION = 999_999_999
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SEARCH_CONFIG = "english"
SEARCH_DOCUMENT_COLUMN = "search_document"
SNIPPET_LENGTH = 240
SNIPPET_LEAD = 80
# Private-use characters, which no keyboard types and no search word contains, mark
# the start and end of each match; they are removed from the text before marking.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
MARKERS = MARK_START + MARK_STOP
_UNMARK = str.maketrans("", "", MARKERS)
_MARKED = re.compile(f"{MARK_START}([^{MARKERS}]*){MARK_STOP}")
_TERM = re.compile(r'(-?)(?:"([^"]*)"|([\w\'’]+))')
# A rank as `repr(float)` writes it ("0.0607927", "1e-20"): nothing PostgreSQL would
# read as NaN or infinity, no sign, no spaces.
_FLOAT_RANK = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?")
# Ranks outside these bounds (zero aside) are refused rather than sent to PostgreSQL,
# where text beyond `real`'s range is an error, not a number.
_SMALLEST_RANK = 1e-30
_LARGEST_RANK = 1e30

RESULT_FIELDS = (
    "id",
    "is_first",
    "created_at",
    # What `can_read_post` decides by, when a kept ranking's posts are checked again.
    "community_id",
    "deleted_at",
    "review_state",
    "thread__id",
    "thread__title",
    "thread__kind",
    "thread__review_state",
    "thread__author_id",
    "thread__community__id",
    "thread__community__name",
    "thread__community__slug",
    "thread__community__visibility",
    *(f"thread__community__{field}" for field in AUDIENCE_FIELDS.values()),
    "author__id",
    "author__display_name",
    "author__email",
    "author__member_type",
    "author__avatar",
)

# A stretch of text, and whether it is a match to highlight.
Piece = tuple[str, bool]


class SearchDocument(Expression):
    """The post's stored `search_document` (PostgreSQL only): `to_tsvector('english',
    search_text)`, kept by the database in a generated column with a GIN index
    (migration 0004). Not a model field, so it is named here, on the query's post table.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        posts = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{posts}.{connection.ops.quote_name(SEARCH_DOCUMENT_COLUMN)}", []


class WithoutMarkers(Func):
    """The text with the highlight markers taken out (PostgreSQL's `translate` drops the
    characters that have no replacement), so that only `ts_headline` places them."""

    function = "translate"
    output_field = TextField()

    def __init__(self, expression) -> None:
        super().__init__(expression, Value(MARKERS), Value(""))


class Cursor(NamedTuple):
    """Where a page starts: strictly after the result with this rank and id, among the
    matches up to `newest`."""

    rank: str
    post_id: int
    position: int
    newest: int


def parse_cursor(raw: str | None, *, full_text: bool) -> Cursor | None:
    """The cursor in `raw` ("rank|id|position|newest"), or None when it cannot be read."""
    if not raw or len(raw) > MAX_CURSOR_LENGTH:
        return None
    parts = raw.split("|")
    if len(parts) != 4:
        return None
    rank, raw_post_id, raw_position, raw_newest = parts
    post_id, position = params.positive_int(raw_post_id), params.positive_int(raw_position)
    newest = params.positive_int(raw_newest)
    if post_id is None or position is None or newest is None or position > MAX_POSITION:
        return None
    if full_text:
        if not _FLOAT_RANK.fullmatch(rank):
            return None
        value = float(rank)
        if not math.isfinite(value) or value > _LARGEST_RANK:
            return None
        if value and value < _SMALLEST_RANK:
            return None
        if not value:
            rank = "0"  # "1e-999" reads as zero in Python, and is out of range in SQL.
    elif not (rank.isascii() and rank.isdigit() and len(rank) < 4):
        return None
    return Cursor(rank, post_id, position, newest)


def _rank_text(rank) -> str:
    # repr() of the float read from a `real` reads back as that same `real`.
    return repr(rank) if isinstance(rank, float) else str(int(rank))


@dataclass
class SearchResult:
    post: Post
    title: list[Piece]
    snippet: list[Piece]

    @property
    def thread(self):
        return self.post.thread

    @property
    def url(self) -> str:
        url = self.post.thread.get_absolute_url()
        if self.post.is_first:
            return url
        # The thread page's keyset: the page of posts starting just after `after`.
        return f"{url}?after={self.post.pk - 1}#post-{self.post.pk}"


@dataclass
class SearchPage:
    query: str
    kind: str = ""
    results: list[SearchResult] = field(default_factory=list)
    next_cursor: str | None = None
    first_number: int = 1
    """The position of the first result of this page in the whole list."""
    limited: bool = False
    """More than `candidate_limit` posts matched: only the most recent were ranked."""
    candidate_limit: int = CANDIDATE_LIMIT

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def clean_query(raw: str) -> str:
    return " ".join(raw.split())[:MAX_QUERY_LENGTH]


def without_markers(text: str) -> str:
    return text.translate(_UNMARK)


def marked_pieces(marked: str) -> list[Piece]:
    """`marked` (matches between MARK_START and MARK_STOP) as (text, is_match) pieces.

    A marker without its pair is dropped; empty pieces are left out.
    """
    pieces: list[Piece] = []

    def add(text: str, is_match: bool) -> None:
        text = without_markers(text)
        if text:
            pieces.append((text, is_match))

    position = 0
    for match in _MARKED.finditer(marked):
        add(marked[position : match.start()], False)
        add(match.group(1), True)
        position = match.end()
    add(marked[position:], False)
    return pieces


def parse_terms(query: str) -> tuple[list[str], list[str]]:
    """Words and quoted phrases to find, and those to leave out (written `-word`)."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for match in _TERM.finditer(query):
        negative, phrase, word = match.groups()
        term = " ".join((phrase if phrase is not None else word).split())
        if not term or term.lower() == "or":
            continue
        (unwanted if negative else wanted).append(term)
    return wanted[:MAX_TERMS], unwanted[:MAX_TERMS]


def highlight(text: str, terms: list[str], *, window: bool) -> list[Piece]:
    """`text` as pieces, every occurrence of `terms` a match (the fallback's headline).

    With `window`, only a stretch of about `SNIPPET_LENGTH` characters around the first
    occurrence is kept, cut at spaces, with ellipses where text was left out.
    """
    text = " ".join(without_markers(text).split())
    pattern = (
        re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.I)
        if terms
        else None
    )
    if window and len(text) > SNIPPET_LENGTH:
        first = pattern.search(text) if pattern else None
        start = max(0, (first.start() if first else 0) - SNIPPET_LEAD)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < start + 20 else start
        end = min(len(text), start + SNIPPET_LENGTH)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start + SNIPPET_LENGTH // 2 else end
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    if pattern is not None:
        text = pattern.sub(lambda match: f"{MARK_START}{match.group(0)}{MARK_STOP}", text)
    return marked_pieces(text)


def _base(user: User, kind: str) -> QuerySet[Post]:
    """The posts `user` may find: the access rule, narrowed to threads of `kind`."""
    posts = posts_visible_to(user, each_row=True)
    if kind:
        posts = posts.filter(thread__kind=kind)
    return posts


def _chosen() -> QuerySet[Post]:
    """Posts to show by id, with what a result shows of their thread, community and
    author. The ids come from a ranking, which applied the access rule."""
    return Post.objects.select_related("thread", "thread__community", "author")


def _search_query(query: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _full_text_candidates(posts: QuerySet[Post], query: str) -> QuerySet:
    """Visible matches as (id, document) rows."""
    return (
        posts.annotate(document=SearchDocument())
        .filter(document=_search_query(query))
        .values_list("id", "document")
    )


def _fallback_candidates(posts: QuerySet[Post], wanted: list[str], unwanted: list[str]) -> QuerySet:
    """Visible matches as (id, rank) rows: the rank counts the words in the title."""
    for term in wanted:
        posts = posts.filter(search_text__icontains=term)
    for term in unwanted:
        posts = posts.exclude(search_text__icontains=term)
    title_hits = sum(
        (
            Case(
                When(Q(thread__title__icontains=term), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for term in wanted
        ),
        start=Value(0),
    )
    return posts.annotate(title_hits=title_hits).values_list("id", "title_hits")


class Ranked(NamedTuple):
    post_id: int
    rank: float | int


class Ranking(NamedTuple):
    """A search's ranked matches, best first: the `CANDIDATE_LIMIT` most recent matches
    up to `newest`, with how many there were (one more than the limit when matches were
    left out)."""

    ranked: list[Ranked]
    candidates: int
    newest: int

    def after(self, cursor: Cursor | None) -> list[Ranked]:
        """The matches ranked strictly after `cursor`'s, as the next page starts."""
        if cursor is None:
            return self.ranked
        rank, post_id = _cursor_rank(cursor), cursor.post_id
        return [
            row
            for row in self.ranked
            if row.rank < rank or (row.rank == rank and row.post_id < post_id)
        ]


def _cursor_rank(cursor: Cursor) -> float | int:
    # Both read back exactly the rank they were written from (`_rank_text`).
    return int(cursor.rank) if cursor.rank.isdigit() else float(cursor.rank)


def _ranking(candidates: QuerySet, *, newest: int | None, full_text: bool, query: str) -> Ranking:
    """The `CANDIDATE_LIMIT` most recent of `candidates` ((id, basis) rows, where basis
    is the document on PostgreSQL and the rank elsewhere) up to the id `newest` (None:
    up to the newest match), ranked.

    Written as SQL around the compiled queryset because the candidates are read once and
    used three times (ranked, counted, their newest id), which a CTE says and the ORM
    cannot.
    """
    if newest is not None:
        candidates = candidates.filter(id__lte=newest)
    # One more than the limit, to tell whether matches were left out.
    newest_first = candidates.order_by("-id")[: CANDIDATE_LIMIT + 1]
    candidates_sql, candidates_params = newest_first.query.sql_with_params()
    if full_text:
        rank_sql = "ts_rank(basis, websearch_to_tsquery(%s::regconfig, %s))"
        rank_params = [SEARCH_CONFIG, query]
    else:
        rank_sql, rank_params = "basis", []
    # Not prepared: whether the posts are best read newest first or through the
    # full-text index depends on how common the words are, so each search is planned.
    sql = (
        f"{NOT_PREPARED} WITH search_candidate (id, basis) AS ({candidates_sql}) "  # noqa: S608 - compiled queryset and fixed SQL; values as parameters
        f"SELECT id, {rank_sql} AS search_rank, (SELECT COUNT(*) FROM search_candidate), "
        "(SELECT MAX(id) FROM search_candidate) FROM ("
        "SELECT id, basis FROM search_candidate ORDER BY id DESC LIMIT %s"
        ") AS search_recent ORDER BY search_rank DESC, id DESC"
    )
    values = [*candidates_params, *rank_params, CANDIDATE_LIMIT]
    with connection.cursor() as db:
        db.execute(sql, values)
        rows = db.fetchall()
    if not rows:
        return Ranking([], 0, newest or 0)
    return Ranking([Ranked(row[0], row[1]) for row in rows], rows[0][2], rows[0][3])


def forget_rankings(_kind: str = "", _object_id: int = 0) -> None:
    """Start every search's ranking again: what searches find may have changed. Called
    by the post services when a post's text or review state changes, for every event
    (`core.events`: a post written, approved or moved, someone joining a community) and
    for every audited action (`forget_rankings_after_action`).

    Called as the change is written, inside its transaction, not after it commits: a
    search ranking in the moment before the commit keeps the earlier answer, for at most
    `RANKING_SECONDS`. That can only delay a newly readable match; what became unreadable
    is checked again on every view.
    """
    cache.set(RANKINGS_GENERATION_KEY, time.time_ns(), None)


def forget_rankings_after_action(**_entry) -> None:
    """`forget_rankings` for every audited action (`core.audit`): a community's settings
    (its visibility, its audience), a role, a member type, a merge or a lifted sanction
    may make more readable."""
    forget_rankings()


def _kept_ranking(
    user: User, query: str, kind: str, cursor: Cursor | None, rank: Callable[[], Ranking]
) -> tuple[Ranking, bool]:
    """The ranking for this reader, words and kind, and whether it was kept from an
    earlier request.

    The first page's is kept under the newest post's id (one look at the primary key's
    end), so any post written, by whatever path, starts it again; the pages after ask
    for the matches up to their cursor's `newest`, which posts written later do not
    change. Each is kept with the generation it was made in (`forget_rankings`).
    """
    reader = user.pk if user.is_authenticated else "visitor"
    words = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    prefix = f"search-ranking:{reader}:{kind}:{words}"
    if cursor is None:
        newest_post = Post.objects.aggregate(newest=Max("pk"))["newest"] or 0
        key = f"{prefix}:latest:{newest_post}"
    else:
        key = f"{prefix}:{cursor.newest}"
    kept = cache.get_many([RANKINGS_GENERATION_KEY, key])
    generation = kept.get(RANKINGS_GENERATION_KEY, 0)
    made_in, ranking = kept.get(key, (None, None))
    if ranking is not None and made_in == generation:
        return ranking, True
    ranking = rank()
    values = {key: (generation, ranking)}
    if cursor is None:
        # The pages after it ask for the matches up to its newest: the same ranking.
        values[f"{prefix}:{ranking.newest}"] = (generation, ranking)
    cache.set_many(values, RANKING_SECONDS)
    return ranking, False


class Reader(NamedTuple):
    """Who reads a kept ranking's posts, and the kind they asked for: who may read a
    match may have changed since it was ranked, so each shown post is checked again."""

    user: User
    kind: str


def _chosen_posts(
    full_text: bool, count: int, checking: bool, *values: int | str | datetime.datetime
) -> QuerySet[Post]:
    """The `count` posts to show by id (`_chosen`), with their marked title and snippet
    for a full-text search. `values`: the query (full text only), the ids, then, when
    `checking` a signed-in reader, their id and the moment their bans are judged at."""
    posts = _chosen()
    if full_text:
        search_query = _search_query(values[0])
        values = values[1:]
        posts = posts.annotate(
            # One stretch around the best match, with the words before it for context
            # (fragment mode would start every snippet at the match).
            snippet=_marked_headline("body", search_query, max_words=40, min_words=15),
            title_marked=_marked_headline("thread__title", search_query, highlight_all=True),
        ).only(*RESULT_FIELDS)
    else:
        posts = posts.only(*RESULT_FIELDS, "body")
    posts = posts.filter(pk__in=values[:count])
    if checking:
        posts = community_permissions.with_viewer_flags_of(posts, *values[count:])
    return posts


def _shown(query: str, ranked: list[Ranked], reader: Reader | None, *, full_text: bool) -> list:
    """The ranked posts, in their order, each with its `rank`; with `reader`, only those
    they may read now (`can_read_post`, on the rows read here: compiling the access rule
    into this query cost a member's search more than the rest of the page). The read is
    compiled once per kind of search, number of posts and reader (`core.compiled_reads`)."""
    ids = tuple(row.post_id for row in ranked)
    checking = reader is not None and reader.user.is_authenticated
    values = ((query,) if full_text else ()) + ids
    if checking:
        values += (reader.user.pk, timezone.now())
    posts = models_of(
        ("search-shown", full_text, len(ids), checking),
        partial(_chosen_posts, full_text, len(ids), checking),
        values,
    )
    by_id = {post.pk: post for post in posts}
    shown = []
    for row in ranked:
        post = by_id.get(row.post_id)
        if post is None:  # Erased since it was ranked.
            continue
        if reader is not None:
            community_permissions.carry_viewer_flags(post, post.thread.community)
            if not can_read_post(reader.user, post):
                continue
            if reader.kind and post.thread.kind != reader.kind:
                continue
        post.rank = row.rank
        shown.append(post)
    return shown


def _marked_headline(field: str, search_query: SearchQuery, **options) -> SearchHeadline:
    """`ts_headline` of `field` (its own markers taken out), each match between the
    markers."""
    return SearchHeadline(
        WithoutMarkers(F(field)),
        search_query,
        config=SEARCH_CONFIG,
        start_sel=MARK_START,
        stop_sel=MARK_STOP,
        **options,
    )


def _full_text_results(
    query: str, ranked: list[Ranked], reader: Reader | None
) -> list[SearchResult]:
    return [
        SearchResult(
            post=post,
            title=marked_pieces(post.title_marked),
            snippet=marked_pieces(post.snippet),
        )
        for post in _shown(query, ranked, reader, full_text=True)
    ]


def _fallback_results(
    wanted: list[str], ranked: list[Ranked], reader: Reader | None
) -> list[SearchResult]:
    return [
        SearchResult(
            post=post,
            title=highlight(post.thread.title, wanted, window=False),
            snippet=highlight(post.body, wanted, window=True),
        )
        for post in _shown("", ranked, reader, full_text=False)
    ]


def search(*, user: User, query: str, after: str | None = None, kind: str = "") -> SearchPage:
    """One page of what `user` may read matching `query`, best match first, among the
    `CANDIDATE_LIMIT` most recent matches (`limited` says when there were more).

    `after` is the `next_cursor` of the page before (an unreadable one is the first
    page); `kind` narrows to one kind of thread. Two SQL queries per call whatever the
    page (one when nothing is found).
    """
    query = clean_query(query)
    kind = kind if kind in ThreadKind.values else ""
    result = SearchPage(query=query, kind=kind, candidate_limit=CANDIDATE_LIMIT)
    if not query:
        return result
    full_text = uses_full_text()
    cursor = parse_cursor(after, full_text=full_text)
    if cursor is not None:
        result.first_number = cursor.position + 1
    wanted, unwanted = parse_terms(query)
    if not (full_text or wanted):
        return result

    def rank() -> Ranking:
        posts = _base(user, kind)
        if full_text:
            candidates = _full_text_candidates(posts, query)
        else:
            candidates = _fallback_candidates(posts, wanted, unwanted)
        newest = cursor.newest if cursor else None
        return _ranking(candidates, newest=newest, full_text=full_text, query=query)

    ranking, kept = _kept_ranking(user, query, kind, cursor, rank)
    ranked = ranking.after(cursor)[: PAGE_SIZE + 1]
    if not ranked:
        return result
    result.limited = ranking.candidates > CANDIDATE_LIMIT
    reader = Reader(user, kind) if kept else None
    if full_text:
        results = _full_text_results(query, ranked[:PAGE_SIZE], reader)
    else:
        results = _fallback_results(wanted, ranked[:PAGE_SIZE], reader)
    result.results = results
    if len(ranked) > PAGE_SIZE:
        last = ranked[PAGE_SIZE - 1]
        position = result.first_number + PAGE_SIZE - 1
        result.next_cursor = f"{_rank_text(last.rank)}|{last.post_id}|{position}|{ranking.newest}"
    return result
