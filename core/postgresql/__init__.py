"""Our PostgreSQL database backend (`ENGINE = "core.postgresql"`): see `base`."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# A comment that keeps a query from being prepared: its plan must follow its values.
NOT_PREPARED = "/* not prepared */"

# Whether the reads now run should use their prepared statement's one (generic) plan.
one_plan_wanted: ContextVar[bool] = ContextVar("one_plan_wanted", default=False)


@contextmanager
def one_plan() -> Iterator[None]:
    """Run the prepared reads inside with the plan PostgreSQL made once for any values
    (its generic plan), never planned again for the values of each run.

    For a read whose plan does not depend on its values (a page of a list by an index on
    its scope, a thread's posts), where PostgreSQL's estimates still make it plan every
    run afresh: planning such a read took longer than running it. Outside a
    transaction only (a page's reads); elsewhere, and on other databases, nothing
    changes. See `base`."""
    token = one_plan_wanted.set(True)
    try:
        yield
    finally:
        one_plan_wanted.reset(token)
