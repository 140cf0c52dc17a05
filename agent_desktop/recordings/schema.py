"""The vault table indexing recordings (migration 17, listed in vault.migrations)."""

from __future__ import annotations

from typing import Any

from agent_desktop.vault.migrations import Migration, register


def create_recordings_table(conn: Any) -> None:
    conn.execute("CREATE TABLE recordings (id TEXT PRIMARY KEY, call_id TEXT NOT NULL,"
                 " started_at REAL NOT NULL, seconds REAL, status TEXT NOT NULL,"
                 " stop_reason TEXT)")
    conn.execute("CREATE INDEX recordings_started ON recordings (started_at)")


MIGRATION = Migration(17, "call recordings", create_recordings_table)
register(MIGRATION)
