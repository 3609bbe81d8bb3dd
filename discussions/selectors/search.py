"""Search across the threads, posts and ideas a person may read.

Only `discussions.permissions.posts_visible_to` decides what can be found: the
community's access rule, with deleted posts left out. A thread's title is part of its
first post's search text, so titles, posts and ideas (idea threads) are found alike.

On PostgreSQL: `websearch_to_tsquery` (quotes, `or`, `-word`), ranked with `ts_rank`,
snippets from `ts_headline`, matched and ranked against each post's stored
`to_tsvector('english', search_text)` (the `search_document` column with its GIN index,
made by migration 0004). Elsewhere (SQLite): every word must
appear (`icontains`), titles that contain the words rank first, and the snippet is cut
and highlighted in Python.

Results are keyset-paginated like every other list, ordered by (rank, id) descending:
the cursor (`?after=`) is "rank|id|position" of the last result shown, and the next
page starts strictly after it, so a deep page costs what the first does. One SQL query
per page; no total is counted. On PostgreSQL the rank is `ts_rank`'s `real` (float4):
the cursor's rank is compared as `real` in SQL (`Real`), never as a Python float sent
as double precision, which would not equal the rank it was read from. An unreadable
cursor starts from the first page.
"""

import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    Case,
    Expression,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from core import params
from discussions.models import Post, ThreadKind
from discussions.permissions import posts_visible_to

PAGE_SIZE = 20
MAX_CURSOR_LENGTH = 80
# A result's number in the list, as far as anyone pages.
MAX_POSITION = 999_999_999
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SEARCH_CONFIG = "english"
SEARCH_DOCUMENT_COLUMN = "search_document"
SNIPPET_LENGTH = 240
SNIPPET_LEAD = 80
# Private-use characters mark highlights inside the database's headline, so the whole
# headline can be escaped first and only these markers become <mark> afterwards.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_STOP}", re.DOTALL)
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
    "thread__id",
    "thread__title",
    "thread__kind",
    "thread__community__id",
    "thread__community__name",
    "thread__community__slug",
    "author__id",
    "author__display_name",
    "author__email",
    "author__member_type",
    "author__avatar",
)


class SearchDocument(Expression):
    """The post's stored `search_document` (PostgreSQL only): `to_tsvector('english',
    search_text)`, kept by the database in a generated column with a GIN index
    (migration 0004). Not a model field, so it is named here, on the query's post table.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        posts = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{posts}.{connection.ops.quote_name(SEARCH_DOCUMENT_COLUMN)}", []


class Real(Func):
    """`<text>::real`: a cursor's rank read by PostgreSQL as the float4 `ts_rank` returns.

    Compared as `real`, the rank written into a cursor equals the rank it was read from;
    compared as double precision (a Python float parameter), it would not.
    """

    template = "%(expressions)s::real"
    output_field = FloatField()

    def __init__(self, text: str) -> None:
        super().__init__(Value(text, output_field=TextField()))


class Cursor(NamedTuple):
    """Where a page starts: strictly after the result with this rank and id."""

    rank: str
    post_id: int
    position: int


def parse_cursor(raw: str | None, *, full_text: bool) -> Cursor | None:
    """The cursor in `raw` ("rank|id|position"), or None when it cannot be read."""
    if not raw or len(raw) > MAX_CURSOR_LENGTH:
        return None
    parts = raw.split("|")
    if len(parts) != 3:
        return None
    rank, raw_post_id, raw_position = parts
    post_id, position = params.positive_int(raw_post_id), params.positive_int(raw_position)
    if post_id is None or position is None or position > MAX_POSITION:
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
    return Cursor(rank, post_id, position)


def _rank_text(rank) -> str:
    # repr() of the float read from a `real` reads back as that same `real`.
    return repr(rank) if isinstance(rank, float) else str(int(rank))


@dataclass
class SearchResult:
    post: Post
    title_html: SafeString
    snippet_html: SafeString

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

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def clean_query(raw: str) -> str:
    return " ".join(raw.split())[:MAX_QUERY_LENGTH]


def _marked_to_html(text: str) -> SafeString:
    """Escape `text` entirely, then turn the marker pairs into <mark> elements."""
    escaped = escape(text)
    html = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(html.replace(MARK_START, "").replace(MARK_STOP, ""))  # noqa: S308


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


def highlight(text: str, terms: list[str], *, window: bool) -> SafeString:
    """`text` escaped with every occurrence of `terms` wrapped in <mark>.

    With `window`, only a stretch of about `SNIPPET_LENGTH` characters around the first
    occurrence is kept, cut at spaces, with ellipses where text was left out.
    """
    text = " ".join(text.split())
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
    if pattern is None:
        return mark_safe(escape(text))  # noqa: S308
    pieces = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308


def _base(user: User, kind: str) -> QuerySet[Post]:
    posts = posts_visible_to(user).select_related("thread", "thread__community", "author")
    if kind:
        posts = posts.filter(thread__kind=kind)
    return posts


def _after(cursor: Cursor | None, *, full_text: bool) -> Q:
    """Rows strictly after `cursor` in (rank, id) descending order: filters `rank`."""
    if cursor is None:
        return Q()
    rank = Real(cursor.rank) if full_text else int(cursor.rank)
    return Q(rank__lt=rank) | Q(rank=rank, id__lt=cursor.post_id)


def _full_text_page(posts: QuerySet[Post], query: str, cursor: Cursor | None) -> list[SearchResult]:
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    document = SearchDocument()
    rows = list(
        posts.alias(document=document)
        .filter(document=search_query)
        .annotate(
            rank=SearchRank(document, search_query),
            snippet=SearchHeadline(
                "body",
                search_query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                # One stretch around the best match, with the words before it for
                # context (fragment mode would start every snippet at the match).
                max_words=40,
                min_words=15,
            ),
            title_marked=SearchHeadline(
                "thread__title",
                search_query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                highlight_all=True,
            ),
        )
        .filter(_after(cursor, full_text=True))
        .only(*RESULT_FIELDS)
        .order_by("-rank", "-id")[: PAGE_SIZE + 1]
    )
    return [
        SearchResult(
            post=post,
            title_html=_marked_to_html(post.title_marked),
            snippet_html=_marked_to_html(post.snippet),
        )
        for post in rows
    ]


def _fallback_page(posts: QuerySet[Post], query: str, cursor: Cursor | None) -> list[SearchResult]:
    wanted, unwanted = parse_terms(query)
    if not wanted:
        return []
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
    rows = list(
        posts.annotate(rank=title_hits)
        .filter(_after(cursor, full_text=False))
        .only(*RESULT_FIELDS, "body")
        .order_by("-rank", "-id")[: PAGE_SIZE + 1]
    )
    return [
        SearchResult(
            post=post,
            title_html=highlight(post.thread.title, wanted, window=False),
            snippet_html=highlight(post.body, wanted, window=True),
        )
        for post in rows
    ]


def search(*, user: User, query: str, after: str | None = None, kind: str = "") -> SearchPage:
    """One page of what `user` may read matching `query`, best match first.

    `after` is the `next_cursor` of the page before (an unreadable one is the first
    page); `kind` narrows to one kind of thread. One SQL query per call, whatever the
    page.
    """
    query = clean_query(query)
    kind = kind if kind in ThreadKind.values else ""
    result = SearchPage(query=query, kind=kind)
    if not query:
        return result
    posts = _base(user, kind)
    full_text = uses_full_text()
    cursor = parse_cursor(after, full_text=full_text)
    if cursor is not None:
        result.first_number = cursor.position + 1
    if full_text:
        results = _full_text_page(posts, query, cursor)
    else:
        results = _fallback_page(posts, query, cursor)
    result.results = results[:PAGE_SIZE]
    if len(results) > PAGE_SIZE:
        last = result.results[-1].post
        position = result.first_number + PAGE_SIZE - 1
        result.next_cursor = f"{_rank_text(last.rank)}|{last.pk}|{position}"
    return result
