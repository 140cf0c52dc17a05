"""Vault migration 3: verification and directory state that must survive a restart.

Registered with the vault's migration list at import (the vault never imports verify);
kept free of the engine's imports so registering costs nothing. ``verify_failures`` feeds the cross-call social-engineering flag (opaque patient
references, reason codes and times only); ``pending_consents`` holds verbal consents not yet
accepted by the directory (the FHIR body is PHI, which is why it lives in the vault);
``access_requests`` lists right-of-access requests so open ones can be tracked to their due date.
"""

from __future__ import annotations

from typing import Any

from agent_desktop.vault.migrations import Migration, register

VERIFY_SCHEMA = """
CREATE TABLE IF NOT EXISTS verify_failures (
    id       INTEGER PRIMARY KEY,
    patient  TEXT NOT NULL,
    call_id  TEXT,
    reason   TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS verify_failures_patient ON verify_failures (patient, at);
CREATE TABLE IF NOT EXISTS pending_consents (
    id          INTEGER PRIMARY KEY,
    patient     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_id     TEXT
);
CREATE TABLE IF NOT EXISTS access_requests (
    id            TEXT PRIMARY KEY,
    patient       TEXT NOT NULL,
    groups        TEXT NOT NULL,
    delivery      TEXT NOT NULL,
    requested_on  TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    event_id      TEXT NOT NULL
);
"""


def create_verification_tables(conn: Any) -> None:
    for statement in VERIFY_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


# Version 3 since the first build: the number is the vault's, never reused or renumbered.
MIGRATION = Migration(3, "verification and directory", create_verification_tables)
register(MIGRATION)
