"""Reads about decisions."""

from accounts.models import User
from discussions.models import Thread


def decision_panel_context(*, user: User, thread: Thread) -> dict:
    """What the thread page shows for a decision thread (options, results, outcome).

    Must run a constant number of queries."""
    return {}
