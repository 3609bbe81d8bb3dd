"""Things that happened, told to the apps above the one where they happened.

A lower app (discussions, communities, purposes) must not import a higher one
(notifications, webhooks). Its services call `publish("post_created", post_id)` inside
their transaction; the higher apps `subscribe` a handler when they start (in their
`AppConfig.ready`). A handler only records what must be done and schedules it after
commit (see `core.background`): no business rule runs here.
"""

from collections.abc import Callable

Handler = Callable[[str, int], None]

_handlers: list[Handler] = []


def subscribe(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def publish(kind: str, object_id: int) -> None:
    """Tell every subscriber that `kind` happened to the row `object_id`; call it inside
    the transaction that wrote that row."""
    for handler in _handlers:
        handler(kind, object_id)
