"""The two Qt helpers that carry all traffic between widgets and the workstation.

- :class:`QtDeliver` is the executor the GUI hands to the core: ``submit(fn, *args)`` from
  any thread runs ``fn(*args)`` on the GUI thread (a queued signal).
- :class:`GuiOps` runs a blocking workstation call on the workstation's pool and calls
  ``on_done(result)`` or ``on_error(err)`` (an AgentDesktopError with message and hint) on
  the GUI thread; the event loop keeps running meanwhile.
- :class:`EventBridge` turns workstation events into a queued ``event(object)`` signal.

Widgets never call a ``@blocking`` workstation method directly: the workstation's guard
raises when one runs on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from agent_desktop.errors import AgentDesktopError

if TYPE_CHECKING:  # the sign-in window paints before the workstation's imports run
    from agent_desktop.app import Workstation

T = TypeVar("T")


class QtDeliver(QObject):
    _call = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        # a result that arrives after its window closed is dropped: emitting on a deleted
        # QObject from a worker thread would crash the process
        if shiboken6.isValid(self):
            self._call.emit(fn, args)

    @Slot(object, object)
    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        fn(*args)


class GuiOps(QObject):
    """``ops.run(ws.unlock, password, on_done=..., on_error=...)``; ``busy`` tracks work."""

    busy_changed = Signal(bool)

    def __init__(self, workstation: Workstation, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workstation = workstation
        self.deliver = QtDeliver(self)
        self._running = 0

    def run(self, fn: Callable[..., T], *args: Any, on_done: Callable[[T], None] | None = None,
            on_error: Callable[[AgentDesktopError], None] | None = None, **kwargs: Any) -> Future[T]:
        self._started()
        return self.workstation.ops.run(fn, *args, deliver=self.deliver,
                                        on_done=self._finish(on_done), on_error=self._finish(on_error),
                                        **kwargs)

    def follow(self, future: Future[T], on_done: Callable[[T], None] | None = None,
               on_error: Callable[[AgentDesktopError], None] | None = None) -> Future[T]:
        """The outcome of a non-blocking core call (e.g. a Phone command's future)."""
        self._started()
        return self.workstation.ops.follow(future, deliver=self.deliver, on_done=self._finish(on_done),
                                           on_error=self._finish(on_error))

    def _started(self) -> None:
        self._running += 1
        if self._running == 1:
            self.busy_changed.emit(True)

    def _finish(self, callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def done(value: Any) -> None:
            self._running -= 1
            if self._running == 0:
                self.busy_changed.emit(False)
            if callback is not None:
                callback(value)

        return done

    @property
    def busy(self) -> bool:
        return self._running > 0


class EventBridge(QObject):
    """Workstation events of the given types, re-emitted as ``arrived`` on the GUI thread."""

    arrived = Signal(object)

    def __init__(self, workstation: Workstation, event_types: tuple[type, ...],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._deliver = QtDeliver(self)
        self._unsubscribe = workstation.subscribe(event_types, self.arrived.emit, self._deliver)

    def close(self) -> None:
        self._unsubscribe()
