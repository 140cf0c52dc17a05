"""The demo without a screen: a scripted agent works each call through the workstation.

It answers, takes the screen pop's candidate, verifies the caller with the patient's
identifiers (the demo knows the synthetic record the caller plays), opens two allowed
field groups (each audited before it is shown), hangs up, and prints what the server's
audit trail and its "who saw this patient?" answer say. The GUI replaces this agent with
a person; the workstation calls are the same.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone import events as pev
from agent_desktop.presence.states import Presence
from agent_desktop.server.who_saw import as_text
from agent_desktop.verify.engine import Status
from agent_desktop.verify.record import Person

if TYPE_CHECKING:
    from agent_desktop.demo.runner import Demo

log = logging.getLogger(__name__)
STEP_TIMEOUT = 15.0
SHOWN_GROUPS = ("demographics", "appointments")


def spoken(person: Person, identifier: str) -> str | None:
    """What the caller says for ``identifier`` (None when it is not on file)."""
    values = {
        "full_name": " ".join((*person.given, *person.family)),
        "date_of_birth": person.birth_date.isoformat() if person.birth_date else None,
        "zip": person.zip, "member_id": person.member_id, "ssn_last4": person.ssn_last4,
        "passcode": person.passcode, "phone": person.phone,
    }
    return values.get(identifier) or None


class HeadlessAgent:
    def __init__(self, demo: Demo, talk_seconds: float = 6.0) -> None:
        self.demo = demo
        self.talk_seconds = talk_seconds
        self.calls_handled = 0
        self.handled = threading.Condition()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-agent")
        demo.on_ring(self._on_ring)

    def _on_ring(self, call: pev.CallInfo) -> None:  # SIP thread: hand off at once
        try:
            self._pool.submit(self._work, call.call_id)
        except RuntimeError:
            return  # stopping

    def _work(self, call_id: str) -> None:
        try:
            self._call(call_id)
        except AgentDesktopError as err:
            self.demo.say(f"agent: {err}")
        with self.handled:
            self.calls_handled += 1
            self.handled.notify_all()

    def _call(self, call_id: str) -> None:
        ws, say = self.demo.workstation, self.demo.say
        assert ws is not None and ws.phone is not None and self.demo.patient is not None
        ws.phone.answer(call_id).result(STEP_TIMEOUT)
        ws.wait_calls_handled(STEP_TIMEOUT)  # the screen pop ran on the desk's thread
        desk = ws.desk
        assert desk is not None
        view = desk.view(call_id)
        say(f"agent: answered; screen pop {view.lookup}: "
            + (", ".join(f"{c.initials} born {c.birth_year}" for c in view.candidates) or "nobody"))
        if view.candidates:
            self._verify(call_id, view.candidates[0].patient)
        if not self._stop.wait(self.talk_seconds):
            ws.phone.hangup(call_id).result(STEP_TIMEOUT)
            ws.wait_calls_handled(STEP_TIMEOUT)
            # after-call work: the disposition (audited), then ready for the next call
            ws.wrap_up(call_id, "resolved")
            ws.set_agent_state(Presence.AVAILABLE).result(STEP_TIMEOUT)
            say("agent: hung up, wrapped up (resolved), available again")
            self._synced()

    def _synced(self) -> None:
        """Until the call's events are on the server (the report that follows shows them)."""
        ws = self.demo.workstation
        assert ws is not None
        ws.sync_now()
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline and not self._stop.is_set():
            if ws.unsynced_events() == 0:
                return
            self._stop.wait(0.1)
            ws.sync_now()

    def _verify(self, call_id: str, patient: str) -> None:
        ws, say, record = self.demo.workstation, self.demo.say, self.demo.patient
        assert ws is not None and ws.desk is not None and record is not None
        desk = ws.desk
        view = desk.start_verification(call_id, patient, "patient")
        while view.verification == Status.ASKING and view.prompt is not None:
            asked = next((i for i in view.prompt.identifiers if spoken(record.record.person, i)), None)
            if asked is None:
                break
            desk.answer(call_id, asked, spoken(record.record.person, asked) or "")
            say(f"agent: asked {asked.replace('_', ' ')}")
            view = desk.view(call_id)
        say(f"agent: verification {view.verification}; may show {', '.join(view.groups) or 'nothing'}")
        for group in SHOWN_GROUPS:
            if group not in view.groups:
                continue
            try:
                desk.reveal(call_id, group)
                say(f"agent: {group} shown (audited before display)")
            except AgentDesktopError as err:  # e.g. a directory without that group: the call goes on
                say(f"agent: {group} not shown: {err}")

    def report(self) -> str:
        """The server's answer to "who saw this patient?" (after the trail synced)."""
        return as_text(self.demo.who_saw())

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
