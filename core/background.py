"""Scheduling background work so it never runs before the data it needs is committed."""

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task` to the queue once the current transaction commits (at once outside one).

    Arguments must be JSON-serialisable ids and plain values. A broker that cannot be
    reached is logged rather than raised: the write that scheduled the work has already
    committed, and periodic sweeps pick up work that was recorded but never done.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            logger.exception("Could not enqueue %s", task.name)

    transaction.on_commit(send, robust=False)
