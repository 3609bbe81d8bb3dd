"""Search across the threads, posts and ideas a person may read.

Only `discussions.permissions.posts_visible_to` decides what can be found: the
community's access rule, with deleted posts left out. A thread's title is part of its
first post's search text, so titles, posts and ideas (idea threads) are found alike.

On PostgreSQL: `websearch_to_tsquery` (quotes, `or`, `-word`), ranked with `ts_rank`,
snippets from `ts_headline`, matched against `to_tsvector('english', search_text)`, the
expression of the GIN index made by migration 0002. Elsewhere (SQLite): every word must
appear (`icontains`), titles that contain the words rank first, and the snippet is cut
and highlighted in Python.

Ranked results cannot be keyset-paginated on a rank computed per query, so pages are
offsets, capped at `MAX_PAGES`: one query per page whatever the page, and the cost of a
deep page is bounded. No total is counted.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from discussions.models import Post, ThreadKind
from discussions.permissions import posts_visible_to

PAGE_SIZE = 20
MAX_PAGES = 20
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SEARCH_CONFIG = "english"
SNIPPET_LENGTH = 240
SNIPPET_LEAD = 80
# Private-use characters mark highlights inside the database's headline, so the whole
# headline can be escaped first and only these markers become <mark> afterwards.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_STOP}", re.DOTALL)
_TERM = re.compile(r'(-?)(?:"([^"]*)"|([\w\'’]+))')

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


class SearchDocument(Func):
    """`to_tsvector('english'::regconfig, search_text)`: the GIN index's exact expression."""

    template = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


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
    page: int = 1
    results: list[SearchResult] = field(default_factory=list)
    has_next: bool = False
    capped: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_number(self) -> int:
        """The position of the first result of this page in the whole list."""
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def previous_page(self) -> int:
        return self.page - 1


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


def _full_text_page(posts: QuerySet[Post], query: str, offset: int) -> list[SearchResult]:
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    document = SearchDocument(F("search_text"))
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
        .only(*RESULT_FIELDS)
        .order_by("-rank", "-id")[offset : offset + PAGE_SIZE + 1]
    )
    return [
        SearchResult(
            post=post,
            title_html=_marked_to_html(post.title_marked),
            snippet_html=_marked_to_html(post.snippet),
        )
        for post in rows
    ]


def _fallback_page(posts: QuerySet[Post], query: str, offset: int) -> list[SearchResult]:
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
        .only(*RESULT_FIELDS, "body")
        .order_by("-rank", "-id")[offset : offset + PAGE_SIZE + 1]
    )
    return [
        SearchResult(
            post=post,
            title_html=highlight(post.thread.title, wanted, window=False),
            snippet_html=highlight(post.body, wanted, window=True),
        )
        for post in rows
    ]


def search(*, user: User, query: str, page: int = 1, kind: str = "") -> SearchPage:
    """One page of what `user` may read matching `query`, best match first.

    `kind` narrows to one kind of thread. Pages beyond `MAX_PAGES` are not served: the
    last page says so, asking for a narrower query instead. One SQL query per call.
    """
    query = clean_query(query)
    kind = kind if kind in ThreadKind.values else ""
    page = min(max(page, 1), MAX_PAGES)
    result = SearchPage(query=query, kind=kind, page=page)
    if not query:
        return result
    posts = _base(user, kind)
    offset = (page - 1) * PAGE_SIZE
    if uses_full_text():
        results = _full_text_page(posts, query, offset)
    else:
        results = _fallback_page(posts, query, offset)
    more = len(results) > PAGE_SIZE
    result.results = results[:PAGE_SIZE]
    result.has_next = more and page < MAX_PAGES
    result.capped = more and page >= MAX_PAGES
    return result
