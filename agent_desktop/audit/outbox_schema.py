"""Vault migrations 2 and 18: the audit outbox and the chain state.

The outbox holds every event not yet covered by a server receipt, as the exact JSON that
was hashed. The chain-state row keeps the head of the chain (last seq and hash ever
recorded) and the last receipted point, so both survive the deletion of acknowledged
events; the halt columns keep a 409 chain break from being retried after a restart.

Migration 18 rebuilds the outbox for a one-page commit per event (version 2 is kept as it
was: a vault at any version migrates forward through both). A ``record`` used to write
three b-tree pages, each encrypted, MACed and fsynced: the outbox row, the leaf of the
``UNIQUE(id)`` index, and the chain-state row moved to the new head. Now it writes the
outbox row alone:

- no index on ``id``: nothing looks an event up by id, and ids stay unique without it
  (each is a UUIDv7 with 74 random bits, covered by the event's hash; the server
  de-duplicates resends by id);
- a ``hash`` column, so the head (the newest row) is read without parsing JSON; the
  chain-state head becomes a checkpoint moved by batch writes and receipts (see
  ``outbox.py``). ``verify_local`` checks the column against each body.
"""

from __future__ import annotations

from typing import Any

from agent_desktop.vault.migrations import Migration, register

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


def outbox_one_page_per_event(conn: Any) -> None:
    """Rebuild ``audit_outbox`` as (seq, id, hash, body) without ``UNIQUE(id)``, keeping
    every row (an index made by a column constraint cannot be dropped on its own). Runs in
    the migration's transaction: a crash leaves the old table or the new one. A body that
    is no longer JSON (tampered) keeps an empty hash, so the vault still opens and
    ``verify_local`` reports the row."""
    conn.execute("CREATE TABLE audit_outbox_v18 (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, "
                 "hash TEXT NOT NULL, body TEXT NOT NULL)")
    conn.execute("INSERT INTO audit_outbox_v18 (seq, id, hash, body) SELECT seq, id, "
                 "CASE WHEN json_valid(body) THEN coalesce(json_extract(body, '$.hash'), '') "
                 "ELSE '' END, body FROM audit_outbox ORDER BY seq")
    conn.execute("DROP TABLE audit_outbox")
    conn.execute("ALTER TABLE audit_outbox_v18 RENAME TO audit_outbox")


# The numbers are the vault's, never reused or renumbered (2 since the first build).
MIGRATION = Migration(2, "audit outbox", create_audit_outbox)
MIGRATION_ONE_PAGE = Migration(18, "audit outbox: one page per event", outbox_one_page_per_event)
register(MIGRATION)
register(MIGRATION_ONE_PAGE)
