"""A small publish/subscribe for domain events, delivered after commit.

A lower app publishes a frozen dataclass; higher apps subscribe to its type.
Handlers run only once the surrounding transaction commits, so a rolled-back
write announces nothing. A failing handler is logged and does not undo the
write or stop other handlers: handlers that must not be lost enqueue a task.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]

_subscribers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Decorator: call the function with every published event of ``event_type``."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if handler not in _subscribers[event_type]:
            _subscribers[event_type].append(handler)
        return handler

    return register


def unsubscribe(event_type: type, handler: Handler) -> None:
    if handler in _subscribers.get(event_type, []):
        _subscribers[event_type].remove(handler)


def _deliver(event: object) -> None:
    for event_type, handlers in list(_subscribers.items()):
        if isinstance(event, event_type):
            for handler in list(handlers):
                try:
                    handler(event)
                except Exception:
                    logger.exception("Handler %r failed for %r", handler, event)


def publish(event: object) -> None:
    """Deliver ``event`` to its subscribers once the current transaction commits."""
    transaction.on_commit(lambda: _deliver(event))
