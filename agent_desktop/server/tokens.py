"""Bearer tokens: 32 random bytes shown once; the server keeps only their SHA-256."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.server.db import Database

ROLES = ("enroll", "auditor", "admin", "team_lead", "device")
CREATABLE_ROLES = ("enroll", "auditor", "admin", "team_lead")
PREFIX = "adt_"


@dataclass(frozen=True)
class Principal:
    """Who a request's token belongs to."""

    role: str
    token_hash: str
    agent_id: str | None = None
    team: str | None = None
    device_id: str | None = None
    user_role: str | None = None  # the agent's role (agent, team_lead, admin) for enrol/device


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Database, role: str, *, agent_id: str | None = None, team: str | None = None,
                 device_id: str | None = None, user_role: str | None = None,
                 expires_at: str | None = None, actor: str = "cli") -> str:
    """Store a new token's hash and return the token (the only time it exists in clear)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    token = new_token()
    with db.transaction():
        db.execute(
            "INSERT INTO tokens (token_hash, role, agent_id, team, device_id, user_role, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (token_hash(token), role, agent_id, team, device_id, user_role, utc_timestamp(), expires_at))
        if role != "device":
            server_log(db, actor, "token.create", {"role": role, "agent_id": agent_id, "team": team})
    return token


def lookup(db: Database, token: str) -> Principal | None:
    """The principal for a live token, or None (unknown, expired, used or revoked)."""
    digest = token_hash(token)
    row = db.one("SELECT role, agent_id, team, device_id, user_role, expires_at, used_at, revoked_at"
                 " FROM tokens WHERE token_hash = ?", (digest,))
    if row is None:
        return None
    role, agent_id, team, device_id, user_role, expires_at, used_at, revoked_at = row
    if revoked_at or used_at:
        return None
    if expires_at and expires_at <= utc_timestamp():
        return None
    return Principal(role, digest, agent_id, team, device_id, user_role)


def consume(db: Database, digest: str) -> bool:
    """Mark a single-use token used; False when another request used it first."""
    cur = db.execute("UPDATE tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                     (utc_timestamp(), digest))
    return bool(cur.rowcount == 1)


def server_log(db: Database, actor: str, action: str, detail: Mapping[str, Any]) -> None:
    """The server's own administrative audit trail (token creation, revocation, purge)."""
    db.execute("INSERT INTO server_log (ts, actor, action, detail) VALUES (?, ?, ?, ?)",
               (utc_timestamp(), actor, action, json.dumps(dict(detail), sort_keys=True)))


def revoke_device_tokens(db: Database, device_id: str) -> None:
    db.execute("UPDATE tokens SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
               (utc_timestamp(), device_id))
