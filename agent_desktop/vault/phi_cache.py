"""Cached patient context inside the vault, with a time-to-live from policy.

Entries carry their own expiry (fetched_at + ``vault.phi_cache_ttl_hours``); every read
filters on it, so an expired entry is never returned even before a purge deletes it. The
vault purges at unlock, at lock and every ``vault.phi_purge_interval_minutes``; with
``secure_delete`` on, purged rows are overwritten in the file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent_desktop.policy import Settings

if TYPE_CHECKING:
    from agent_desktop.vault.vault import Vault

Connection = Any


@dataclass(frozen=True)
class CachedEntry:
    namespace: str
    key: str
    value: dict[str, Any]
    fetched_at: float
    expires_at: float


def purge_expired_rows(conn: Connection, now: float) -> int:
    cursor = conn.execute("DELETE FROM phi_cache WHERE expires_at <= ?", (now,))
    return int(cursor.rowcount)


def _entry(row: tuple[Any, ...]) -> CachedEntry:
    return CachedEntry(row[0], row[1], json.loads(row[2]), float(row[3]), float(row[4]))


_COLUMNS = "namespace, key, value, fetched_at, expires_at"


class PhiCache:
    def __init__(self, vault: Vault, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self.settings = settings
        self.clock = clock

    @property
    def ttl_seconds(self) -> float:
        return float(self.settings.get("vault.phi_cache_ttl_hours")) * 3600.0

    def put(self, namespace: str, key: str, value: dict[str, Any],
            lookup: str | None = None) -> Future[None]:
        now = self.clock()
        payload = json.dumps(value, sort_keys=True, separators=(",", ":"))

        def put(conn: Connection) -> None:
            conn.execute(
                "INSERT INTO phi_cache (namespace, key, value, lookup, fetched_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(namespace, key) DO UPDATE SET"
                " value = excluded.value, lookup = excluded.lookup,"
                " fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
                (namespace, key, payload, lookup, now, now + self.ttl_seconds))

        return self.vault.transaction(put)

    def get(self, namespace: str, key: str) -> Future[CachedEntry | None]:
        def get(conn: Connection) -> CachedEntry | None:
            row = conn.execute(f"SELECT {_COLUMNS} FROM phi_cache WHERE namespace = ? AND"
                               " key = ? AND expires_at > ?",
                               (namespace, key, self.clock())).fetchone()
            return _entry(row) if row else None

        return self.vault.submit(get)

    def find(self, namespace: str, lookup: str) -> Future[list[CachedEntry]]:
        """Unexpired entries whose lookup value (e.g. the caller's E.164 number) matches."""

        def find(conn: Connection) -> list[CachedEntry]:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM phi_cache WHERE namespace = ? AND"
                                " lookup = ? AND expires_at > ? ORDER BY fetched_at DESC",
                                (namespace, lookup, self.clock())).fetchall()
            return [_entry(r) for r in rows]

        return self.vault.submit(find)

    def delete(self, namespace: str, key: str) -> Future[None]:
        def delete(conn: Connection) -> None:
            conn.execute("DELETE FROM phi_cache WHERE namespace = ? AND key = ?",
                         (namespace, key))

        return self.vault.transaction(delete)

    def purge_expired(self) -> Future[int]:
        return self.vault.transaction(lambda conn: purge_expired_rows(conn, self.clock()))
