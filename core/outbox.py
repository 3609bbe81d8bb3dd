"""The outbox: background work recorded with the change that needs it, run exactly once.

`core.background.enqueue_after_commit` writes an `OutboxMessage` row in the caller's
transaction and, once it commits, sends the task with the row's id in a message header.
Every task of this project is an `OutboxTask` (the Celery app's task class): given that
header, it claims the row before running, so a duplicate message or a second send of the
same row is a no-op, and marks the row done after. Rows still pending a few minutes after
their last send (broker down, message lost, worker killed) are sent again by the sweep,
which beat runs every minute.
"""

import datetime
import logging
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from celery import Task, current_app
from celery.exceptions import Retry
from django.conf import settings
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

if TYPE_CHECKING:
    from core.models import OutboxMessage

logger = logging.getLogger(__name__)

# The message header carrying the outbox row's id to the worker.
HEADER = "commons_outbox_id"


def queue_for(task_name: str) -> str:
    """The queue `task_name` goes to: the first matching CELERY_TASK_ROUTES entry, else the
    default queue. Stored on the row, so a re-send by the sweep goes to the same queue."""
    routes = current_app.conf.task_routes or {}
    if isinstance(routes, dict):
        for pattern, route in routes.items():
            if fnmatchcase(task_name, pattern) and isinstance(route, dict) and route.get("queue"):
                return str(route["queue"])
    return current_app.conf.task_default_queue


def _outbox_id(request: Any) -> int | None:
    headers = getattr(request, "headers", None) or {}
    value = headers.get(HEADER, getattr(request, HEADER, None))
    return int(value) if value is not None else None


def _claim_lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)


def claim(outbox_id: int, runner: str) -> bool:
    """Take the row for `runner` (a Celery task id), unless it is done, failed, or held by
    another runner whose claim has not run out. The same task id may take it again: that is
    the same message redelivered after its worker was lost, or its own retry."""
    from core.models import OutboxMessage

    now = timezone.now()
    return bool(
        OutboxMessage.objects.filter(pk=outbox_id, done_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=runner))
        .update(claimed_by=runner, claimed_until=now + _claim_lease(), attempts=F("attempts") + 1)
    )


def _mark_done(outbox_id: int) -> None:
    from core.models import OutboxMessage

    OutboxMessage.objects.filter(pk=outbox_id).update(
        done_at=timezone.now(), claimed_until=None, last_error=""
    )


def _mark_retrying(outbox_id: int, exc: Retry) -> None:
    """The task asked Celery to try again later: its retry message (same task id) keeps the
    claim; should that message be lost, the sweep sends the row again after the delay."""
    from core.models import OutboxMessage

    now = timezone.now()
    when = exc.when
    if isinstance(when, datetime.datetime):
        due = when if timezone.is_aware(when) else timezone.make_aware(when, datetime.UTC)
    else:
        due = now + datetime.timedelta(seconds=float(when or 0))
    OutboxMessage.objects.filter(pk=outbox_id).update(
        claimed_until=due, next_attempt_at=due, last_error=_describe(exc.exc or exc)
    )


def _mark_failed_run(outbox_id: int, exc: BaseException) -> None:
    """The task raised: release the row for the sweep, or give up after too many attempts."""
    from core.models import OutboxMessage

    now = timezone.now()
    rows = OutboxMessage.objects.filter(pk=outbox_id)
    rows.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        failed_at=now, claimed_until=None, last_error=_describe(exc)
    )
    rows.filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS).update(
        claimed_by="", claimed_until=None, next_attempt_at=now, last_error=_describe(exc)
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


class OutboxTask(Task):
    """The Celery app's task class: runs a task sent from the outbox at most once."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        outbox_id = _outbox_id(self.request)
        if outbox_id is None:
            return super().__call__(*args, **kwargs)
        # The worker's tracer has already pushed this message's request.
        if not claim(outbox_id, self.request.id or ""):
            logger.info("Outbox message %s is done or running elsewhere: skipped", outbox_id)
            return None
        try:
            result = self.run(*args, **kwargs)
        except Retry as exc:
            _mark_retrying(outbox_id, exc)
            raise
        except BaseException as exc:
            _mark_failed_run(outbox_id, exc)
            raise
        _mark_done(outbox_id)
        return result


def require_outbox_task(task: Task) -> None:
    if not isinstance(task, OutboxTask):
        raise TypeError(f"{task!r} must be a task of the Commons Celery app (an OutboxTask)")


def record(
    task: Task, calls: Sequence[tuple[Sequence[Any], dict[str, Any]]]
) -> list["OutboxMessage"]:
    """Write one pending row per (args, kwargs) call of `task`, in the current transaction."""
    from core.models import OutboxMessage

    require_outbox_task(task)
    now = timezone.now()
    queue = queue_for(task.name)
    rows = [
        OutboxMessage(
            task=task.name, args=list(args), kwargs=dict(kwargs), queue=queue, next_attempt_at=now
        )
        for args, kwargs in calls
    ]
    if len(rows) == 1:
        rows[0].save(force_insert=True)
        return rows
    return OutboxMessage.objects.bulk_create(rows, batch_size=1000)


def send(rows: Iterable["OutboxMessage"]) -> int:
    """Hand each row's task to the broker; returns how many were sent.

    A broker that cannot be reached is logged, not raised: the rows stay pending and the
    sweep sends them once it is back.
    """
    from core.models import OutboxMessage

    rows = list(rows)
    sent: list[int] = []
    try:
        with current_app.producer_or_acquire() as producer:
            for row in rows:
                task = current_app.tasks[row.task]
                task.apply_async(
                    args=row.args,
                    kwargs=row.kwargs,
                    queue=row.queue,
                    headers={HEADER: row.pk},
                    producer=producer,
                )
                sent.append(row.pk)
    except Exception:
        logger.exception(
            "Could not enqueue %s outbox message(s); the sweep will send them again",
            len(rows) - len(sent),
        )
    if sent:
        now = timezone.now()
        # A retry the task already asked for keeps its later time.
        OutboxMessage.objects.filter(pk__in=sent).update(
            enqueued_at=now, next_attempt_at=Greatest(F("next_attempt_at"), Value(now))
        )
    return len(sent)


def sweep(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Send again what is still pending a while after its last send; give up on rows that
    used up their attempts or name a task this code no longer has. Returns the number sent."""
    from core.models import OutboxMessage

    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    total = 0
    for _batch in range(20):
        rows = list(
            OutboxMessage.objects.filter(
                done_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=stale
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at")[:batch_size]
        )
        if not rows:
            break
        spent = [row.pk for row in rows if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS]
        unknown = [row.pk for row in rows if row.task not in current_app.tasks]
        OutboxMessage.objects.filter(pk__in=spent).update(failed_at=now)
        OutboxMessage.objects.filter(pk__in=unknown).update(
            failed_at=now, last_error="No such task in this code"
        )
        due = [row for row in rows if row.pk not in set(spent) | set(unknown)]
        sent = send(due)
        total += sent
        if sent < len(due):  # the broker is down: the next sweep tries again
            break
    return total


def prune(*, now: datetime.datetime | None = None) -> int:
    """Forget rows done more than OUTBOX_KEEP_DAYS ago (run by the sweep, every minute)."""
    from core.models import OutboxMessage

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _by_model = OutboxMessage.objects.filter(done_at__lt=cutoff).delete()
    return deleted


def prune_failed(*, now: datetime.datetime | None = None) -> int:
    """Forget rows given up as failed more than EMAIL_LOG_KEEP_FAILED_DAYS ago (run with
    the email log's pruning, once a day)."""
    from core.models import OutboxMessage

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.EMAIL_LOG_KEEP_FAILED_DAYS)
    deleted, _by_model = OutboxMessage.objects.filter(failed_at__lt=cutoff).delete()
    return deleted
