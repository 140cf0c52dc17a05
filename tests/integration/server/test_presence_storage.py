"""Presence storage on both backends with the server's clock in the test's hands: the exact
moment a silent agent turns offline, heartbeats, idempotent escalations, acknowledgements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_desktop.server import devices, presence
from agent_desktop.server.context import ServerContext
from agent_desktop.server.db import open_database
from agent_desktop.server.errors import BadRequest, Forbidden
from agent_desktop.server.keys import write_key
from agent_desktop.server.migrations import migrate
from agent_desktop.server.tokens import Principal, create_token, lookup
from tests.support.postgres import PostgresCluster

T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerContext]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        url = cluster.create_database()
    db = open_database(url)
    migrate(db)
    context = ServerContext(db=db, signer=write_key(tmp_path / "key.pem"), clock=Clock(),
                            presence_timeout_s=45.0)
    yield context
    db.close()


def device(ctx: ServerContext, agent: str, team: str = "blue", role: str = "agent") -> Principal:
    enrol = lookup(ctx.db, create_token(ctx.db, "enroll", agent_id=agent, team=team, user_role=role))
    assert enrol is not None
    principal = lookup(ctx.db, devices.enroll(ctx, enrol, None)["device_token"])
    assert principal is not None
    return principal


def report(ctx: ServerContext, who: Principal, state: str = "available", since: float = 0.0,
           **kw: object) -> dict[str, object]:
    args: dict[str, object] = {"reason": "", "aor": f"sips:{who.agent_id}@pbx", "escalation": None,
                               "escalated_at": None, **kw}
    return presence.publish(ctx, who, state=state, since=since, **args)  # type: ignore[arg-type]


def rows(ctx: ServerContext, team: str = "blue") -> dict[str, dict[str, object]]:
    return {a["agent_id"]: a for a in presence.roster(ctx, team)["agents"]}


def test_a_silent_agent_is_offline_exactly_after_the_timeout_and_back_with_the_next_heartbeat(
        ctx: ServerContext) -> None:
    clock: Clock = ctx.clock  # type: ignore[assignment]
    agent = device(ctx, "agent-1")
    assert rows(ctx)["agent-1"]["state"] == "offline" and rows(ctx)["agent-1"]["since"] is None
    report(ctx, agent, "on_call", since=T0 - 30)
    clock.now = T0 + 45
    row = rows(ctx)["agent-1"]
    assert (row["state"], row["since"], row["aor"]) == ("on_call", T0 - 30, "sips:agent-1@pbx")
    clock.now = T0 + 45.001
    row = rows(ctx)["agent-1"]
    assert (row["state"], row["since"], row["last_seen"]) == ("offline", T0, T0)
    report(ctx, agent, "on_call")  # a heartbeat without a start time keeps the known one
    assert rows(ctx)["agent-1"]["since"] == T0 - 30
    report(ctx, agent, "available")  # a new state without one starts now
    assert rows(ctx)["agent-1"]["since"] == clock.now
    presence.sign_out(ctx, agent)
    assert rows(ctx)["agent-1"]["state"] == "offline"


def test_a_start_time_from_a_clock_far_ahead_is_refused_and_a_little_ahead_is_clamped(ctx: ServerContext) -> None:
    agent = device(ctx, "agent-1")
    with pytest.raises(BadRequest, match="clock"):
        report(ctx, agent, since=T0 + 301)
    assert report(ctx, agent, since=T0 + 5)["since"] == T0


def test_an_escalation_repeated_by_heartbeats_is_stored_once_and_the_first_acknowledgement_stands(
        ctx: ServerContext) -> None:
    clock: Clock = ctx.clock  # type: ignore[assignment]
    agent, lead, lead2 = device(ctx, "agent-1"), device(ctx, "lead-1", role="team_lead"), device(ctx, "lead-2")
    first = report(ctx, agent, "on_call", escalation="minor_patient", escalated_at=T0 - 2)["escalation"]
    again = report(ctx, agent, "on_call", escalation="minor_patient", escalated_at=T0 - 2)["escalation"]
    assert first == again and isinstance(first, dict) and first["raised_at"] == T0 - 2
    other = presence.escalate(ctx, agent, "need_help", None)
    assert [e["kind"] for e in rows(ctx)["agent-1"]["escalations"]] == ["minor_patient", "need_help"]
    with pytest.raises(BadRequest, match="escalated_at"):
        report(ctx, agent, escalation="need_help")

    clock.now = T0 + 7
    acked = presence.acknowledge(ctx, lead, "blue", str(first["id"]))
    assert (acked["acknowledged_by"], acked["acknowledged_at"]) == ("lead-1", T0 + 7)
    clock.now = T0 + 9
    assert presence.acknowledge(ctx, lead2, "blue", str(first["id"]))["acknowledged_by"] == "lead-1"
    assert [e["id"] for e in rows(ctx)["agent-1"]["escalations"]] == [other["id"]]
    # the agent's next heartbeat learns who took it; the escalation does not come back
    seen = report(ctx, agent, "on_call", escalation="minor_patient", escalated_at=T0 - 2)["escalation"]
    assert isinstance(seen, dict) and seen["acknowledged_by"] == "lead-1"
    assert len(rows(ctx)["agent-1"]["escalations"]) == 1
    logged = ctx.db.query("SELECT actor, action FROM server_log WHERE action = 'escalation.ack'")
    assert [tuple(r) for r in logged] == [("lead-1", "escalation.ack")]


def test_another_teams_lead_can_neither_read_nor_acknowledge(ctx: ServerContext) -> None:
    agent, red_lead = device(ctx, "agent-1"), device(ctx, "lead-9", team="red", role="team_lead")
    esc = presence.escalate(ctx, agent, "social_engineering", None)
    for team in ("blue", "red"):  # the same refusal for another team's and a made-up escalation
        with pytest.raises(Forbidden, match="own team"):
            presence.acknowledge(ctx, red_lead, team, esc["id"])
    assert rows(ctx, "red") == {"lead-9": rows(ctx, "red")["lead-9"]}
    assert len(rows(ctx)["agent-1"]["escalations"]) == 1


def test_a_revoked_agent_leaves_the_roster_with_its_escalations(ctx: ServerContext) -> None:
    agent, _ = device(ctx, "agent-1"), device(ctx, "agent-2")
    presence.escalate(ctx, agent, "need_help", None)
    report(ctx, agent)
    devices.revoke(ctx, str(agent.device_id), "test", None)
    assert list(rows(ctx)) == ["agent-2"]
