"""SQL pieces shared by the selectors of the busiest pages.

Django's `Subquery(...OuterRef...)` costs a few tenths of a millisecond to build and
compile on every request, as much as running a whole small query. The few correlated
subqueries on every list page (a community's categories, a thread's tags, the viewer's
read marker) are written here as SQL over the models' own table and column names,
quoted for the database in use; values always travel as parameters.
"""

import json

from django.db import connection
from django.db.models import Field, Model, TextField
from django.db.models.expressions import RawSQL


def table(model: type[Model], alias: str = "") -> str:
    """`model`'s table, quoted, optionally `AS alias` (aliases keep a subquery's tables
    apart from the same tables joined by the outer query)."""
    name = connection.ops.quote_name(model._meta.db_table)
    return f"{name} AS {alias}" if alias else name


def column(model: type[Model], field: str, alias: str = "") -> str:
    """`model`'s column for `field` (a field name; "pk" for the primary key), qualified
    by `alias` or by the table's own name, quoted."""
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


def load_json_rows(text: str | None) -> list:
    return json.loads(text) if text else []
