"""Enrolment, device status and revocation."""

from __future__ import annotations

import secrets
from typing import Any

from agent_desktop.audit.event import GENESIS_HASH, utc_timestamp
from agent_desktop.server import tokens
from agent_desktop.server.context import ServerContext
from agent_desktop.server.errors import BadRequest, NotFound, Unauthorized
from agent_desktop.server.tokens import Principal


def enroll(ctx: ServerContext, principal: Principal, hostname: str | None) -> dict[str, Any]:
    """Consume a one-time enrolment token and register a device for its agent."""
    db = ctx.db
    if not principal.agent_id:
        raise BadRequest("this enrolment token names no agent; create one with --agent ID")
    device_id = "dev-" + secrets.token_hex(8)
    device_token = tokens.new_token()
    now = utc_timestamp(ctx.clock())
    role = principal.user_role or "agent"
    with db.transaction():
        if not tokens.consume(db, principal.token_hash):
            raise Unauthorized("the enrolment token was already used")
        db.execute("INSERT INTO devices (device_id, agent_id, role, team, status, enrolled_at, last_seq,"
                   " last_hash) VALUES (?, ?, ?, ?, 'active', ?, 0, ?)",
                   (device_id, principal.agent_id, role, principal.team, now, GENESIS_HASH))
        db.execute("INSERT INTO tokens (token_hash, role, agent_id, team, device_id, user_role,"
                   " created_at) VALUES (?, 'device', ?, ?, ?, ?, ?)",
                   (tokens.token_hash(device_token), principal.agent_id, principal.team, device_id,
                    role, now))
        tokens.server_log(db, "enroll-token", "device.enroll",
                          {"device_id": device_id, "agent_id": principal.agent_id,
                           "hostname": hostname})
    return {"device_id": device_id, "device_token": device_token, "agent_id": principal.agent_id,
            "role": role, "team": principal.team, "receipt_public_key": ctx.signer.public_key_hex,
            "last_seq": 0, "last_hash": GENESIS_HASH}


def status(ctx: ServerContext, device_id: str) -> dict[str, Any]:
    row = ctx.db.one("SELECT status, agent_id, team, enrolled_at, revoked_at, last_seq, last_hash"
                     " FROM devices WHERE device_id = ?", (device_id,))
    if row is None:
        raise NotFound("no such device")
    state, agent_id, team, enrolled_at, revoked_at, last_seq, last_hash = row
    return {"device_id": device_id, "status": state, "agent_id": agent_id, "team": team,
            "enrolled_at": enrolled_at, "revoked_at": revoked_at, "last_seq": int(last_seq),
            "last_hash": last_hash}


def revoke(ctx: ServerContext, device_id: str, actor: str, reason: str | None) -> dict[str, Any]:
    db = ctx.db
    now = utc_timestamp(ctx.clock())
    with db.transaction():
        row = db.one("SELECT status FROM devices WHERE device_id = ?" + db.for_update, (device_id,))
        if row is None:
            raise NotFound("no such device")
        if row[0] != "revoked":
            db.execute("UPDATE devices SET status = 'revoked', revoked_at = ? WHERE device_id = ?",
                       (now, device_id))
            tokens.server_log(db, actor, "device.revoke", {"device_id": device_id, "reason": reason})
    return status(ctx, device_id)
