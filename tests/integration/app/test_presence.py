"""Presence through the whole workstation: the agent's Workstation (real Kamailio, a pjsua2
caller with a synthetic patient's number, the real audit server over HTTPS) publishes what
the agent does; the team lead's side (the same PresenceLink a lead's Workstation builds,
in this process because pjsua2 allows one endpoint per process) reads the roster and
acknowledges the agent's escalation. Nothing the lead receives names the caller or patient.
"""

from __future__ import annotations

import re

import pytest

from agent_desktop.app import AgentStatusChanged, EscalationAcknowledged, WorkstationState
from agent_desktop.app.presence_link import PresenceLink
from agent_desktop.audit.credentials import DeviceCredentials
from agent_desktop.bus import EventBus
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.phone import events as pev
from agent_desktop.presence.roster import RosterRow
from agent_desktop.presence.states import Presence
from tests.integration.app.test_shift import ring_and_answer
from tests.support.workstation_env import (
    PASSWORD,
    Events,
    WorkstationEnv,
    digits,
    wait_until,
    workstation_env,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("secret_service")
TEAM = "roster-team"


def lead_link(env: WorkstationEnv, answers: list[str]) -> PresenceLink:
    e = env.server.enroll("lead-roster", team=TEAM, user_role="team_lead")
    creds = DeviceCredentials(e["device_id"], e["device_token"], e["receipt_public_key"], env.server.base_url,
                              agent_id=e["agent_id"], role=e["role"], team=e["team"])
    session = env.server.session()
    session.hooks["response"].append(lambda r, *a, **k: answers.append(r.text))
    settings = env.workstation("lead-settings").settings  # the same policy (never unlocked)
    return PresenceLink(creds, settings, EventBus(), session)


def test_what_the_agent_does_reaches_the_leads_roster_and_the_acknowledgement_comes_back(
        workstation_env: WorkstationEnv) -> None:  # noqa: F811
    env = workstation_env
    ws = env.workstation(**{"presence.heartbeat_seconds": 2})
    events = Events(ws.bus, EscalationAcknowledged, AgentStatusChanged, pev.PhoneEvent)
    ws.enroll(env.enrolment_token(agent="agent-roster", team=TEAM))
    report = ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"])
    assert report.registered and ws.state is WorkstationState.READY, report
    answers: list[str] = []
    lead = lead_link(env, answers)

    def row() -> RosterRow:
        return next(r for r in lead.roster().rows if r.agent_id == "agent-roster")

    def shows(state: Presence, reason: str = "") -> None:
        wait_until(lambda: (row().state, row().reason) == (state, reason), what=f"roster shows {state}")

    shows(Presence.AVAILABLE)
    assert re.fullmatch(r"sip:agent@\S+", row().aor), row().aor
    ws.set_agent_state(Presence.NOT_READY, "lunch").result(10)
    shows(Presence.NOT_READY, "lunch")
    ws.set_agent_state(Presence.AVAILABLE).result(10)
    shows(Presence.AVAILABLE)

    caller = env.caller()
    call_id, _ = ring_and_answer(ws, env, events, caller)
    shows(Presence.ON_CALL)
    ws.escalate("minor_patient", call_id)
    wait_until(lambda: [e.kind for e in row().escalations] == ["minor_patient"], what="escalation on the roster")
    escalation = row().escalations[0]
    acked = lead.acknowledge(escalation.id)
    assert acked.acknowledged_by == "lead-roster"
    seen = events.wait(EscalationAcknowledged)
    assert (seen.kind, seen.by) == ("minor_patient", "lead-roster")
    wait_until(lambda: ws.status.status.escalation == "", what="the agent's escalation cleared")
    assert row().escalations == ()
    ws.phone.hangup(call_id).result(10)
    wait_until(lambda: row().state is not Presence.ON_CALL, what="the call left the roster")
    caller.close()

    ws.shutdown()  # signs out: offline at once
    assert row().state is Presence.OFFLINE
    person = env.patient.person
    needles = [env.patient.id, digits(person.phone or ""), *person.family, *person.given]
    assert answers and all(n and n not in text for n in needles for text in answers)
