"""Supervisor monitoring through the Workstation, every component real: Kamailio over TLS,
the audit server over HTTPS (it signs the grants), pjsua2 peers for the other parties.

pjsua2 allows one endpoint per process, so the agent's side and the team lead's side are
two tests, each with the Workstation in this process and the other side a peer; both
sides' records carry the grant's nonce. Another team's lead and a revoked lead device get
no grant.
"""

from __future__ import annotations

from typing import Any

import pytest

from agent_desktop.app.monitoring import MonitoringNotice, SupervisionChanged
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.monitoring.gate import HEADER, audit_ref
from agent_desktop.monitoring.grant import verify_grant
from agent_desktop.phone import events as pev
from agent_desktop.presence.client import PresenceClient
from agent_desktop.presence.roster import PresenceError
from tests.integration.app.test_shift import ring_and_answer, server_events, view_when
from tests.support.workstation_env import (
    PASSWORD,
    Events,
    WorkstationEnv,
    wait_until,
    workstation_env,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("secret_service")
TEAM = "monitor-team"


def lead_client(env: WorkstationEnv, name: str, team: str = TEAM) -> tuple[PresenceClient, dict[str, Any]]:
    e = env.server.enroll(name, team=team, user_role="team_lead")
    return PresenceClient(env.server.base_url, env.server.session(), token=e["device_token"],
                          agent_id=e["agent_id"], team=e["team"]), e


def by_action(events: list[dict[str, Any]], prefix: str = "call.monitor.") -> list[dict[str, Any]]:
    return sorted((e for e in events if str(e["action"]).startswith(prefix)), key=lambda e: int(e["seq"]))


def media_updates(peer: Any, call: int) -> int:
    """How many media (re)negotiations of ``call`` the pjsua2 peer has finished."""
    return sum(1 for e in list(peer.events) if e.get("event") == "media" and e["call"] == call)


def test_agent_side_verifies_bridges_notifies_and_records_with_the_patient(
        workstation_env: WorkstationEnv) -> None:  # noqa: F811
    env = workstation_env
    ws = env.workstation(**{"monitoring.notify_agent": False})
    events = Events(ws.bus, pev.PhoneEvent, MonitoringNotice)
    creds = ws.enroll(env.enrolment_token(agent="mon-agent", team=TEAM))
    assert ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
    lead, _ = lead_client(env, "mon-lead")
    other, _ = lead_client(env, "mon-lead-other", team="other-team")
    with pytest.raises(PresenceError, match="403"):  # another team's lead gets no grant
        other.monitor_grant("mon-agent", "listen")

    caller = env.caller()
    call_id, _ = ring_and_answer(ws, env, events, caller)
    assert view_when(ws, call_id, lambda v: v.lookup != "pending").lookup == "found"
    assert ws.desk is not None
    person = env.patient.person
    assert person.birth_date is not None and person.member_id
    ws.desk.start_verification(call_id, env.patient.id, "provider_office")
    ws.desk.answer(call_id, "full_name", " ".join(person.given + person.family))
    ws.desk.answer(call_id, "date_of_birth", person.birth_date.isoformat())
    ws.desk.answer(call_id, "member_id", person.member_id)
    assert ws.desk.verified(call_id)

    listen = lead.monitor_grant("mon-agent", "listen")
    sup = env.caller(user="lead")
    lcall = int(sup.cmd("call", uri=env.agent_uri(), headers={HEADER: listen["token"]})["call"])
    started = events.wait(pev.MonitorStarted)
    assert started.nonce == listen["grant"]["nonce"] and started.sup == "mon-lead"
    notice = events.wait(MonitoringNotice)
    assert (notice.shown, notice.mode) == (False, "listen")  # policy: listen is not announced
    sup.wait_event(lambda e: e.get("event") == "media" and e["call"] == lcall and e["status"] == 1,
                   what="the lead's media")
    whisper = lead.monitor_grant("mon-agent", "whisper")
    answers = media_updates(sup, lcall)
    sup.cmd("reinvite", call=lcall, headers={HEADER: whisper["token"]})
    events.wait(pev.MonitorModeChanged, lambda e: e.mode == "whisper")
    assert events.wait(MonitoringNotice, lambda e: e.mode == "whisper").shown  # whisper always
    # the agent has switched, but the lead's re-INVITE is over only once its answer arrives
    # there: a second one sent before that is refused by the lead's own stack (pending INVITE)
    wait_until(lambda: media_updates(sup, lcall) > answers, what="the lead's re-INVITE answered")
    sup.cmd("reinvite", call=lcall, headers={HEADER: whisper["token"]})  # replayed: refused
    assert events.wait(pev.MonitorModeRefused).reason == "replayed"
    sup.cmd("hangup", call=lcall)
    events.wait(pev.MonitorEnded)
    assert not events.wait(MonitoringNotice, lambda e: e.mode == "").shown

    ws.wait_calls_handled()
    ws.sync_now()
    wait_until(lambda: len(by_action(server_events(env, creds.device_id))) >= 4, what="monitoring records")
    records = by_action(server_events(env, creds.device_id))
    steps = [(r["action"], r["outcome"]) for r in records]
    assert steps == [("call.monitor.start", "success"), ("call.monitor.mode", "success"),
                     ("call.monitor.mode_refused", "denied"), ("call.monitor.end", "success")], steps
    assert {r["detail"]["nonce"] for r in records} == {audit_ref(listen["grant"]["nonce"])}
    assert {r["patient"] for r in records} == {env.patient.id}
    assert {r["call_id"] for r in records} == {call_id}
    auditor = env.server.session(env.server.token("auditor"))
    who = auditor.get(env.server.url("/v1/audit/events?actor=mon-agent&action=call.monitor.start"),
                      timeout=10).json()["events"]
    assert [e["detail"]["sup"] for e in who] == ["mon-lead"]  # who listened to mon-agent's calls
    disclosures = auditor.get(env.server.url(f"/v1/audit/events?patient={env.patient.id}"
                                             "&action=call.monitor.start"), timeout=10).json()["events"]
    assert len(disclosures) == 1
    ws.phone.hangup(call_id).result(10)
    ws.shutdown()  # one pjsua2 endpoint per process: the lead's workstation comes next


def test_team_lead_side_asks_a_grant_calls_changes_mode_and_hangs_up_recording_each_step(
        workstation_env: WorkstationEnv) -> None:  # noqa: F811
    env = workstation_env
    env.server.enroll("mon-agent-2", team=TEAM)  # the monitored agent's enrolled device
    ws = env.workstation()
    events = Events(ws.bus, pev.PhoneEvent, SupervisionChanged)
    creds = ws.enroll(env.server.token("enroll", agent="mon-lead-2", team=TEAM, user_role="team_lead"))
    assert ws.create_vault(PASSWORD, "lead", DEFAULT_USERS["lead"]).registered
    agent = env.caller(user="peer2")  # stands in for the agent's phone: answers, shows the grant
    agent.cmd("autoanswer", code=200)
    call_id = ws.monitor("mon-agent-2", env.kamailio.uri("peer2"), "listen")
    events.wait(SupervisionChanged, lambda e: e.state == "up")
    incoming = agent.wait_event(lambda e: e.get("event") == "incoming", what="the monitoring INVITE")
    grant = verify_grant(creds.receipt_public_key, incoming["grant"], agent="mon-agent-2")
    assert (grant["sup"], grant["mode"]) == ("mon-lead-2", "listen")
    ws.monitor_mode("barge")
    events.wait(SupervisionChanged, lambda e: e.mode == "barge")
    ws.stop_monitoring()
    ended = events.wait(SupervisionChanged, lambda e: e.state == "ended")
    assert ended.cause == "local_hangup"
    ws.wait_calls_handled()
    ws.sync_now()
    wait_until(lambda: len(by_action(server_events(env, creds.device_id))) >= 3, what="lead's records")
    records = by_action(server_events(env, creds.device_id))
    assert [r["action"] for r in records] == ["call.monitor.start", "call.monitor.mode", "call.monitor.end"]
    assert {r["detail"]["nonce"] for r in records} == {audit_ref(grant["nonce"])}  # as the agent's side
    assert {r["actor"]["role"] for r in records} == {"team_lead"}
    assert {r["call_id"] for r in records} == {call_id}
    ws.shutdown()


def test_a_revoked_team_lead_device_gets_no_grant(workstation_env: WorkstationEnv) -> None:  # noqa: F811
    env = workstation_env
    env.server.enroll("mon-agent-3", team=TEAM)
    revoked, enrolment = lead_client(env, "mon-lead-revoked")
    admin = env.server.session(env.server.token("admin"))
    admin.post(env.server.url(f"/v1/devices/{enrolment['device_id']}/revoke"),
               json={"reason": "test"}, timeout=10).raise_for_status()
    with pytest.raises(PresenceError):
        revoked.monitor_grant("mon-agent-3", "listen")
