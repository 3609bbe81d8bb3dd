"""Search: what is found, in what order, with which snippet, a page at a time.

Runs on both backends: PostgreSQL full-text search (the GIN index path) when
DATABASE_URL points at PostgreSQL, the icontains fallback on SQLite.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from config.settings.base import without_jit
from discussions.models import Post, Thread, ThreadKind
from discussions.selectors import search as selectors
from discussions.services import threads as services
from discussions.services.threads import delete_post
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(visibility="public")


def found(user, query: str, **options) -> list[int]:
    return [
        result.post.pk for result in selectors.search(user=user, query=query, **options).results
    ]


def test_a_post_is_found_by_a_word_in_its_body(community):
    thread = ThreadFactory(community=community, title="Fleet update")
    reply = PostFactory(thread=thread, body="The new **cargo** bikes arrive on Monday.")
    PostFactory(thread=thread, body="Nothing to see here.")

    page = selectors.search(user=AnonymousUser(), query="cargo")

    assert [result.post.pk for result in page.results] == [reply.pk]
    [result] = page.results
    assert result.snippet == [
        ("The new **", False),
        ("cargo", True),
        ("** bikes arrive on Monday.", False),
    ]
    assert result.title == [("Fleet update", False)]
    assert result.url == f"{thread.get_absolute_url()}?after={reply.pk - 1}#post-{reply.pk}"


def test_a_thread_is_found_by_its_title_and_links_to_the_thread(community):
    thread = ThreadFactory(community=community, title="Warehouse heat pumps", body="Costs.")

    [result] = selectors.search(user=AnonymousUser(), query="heat pumps").results

    assert result.post.is_first
    assert result.url == thread.get_absolute_url()
    assert result.title == [("Warehouse ", False), ("heat", True), (" ", False), ("pumps", True)]


def test_text_comes_back_as_plain_pieces_and_forged_markers_are_dropped(community):
    """The selector returns text, never HTML (escaping is the template's); the marker
    characters a post or title contains are taken out before the matches are marked."""
    forged = f"{selectors.MARK_START}forged{selectors.MARK_STOP}"
    thread = ThreadFactory(community=community, title=f"Escaping <b>titles</b> {forged}")
    PostFactory(
        thread=thread,
        body=f"Raw <script>alert(1)</script> onions & {forged} {selectors.MARK_STOP}here",
    )

    [result] = selectors.search(user=AnonymousUser(), query="onions").results

    assert [text for text, is_match in result.snippet if is_match] == ["onions"]
    snippet = "".join(text for text, _ in result.snippet)
    assert " & forged here" in snippet
    assert result.title == [("Escaping <b>titles</b> forged", False)]
    everything = snippet + "".join(text for text, _ in result.title)
    assert not set(selectors.MARKERS) & set(everything)


def test_marked_pieces_keep_only_paired_markers():
    start, stop = selectors.MARK_START, selectors.MARK_STOP

    assert selectors.marked_pieces(f"a {start}b{stop} c{stop} {start}d") == [
        ("a ", False),
        ("b", True),
        (" c d", False),
    ]
    assert selectors.marked_pieces(f"{start}{stop}") == []
    assert selectors.marked_pieces(f"{start}x{start}y{stop}") == [("x", False), ("y", True)]


def test_deleted_posts_are_never_found(community):
    thread = ThreadFactory(community=community, body="An ordinary opening.")
    reply = PostFactory(thread=thread, body="The password is swordfish.")
    delete_post(by=reply.author, post=reply, reason="")

    assert found(AnonymousUser(), "swordfish") == []


def test_best_matches_come_first(community):
    best = ThreadFactory(
        community=community,
        title="Solar roofs",
        body="Solar panels on every depot. Solar first, solar always.",
    )
    other = ThreadFactory(community=community, title="Budget", body="Misc.")
    weaker = PostFactory(
        thread=other,
        body="Among many other topics of this long meeting we also mentioned solar once, "
        "next to parking, catering, holidays, printers and the new coffee machine.",
    )

    results = found(AnonymousUser(), "solar")

    assert results == [best.posts.get(is_first=True).pk, weaker.pk]


def test_every_word_must_match_and_minus_leaves_words_out(community):
    thread = ThreadFactory(community=community, body="Intro.")
    both = PostFactory(thread=thread, body="Electric vans for the city.")
    PostFactory(thread=thread, body="Electric bikes for the city.")
    PostFactory(thread=thread, body="Diesel vans for the motorway.")

    assert found(AnonymousUser(), "electric vans") == [both.pk]
    assert sorted(found(AnonymousUser(), "electric -bikes")) == [both.pk]


def test_the_kind_filter_narrows_to_one_kind_of_thread(community):
    question = ThreadFactory(community=community, kind=ThreadKind.QUESTION, body="Why tulips?")
    ThreadFactory(community=community, kind=ThreadKind.DISCUSSION, body="Tulips are nice.")

    assert found(AnonymousUser(), "tulips", kind="question") == [
        question.posts.get(is_first=True).pk
    ]
    assert len(found(AnonymousUser(), "tulips", kind="nonsense")) == 2


def walk(
    user, query: str, *, limit: int = 50, after: str | None = None, **options
) -> list[selectors.SearchPage]:
    """Every page of a search from `after`, following the next cursors (at most `limit`
    pages)."""
    pages = []
    while len(pages) < limit:
        page = selectors.search(user=user, query=query, after=after, **options)
        pages.append(page)
        after = page.next_cursor
        if after is None:
            break
    return pages


def walked(pages) -> list[Post]:
    return [result.post for page in pages for result in page.results]


def in_rank_order(posts) -> bool:
    keys = [(post.rank, post.pk) for post in posts]
    return keys == sorted(keys, reverse=True)


def test_results_are_paged_and_every_result_appears_exactly_once(community):
    thread = ThreadFactory(community=community, body="Opening.")
    replies = {PostFactory(thread=thread, body=f"Kiwi report number {n}.").pk for n in range(45)}

    pages = walk(AnonymousUser(), "kiwi")

    assert [len(page.results) for page in pages] == [20, 20, 5]
    assert [page.has_next for page in pages] == [True, True, False]
    assert [page.first_number for page in pages] == [1, 21, 41]
    seen = [post.pk for post in walked(pages)]
    assert len(seen) == len(set(seen)) == 45
    assert set(seen) == replies


def test_walking_every_page_finds_each_visible_match_once_in_rank_order(community, monkeypatch):
    """Ranks differ (titles with one, two or no words; more or fewer occurrences) and tie
    across page boundaries; a private community's matches are never part of the walk."""
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    hidden = ThreadFactory(
        community=CommunityFactory(visibility="private"), title="Papaya guava", body="Hidden."
    )
    PostFactory(thread=hidden, body="Papaya guava papaya guava, not for outsiders.")
    expected = set()
    for title in ("Papaya and guava", "Papaya only", "Other fruit", "Guava only"):
        thread = ThreadFactory(community=community, title=title, body=f"{title}: papaya guava.")
        expected.add(thread.posts.get(is_first=True).pk)
        for n in range(4):
            body = "papaya guava " * (n % 2 + 1) + f"note {n}."
            expected.add(PostFactory(thread=thread, body=body).pk)

    pages = walk(AnonymousUser(), "papaya guava")

    posts = walked(pages)
    assert [post.pk for post in posts if post.pk not in expected] == []
    assert len(posts) == len({post.pk for post in posts}) == len(expected)
    assert in_rank_order(posts)
    assert len({post.rank for post in posts}) > 1
    assert [page.first_number for page in pages] == list(range(1, len(expected) + 1, 3))
    assert pages[-1].next_cursor is None


def test_float4_ranks_survive_the_cursor_round_trip(community, monkeypatch):
    """Many posts share each `real` rank (0.0607927 for one occurrence, others for two
    or three), spread over pages that cut through the ties. Each is found exactly once,
    which a comparison in double precision breaks: the cursor's rank would no longer
    equal itself, and ties would be skipped or repeated. (SQLite ranks by title hits,
    whole numbers: there the walk through the ties is checked, not the float4 part.)"""
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    thread = ThreadFactory(community=community, body="Opening.")
    expected = set()
    for n in range(30):
        body = " and then ".join(["quince"] * (n % 3 + 1)) + f", note {n}."
        expected.add(PostFactory(thread=thread, body=body).pk)

    posts = walked(walk(AnonymousUser(), "quince"))

    assert [post.pk for post in posts if post.pk not in expected] == []
    assert len(posts) == len({post.pk for post in posts}) == 30
    if connection.vendor != "postgresql":
        return
    assert len({post.rank for post in posts}) == 3
    assert 0.0607927 in {round(post.rank, 7) for post in posts}
    assert [post.pk for post in posts if post.pk not in expected] == []
    assert len(posts) == len({post.pk for post in posts}) == 30
    assert in_rank_order(posts)

    # The same walk with the cursor's rank written to six digits: it goes wrong.
    monkeypatch.setattr(selectors, "_rank_text", lambda rank: f"{rank:.6g}")
    broken = [post.pk for post in walked(walk(AnonymousUser(), "quince", limit=20))]
    assert len(broken) != len(set(broken)) or set(broken) != expected


def test_a_deep_page_runs_no_more_queries_than_the_first(
    community, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    thread = ThreadFactory(community=community, title="Lime", body="Lime opening.")
    for n in range(13):
        PostFactory(thread=thread, body="lime " * (n % 3 + 1) + f"news {n}.")
    member = member_of(community)
    pages = walk(member, "lime")
    assert len(pages) == 7

    # Ranked afresh: the newest post's id (the first page only), the ranking, the posts.
    cache.clear()
    with django_assert_num_queries(3):
        first = selectors.search(user=member, query="lime")
    # The ranking kept, by the first page and the pages after it: the posts alone,
    # through the access rule (and the newest post's id on the first page).
    with django_assert_num_queries(2):
        first_again = selectors.search(user=member, query="lime")
    with django_assert_num_queries(1):
        deep_again = selectors.search(user=member, query="lime", after=pages[5].next_cursor)
    cache.clear()
    with django_assert_num_queries(2):
        deep = selectors.search(user=member, query="lime", after=pages[5].next_cursor)

    for page in (first, first_again):
        assert [r.post.pk for r in page.results] == [r.post.pk for r in pages[0].results]
    for page in (deep, deep_again):
        assert [r.post.pk for r in page.results] == [r.post.pk for r in pages[6].results]
        assert page.first_number == 13


@pytest.mark.parametrize(
    "after",
    [
        "",
        "garbage",
        "1|2",
        "1|2|3",
        "1|2|3|4|5",
        "nan|5|3|9",
        "inf|5|3|9",
        "-1|5|3|9",
        "1e999|5|3|9",
        "1e-50|5|3|9",
        "0.5 |5|3|9",
        "\u0663|5|3|9",
        "0.5|x|3|9",
        "0.5|5|-3|9",
        "0.5|5|3|0",
        "0.5|5|3|x",
        "0.5|99999999999999999999|3|9",
        "0.5|5|3|" + "9" * 100,
    ],
)
def test_an_unreadable_cursor_is_the_first_page(community, after):
    thread = ThreadFactory(community=community, body="Opening.")
    for n in range(3):
        PostFactory(thread=thread, body=f"Fig {n}.")
    first = selectors.search(user=AnonymousUser(), query="fig")

    page = selectors.search(user=AnonymousUser(), query="fig", after=after)

    assert [r.post.pk for r in page.results] == [r.post.pk for r in first.results]
    assert page.first_number == 1


def test_an_empty_query_runs_no_search():
    with CaptureQueriesContext(connection) as queries:
        page = selectors.search(user=AnonymousUser(), query="   ")

    assert (page.query, page.results, len(queries)) == ("", [], 0)


def test_the_queries_per_page_do_not_grow_with_the_matches(community):
    thread = ThreadFactory(community=community, body="Opening.")
    member = member_of(community)
    counts = []
    for total in (3, 30):
        while thread.posts.filter(body__startswith="Pear").count() < total:
            PostFactory(thread=thread, body="Pear season.")
        with CaptureQueriesContext(connection) as ranked:
            page = selectors.search(user=member, query="pear")
        with CaptureQueriesContext(connection) as kept:
            again = selectors.search(user=member, query="pear")
        assert len(page.results) == len(again.results) == min(total, 20)
        counts.append((len(ranked), len(kept)))

    assert counts == [(3, 2), (3, 2)]


def test_the_snippet_window_is_cut_around_the_first_match():
    text = "start " + "filler " * 60 + "needle in the middle " + "filler " * 60 + "end"

    pieces = selectors.highlight(text, ["needle"], window=True)

    snippet = "".join(text for text, _ in pieces)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert [text for text, is_match in pieces if is_match] == ["needle"]
    assert len(snippet) < selectors.SNIPPET_LENGTH + 10


def test_parse_terms_understands_phrases_and_minus():
    assert selectors.parse_terms('solar "heat  pump" -diesel or x') == (
        ["solar", "heat pump", "x"],
        ["diesel"],
    )


def test_the_stored_document_and_its_index_exist_only_on_postgresql_and_are_used(community):
    thread = ThreadFactory(community=community, body="Opening.")
    post = PostFactory(thread=thread, body="Walnut orchards.")
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "discussions_post")
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, "discussions_post")
        ]

    if connection.vendor != "postgresql":
        assert "discussions_post_search_document_gin" not in indexes
        assert "search_document" not in columns
        assert found(AnonymousUser(), "walnut") != []
        return

    assert indexes["discussions_post_search_document_gin"]["type"] == "gin"
    assert "discussions_post_search_gin" not in indexes  # the old expression index is gone
    # The database keeps the document in step with the text, on insert and on edit.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_document::text FROM discussions_post WHERE id = %s", [post.pk]
        )
        assert cursor.fetchone()[0] == "'orchard':2 'walnut':1"
    services.edit_post(by=thread.author, post=post, body="Hazel groves.")
    assert found(AnonymousUser(), "walnut") == []
    assert [r.post.pk for r in selectors.search(user=AnonymousUser(), query="hazel").results] == [
        post.pk
    ]
    # The search matches and ranks with the stored column, not with to_tsvector per row...
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        selectors.search(user=AnonymousUser(), query="hazel")
    [_newest, ranking, shown] = [query["sql"] for query in queries.captured_queries]
    assert (
        '"discussions_post"."search_document" @@ '
        "(websearch_to_tsquery('english'::regconfig, 'hazel'))"
    ) in ranking
    assert "ts_rank(basis, websearch_to_tsquery('english'::regconfig, 'hazel'))" in ranking
    assert '"discussions_post"."search_document" AS "document"' in ranking
    assert "to_tsvector" not in ranking + shown
    # ...which the planner answers from the GIN index (forced here: the table is tiny).
    matching = (
        Post.objects.alias(document=selectors.SearchDocument())
        .filter(document=SearchQuery("hazel", search_type="websearch", config="english"))
        .values("pk")
    )
    sql, params = matching.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # A plain index scan reads a few rows through the primary key as cheaply.
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on discussions_post_search_document_gin" in plan


# -- bounded ranking: only the CANDIDATE_LIMIT most recent matches are ranked -------------
#
# A strong match is an opening post whose title and text carry the word several times
# (ranked above the others on both backends: more occurrences for ts_rank, a title hit for
# the fallback); a weak match is a reply that says it once in a thread titled otherwise.


def strong(community, word: str) -> int:
    thread = ThreadFactory(
        community=community, title=f"{word.title()} notes", body=f"{word} {word} {word}."
    )
    return thread.posts.get(is_first=True).pk


def weak(thread, word: str) -> int:
    return PostFactory(thread=thread, body=f"A word on {word} and many other things.").pk


def test_only_the_most_recent_matches_are_ranked_best_first(community, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 4)
    other = ThreadFactory(community=community, title="Misc", body="Opening.")
    strong_old = strong(community, "kumquat")
    weak_old = weak(other, "kumquat")
    weak_2, weak_3 = weak(other, "kumquat"), weak(other, "kumquat")
    strong_new = strong(community, "kumquat")
    weak_4 = weak(other, "kumquat")

    page = selectors.search(user=AnonymousUser(), query="kumquat")

    # The four newest matches, the strong one first; the older strong match is left out.
    assert [result.post.pk for result in page.results] == [strong_new, weak_4, weak_3, weak_2]
    assert strong_old not in found(AnonymousUser(), "kumquat")
    assert weak_old not in found(AnonymousUser(), "kumquat")
    assert (page.limited, page.candidate_limit, page.next_cursor) == (True, 4, None)


def test_limited_only_when_more_matches_than_the_limit(community, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 3)
    thread = ThreadFactory(community=community, title="Misc", body="Opening.")
    matches = [weak(thread, "medlar") for _ in range(3)]

    exactly = selectors.search(user=AnonymousUser(), query="medlar")
    matches.append(weak(thread, "medlar"))
    beyond = selectors.search(user=AnonymousUser(), query="medlar")

    assert (exactly.limited, len(exactly.results)) == (False, 3)
    assert (beyond.limited, [r.post.pk for r in beyond.results]) == (True, matches[:0:-1])


def test_pages_walk_the_bounded_set_in_rank_order_without_repeats_or_gaps(community, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 7)
    other = ThreadFactory(community=community, title="Misc", body="Opening.")
    matches = []
    for n in range(12):
        matches.append(strong(community, "sorrel") if n % 3 == 0 else weak(other, "sorrel"))
    newest = set(matches[-7:])

    pages = walk(AnonymousUser(), "sorrel")

    posts = walked(pages)
    assert len(posts) == len({post.pk for post in posts}) == 7
    assert {post.pk for post in posts} == newest
    assert in_rank_order(posts)
    assert len({post.rank for post in posts}) == 2
    assert [page.first_number for page in pages] == [1, 3, 5, 7]
    assert [page.limited for page in pages] == [True] * 4
    assert pages[-1].next_cursor is None


def test_a_match_written_between_pages_does_not_shift_the_set(community, monkeypatch):
    """Later pages rank the matches up to the newest one the first page ranked: a new
    post neither pushes an unseen match out nor slips in."""
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 4)
    thread = ThreadFactory(community=community, title="Misc", body="Opening.")
    matches = [weak(thread, "rocket") for _ in range(6)]
    first = selectors.search(user=AnonymousUser(), query="rocket")

    written = strong(community, "rocket")
    rest = walk(AnonymousUser(), "rocket", after=first.next_cursor)

    seen = [r.post.pk for r in first.results] + [post.pk for post in walked(rest)]
    assert seen == matches[:1:-1]
    assert [page.limited for page in rest] == [True]
    assert found(AnonymousUser(), "rocket")[0] == written


def test_the_candidates_are_read_newest_first_and_stop_at_the_limit(community, monkeypatch):
    """A word in every post reads only the limit's worth of rows (newest first through
    the primary key, on PostgreSQL), a rare word is answered from the GIN index: the
    cost does not grow with the number of matches. Posts are spread over many threads and
    two communities, one hidden, as on a real site."""
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 50)
    hidden = CommunityFactory(visibility="private")
    author = ThreadFactory(community=community).author
    threads = Thread.objects.bulk_create(
        Thread(
            community=(hidden if n % 4 == 0 else community),
            kind="discussion",
            title=f"Topic {n}",
            author=author,
        )
        for n in range(300)
    )
    Post.objects.bulk_create(
        Post(
            thread=threads[n % 300],
            community_id=threads[n % 300].community_id,
            author=author,
            body=f"Common note {n}{' with a zebrafish' if n == 7 else ''}.",
            body_html="",
            search_text=f"Common note {n}{' with a zebrafish' if n == 7 else ''}.",
        )
        for n in range(3000)
    )

    with CaptureQueriesContext(connection) as queries:
        page = selectors.search(user=AnonymousUser(), query="common")
    ranking = ranking_sql(queries)

    assert page.limited
    assert "DESC LIMIT 51" in ranking  # the limit and one more, to tell if there are more
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE discussions_post, discussions_thread, communities_community")
    common = post_scans(ranking)
    assert [(scan["Node Type"], scan.get("Index Name")) for scan in common] == [
        ("Index Scan", "discussions_post_pkey")
    ]
    assert common[0]["Scan Direction"] == "Backward"
    # The 51 visible ones and the hidden community's, read among them: not the 3,000.
    assert common[0]["Actual Rows"] < 80
    with CaptureQueriesContext(connection) as queries:
        [result] = selectors.search(user=AnonymousUser(), query="zebrafish").results
    # A table this small is read whole faster than through any index: leave that out.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        rare = post_scans(ranking_sql(queries))
    assert [scan["Node Type"] for scan in rare] == ["Bitmap Heap Scan"]
    assert rare[0]["Plans"][0]["Index Name"] == "discussions_post_search_document_gin"
    assert rare[0]["Actual Rows"] == 1
    # Each match's community is on the post: no thread is joined to apply the access rule
    # (threads are read only as the few hidden ones, whose replies are hidden with them).
    for sql in (ranking_sql(queries), ranking):
        assert 'JOIN "discussions_thread"' not in sql
        assert sql.count('FROM "discussions_thread"') <= 1


def ranking_sql(queries: CaptureQueriesContext) -> str:
    [sql] = [
        query["sql"] for query in queries.captured_queries if "search_candidate" in query["sql"]
    ]
    return sql


def post_scans(sql: str) -> list[dict]:
    """The plan nodes that read the post table when PostgreSQL runs `sql`."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        [[plan]] = cursor.fetchone()

    def nodes(node):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    return [node for node in nodes(plan["Plan"]) if node.get("Relation Name") == "discussions_post"]


def test_no_query_is_jit_compiled():
    """A common word read newest first is estimated above PostgreSQL's JIT threshold
    while it runs in milliseconds: compiling it cost 50 to 100 ms a search."""
    assert without_jit({"options": "-c statement_timeout=5000", "sslmode": "require"}) == {
        "options": "-c statement_timeout=5000 -c jit=off",
        "sslmode": "require",
    }
    assert without_jit({}) == {"options": "-c jit=off"}
    if connection.vendor == "postgresql":
        # The settings apply it to every connection.
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
