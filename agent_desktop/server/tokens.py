"""Bearer tokens: 32 random bytes shown once; the server keeps only their SHA-256."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.errors import AgentDesktopError
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
    device_revoked: bool = False  # a device token whose device was revoked: no power but its status

    @property
    def token_id(self) -> str:
        """The public name of a token (the start of its hash): logs, `token list`, `token revoke`."""
        return self.token_hash[:16]


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
    """The principal for a live token, or None (unknown, expired, used or revoked).

    A device token is read together with its device's status, in the same statement, so a
    revocation takes effect on the very next request of every token of that device.
    """
    digest = token_hash(token)
    row = db.one("SELECT t.role, t.agent_id, t.team, t.device_id, t.user_role, t.expires_at, t.used_at,"
                 " t.revoked_at, d.status FROM tokens t LEFT JOIN devices d ON d.device_id = t.device_id"
                 " WHERE t.token_hash = ?", (digest,))
    if row is None:
        return None
    role, agent_id, team, device_id, user_role, expires_at, used_at, revoked_at, device_status = row
    if revoked_at or used_at:
        return None
    if expires_at and expires_at <= utc_timestamp():
        return None
    return Principal(role, digest, agent_id, team, device_id, user_role,
                     device_revoked=device_id is not None and device_status != "active")


def list_tokens(db: Database) -> list[dict[str, Any]]:
    """Every token by id (never the token), newest first: for `token list`."""
    rows = db.query("SELECT token_hash, role, agent_id, team, device_id, created_at, expires_at, used_at,"
                    " revoked_at FROM tokens ORDER BY created_at DESC")
    return [{"id": h[:16], "role": r, "agent": a, "team": t, "device_id": d, "created_at": c,
             "expires_at": e, "used_at": u, "revoked_at": v} for h, r, a, t, d, c, e, u, v in rows]


def revoke_token(db: Database, *, token: str | None = None, token_id: str | None = None,
                 actor: str = "cli", reason: str | None = None) -> dict[str, Any]:
    """Revoke one token by its value or its id (a unique prefix of its hash, 8+ hex digits)."""
    if token:
        pattern, params = "token_hash = ?", (token_hash(token),)
    elif token_id and len(token_id) >= 8 and all(c in "0123456789abcdef" for c in token_id):
        pattern, params = "token_hash LIKE ?", (token_id + "%",)
    else:
        raise TokenNotFound("give the token, or its id from `agent-desktop server token list` (8+ hex digits)")
    with db.transaction():
        rows = db.query(f"SELECT token_hash, role, revoked_at FROM tokens WHERE {pattern}", params)
        if len(rows) != 1:
            raise TokenNotFound("no such token" if not rows else "that id matches several tokens; give more digits")
        digest, role, revoked_at = rows[0]
        if not revoked_at:
            db.execute("UPDATE tokens SET revoked_at = ? WHERE token_hash = ?", (utc_timestamp(), digest))
            server_log(db, actor, "token.revoke", {"id": digest[:16], "role": role, "reason": reason})
    return {"id": digest[:16], "role": role, "revoked": True}


class TokenNotFound(AgentDesktopError):
    """The token to revoke is not (uniquely) known."""


def consume(db: Database, digest: str) -> bool:
    """Mark a single-use token used; False when another request used it first."""
    cur = db.execute("UPDATE tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                     (utc_timestamp(), digest))
    return bool(cur.rowcount == 1)


def server_log(db: Database, actor: str, action: str, detail: Mapping[str, Any]) -> None:
    """The server's own administrative audit trail (token creation, revocation, purge)."""
    db.execute("INSERT INTO server_log (ts, actor, action, detail) VALUES (?, ?, ?, ?)",
               (utc_timestamp(), actor, action, json.dumps(dict(detail), sort_keys=True)))

