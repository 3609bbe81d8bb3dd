"""Reads about ideas."""

from accounts.models import User
from discussions.models import Thread


def idea_panel_context(*, user: User, thread: Thread) -> dict:
    """What the thread page shows for an idea thread (votes, status, history, goals).

    Must run a constant number of queries."""
    return {}
