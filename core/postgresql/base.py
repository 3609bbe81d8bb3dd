"""Django's PostgreSQL backend (psycopg2), with the queries a connection runs again and
again prepared on the server, so PostgreSQL plans them once instead of on every request.

On the bench's database (a million posts) PostgreSQL spent longer planning most page
queries than running them: 1.2 ms planning against 0.5 ms running for a member's home
feed activity, 0.8 against 0.2 for a thread, 1.0 against 2.8 for a purpose's ideas.
psycopg2 sends every query as text with its values written in, so each one is planned
afresh. Here a read (`SELECT` or `WITH`, with values) seen `PREPARE_AFTER` times on a
connection is prepared (`PREPARE`, its `%s` placeholders numbered `$1`, `$2`, ...) and
from then on sent as `EXECUTE name(values)`. PostgreSQL still plans the first five runs
for their values, and keeps a generic plan only when it costs about as much as those.

An empty string is written into the statement (`''`) rather than passed as a value: the
access rule's "published" test (`review_state = ''`) then matches the partial index on
unpublished threads, which a generic plan for `review_state = $n` cannot use. With the
value passed, PostgreSQL planned a purpose's ideas afresh on every run (3.8 ms a run);
with it written in, it keeps one plan (2.7 ms). Forcing one plan for every statement
(`plan_cache_mode=force_generic_plan`) was tried and dropped: it sped up the lists' first
pages but a deep keyset page and the notification fan-out became several times slower.

PostgreSQL's choice between planning each run and keeping one plan goes by its cost
estimates, and for some reads it plans every run although one plan serves every value
equally well: a thread list's page planned for 0.8 ms and ran for 0.6, a member's idea
list 1.3 and 0.5 (the bench's database). A read run inside `one_plan()` (see the
package) is sent as `SET LOCAL plan_cache_mode = force_generic_plan; EXECUTE ...` in
one message: PostgreSQL runs the two as one implicit transaction, so the setting holds
for that statement alone. Inside a transaction (where `SET LOCAL` would last until its
end) such a read is executed as any other.

What is not prepared: writes, reads without values, server-side (named) cursors, and
queries that carry `NOT_PREPARED` (a search, whose best plan depends on how common the
word is). A query PostgreSQL refuses to prepare runs as before, and is not tried again
on that connection. Inside a transaction the `PREPARE` runs in a savepoint of its own,
so a refusal never aborts the caller's transaction. Prepared statements outlive a
rollback (they belong to the session), and each connection keeps at most
`MAX_PREPARED` of them, forgetting the least recently used. When a migration changes the
type of a column a statement returns, PostgreSQL refuses to run it ("cached plan must not
change result type"): the connection then forgets its statements, and the query runs
again as written (inside a transaction the error stands, as any failed query's would).

Behind a pooler that hands a session's connection to others between transactions
(PgBouncer in transaction mode), set `DB_PREPARE_STATEMENTS=false`.
"""

import datetime
import math
import re
import uuid
from collections import OrderedDict
from decimal import Decimal

from django.db.backends.postgresql import base as postgresql
from django.db.backends.postgresql import operations
from psycopg2 import DatabaseError, errors, extensions

from core.postgresql import NOT_PREPARED, one_plan_wanted

PREPARE_AFTER = 2
MAX_PREPARED = 300
# How many distinct queries a connection counts before starting its count again.
MAX_SEEN = 2000
_PLACEHOLDER = re.compile(r"%%|%s|%\(")
# In place of a declared type: the value is the empty string, written into the statement.
WRITTEN_EMPTY = "''"
_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
ONE_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan; "


def numbered(query: str, written: frozenset[int] = frozenset()) -> str | None:
    """`query` with psycopg2's placeholders (`%s`, and `%%` for a percent sign) written
    as PostgreSQL's (`$1`, `$2`, ...), or None when it uses named placeholders. The
    placeholders at the positions in `written` (counted from 0) hold the empty string,
    written into the statement as `''`."""
    count = position = 0

    def replace(match: re.Match) -> str:
        nonlocal count, position
        token = match.group(0)
        if token == "%%":
            return "%"
        if token == "%(":
            raise ValueError
        position += 1
        if position - 1 in written:
            return "''"
        count += 1
        return f"${count}"

    try:
        return _PLACEHOLDER.sub(replace, query)
    except ValueError:
        return None


_INT4 = range(-(2**31), 2**31)
_INT8 = range(-(2**63), 2**63)


def _integer_type(number: int) -> str:
    return "integer" if number in _INT4 else "bigint" if number in _INT8 else "numeric"


def declared_type(value) -> str | None:
    """The type PostgreSQL gives `value` as psycopg2 writes it into a query, to declare
    its parameter with (`unknown` for a quoted string, which takes its type from where
    it stands, as a parameter declared `unknown` does); None for a value written some
    other way, whose query is then sent as it is. A parameter declared with the type of
    the literal it replaces compares and converts exactly as the literal did: one left
    to PostgreSQL would take its column's type, and a moment compared with a date
    column would be cut to the date."""
    if value is None or isinstance(value, str):
        return "unknown"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return _integer_type(value)
    if isinstance(value, float):
        # Written as a numeric constant ("0.5"), unless it is not finite ('NaN'::float).
        return "numeric" if math.isfinite(value) else "double precision"
    if isinstance(value, Decimal):
        return "numeric"
    if isinstance(value, datetime.datetime):
        return "timestamp with time zone" if value.tzinfo else "timestamp without time zone"
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, datetime.time):
        return "time without time zone" if value.tzinfo is None else None
    if isinstance(value, datetime.timedelta):
        return "interval"
    if isinstance(value, uuid.UUID):
        return "uuid"
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytea"
    if isinstance(value, list) and value:
        if all(isinstance(item, str) for item in value):
            return "text[]"
        if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            widest = max(value, key=abs)
            return f"{_integer_type(widest)}[]"
    return None


class PreparingConnection(extensions.connection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Statements by query and declared parameter types, least recently used first.
        self.prepared: OrderedDict[tuple[str, tuple[str, ...]], str] = OrderedDict()
        self.seen: dict[tuple[str, tuple[str, ...]], int] = {}
        self.refused: set[str] = set()
        self.statement_count = 0

    def statement_for(self, query: str, values) -> str | None:
        """The `EXECUTE` to send instead of `query`, or None to send `query` itself."""
        if not isinstance(values, list | tuple) or not values:
            return None
        if query in self.refused or NOT_PREPARED in query or not _READ.match(query):
            return None
        types = tuple(WRITTEN_EMPTY if value == "" else declared_type(value) for value in values)
        if None in types:
            return None
        key = (query, types)
        name = self.prepared.get(key)
        if name is None:
            if not self._worth_preparing(key):
                return None
            name = self._prepare(key)
            if name is None:
                return None
        else:
            self.prepared.move_to_end(key)
        sent = len(types) - types.count(WRITTEN_EMPTY)
        execute = f"EXECUTE {name}({', '.join(['%s'] * sent)})" if sent else f"EXECUTE {name}"
        if self.autocommit and one_plan_wanted.get():
            return ONE_PLAN + execute
        return execute

    def forget_statements(self, *, deallocate: bool = True) -> None:
        """Prepare every query afresh; `deallocate` drops the old statements too (not
        in a failed transaction: they then stay, unused, until the connection closes)."""
        self.prepared.clear()
        self.seen.clear()
        if deallocate:
            with extensions.cursor(self) as cursor:
                cursor.execute("DEALLOCATE ALL")

    def _worth_preparing(self, key: tuple[str, tuple[str, ...]]) -> bool:
        if len(self.seen) >= MAX_SEEN:
            self.seen.clear()
        seen = self.seen[key] = self.seen.get(key, 0) + 1
        return seen >= PREPARE_AFTER

    def _prepare(self, key: tuple[str, tuple[str, ...]]) -> str | None:
        query, types = key
        written = frozenset(i for i, kind in enumerate(types) if kind == WRITTEN_EMPTY)
        statement = numbered(query, written)
        types = tuple(kind for kind in types if kind != WRITTEN_EMPTY)
        if statement is None:
            self.refused.add(query)
            return None
        if self.info.transaction_status == extensions.TRANSACTION_STATUS_INERROR:
            return None  # The query itself will fail as it would have.
        self.statement_count += 1
        name = f"commons_{self.statement_count}"
        in_transaction = not self.autocommit
        with extensions.cursor(self) as cursor:
            try:
                if in_transaction:
                    cursor.execute("SAVEPOINT commons_prepare")
                declared = f" ({', '.join(types)})" if types else ""
                cursor.execute(f"PREPARE {name}{declared} AS {statement}")
            except DatabaseError:
                if in_transaction:
                    cursor.execute("ROLLBACK TO SAVEPOINT commons_prepare")
                    cursor.execute("RELEASE SAVEPOINT commons_prepare")
                self.refused.add(query)
                return None
            if in_transaction:
                cursor.execute("RELEASE SAVEPOINT commons_prepare")
            self.seen.pop(key, None)
            self.prepared[key] = name
            while len(self.prepared) > MAX_PREPARED:
                _, oldest = self.prepared.popitem(last=False)
                cursor.execute(f"DEALLOCATE {oldest}")
        return name


class PreparingCursor(extensions.cursor):
    # The query as written, when it ran as the `EXECUTE` of a prepared statement.
    prepared_query: tuple[str, object] | None = None

    def execute(self, query, vars=None):
        self.prepared_query = None
        if self.name is None and isinstance(query, str):
            statement = self.connection.statement_for(query, vars)
            if statement is not None:
                self.prepared_query = (query, vars)
                sent = [value for value in vars if value != ""]
                try:
                    return super().execute(statement, sent or None)
                except errors.FeatureNotSupported:
                    # "cached plan must not change result type": a migration changed a
                    # column's type under this connection's statements. They are all
                    # dropped; outside a transaction the query runs again as written.
                    if not self.connection.autocommit:
                        self.connection.forget_statements(deallocate=False)
                        raise
                    self.connection.forget_statements()
                    self.prepared_query = None
        return super().execute(query, vars)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # Logs and captured queries show the query with its values, not `EXECUTE name(...)`.
        prepared = getattr(cursor, "prepared_query", None)
        if prepared is not None:
            return cursor.mogrify(*prepared).decode()
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(postgresql.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        if params.pop("prepare_statements", True):
            params["connection_factory"] = PreparingConnection
            params["cursor_factory"] = PreparingCursor
        return params
