"""Adapts the core event bus to Qt: core events arrive on the GUI thread as queued signals."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from agent_desktop.bus import EventBus, Subscription


class BusBridge(QObject):
    """Re-emits every core event of the given types as ``core_event(object)`` on the GUI thread.

    ``publish`` may run on any thread (SIP, vault, sync); the queued connection hands the
    event to the thread that owns this object, so handlers never touch widgets off-thread.
    """

    core_event = Signal(object)
    _relay = Signal(object)

    def __init__(self, bus: EventBus, event_types: tuple[type, ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._subs: list[Subscription] = [bus.subscribe(t, self._on_core_event) for t in event_types]

    def _on_core_event(self, event: Any) -> None:
        self._relay.emit(event)

    @Slot(object)
    def _deliver(self, event: Any) -> None:
        self.core_event.emit(event)

    def close(self) -> None:
        for sub in self._subs:
            self._bus.unsubscribe(sub)
        self._subs.clear()
