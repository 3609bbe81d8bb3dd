"""Actions the apps below moderation record in its audit log.

A lower app (accounts, communities) must not import moderation, yet its role and
member-type changes belong in the log. Its services call `record(...)` inside their
transaction; moderation installs the recorder when it starts (`AppConfig.ready`), so an
entry is written in the same transaction as the change, or not at all.
"""

from collections.abc import Callable
from typing import Any

_recorder: Callable[..., Any] | None = None


def install(recorder: Callable[..., Any]) -> None:
    global _recorder  # noqa: PLW0603 - one recorder for the process, set at start-up
    _recorder = recorder


def record(**fields: Any) -> None:
    """Record an action: the keyword arguments of `moderation.services.record_action`,
    with `action` as its value ("role_change")."""
    if _recorder is not None:
        _recorder(**fields)
