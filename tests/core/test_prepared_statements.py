"""Reads a connection repeats are prepared on PostgreSQL (planned once, not on every
request), and nothing a caller sees changes: the same rows, the same captured SQL, no
aborted transaction when PostgreSQL refuses to prepare a query.

The suite runs on PostgreSQL in CI (`DATABASE_URL`) and on SQLite in a plain `make test`;
on SQLite the backend is Django's own, and only what a caller sees is checked.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from communities.models import Community
from core.postgresql import NOT_PREPARED, one_plan
from core.postgresql.base import numbered
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"


def prepared_statements() -> dict[str, str]:
    """This session's prepared statements: their names and text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 WHERE FALSE")  # opens the connection when needed
        if not ON_POSTGRESQL:
            return {}
        cursor.cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.cursor.fetchall())


def names_by_slug(slug: str) -> list[str]:
    return list(Community.objects.filter(slug=slug).values_list("name", flat=True))


def test_placeholders_are_numbered_and_percent_signs_kept():
    assert numbered("SELECT a FROM t WHERE b = %s AND c LIKE '5%%' AND d IN (%s, %s)") == (
        "SELECT a FROM t WHERE b = $1 AND c LIKE '5%' AND d IN ($2, $3)"
    )
    assert numbered("SELECT %(name)s") is None
    # The empty strings at the positions given are written in; the rest keep their order.
    assert numbered("SELECT a FROM t WHERE b = %s AND c = %s AND d = %s", frozenset({1})) == (
        "SELECT a FROM t WHERE b = $1 AND c = '' AND d = $2"
    )


def test_an_empty_string_is_written_into_the_statement_and_answers_as_before():
    CommunityFactory(name="Cold chain", description="")
    CommunityFactory(name="Warehouse safety", description="Forklifts and racking.")

    def names(description: str, name: str) -> list[str]:
        return list(
            Community.objects.filter(description=description, name=name).values_list(
                "name", flat=True
            )
        )

    answers = [names("", "Cold chain") for _ in range(3)]
    answers += [names("Forklifts and racking.", "Warehouse safety") for _ in range(3)]
    answers.append(names("", "Warehouse safety"))

    assert answers == [["Cold chain"]] * 3 + [["Warehouse safety"]] * 3 + [[]]
    if ON_POSTGRESQL:
        statements = prepared_statements().values()
        assert any(
            '"communities_community"."description" = \'\' AND "communities_community"."name" = $1'
            in text
            for text in statements
        ), statements


def test_a_repeated_read_is_prepared_and_answers_as_before():
    first = CommunityFactory(name="Cold chain")
    second = CommunityFactory(name="Warehouse safety")

    answers = [names_by_slug(first.slug), names_by_slug(first.slug), names_by_slug(second.slug)]
    with CaptureQueriesContext(connection) as captured:
        answers.append(names_by_slug(second.slug))

    assert answers == [["Cold chain"], ["Cold chain"], ["Warehouse safety"], ["Warehouse safety"]]
    # Captured (and logged) queries show the SQL with its values, never `EXECUTE name(...)`.
    assert len(captured.captured_queries) == 1
    assert second.slug in captured.captured_queries[0]["sql"]
    assert "EXECUTE" not in captured.captured_queries[0]["sql"]
    if ON_POSTGRESQL:
        statements = prepared_statements().values()
        assert any(
            '"communities_community"."slug" = $1' in text and text.startswith("PREPARE")
            for text in statements
        )


def test_a_prepared_value_keeps_the_type_it_had_written_into_the_query():
    # Written in, a moment compared with a date compares as a moment (the date is
    # midnight); a parameter typed by its neighbour would have cut it to the date.
    noon = datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)
    new_year = "DATE '2030-01-01'" if ON_POSTGRESQL else "'2030-01-01'"
    with connection.cursor() as cursor:
        answers = []
        for _ in range(3):
            cursor.execute(f"SELECT {new_year} < %s, %s + 1", [noon, 2**40])
            answers.append(cursor.fetchone())

    assert answers == [(True, 2**40 + 1)] * 3
    if ON_POSTGRESQL:
        assert any(
            "(timestamp with time zone, bigint)" in text for text in prepared_statements().values()
        )


def test_a_query_postgresql_refuses_to_prepare_runs_as_written_inside_a_transaction():
    # `$1 IS NULL` gives PostgreSQL no type for the value: PREPARE fails where the
    # query with its value written in (text) runs.
    community = CommunityFactory(name="Fleet")
    with transaction.atomic():
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1 WHERE %s IS NULL", ["not null"])
                assert cursor.fetchall() == []
        # The transaction is still usable: the refusal rolled back only its savepoint.
        assert names_by_slug(community.slug) == ["Fleet"]
    if ON_POSTGRESQL:
        assert not any("WHERE $1 IS NULL" in text for text in prepared_statements().values())
        assert "SELECT 1 WHERE %s IS NULL" in connection.connection.refused


def test_writes_reads_without_values_and_marked_queries_are_never_prepared():
    community = CommunityFactory(name="Depot")
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(
                "UPDATE communities_community SET name = %s WHERE id = %s", ["Depot", community.pk]
            )
            cursor.execute("SELECT COUNT(*) FROM communities_community")
            cursor.execute(
                f"{NOT_PREPARED} SELECT name FROM communities_community WHERE id = %s",
                [community.pk],
            )
            assert cursor.fetchall() == [("Depot",)]

    if ON_POSTGRESQL:
        texts = prepared_statements().values()
        assert not any("UPDATE communities_community SET name" in text for text in texts)
        assert not any(
            text.endswith("SELECT COUNT(*) FROM communities_community") for text in texts
        )
        assert not any("not prepared" in text for text in texts)


def test_each_connection_keeps_only_the_most_recently_used_statements(monkeypatch):
    monkeypatch.setattr("core.postgresql.base.MAX_PREPARED", 2)
    communities = [CommunityFactory(name=f"Site {number}") for number in range(3)]

    with connection.cursor() as cursor:
        for community in communities:
            query = f"SELECT name FROM communities_community WHERE id = %s AND {community.pk} > 0"
            for _ in range(2):
                cursor.execute(query, [community.pk])
                assert cursor.fetchall() == [(community.name,)]

    if ON_POSTGRESQL:
        kept = [text for text in prepared_statements().values() if "AND" in text and "> 0" in text]
        assert len(kept) == 2
        assert not any(f"AND {communities[0].pk} > 0" in text for text in kept)


@pytest.mark.django_db(transaction=True)
def test_a_column_changing_type_under_prepared_statements_is_read_again():
    # A migration run while the site serves: the connection's statements were prepared
    # for the old type, which PostgreSQL refuses to return in its place.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE migrated (id integer, size integer)")
        cursor.execute("INSERT INTO migrated VALUES (1, 7)")
        try:
            for _ in range(3):
                cursor.execute("SELECT size FROM migrated WHERE id = %s", [1])
                assert cursor.fetchall() == [(7,)]
            cursor.execute("DROP TABLE migrated")
            cursor.execute("CREATE TEMPORARY TABLE migrated (id integer, size text)")
            cursor.execute("INSERT INTO migrated VALUES (1, '7')")

            cursor.execute("SELECT size FROM migrated WHERE id = %s", [1])
            assert cursor.fetchall() == [("7",)]
            cursor.execute("SELECT size FROM migrated WHERE id = %s", [1])
            assert cursor.fetchall() == [("7",)]
        finally:
            cursor.execute("DROP TABLE migrated")


def plan_counts(*fragments: str) -> tuple[int, int]:
    """(generic plans, custom plans) PostgreSQL used for this session's one statement
    whose text holds every fragment."""
    with connection.cursor() as cursor:
        cursor.cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            f"WHERE {' AND '.join(['statement LIKE %s'] * len(fragments))}",
            [f"%{fragment}%" for fragment in fragments],
        )
        rows = cursor.cursor.fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_reads_in_one_plan_keep_one_plan_and_answer_as_before():
    first = CommunityFactory(name="Cold chain")
    second = CommunityFactory(name="Warehouse safety")
    kept = "SELECT name FROM communities_community WHERE id = %s AND 1 = 1"
    planned = "SELECT name FROM communities_community WHERE id = %s AND 2 = 2"

    with connection.cursor() as cursor:
        answers = []
        for community in (first, second, first, second):
            with one_plan():
                cursor.execute(kept, [community.pk])
                answers.append(cursor.fetchall())
            cursor.execute(planned, [community.pk])
            answers.append(cursor.fetchall())

    cold, warehouse = [("Cold chain",)], [("Warehouse safety",)]
    assert answers == [cold, cold, warehouse, warehouse] * 2
    if ON_POSTGRESQL:
        # Prepared at its second run: the three runs from then on used the one plan,
        # where the same read outside `one_plan` was planned for its values each time.
        assert plan_counts("AND 1 = 1") == (3, 0)
        assert plan_counts("AND 2 = 2") == (0, 3)
        # The setting held for those statements alone.
        assert plan_cache_mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_one_plan_changes_nothing_inside_a_transaction():
    community = CommunityFactory(name="Depot")
    query = "SELECT name FROM communities_community WHERE id = %s AND 3 = 3"

    with transaction.atomic():
        with connection.cursor() as cursor, one_plan():
            answers = []
            for _ in range(3):
                cursor.execute(query, [community.pk])
                answers.append(cursor.fetchall())
        # `SET LOCAL` would have lasted to the end of the transaction.
        mode = plan_cache_mode() if ON_POSTGRESQL else "auto"

    assert answers == [[("Depot",)]] * 3
    assert mode == "auto"
    if ON_POSTGRESQL:
        assert plan_counts("AND 3 = 3") == (0, 2)
