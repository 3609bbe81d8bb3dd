"""Reads whose SQL is compiled once per shape and run again with each request's values.

Building a queryset and compiling it to SQL is pure Python, and for the busiest pages it
cost more than running the SQL: a member's thread page built and compiled its thread
and its posts (two querysets with the reading rule, the viewer's rows and the reaction
counts) on every view, about a fifth of the page's time. The SQL is the same for every
thread and every reader in the same position; only its values differ.

`models_of(shape, build, values)` builds and compiles `build(*values)` once for each
`shape`, with stand-in values of the same types, and finds where each stand-in landed
among the SQL's parameters. Every later call sends the same SQL with the call's values
in those places, and turns the rows into models as Django's own iteration does
(`select_related` models and annotations included); `rows_of` does the same for a
`values_list()` queryset, giving its tuples.

The caller owns one promise: everything that changes the SQL other than the values
(whether the reader is signed in, which part of the reading rule applies to them, a
page's size, which cursor) is part of `shape`; `accounts.permissions.reader_position`
names a reader's position for the rules that take a person, and `PositionedReader`
stands in for them while the read is compiled. What can be checked is checked when a
shape is compiled: each value must reach the SQL as a parameter (not written into its
text), or the read is refused. A read the rules leave empty for a shape (a visitor's
memberships) is known empty once compiled and runs no query.
"""

import copy
import datetime
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

# Stand-ins no real value takes: ids far above any table's, a slug no one can type, a
# moment before the site existed. Each call's n-th value gets the n-th stand-in.
_STAND_IN_ID = 2_000_000_011
_STAND_IN_TEXT = "\x1fstand-in-{}\x1f"
_STAND_IN_MOMENT = datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC)
# Shapes are few (readers' positions times cursors); the bound only guards a mistake.
_MAX_SHAPES = 512


class ShapeError(TypeError):
    """A value that cannot be stood in for, or that did not reach the SQL as a parameter."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # Per parameter: the index of the call's value it takes, or None for a constant.
    slots: tuple[int | None, ...]
    constants: tuple
    compiler: Any
    # Per parameter: whether the value goes as the database takes a moment in a lookup
    # (`adapt_datetimefield_value`: SQLite's text), as the ORM passed the stand-in.
    adapted: tuple[bool, ...] = ()
    # For models: the model, where its columns are, the related models' and annotations'.
    model: type[Model] | None = None
    fields_start: int = 0
    fields_end: int = 0
    init_list: tuple[str, ...] = ()
    populators: tuple = ()
    annotations: tuple[tuple[str, int], ...] = ()
    # The rules left the read empty for this shape (`QuerySet.none()`): no SQL to run.
    empty: bool = False


_compiled: dict[tuple, _Compiled] = {}


def _stand_in(index: int, value: object) -> object:
    # bool is an int: a flag changes the SQL, so it belongs to the shape.
    if isinstance(value, bool) or value is None:
        raise ShapeError(f"value {index} ({value!r}) changes the SQL: put it in the shape")
    if isinstance(value, int):
        return _STAND_IN_ID + index
    if isinstance(value, str):
        return _STAND_IN_TEXT.format(index)
    if isinstance(value, datetime.datetime):
        return _STAND_IN_MOMENT + datetime.timedelta(seconds=index)
    raise ShapeError(f"value {index} is a {type(value).__name__}: no stand-in for it")


def _same(parameter: object, stand_in: object) -> bool:
    return type(parameter) is type(stand_in) and parameter == stand_in


def _found(parameter: object, stand_ins: list, connection) -> tuple[int | None, bool]:
    """Which stand-in `parameter` is (its index, or None for a constant), and whether it
    reached the SQL adapted as a moment in a lookup (the ORM's `get_db_prep_value`)."""
    for index, stand_in in enumerate(stand_ins):
        if _same(parameter, stand_in):
            return index, False
        if isinstance(stand_in, datetime.datetime) and _same(
            parameter, connection.ops.adapt_datetimefield_value(stand_in)
        ):
            return index, True
    return None, False


def _compile(build: Callable[..., QuerySet], values: Sequence, iterable: type) -> _Compiled:
    stand_ins = [_stand_in(index, value) for index, value in enumerate(values)]
    queryset = build(*stand_ins)
    if queryset._iterable_class is not iterable:
        raise ShapeError(f"the queryset gives {queryset._iterable_class.__name__} rows")
    if queryset._known_related_objects or queryset._prefetch_related_lookups:
        raise ShapeError("a related manager's or prefetching queryset cannot be compiled once")
    if queryset.query.is_empty():
        return _Compiled(sql="", slots=(), constants=(), compiler=None, empty=True)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, parameters = compiler.as_sql()
    slots, constants, adapted, reached = [], [], [], set()
    for parameter in parameters:
        index, as_moment = _found(parameter, stand_ins, compiler.connection)
        slots.append(index)
        constants.append(None if index is not None else parameter)
        adapted.append(as_moment)
        reached.add(index)
    for index, stand_in in enumerate(stand_ins):
        if index not in reached or str(stand_in) in sql:
            raise ShapeError(f"value {index} does not reach the SQL as a parameter")
    compiled = _Compiled(
        sql=sql,
        slots=tuple(slots),
        constants=tuple(constants),
        compiler=compiler,
        adapted=tuple(adapted),
    )
    if iterable is not ModelIterable:
        return compiled
    select, klass_info = compiler.select, compiler.klass_info
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    return replace(
        compiled,
        model=klass_info["model"],
        fields_start=start,
        fields_end=end,
        init_list=tuple(column[0].target.attname for column in select[start:end]),
        populators=tuple(get_related_populators(klass_info, select, queryset.db)),
        annotations=tuple(compiler.annotation_col_map.items()),
    )


def _run(
    shape: Hashable, build: Callable[..., QuerySet], values: Sequence, using: str, iterable: type
) -> tuple[_Compiled, Iterator[tuple]]:
    connection = connections[using]
    key = (using, connection.vendor, iterable, shape)
    compiled = _compiled.get(key)
    if compiled is None:
        if len(_compiled) >= _MAX_SHAPES:
            _compiled.clear()
        compiled = _compiled[key] = _compile(build, values, iterable)
    if compiled.empty:
        return compiled, iter(())
    adapt = connection.ops.adapt_datetimefield_value
    parameters = [
        constant if slot is None else adapt(values[slot]) if as_moment else values[slot]
        for slot, constant, as_moment in zip(
            compiled.slots, compiled.constants, compiled.adapted, strict=True
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, parameters)
        rows = cursor.fetchall()
    # The compiler only turns the rows into values here; a copy takes this thread's
    # connection for the converters (the one it was compiled with may be another's).
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connection
    if compiler.has_extra_select:
        rows = [row[: compiler.col_count] for row in rows]
    return compiled, compiler.results_iter([rows], tuple_expected=iterable is not ModelIterable)


def models_of(
    shape: Hashable, build: Callable[..., QuerySet], values: Sequence, *, using: str = "default"
) -> list[Model]:
    """The models `build(*values)` would give, its SQL compiled once per `shape` (with
    the database it runs on) and reused with `values` ever after."""
    compiled, rows = _run(shape, build, values, using, ModelIterable)
    models = []
    start, end, init_list = compiled.fields_start, compiled.fields_end, compiled.init_list
    for row in rows:
        model = compiled.model.from_db(using, init_list, row[start:end])
        for populator in compiled.populators:
            populator.populate(row, model)
        for name, position in compiled.annotations:
            setattr(model, name, row[position])
        models.append(model)
    return models


def rows_of(
    shape: Hashable, build: Callable[..., QuerySet], values: Sequence, *, using: str = "default"
) -> list[tuple]:
    """The tuples of `build(*values)`, a `values_list()` queryset, compiled as in
    `models_of`."""
    return list(_run(shape, build, values, using, ValuesListIterable)[1])


def forget_compiled() -> None:
    """Compile every shape again (for tests that change what a shape compiles to)."""
    _compiled.clear()
