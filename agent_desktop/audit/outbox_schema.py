"""Vault migration 2: the audit outbox and the chain state.

The outbox holds every event not yet covered by a server receipt, as the exact JSON that
was hashed. The chain-state row keeps the head of the chain (last seq and hash ever
recorded) and the last receipted point, so both survive the deletion of acknowledged
events; the halt columns keep a 409 chain break from being retried after a restart.
"""

from __future__ import annotations

from typing import Any

OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_outbox (
    seq   INTEGER PRIMARY KEY,
    id    TEXT NOT NULL UNIQUE,
    body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_chain_state (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id    TEXT NOT NULL,
    last_seq     INTEGER NOT NULL,
    last_hash    TEXT NOT NULL,
    acked_seq    INTEGER NOT NULL,
    acked_hash   TEXT NOT NULL,
    last_sync_ts TEXT,
    halted_seq   INTEGER,
    halted_reason TEXT
);
"""


def create_audit_outbox(conn: Any) -> None:
    """Apply the outbox schema (idempotent: IF NOT EXISTS)."""
    for statement in OUTBOX_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
