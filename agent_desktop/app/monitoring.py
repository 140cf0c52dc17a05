"""Supervisor monitoring in the workstation, both sides.

The agent's side: the engine verifies, bridges and reports (``phone.monitor_bridge``); the
call desk records each step with the call's patient reference; :class:`AgentMonitoring`
turns the steps into the notice the agent's window shows (during listen only when policy's
``monitoring.notify_agent`` says so; whisper and barge always).

The team lead's side, :class:`SupervisorDesk`: ask the server for a grant, call the agent's
address of record carrying it in ``X-Monitor-Grant``, change mode with a re-INVITE carrying
a new grant, hang up. Every step is recorded with the first grant's nonce, which the agent's
records carry too. Calls block on the network: the GUI runs them through the op runner.

The start and the end are recorded on one worker thread of the desk's own, in that order:
the end is reported on the phone's SIP thread, which must never wait for the disk, and an
end reported while the start is still being written is recorded after it. A start that
cannot be recorded hangs the call up: no monitoring without its record.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from agent_desktop.bus import EventBus
from agent_desktop.errors import AgentDesktopError
from agent_desktop.monitoring.gate import HEADER, audit_ref
from agent_desktop.monitoring.grant import MODES
from agent_desktop.phone import events as pev

log = logging.getLogger(__name__)
SETUP_TIMEOUT = 15.0


@dataclass(frozen=True)
class MonitoringNotice:
    """For the agent's window: a team lead is (or is no longer) listening in."""

    shown: bool
    mode: str  # "" once it ended
    sup: str


@dataclass(frozen=True)
class SupervisionChanged:
    """For the team lead's view: the monitoring session's state."""

    agent: str
    mode: str  # "" when no session is up
    state: str  # "calling", "up", "ended"
    cause: str = ""


class MonitoringError(AgentDesktopError):
    pass


class AgentMonitoring:
    def __init__(self, bus: EventBus, notify_agent: Callable[[], bool]) -> None:
        self.bus = bus
        self._notify = notify_agent
        self._subs = [bus.subscribe(pev.MonitorEvent, self._on)]

    def _on(self, event: pev.MonitorEvent) -> None:
        if isinstance(event, pev.MonitorStarted | pev.MonitorModeChanged):
            shown = event.mode != "listen" or bool(self._notify())
            self.bus.publish(MonitoringNotice(shown, event.mode, event.sup))
        elif isinstance(event, pev.MonitorEnded):
            self.bus.publish(MonitoringNotice(False, "", event.sup))

    def close(self) -> None:
        for sub in self._subs:
            self.bus.unsubscribe(sub)
        self._subs = []


@dataclass
class _Session:
    agent: str
    call_id: str
    nonce: str
    mode: str
    announced: bool = False  # "calling" has been published
    answered: bool = False
    ended: bool = False


class SupervisorDesk:
    """``grant(agent, mode)`` returns the server's answer (``token`` and ``grant``);
    ``audit(action, call_id, detail, outcome)`` records a step on this workstation."""

    def __init__(self, bus: EventBus, phone: Callable[[], Any],
                 grant: Callable[[str, str], dict[str, Any]],
                 audit: Callable[[str, str | None, dict[str, Any], str], None]) -> None:
        self.bus = bus
        self._phone = phone
        self._grant = grant
        self._audit = audit
        self._lock = threading.Lock()
        self.session: _Session | None = None
        # the far end may answer (or end) before dial() has returned here: those events wait
        self._early: dict[str, list[pev.PhoneEvent]] = {}
        # the session's records, in order, off the phone's thread (see the module's docstring)
        self._records = ThreadPoolExecutor(max_workers=1, thread_name_prefix="supervision-audit")
        self._subs = [bus.subscribe(pev.CallEnded, self._on_ended),
                      bus.subscribe(pev.CallAnswered, self._on_answered)]

    def start(self, agent: str, aor: str, mode: str) -> str:
        """Grant, then the call; returns the call id (the session is up once answered)."""
        _check_mode(mode)
        if not aor:
            raise MonitoringError(f"{agent} has no phone address on the roster.",
                                  "Wait until the agent's phone is registered.", code="monitoring.no_address")
        with self._lock:
            if self.session is not None and not self.session.ended:
                raise MonitoringError("You are already monitoring a call.",
                                      "Hang up the monitoring call first.", code="monitoring.busy")
        answer = self._grant(agent, mode)
        token, nonce = str(answer["token"]), audit_ref(str(answer["grant"]["nonce"]))
        phone = self._require_phone()
        call_id = str(phone.dial(aor, headers={HEADER: token}).result(SETUP_TIMEOUT))
        with self._lock:
            s = self.session = _Session(agent, call_id, nonce, mode)
            early = self._early.pop(call_id, [])
            self._early.clear()
            # queued before the session's end can be: the end is always recorded after it
            recorded = self._records.submit(self._audit, "call.monitor.start", call_id,
                                            {"agent": agent, "mode": mode, "nonce": nonce}, "success")
        try:
            recorded.result()
        except BaseException:
            # the lead must not listen unrecorded: the call goes (its end is recorded as usual)
            try:
                phone.hangup(call_id)
            except Exception as err:  # noqa: BLE001 - the failed record is what the lead must see
                log.error("the unrecorded monitoring call could not be hung up (%s)", type(err).__name__)
            raise
        # The phone thread may report the answer at any moment from here: states are decided
        # and published under one lock, so "calling" can never follow "up" or "ended".
        with self._lock:
            s.announced = True
            if not s.ended:
                self.bus.publish(SupervisionChanged(agent, mode, "calling"))
                if s.answered:
                    self.bus.publish(SupervisionChanged(agent, mode, "up"))
        for event in early:
            if isinstance(event, pev.CallAnswered):
                self._on_answered(event)
            elif isinstance(event, pev.CallEnded):
                self._on_ended(event)
        return call_id

    def _mine(self, call_id: str, event: pev.PhoneEvent) -> _Session | None:
        """The session this call is, or None (then the event is kept in case the call is
        one being dialled right now)."""
        with self._lock:
            s = self.session
            if s is not None and s.call_id == call_id:
                return s
            if len(self._early) < 16:
                self._early.setdefault(call_id, []).append(event)
            return None

    def change(self, mode: str) -> None:
        """A new grant for ``mode``, carried to the agent's phone in a re-INVITE."""
        _check_mode(mode)
        s = self._live()
        answer = self._grant(s.agent, mode)
        self._require_phone().reinvite(s.call_id, {HEADER: str(answer["token"])}).result(SETUP_TIMEOUT)
        previous, s.mode = s.mode, mode
        self._audit("call.monitor.mode", s.call_id,
                    {"agent": s.agent, "mode": mode, "previous": previous, "nonce": s.nonce,
                     "grant": audit_ref(str(answer["grant"]["nonce"]))}, "success")
        self.bus.publish(SupervisionChanged(s.agent, mode, "up"))

    def stop(self) -> None:
        s = self._live()
        self._require_phone().hangup(s.call_id).result(SETUP_TIMEOUT)

    def _on_answered(self, event: pev.CallAnswered) -> None:
        s = self._mine(event.call_id, event)
        if s is None:
            return
        with self._lock:
            if s.ended or s.answered:
                return
            s.answered = True
            if s.announced:  # otherwise start() publishes "up" right after "calling"
                self.bus.publish(SupervisionChanged(s.agent, s.mode, "up"))

    def _on_ended(self, event: pev.CallEnded) -> None:
        """On the SIP thread: the end is recorded (then announced) by the records' worker."""
        s = self._mine(event.call.call_id, event)
        with self._lock:
            if s is None or s.ended:
                return
            s.ended = True
        refused = event.call.last_code in (403, 486)
        cause = "refused" if refused else event.cause
        detail = {"agent": s.agent, "mode": s.mode, "nonce": s.nonce, "cause": cause,
                  "code": event.call.last_code}
        try:
            self._records.submit(self._record_end, s, detail, "denied" if refused else "success")
        except RuntimeError:  # closed (the workstation is shutting down): record it here
            self._record_end(s, detail, "denied" if refused else "success")

    def _record_end(self, s: _Session, detail: dict[str, Any], outcome: str) -> None:
        try:
            self._audit("call.monitor.end", s.call_id, detail, outcome)
        except AgentDesktopError as err:
            log.error("the end of a monitoring session was not recorded: %s", err.message)
        with self._lock:
            self.bus.publish(SupervisionChanged(s.agent, "", "ended", str(detail["cause"])))

    def _live(self) -> _Session:
        s = self.session
        if s is None or s.ended:
            raise MonitoringError("No monitoring session is up.", "Start with Listen.", code="monitoring.no_session")
        return s

    def _require_phone(self) -> Any:
        phone = self._phone()
        if phone is None:
            raise MonitoringError("The phone is not running.", "Unlock the workstation first.",
                                  code="phone.not_running")
        return phone

    def close(self) -> None:
        for sub in self._subs:
            self.bus.unsubscribe(sub)
        self._subs = []
        self._records.shutdown(wait=True)  # every queued record written first


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise MonitoringError(f"{mode!r} is not a monitoring mode.", "Use listen, whisper or barge.")
