"""Agent and team-lead workstations' presence clients against the real server over HTTPS:
what the agent publishes reaches the lead's roster within seconds, a silent client turns
offline, escalations are raised and acknowledged, strangers and revoked devices are refused,
and no caller number or patient reference is ever accepted or answered."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from agent_desktop.presence.client import PresenceClient, Published
from agent_desktop.presence.publisher import PresencePublisher
from agent_desktop.presence.roster import PresenceError, RosterRow
from agent_desktop.presence.states import AgentStatus, Presence
from tests.support.presence_env import OFFLINE_AFTER, Team

T = TypeVar("T")
CALLER_NUMBER, PATIENT = "+12105550147", "pat-8C41"


def wait_for(probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.05)


def row(lead: PresenceClient, agent: str) -> RosterRow:
    return next(r for r in lead.roster().rows if r.agent_id == agent)


def test_state_changes_and_escalations_reach_the_roster_and_an_acknowledgement_reaches_the_agent(
        team: Team) -> None:
    agent, lead = team.enroll("ana"), team.enroll("lead", role="team_lead")
    ana, aor = team.id("ana"), f"sips:{team.id('ana')}@pbx.example.org"
    published: list[Published] = []
    publisher = PresencePublisher(agent, heartbeat_seconds=0.5, on_published=published.append)
    publisher.start()
    try:
        publisher.update(AgentStatus(Presence.AVAILABLE, since=time.time(), aor=aor))
        assert wait_for(lambda: row(lead, ana).state is Presence.AVAILABLE and row(lead, ana)).aor == aor

        lunch = time.time()
        publisher.update(AgentStatus(Presence.NOT_READY, reason="lunch", since=lunch, aor=aor))
        seen = wait_for(lambda: (r := row(lead, ana)).state is Presence.NOT_READY and r)
        assert (seen.reason, seen.since) == ("lunch", pytest.approx(lunch, abs=0.01))

        asked = time.time()
        publisher.update(AgentStatus(Presence.ON_CALL, since=asked, aor=aor,
                                     escalation="minor_patient", escalated_at=asked))
        help_wanted = agent.escalate("need_help")
        seen = wait_for(lambda: len((r := row(lead, ana)).escalations) == 2 and r)
        assert seen.state is Presence.ON_CALL
        assert [(e.kind, e.raised_at) for e in seen.escalations] == [
            ("minor_patient", pytest.approx(asked, abs=0.01)), ("need_help", help_wanted.raised_at)]

        minor = seen.escalations[0]
        acked = lead.acknowledge(minor.id)
        assert acked.acknowledged_by == team.id("lead") and acked.acknowledged
        assert [e.kind for e in row(lead, ana).escalations] == ["need_help"]
        # the agent's heartbeat carries the escalation on and learns who took it
        wait_for(lambda: any(p.escalation and p.escalation.acknowledged_by == team.id("lead")
                             for p in published))
        assert [e.kind for e in row(lead, ana).escalations] == ["need_help"]
    finally:
        publisher.stop()  # signs out: offline at once, without waiting for the timeout
    assert publisher.signed_out, publisher.last_error
    assert row(lead, ana).state is Presence.OFFLINE
    assert_no_phi(team)


def test_a_client_that_went_silent_shows_offline_never_its_last_state(team: Team) -> None:
    agent, lead = team.enroll("ben"), team.enroll("lead", role="team_lead")
    ben = team.id("ben")
    assert row(lead, ben).state is Presence.OFFLINE and row(lead, ben).since is None

    def fresh_sample() -> RosterRow | None:
        agent.publish(AgentStatus(Presence.AVAILABLE, aor=f"sips:{ben}@pbx"))
        roster = lead.roster()
        r = next(r for r in roster.rows if r.agent_id == ben)
        assert r.last_seen is not None
        return r if roster.server_now - r.last_seen < roster.offline_after else None

    silent_from = time.monotonic()
    assert wait_for(fresh_sample).state is Presence.AVAILABLE
    last_report = time.monotonic()
    gone = wait_for(lambda: (r := row(lead, ben)).state is Presence.OFFLINE and r)
    # not before the server's timeout: "offline" is the verdict on silence, not on anything else
    assert time.monotonic() - silent_from >= OFFLINE_AFTER
    assert gone.reason == "" and gone.since == gone.last_seen
    assert time.monotonic() - last_report < OFFLINE_AFTER + 15
    agent.publish(AgentStatus(Presence.AVAILABLE))
    assert row(lead, ben).state is Presence.AVAILABLE  # back with its next report


def test_another_teams_lead_and_an_agent_are_refused_the_roster_and_the_acknowledgement(team: Team) -> None:
    agent, lead = team.enroll("cy"), team.enroll("lead", role="team_lead")
    escalation = agent.escalate("social_engineering")
    other = team.client(team.server.token("team_lead", agent="lead-red", team=f"{team.name}-red"))
    for refused in (lambda: other.roster(team.name), lambda: other.acknowledge(escalation.id, team.name),
                    lambda: agent.roster(), lambda: agent.acknowledge(escalation.id)):
        with pytest.raises(PresenceError, match="HTTP 403"):
            refused()
    assert [e.id for e in row(lead, team.id("cy")).escalations] == [escalation.id]
    with pytest.raises(PresenceError, match="HTTP 403: a device may only report its own"):
        PresenceClient(team.server.base_url, team.sessions[0], token=team.devices["cy"]["device_token"],
                       agent_id=team.id("lead")).publish(AgentStatus(Presence.AVAILABLE))


def test_revoked_devices_are_refused_everything(team: Team) -> None:
    agent, lead = team.enroll("dee"), team.enroll("lead", role="team_lead")
    second_lead = team.enroll("lead2", role="team_lead")
    agent.publish(AgentStatus(Presence.AVAILABLE))
    escalation = agent.escalate("need_help")
    team.revoke("lead")
    for refused in (lead.roster, lambda: lead.acknowledge(escalation.id),
                    lambda: lead.publish(AgentStatus(Presence.AVAILABLE))):
        with pytest.raises(PresenceError, match="HTTP 40[13]"):
            refused()
    team.revoke("dee")
    for refused in (lambda: agent.publish(AgentStatus(Presence.AVAILABLE)), lambda: agent.escalate("need_help"),
                    agent.sign_out):
        with pytest.raises(PresenceError, match="HTTP 40[13]"):
            refused()
    assert team.id("dee") not in [r.agent_id for r in second_lead.roster().rows]


def test_a_patient_or_caller_number_is_refused_and_never_answered(team: Team) -> None:
    agent, lead = team.enroll("eve"), team.enroll("lead", role="team_lead")
    s, eve = team.sessions[0], team.id("eve")
    s.headers["Authorization"] = f"Bearer {team.devices['eve']['device_token']}"
    url = team.server.url
    attempts = [
        ("PUT", f"/v1/agents/{eve}/state", {"state": "on_call", "patient": PATIENT}),
        ("PUT", f"/v1/agents/{eve}/state", {"state": "on_call", "caller": CALLER_NUMBER}),
        ("PUT", f"/v1/agents/{eve}/state", {"state": "on_call", "aor": f"sips:{CALLER_NUMBER}@pbx"}),
        ("PUT", f"/v1/agents/{eve}/state", {"state": "not_ready", "reason": f"callback {CALLER_NUMBER}"}),
        ("PUT", f"/v1/agents/{eve}/state", {"state": "on_call", "aor": f"sips:eve@pbx?X-Patient={PATIENT}"}),
        ("PUT", f"/v1/agents/{eve}/state", {"state": "offline"}),
        ("POST", f"/v1/agents/{eve}/escalations", {"kind": "minor_patient", "patient": PATIENT}),
        ("POST", f"/v1/agents/{eve}/escalations", {"kind": PATIENT}),
    ]
    for method, path, body in attempts:
        answer = s.request(method, url(path), json=body, timeout=10)
        assert answer.status_code == 400, (body, answer.text)
    agent.publish(AgentStatus(Presence.ON_CALL, aor=f"sips:{eve}@pbx"))
    agent.escalate("caller_other")
    assert row(lead, eve).state is Presence.ON_CALL
    assert_no_phi(team)


def assert_no_phi(team: Team) -> None:
    assert team.answers, "no answers were recorded"
    for text in team.answers:
        for needle in (CALLER_NUMBER, CALLER_NUMBER[2:], "555-0147", PATIENT):
            assert needle not in text, text
