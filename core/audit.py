"""Moderation and administration actions, told to the audit log.

The audit log belongs to `moderation`, above the apps whose services change community
settings or move threads. Those services call `record(...)` inside their transaction;
`moderation` registers the recorder when it starts (in its `AppConfig.ready`), so the
entry is written in the same transaction as the action, or not at all.
"""

from collections.abc import Callable

_recorders: list[Callable[..., object]] = []


def register(recorder: Callable[..., object]) -> None:
    if recorder not in _recorders:
        _recorders.append(recorder)


def record(**entry) -> None:
    """Record an action with the arguments of `moderation.services.record_action`."""
    for recorder in _recorders:
        recorder(**entry)
