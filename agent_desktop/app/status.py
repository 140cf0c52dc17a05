"""The agent's status as the workstation knows it, and the after-call-work countdown.

Inputs: the phone's own availability (available / after-call work / not ready, which
decides ringing vs 486), whether a call is up, and the vault lock. Output: one
:class:`AgentStatusChanged` per change (the status bar, the server's roster), and an
:class:`AfterCallWorkTick` every second of after-call work, so no view polls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from agent_desktop.bus import EventBus
from agent_desktop.phone import events as pev
from agent_desktop.presence.states import AgentStatus, Presence

from .events import AfterCallWorkTick, AgentStatusChanged

Sink = Callable[[AgentStatus], None]


class StatusTracker:
    def __init__(self, bus: EventBus, *, aor: str = "", clock: Callable[[], float] = time.time,
                 tick_seconds: float = 1.0) -> None:
        self.bus = bus
        self.clock = clock
        self._aor = aor
        self._lock = threading.Lock()
        self._phone_state = Presence.NOT_READY
        self._phone_reason = "signed_out"
        self._calls: set[str] = set()
        self._last_call: str | None = None
        self._acw_until = 0.0
        self._escalation = ""
        self._escalated_at = 0.0
        self._status = AgentStatus(Presence.NOT_READY, "signed_out", clock(), aor)
        self._sinks: list[Sink] = []
        self._tick = tick_seconds
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._subs = [bus.subscribe(pev.AgentStateChanged, self._on_agent),
                      bus.subscribe(pev.CallStateChanged, self._on_call),
                      bus.subscribe(pev.IncomingCall, self._on_call),
                      bus.subscribe(pev.CallEnded, self._on_ended)]

    @property
    def status(self) -> AgentStatus:
        with self._lock:
            return self._status

    def add_sink(self, sink: Sink) -> None:
        """Also hand every change to ``sink`` (e.g. the server's roster publisher)."""
        self._sinks.append(sink)

    def remove_sink(self, sink: Sink) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    def set_aor(self, aor: str) -> None:
        with self._lock:
            self._aor = aor
        self._update()

    def escalate(self, kind: str) -> None:
        with self._lock:
            self._escalation, self._escalated_at = kind, self.clock()
        self._update()

    def clear_escalation(self) -> None:
        with self._lock:
            self._escalation, self._escalated_at = "", 0.0
        self._update()

    # --- bus listeners (SIP thread: quick) ------------------------------------------------
    def _on_agent(self, event: pev.AgentStateChanged) -> None:
        with self._lock:
            self._phone_state = Presence(event.state)
            self._phone_reason = event.reason
            self._acw_until = (self.clock() + event.seconds_left
                               if self._phone_state is Presence.AFTER_CALL_WORK else 0.0)
        self._update()
        if self._phone_state is Presence.AFTER_CALL_WORK:
            self._start_ticker()

    def _on_call(self, event: pev.CallStateChanged | pev.IncomingCall) -> None:
        if event.call.state in ("confirmed", "connecting"):
            with self._lock:
                self._calls.add(event.call.call_id)
                self._last_call = event.call.call_id
            self._update()

    def _on_ended(self, event: pev.CallEnded) -> None:
        with self._lock:
            self._calls.discard(event.call.call_id)
        self._update()

    # --- derived status --------------------------------------------------------------------
    def _update(self) -> None:
        with self._lock:
            if self._calls:
                state, reason = Presence.ON_CALL, ""
            else:
                state, reason = self._phone_state, self._phone_reason
            old = self._status
            since = old.since if (old.state, old.reason) == (state, reason) else self.clock()
            new = AgentStatus(state, reason, since, self._aor, self._escalation, self._escalated_at)
            changed = new != old
            self._status = new
        if changed:
            self.bus.publish(AgentStatusChanged(new))
            for sink in list(self._sinks):
                sink(new)

    def seconds_left(self) -> int:
        with self._lock:
            if self._phone_state is not Presence.AFTER_CALL_WORK:
                return 0
            return max(0, round(self._acw_until - self.clock()))

    def _start_ticker(self) -> None:
        with self._lock:
            if self._ticker is not None and self._ticker.is_alive():
                return
            self._stop.clear()
            self._ticker = threading.Thread(target=self._run_ticker, name="ws-acw", daemon=True)
            self._ticker.start()

    def _run_ticker(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                in_acw = self._phone_state is Presence.AFTER_CALL_WORK
                call = self._last_call
            if not in_acw:
                return
            self.bus.publish(AfterCallWorkTick(self.seconds_left(), call))
            self._stop.wait(self._tick)

    def close(self) -> None:
        self._stop.set()
        for sub in self._subs:
            self.bus.unsubscribe(sub)
        if self._ticker is not None:
            self._ticker.join(timeout=5)
