"""SQL pieces shared by the selectors of the busiest pages.

Django's `Subquery(...OuterRef...)` costs a few tenths of a millisecond to build and
compile on every request, as much as running a whole small query. The few correlated
subqueries on every list page (a community's categories, a thread's tags, the viewer's
read marker) are written here as SQL over the models' own table and column names,
quoted for the database in use; values always travel as parameters.
"""

import datetime
import functools
import json
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    Model,
    TextField,
)
from django.db.models.expressions import RawSQL


def table(model: type[Model], alias: str = "") -> str:
    """`model`'s table, quoted, optionally `AS alias` (aliases keep a subquery's tables
    apart from the same tables joined by the outer query)."""
    return _table(model, alias, connection.vendor)


def column(model: type[Model], field: str, alias: str = "") -> str:
    """`model`'s column for `field` (a field name; "pk" for the primary key), qualified
    by `alias` or by the table's own name, quoted."""
    return _column(model, field, alias, connection.vendor)


# Names are kept per process (and per database vendor, whose quoting they follow): the
# busiest pages name some sixty columns a request, and each quoting went through the
# connection's thread-local lookup twice.
@functools.cache
def _table(model: type[Model], alias: str, vendor: str) -> str:
    name = connection.ops.quote_name(model._meta.db_table)
    return f"{name} AS {alias}" if alias else name


@functools.cache
def _column(model: type[Model], field: str, alias: str, vendor: str) -> str:
    meta = model._meta
    name = meta.pk.column if field == "pk" else meta.get_field(field).column
    owner = alias or connection.ops.quote_name(meta.db_table)
    return f"{owner}.{connection.ops.quote_name(name)}"


def json_rows(cells: list[str], source: str, params: tuple = ()) -> RawSQL:
    """A text column holding, as JSON, the rows of `source` (its `FROM ... WHERE ...`):
    a list of values when there is one cell per row, of lists when there are several.

    Rows come in no particular order (SQLite before 3.44 cannot order inside an
    aggregate): sort them in Python after `load_json_rows`.
    """
    if connection.vendor == "postgresql":
        row = cells[0] if len(cells) == 1 else f"json_build_array({', '.join(cells)})"
        sql = f"SELECT COALESCE(json_agg({row}), '[]')::text {source}"
    else:
        row = cells[0] if len(cells) == 1 else f"json_array({', '.join(cells)})"
        sql = f"SELECT json_group_array({row}) {source}"
    return RawSQL(sql, params, output_field=TextField())  # noqa: S611 - names, not input


def row_value(cell: str, source: str, params: tuple, output_field: Field) -> RawSQL:
    """The value of `cell` in the one row of `source` (`FROM ... WHERE ...` on a unique
    key), or NULL when there is none."""
    return RawSQL(f"SELECT {cell} {source}", params, output_field=output_field)  # noqa: S611


def in_subquery(value: str, subquery: str, *, negate: bool = False) -> str:
    """SQL testing whether `value` is (or, with `negate`, is not) among the rows of
    `subquery`. On PostgreSQL the subquery is read once into an array and each row is
    compared with it: `IN (subquery)` is planned as a semi-join, which on the purpose
    page's ideas cost more to plan and run than the rest of the query (measured by
    timing both forms on the bench's database)."""
    if connection.vendor == "postgresql":
        test = f"{value} = ANY(ARRAY({subquery}))"
        return f"NOT ({test})" if negate else test
    return f"{value} {'NOT IN' if negate else 'IN'} ({subquery})"


def load_json_rows(text: str | None) -> list:
    # Decimals stay exact: a measured value read as a float would not.
    return json.loads(text, parse_float=Decimal) if text else []


def _from_json(field: Field, value):
    """`value` of `field` as JSON carried it (dates and moments as text, booleans as 0/1
    on SQLite), as the field's own query would have read it."""
    if value is None:
        return None
    if isinstance(field, DateTimeField):
        moment = datetime.datetime.fromisoformat(value)
        # SQLite keeps moments as UTC without an offset.
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    if isinstance(field, DateField):
        return datetime.date.fromisoformat(value)
    if isinstance(field, DecimalField):
        return Decimal(value)
    if isinstance(field, BooleanField):
        return bool(value)
    return value


def model_fields(model: type[Model], names: set[str]) -> tuple[str, ...]:
    """The attribute names of `model`'s columns among `names`, in the model's order (the
    order `json_rows` cells and `models_from_json` rows use)."""
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in names)


def models_from_json(model: type[Model], fields: tuple[str, ...], text: str | None) -> list:
    """Instances of `model` from the `json_rows` of `fields` (from `model_fields`), one
    per row, loaded as from the database (only those fields; the rest deferred)."""
    converters = [model._meta.get_field(name) for name in fields]
    return [
        model.from_db(
            "default",
            fields,
            [_from_json(field, value) for field, value in zip(converters, row, strict=True)],
        )
        for row in load_json_rows(text)
    ]
