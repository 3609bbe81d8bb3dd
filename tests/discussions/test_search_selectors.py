"""Search: what is found, in what order, with which snippet, a page at a time.

Runs on both backends: PostgreSQL full-text search (the GIN index path) when
DATABASE_URL points at PostgreSQL, the icontains fallback on SQLite.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.db.models import FloatField, Func, TextField, Value
from django.test.utils import CaptureQueriesContext

from discussions.models import Post, ThreadKind
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
    assert "<mark>cargo</mark>" in result.snippet_html
    assert result.title_html == "Fleet update"
    assert result.url == f"{thread.get_absolute_url()}?after={reply.pk - 1}#post-{reply.pk}"


def test_a_thread_is_found_by_its_title_and_links_to_the_thread(community):
    thread = ThreadFactory(community=community, title="Warehouse heat pumps", body="Costs.")

    [result] = selectors.search(user=AnonymousUser(), query="heat pumps").results

    assert result.post.is_first
    assert result.url == thread.get_absolute_url()
    assert "<mark>" in result.title_html
    assert "pumps" in result.title_html


def test_markup_in_posts_comes_back_escaped_with_only_the_marks_as_html(community):
    thread = ThreadFactory(community=community, title="Escaping <b>titles</b>")
    PostFactory(
        thread=thread, body="Raw <script>alert(1)</script> onions & <img src=x onerror=y> here"
    )

    [result] = selectors.search(user=AnonymousUser(), query="onions").results

    assert "<script" not in result.snippet_html
    assert "<img" not in result.snippet_html
    assert "<mark>onions</mark>" in result.snippet_html
    assert "&amp;" in result.snippet_html
    assert result.title_html == "Escaping &lt;b&gt;titles&lt;/b&gt;"


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


def walk(user, query: str, *, limit: int = 50, **options) -> list[selectors.SearchPage]:
    """Every page of a search, following the next cursors (at most `limit` pages)."""
    pages, after = [], None
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

    # The same walk, the cursor's rank compared in double precision: it goes wrong.
    class Double(Func):
        template = "%(expressions)s::double precision"
        output_field = FloatField()

        def __init__(self, text: str) -> None:
            super().__init__(Value(text, output_field=TextField()))

    monkeypatch.setattr(selectors, "Real", Double)
    broken = [post.pk for post in walked(walk(AnonymousUser(), "quince", limit=20))]
    assert len(broken) != len(set(broken)) or set(broken) != expected


def test_a_deep_page_runs_the_one_query_the_first_page_runs(
    community, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    thread = ThreadFactory(community=community, title="Lime", body="Lime opening.")
    for n in range(13):
        PostFactory(thread=thread, body="lime " * (n % 3 + 1) + f"news {n}.")
    member = member_of(community)
    pages = walk(member, "lime")
    assert len(pages) == 7

    with django_assert_num_queries(1):
        first = selectors.search(user=member, query="lime")
    with django_assert_num_queries(1):
        deep = selectors.search(user=member, query="lime", after=pages[5].next_cursor)

    assert [r.post.pk for r in first.results] == [r.post.pk for r in pages[0].results]
    assert [r.post.pk for r in deep.results] == [r.post.pk for r in pages[6].results]
    assert deep.first_number == 13


@pytest.mark.parametrize(
    "after",
    [
        "",
        "garbage",
        "1|2",
        "1|2|3|4",
        "nan|5|3",
        "inf|5|3",
        "-1|5|3",
        "1e999|5|3",
        "1e-50|5|3",
        "0.5 |5|3",
        "\u0663|5|3",
        "0.5|x|3",
        "0.5|5|-3",
        "0.5|99999999999999999999|3",
        "0.5|5|3" + "0" * 100,
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


def test_one_query_per_page_whatever_the_size(community):
    thread = ThreadFactory(community=community, body="Opening.")
    member = member_of(community)
    counts = []
    for total in (3, 30):
        while thread.posts.filter(body__startswith="Pear").count() < total:
            PostFactory(thread=thread, body="Pear season.")
        with CaptureQueriesContext(connection) as queries:
            page = selectors.search(user=member, query="pear")
        assert len(page.results) == min(total, 20)
        counts.append(len(queries))

    assert counts == [1, 1]


def test_the_snippet_window_is_cut_around_the_first_match():
    text = "start " + "filler " * 60 + "needle in the middle " + "filler " * 60 + "end"

    snippet = selectors.highlight(text, ["needle"], window=True)

    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>needle</mark>" in snippet
    assert len(snippet) < selectors.SNIPPET_LENGTH + 40


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
    with CaptureQueriesContext(connection) as queries:
        selectors.search(user=AnonymousUser(), query="hazel")
    [query] = queries.captured_queries
    assert (
        '"discussions_post"."search_document" @@ '
        "(websearch_to_tsquery('english'::regconfig, 'hazel'))"
    ) in query["sql"]
    assert 'ts_rank("discussions_post"."search_document"' in query["sql"]
    assert "to_tsvector" not in query["sql"]
    # ...which the planner answers from the GIN index (forced here: the table is tiny).
    matching = (
        Post.objects.alias(document=selectors.SearchDocument())
        .filter(document=SearchQuery("hazel", search_type="websearch", config="english"))
        .values("pk")
    )
    sql, params = matching.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on discussions_post_search_document_gin" in plan
