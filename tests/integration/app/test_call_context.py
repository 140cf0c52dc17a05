"""One call's context through the Workstation, from screen pop to after-call work, every
component real; then every byte the workstation wrote is searched for the patients' data.

A household number pops several masked candidates; the call's steps reach the outbox in
order with no number, name or date; the end of the call drops its PHI and starts
after-call work whose countdown arrives as events; the disposition is recorded and the
notes are kept in the vault; an escalation is recorded and shown in the agent's status.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

import pytest

from agent_desktop.app import AfterCallWorkTick, AgentStatusChanged, DropPhi, Workstation
from agent_desktop.audit import outbox
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.errors import AgentDesktopError
from agent_desktop.logs import configure_logging
from agent_desktop.phone import events as pev
from agent_desktop.presence.states import Presence
from agent_desktop.verify.record import PatientRecord
from tests.integration.app.test_shift import ring_and_answer, view_when
from tests.support.workstation_env import (
    PASSWORD,
    Events,
    WorkstationEnv,
    digits,
    private_temp,  # noqa: F401 - fixture
    workstation_env,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("secret_service")


def household(env: WorkstationEnv) -> list[PatientRecord]:
    from agent_desktop.directory.fhir import record_from_fhir

    data = env.directory.data()
    out = []
    for patient in data["Patient"]:
        if any(digits(t["value"]) == env.household for t in patient.get("telecom", [])
               if t.get("system") == "phone"):
            related = [r for r in data["RelatedPerson"]
                       if r["patient"]["reference"] == f"Patient/{patient['id']}"]
            out.append(record_from_fhir(patient, related, data["Consent"]))
    return out


def secrets_of(records: list[PatientRecord]) -> list[str]:
    out: list[str] = []
    for r in records:
        p = r.person
        out += [n for n in (*p.given, *p.family) if len(n) > 3]
        if p.birth_date:
            out += [p.birth_date.isoformat(), f"{p.birth_date.month:02d}/{p.birth_date.day:02d}/{p.birth_date.year}"]
        out += [v for v in (p.member_id, p.passcode) if v]
        if p.phone:
            out.append(digits(p.phone))
            d = digits(p.phone)
            out.append(f"{d[:3]}-{d[3:6]}-{d[6:]}")
    return out


def test_a_call_from_household_to_after_call_work_leaves_no_phi_outside_the_vault(
        workstation_env: WorkstationEnv, private_temp: Path) -> None:  # noqa: F811
    env = workstation_env
    # sync sleeps for the whole test, so the outbox holds every step to inspect
    ws: Workstation = env.workstation(**{"audit.sync_interval_seconds": 3600})
    home = ws.paths.data.parent
    configure_logging(ws.paths.log, level=logging.DEBUG)
    try:
        _run_call(env, ws)
    finally:
        configure_logging(None)
        ws.shutdown()
    family = household(env)
    assert len(family) >= 2
    leaks = []
    for path in [*home.rglob("*"), *private_temp.rglob("*")]:
        if not path.is_file():
            continue
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace").lower()
        for secret in secrets_of([*family, env.patient]):
            if re.search(rf"(?<![a-z0-9]){re.escape(secret.lower())}(?![a-z0-9])", text):
                leaks.append(f"{path.relative_to(home) if home in path.parents else path.name}")
    assert not leaks, f"synthetic values outside the encrypted vault: {sorted(set(leaks))}"
    logs = list(ws.paths.log.glob("*.log"))
    assert logs and logs[0].stat().st_size > 0, "the run wrote a log to search"


def _run_call(env: WorkstationEnv, ws: Workstation) -> None:
    events = Events(ws.bus, pev.PhoneEvent, DropPhi, AfterCallWorkTick, AgentStatusChanged)
    ws.enroll(env.enrolment_token(agent="agent-context"))
    assert ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
    assert ws.desk is not None
    caller = env.caller(env.household)
    call_id, _ = ring_and_answer(ws, env, events, caller)
    view = view_when(ws, call_id, lambda v: v.lookup != "pending")
    assert view.lookup == "found" and len(view.candidates) >= 2, view
    members = {r.id: r for r in household(env)}
    for c in view.candidates:  # masked: initials and birth year only
        person = members[c.patient].person
        assert len(c.initials) <= 4 and c.birth_year == str(person.birth_date.year if person.birth_date else "?")
    adult = next(r for r in members.values() if (r.age_on(dt.date.today()) or 0) >= 18)
    ws.desk.start_verification(call_id, adult.id, "patient")
    p = adult.person
    ws.desk.answer(call_id, "full_name", " ".join(p.given + p.family))
    ws.desk.answer(call_id, "date_of_birth", "1900-01-01")  # a miss first
    assert p.birth_date is not None
    ws.desk.answer(call_id, "date_of_birth", p.birth_date.isoformat())
    ws.escalate("need_help", call_id)
    events.wait(AgentStatusChanged, lambda e: e.status.escalation == "need_help")

    rows = ws.vault.submit(lambda conn: list(outbox.stored_events(conn))).result(10)
    mine = [e if isinstance(e, dict) else json.loads(e) for e in rows]
    mine = [e for e in mine if e.get("call_id") == call_id]
    actions = [e["action"] for e in mine]
    assert actions[0] == "call.incoming", actions
    assert actions.index("call.answer") < actions.index("verify.start") < actions.index("agent.escalate")
    assert "directory.lookup" in actions
    misses = [e for e in mine if e["action"] == "verify.answer" and e["outcome"] == "failure"]
    assert [m["detail"].get("identifier") for m in misses] == ["date_of_birth"]

    ws.phone.hangup(call_id).result(10)
    events.wait(DropPhi, lambda e: e.call_id == call_id)
    first = events.wait(AfterCallWorkTick, lambda e: e.seconds_left > 0)
    later = events.wait(AfterCallWorkTick, lambda e: e.seconds_left < first.seconds_left)
    assert later.seconds_left < first.seconds_left
    ws.wrap_up(call_id, "follow_up", "Synthetic caller wants a callback about the bill.")
    assert ws.call_notes(call_id) == "Synthetic caller wants a callback about the bill."
    ws.set_agent_state(Presence.AFTER_CALL_WORK).result(10)  # more time, within the policy's cap
    ws.set_setting("agent.after_call_work_max_seconds", 3)  # a cap no extension fits in
    with pytest.raises(AgentDesktopError, match="beyond"):
        ws.set_agent_state(Presence.AFTER_CALL_WORK)
    ws.set_agent_state(Presence.AVAILABLE).result(10)
    ws.wait_calls_handled()
    rows = ws.vault.submit(lambda conn: list(outbox.stored_events(conn))).result(10)
    tail = [e if isinstance(e, dict) else json.loads(e) for e in rows]
    tail = [e for e in tail if e.get("call_id") == call_id]
    assert [e["action"] for e in tail][-2:] == ["call.end", "call.disposition"]
    assert tail[-1]["detail"] == {"code": "follow_up", "notes": True}
    caller.close()
