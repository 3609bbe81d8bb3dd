"""Background work for discussions: thin wrappers that call one service each."""

from celery import shared_task

from discussions.services import decisions


@shared_task(name="discussions.close_due_decisions", ignore_result=True)
def close_due_decisions() -> int:
    """Run every minute by beat (see the schedule migration); closing twice changes nothing."""
    return decisions.close_due_decisions()
