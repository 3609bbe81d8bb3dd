"""Scheduling background work so it never runs before the data it needs is committed,
and is never lost once it is.

`enqueue_after_commit(task, *args, **kwargs)` records the call in the outbox in the
caller's transaction and sends it to the broker once that transaction commits (at once
outside one). `enqueue_each_after_commit(task, [args, ...])` does the same for many calls
with one bulk insert. Arguments must be JSON-serialisable ids and plain values.

A broker that cannot be reached is logged rather than raised: the write that scheduled the
work has already committed, and the outbox sweep sends it again a few minutes later. A
task sent twice (a duplicate message, a sweep racing a slow broker) runs once.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from celery import Task
from django.db import transaction

from core import outbox


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Run `task(*args, **kwargs)` on a worker once the current transaction commits."""
    rows = outbox.record(task, [(args, kwargs)])
    transaction.on_commit(lambda: outbox.send(rows), robust=False)


def enqueue_each_after_commit(task: Task, calls: Iterable[Sequence[Any]]) -> None:
    """Run `task(*args)` for each `args` in `calls` once the current transaction commits."""
    rows = outbox.record(task, [(tuple(args), {}) for args in calls])
    if rows:
        transaction.on_commit(lambda: outbox.send(rows), robust=False)
