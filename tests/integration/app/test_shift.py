"""A headless shift through the Workstation, every component real.

First-run enrolment, vault and SIP account; a call from a synthetic patient's number pops
the patient and is answered with audio; the audit server goes away (calls still work,
events queue, the directory answers from the vault cache); the idle lock fires mid-call
(audio continues, PHI dropped) and the agent unlocks and resumes; the server comes back
and the backlog syncs exactly once; IT revokes the device and everything stops; shutdown
leaves no thread behind.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agent_desktop.app import (
    DropPhi,
    StateChanged,
    Workstation,
    WorkstationState,
)
from agent_desktop.app.calls import CallView
from agent_desktop.audit.notices import AuditSyncStatus
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.demo.sip_peer import PeerProcess
from agent_desktop.phone import events as pev
from tests.support.phone_helpers import peer_hears
from tests.support.workstation_env import (
    AGENT_TONE_HZ,
    PASSWORD,
    Events,
    FakeMonotonic,
    WorkstationEnv,
    wait_until,
    workstation_env,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("secret_service")


def ring_and_answer(ws: Workstation, env: WorkstationEnv, events: Events, caller: PeerProcess) -> tuple[str, int]:
    caller.clear_events()
    placed = caller.cmd("call", uri=env.agent_uri())["call"]
    incoming = events.wait(pev.IncomingCall)
    call_id = incoming.call.call_id
    ws.phone.answer(call_id).result(10)
    events.wait(pev.CallMediaChanged, lambda e: e.call.call_id == call_id and e.call.media_active)
    return call_id, int(placed)


def hears_agent(caller: PeerProcess, pcall: int, folder: Path) -> float:
    return peer_hears(caller, pcall, folder)[0]


def view_when(ws: Workstation, call_id: str, pred: object) -> CallView:
    assert ws.desk is not None
    desk = ws.desk
    wait_until(lambda: pred(desk.view(call_id)), what="call view")  # type: ignore[operator]
    return desk.view(call_id)


def server_events(env: WorkstationEnv, device_id: str) -> list[dict[str, object]]:
    auditor = env.server.session(env.server.token("auditor"))
    out: list[dict[str, object]] = []
    url = env.server.url(f"/v1/audit/events?device_id={device_id}&limit=1000")
    resp = auditor.get(url, timeout=10)
    resp.raise_for_status()
    body = resp.json()
    out.extend(body.get("events", body if isinstance(body, list) else []))
    auditor.close()
    return out


def test_a_whole_shift_through_the_workstation(workstation_env: WorkstationEnv, tmp_path: Path) -> None:  # noqa: F811
    env = workstation_env
    before = {t.ident for t in threading.enumerate()}
    idle_clock = FakeMonotonic()
    ws = env.workstation(monotonic=idle_clock, **{"vault.idle_lock_minutes": 5})
    events = Events(ws.bus, StateChanged, DropPhi, AuditSyncStatus, pev.PhoneEvent)
    assert ws.state is WorkstationState.NOT_ENROLLED

    # --- first run: enrolment, vault, SIP account --------------------------------------------
    creds = ws.enroll(env.enrolment_token())
    assert ws.state is WorkstationState.NO_VAULT and creds.device_id
    report = ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"])
    assert report.registered, report
    assert report.directory_online and not report.problems, report
    assert ws.state is WorkstationState.READY
    ws.sync_now()
    events.wait(AuditSyncStatus, lambda s: s.online and s.backlog == 0)

    # --- a call from the patient's number: screen pop, answer, audio ---------------------------
    caller = env.caller()
    call_id, pcall = ring_and_answer(ws, env, events, caller)
    view = view_when(ws, call_id, lambda v: v.lookup != "pending")
    assert view.lookup == "found" and [c.patient for c in view.candidates] == [env.patient.id]
    assert abs(hears_agent(caller, pcall, tmp_path) - AGENT_TONE_HZ) < 5
    ws.phone.hangup(call_id).result(10)
    events.wait(DropPhi, lambda e: e.call_id == call_id)

    # --- offline: the server goes away -----------------------------------------------------
    env.server.stop()
    events.clear()
    call_id, pcall = ring_and_answer(ws, env, events, caller)
    view = view_when(ws, call_id, lambda v: v.lookup != "pending")
    assert view.lookup == "found" and view.cached, view  # from the vault cache
    ws.sync_now()
    wait_until(lambda: not getattr(ws.sync_status(), "online", True), what="sync offline")
    assert (ws.unsynced_events() or 0) > 0  # events queue in the outbox
    assert ws.desk is not None
    ws.desk.start_verification(call_id, env.patient.id, "patient")

    # --- idle lock mid-call: audio continues, PHI dropped, resume after unlock -------------------
    idle_clock.advance(5 * 60 + 1)
    events.wait(StateChanged, lambda e: e.state is WorkstationState.LOCKED and e.reason == "idle")
    events.wait(DropPhi, lambda e: e.call_id is None)
    assert ws.desk.view(call_id).candidates == ()  # the masked candidates need the record: gone
    assert abs(hears_agent(caller, pcall, tmp_path) - AGENT_TONE_HZ) < 5
    ws.unlock(PASSWORD)
    assert ws.state is WorkstationState.READY
    resumed = ws.desk.view(call_id)
    assert resumed.patient == env.patient.id and resumed.verification == "asking"
    ws.desk.reload_phi(call_id)  # from the vault cache: the server is still down
    assert ws.desk.view(call_id).prompt is not None
    ws.phone.hangup(call_id).result(10)
    events.wait(DropPhi, lambda e: e.call_id == call_id)
    ws.wait_calls_handled()

    # --- the server comes back: the backlog syncs exactly once -----------------------------------
    env.server.restart()
    ws.sync_now()
    # the outbox itself, not a status notice (one from before the outage would match too)
    wait_until(lambda: ws.unsynced_events() == 0, timeout=30, what="the backlog delivered")
    stored = server_events(env, creds.device_id)
    seqs = sorted(int(e["seq"]) for e in stored)  # type: ignore[call-overload]
    assert seqs == list(range(1, len(seqs) + 1)), "gap-free, each event exactly once"
    actions = [e["action"] for e in stored]
    for expected in ("call.incoming", "call.answer", "call.end", "directory.lookup", "verify.start",
                     "vault.lock", "vault.unlock"):
        assert expected in actions, expected

    # --- revocation stops everything and signs out ----------------------------------------------
    admin = env.server.session(env.server.token("admin"))
    admin.post(env.server.url(f"/v1/devices/{creds.device_id}/revoke"), timeout=10).raise_for_status()
    admin.close()
    ws.unlock(PASSWORD)  # recorded; the next sync learns about the revocation
    ws.sync_now()
    events.wait(StateChanged, lambda e: e.state is WorkstationState.SIGNED_OUT, timeout=30)
    assert ws.phone is None and not ws.vault.exists()
    caller.close()

    ws.shutdown()
    assert ws.state is WorkstationState.STOPPED
    def left() -> list[str]:  # threads this workstation started (other tests' may linger)
        return [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()
                and t.name.startswith(("ws-", "vault-", "audit-sync", "sip", "presence", "screen-pop"))]

    wait_until(lambda: not left(), what="every workstation thread ended")
