"""The one core event bus.

Publishers (vault worker, SIP thread, sync worker) call :meth:`EventBus.publish` with an
immutable event object from any thread; listeners run synchronously on the publisher's
thread, so a listener must be quick and must never block. The UI adapts the bus into
queued Qt signals so its handlers run on the GUI thread.

Bound-method listeners are held weakly (a closed window must not be kept alive by the
bus); plain functions are held strongly until unsubscribed.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")
R = TypeVar("R")
Listener = Callable[[Any], None]


@dataclass(frozen=True)
class Subscription:
    """Handle returned by :meth:`EventBus.subscribe`; pass it to ``unsubscribe``."""

    event_type: type
    token: int = field(compare=True)


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0
        # event type -> {token: callable returning the listener or None when collected}
        self._listeners: dict[type, dict[int, Callable[[], Listener | None]]] = {}

    def subscribe(self, event_type: type[E], listener: Callable[[E], None]) -> Subscription:
        """Call ``listener(event)`` for every published event that is an ``event_type``."""
        ref: Callable[[], Listener | None]
        if hasattr(listener, "__self__") and hasattr(listener, "__func__"):
            ref = weakref.WeakMethod(listener)
        else:
            strong = listener

            def ref() -> Listener | None:
                return strong

        with self._lock:
            self._next += 1
            token = self._next
            self._listeners.setdefault(event_type, {})[token] = ref
        return Subscription(event_type, token)

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._listeners.get(sub.event_type, {}).pop(sub.token, None)

    def publish(self, event: object) -> None:
        """Deliver ``event`` to every listener of its type (and its base types).

        A listener that raises is logged and skipped: one broken window must not stop the
        vault from announcing a lock to the others.
        """
        targets: list[tuple[type, int, Callable[[], Listener | None]]] = []
        with self._lock:
            for klass in type(event).__mro__:
                for token, ref in self._listeners.get(klass, {}).items():
                    targets.append((klass, token, ref))
        dead: list[tuple[type, int]] = []
        for klass, token, ref in targets:
            listener = ref()
            if listener is None:
                dead.append((klass, token))
                continue
            try:
                listener(event)
            except Exception:
                log.exception("listener for %s failed", type(event).__name__)
        if dead:
            with self._lock:
                for klass, token in dead:
                    self._listeners.get(klass, {}).pop(token, None)

    def listener_count(self, event_type: type) -> int:
        with self._lock:
            return len(self._listeners.get(event_type, {}))


class OrderedWorker:
    """One thread that does a service's work in the order its bus listeners queued it.

    Listeners run on the publisher's thread (SIP, vault) and must not block, so they only
    queue; the single thread keeps a call's steps in the order the phone reported them.
    Work queued after :meth:`close` is dropped: the service is shutting down.
    """

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def queue(self, fn: Callable[..., object], *args: Any) -> None:
        try:
            self._pool.submit(fn, *args)
        except RuntimeError:  # closed
            return

    def call(self, fn: Callable[..., R], *args: Any, timeout: float) -> R:
        """Run ``fn`` after everything queued before it, and return its result."""
        return self._pool.submit(fn, *args).result(timeout)

    def drain(self, timeout: float) -> None:
        """Wait until everything queued so far is done."""
        done: Future[None] = self._pool.submit(lambda: None)
        done.result(timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
