"""Live agent presence and escalations, stored on both backends; times come from ctx.clock.

A device reports its agent's status (and repeats it as a heartbeat); the roster shows an
agent whose device has not reported within ``ctx.presence_timeout_s`` as ``offline``, never
as what it last said. An escalation is the agent asking the team lead for help: raised by
the agent's device (idempotent on the agent's own time of asking, so a heartbeat that
repeats it stores it once), acknowledged by a lead of the same team with who and when.
Nothing here ever holds a caller, a number or a patient: the API refuses such fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.presence.states import Presence
from agent_desktop.server.context import ServerContext
from agent_desktop.server.errors import BadRequest, Forbidden
from agent_desktop.server.tokens import Principal, server_log

_ESCALATION_COLUMNS = "id, agent_id, kind, raised_at, acked_by, acked_at"


def _not_in_future(ctx: ServerContext, when: float, field: str, now: float) -> float:
    """``when`` (the device's clock) clamped to now; refused when far ahead of the server."""
    if when > now + ctx.max_future_skew_s:
        raise BadRequest(f"{field}: more than {ctx.max_future_skew_s:.0f} s in the future; "
                         "check the workstation's clock")
    return min(when, now)


def publish(ctx: ServerContext, principal: Principal, *, state: str, reason: str, since: float,
            aor: str, escalation: str | None, escalated_at: float | None) -> dict[str, Any]:
    """Store the agent's status as reported now; returns it with the escalation it carries."""
    agent_id = principal.agent_id or ""
    now = ctx.clock()
    if escalation is not None and not escalated_at:
        raise BadRequest("escalated_at: required with an escalation (the time the agent asked)")
    with ctx.db.transaction():
        row = ctx.db.one("SELECT state, since FROM agent_state WHERE agent_id = ?", (agent_id,))
        if since:
            since = _not_in_future(ctx, since, "since", now)
        elif row is not None and row[0] == state and row[1] is not None:
            since = float(row[1])  # a heartbeat without a start time keeps the one we have
        else:
            since = now
        values = (state, principal.team, principal.device_id, utc_timestamp(now), reason, since, aor, now)
        if row is None:
            ctx.db.execute("INSERT INTO agent_state (state, team, device_id, updated_at, reason, since, aor,"
                           " seen_at, agent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, agent_id))
        else:
            ctx.db.execute("UPDATE agent_state SET state = ?, team = ?, device_id = ?, updated_at = ?,"
                           " reason = ?, since = ?, aor = ?, seen_at = ? WHERE agent_id = ?",
                           (*values, agent_id))
        raised = (_raise(ctx, principal, escalation, escalated_at or now, now)
                  if escalation is not None else None)
    return {"agent_id": agent_id, "state": state, "reason": reason, "since": since, "aor": aor,
            "updated_at": utc_timestamp(now), "escalation": raised}


def sign_out(ctx: ServerContext, principal: Principal) -> dict[str, Any]:
    """The client signed out: offline at once, without waiting for the timeout."""
    now = ctx.clock()
    with ctx.db.transaction():
        ctx.db.execute("UPDATE agent_state SET state = ?, reason = '', since = ?, seen_at = ?, updated_at = ?"
                       " WHERE agent_id = ?", (Presence.OFFLINE.value, now, now, utc_timestamp(now),
                                               principal.agent_id))
    return {"agent_id": principal.agent_id, "state": Presence.OFFLINE.value, "since": now}


def escalate(ctx: ServerContext, principal: Principal, kind: str, raised_at: float | None) -> dict[str, Any]:
    now = ctx.clock()
    with ctx.db.transaction():
        return _raise(ctx, principal, kind, raised_at or now, now)


def _raise(ctx: ServerContext, principal: Principal, kind: str, asked_at: float, now: float) -> dict[str, Any]:
    asked_at = _not_in_future(ctx, asked_at, "escalated_at", now)
    key = (principal.agent_id, kind, asked_at)
    ctx.db.execute(
        "INSERT INTO escalations (id, agent_id, team, device_id, kind, client_ts, raised_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, kind, client_ts) DO NOTHING",
        (str(uuid.uuid4()), principal.agent_id, principal.team, principal.device_id, kind, asked_at, asked_at))
    row = ctx.db.one(f"SELECT {_ESCALATION_COLUMNS} FROM escalations"
                     " WHERE agent_id = ? AND kind = ? AND client_ts = ?", key)
    assert row is not None  # inserted above or by the request it repeats
    return _escalation(row)


def acknowledge(ctx: ServerContext, principal: Principal, team: str, escalation_id: str) -> dict[str, Any]:
    """Record that a lead of ``team`` took the escalation; the first acknowledgement stands."""
    if principal.team != team:
        raise Forbidden("a team lead may only acknowledge escalations of their own team")
    who = principal.agent_id or f"team_lead:{principal.token_hash[:12]}"
    now = ctx.clock()
    with ctx.db.transaction():
        found = ctx.db.one("SELECT acked_at FROM escalations WHERE id = ? AND team = ?", (escalation_id, team))
        if found is None:  # the same answer whether it is another team's or does not exist
            raise Forbidden("a team lead may only acknowledge escalations of their own team")
        if found[0] is None:
            ctx.db.execute("UPDATE escalations SET acked_by = ?, acked_device = ?, acked_at = ?"
                           " WHERE id = ? AND acked_at IS NULL", (who, principal.device_id, now, escalation_id))
            server_log(ctx.db, who, "escalation.ack", {"escalation": escalation_id, "team": team})
        row = ctx.db.one(f"SELECT {_ESCALATION_COLUMNS} FROM escalations WHERE id = ?", (escalation_id,))
    assert row is not None
    return _escalation(row)


def _escalation(row: Any) -> dict[str, Any]:
    esc_id, agent_id, kind, raised_at, acked_by, acked_at = row
    return {"id": esc_id, "agent_id": agent_id, "kind": kind, "raised_at": float(raised_at),
            "acknowledged_by": acked_by, "acknowledged_at": None if acked_at is None else float(acked_at)}


def roster(ctx: ServerContext, team: str) -> dict[str, Any]:
    """Every active agent of ``team`` with its state (offline when silent) and open escalations."""
    now = ctx.clock()
    silent_before = now - ctx.presence_timeout_s
    rows = ctx.db.query(
        "SELECT d.agent_id, d.role, s.state, s.reason, s.since, s.aor, s.seen_at, s.updated_at FROM devices d"
        " LEFT JOIN agent_state s ON s.agent_id = d.agent_id"
        " WHERE d.team = ? AND d.status = 'active' ORDER BY d.agent_id", (team,))
    open_escalations: dict[str, list[dict[str, Any]]] = {}
    for row in ctx.db.query(f"SELECT {_ESCALATION_COLUMNS} FROM escalations WHERE team = ? AND acked_at IS NULL"
                            " ORDER BY raised_at, id", (team,)):
        esc = _escalation(row)
        open_escalations.setdefault(esc.pop("agent_id"), []).append(esc)
    agents: dict[str, dict[str, Any]] = {}
    for agent_id, role, state, reason, since, aor, seen_at, updated in rows:
        if agent_id in agents:
            continue  # an agent with several active devices has one row
        live = seen_at is not None and float(seen_at) >= silent_before and state != Presence.OFFLINE.value
        agents[agent_id] = {
            "agent_id": agent_id, "role": role,
            "state": state if live else Presence.OFFLINE.value,
            "reason": reason if live else "",
            "since": float(since if live else seen_at) if seen_at is not None else None,
            "aor": aor or "",
            "last_seen": None if seen_at is None else float(seen_at),
            "updated_at": updated,
            "escalations": [{k: v for k, v in e.items() if not k.startswith("acknowledged")}
                            for e in open_escalations.get(agent_id, [])],
        }
    return {"team": team, "now": now, "offline_after": ctx.presence_timeout_s, "agents": list(agents.values())}
