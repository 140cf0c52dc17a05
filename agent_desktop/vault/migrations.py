"""Schema migrations, applied forward only at unlock, each in its own transaction.

The vault knows only its own tables (version 1). Every other capability that keeps state in
the vault registers its migrations here when its schema module is imported (the vault never
imports a capability: it is the lower layer). Version numbers are allocated per capability
and never reused, so a vault made by any earlier build still opens:

- 1 vault core (this module)
- 2 audit outbox (``agent_desktop.audit.outbox_schema``)
- 3 verification and directory (``agent_desktop.verify.storage_schema``)
- 17 call recordings (``agent_desktop.recordings.schema``)
- 18 audit outbox: one page per event (``agent_desktop.audit.outbox_schema``)

Whoever builds a vault imports :mod:`agent_desktop.capabilities` (the workstation and the
CLI do), which imports every capability's schema module. A process that forgot one finds a
vault "newer" than the migrations it knows and is refused (``VaultTooNew``), never guessed at.
``PRAGMA user_version`` holds the highest applied version and ``schema_migrations`` lists
every applied one, so a version merged later than a higher one is still applied once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from agent_desktop.vault.errors import VaultTooNew

Connection = Any  # sqlcipher3.Connection (untyped module)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def core_v1(conn: Connection) -> None:
    conn.execute("CREATE TABLE vault_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # The agent's profile and settings that must stay secret.
    conn.execute("CREATE TABLE profile (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
                 " updated_at REAL NOT NULL)")
    conn.execute("CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL,"
                 " updated_at REAL NOT NULL)")
    # Cached patient context; every read filters on expires_at, purges delete by it.
    conn.execute(
        "CREATE TABLE phi_cache ("
        " namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, lookup TEXT,"
        " fetched_at REAL NOT NULL, expires_at REAL NOT NULL,"
        " PRIMARY KEY (namespace, key))")
    conn.execute("CREATE INDEX phi_cache_lookup ON phi_cache (namespace, lookup)")
    conn.execute("CREATE INDEX phi_cache_expiry ON phi_cache (expires_at)")


# The registry: the vault's own migration, then whatever capabilities register.
MIGRATIONS: list[Migration] = [
    Migration(1, "vault core", core_v1),
]


def register(migration: Migration) -> None:
    """Add ``migration`` (idempotent for the same object; a clash of versions is a bug)."""
    for existing in MIGRATIONS:
        if existing.version == migration.version:
            if existing is migration or existing.apply is migration.apply:
                return
            raise ValueError(f"migration version {migration.version} is taken by "
                             f"{existing.name!r}")
    MIGRATIONS.append(migration)
    MIGRATIONS.sort(key=lambda m: m.version)


def _check(migrations: list[Migration]) -> list[Migration]:
    ordered = sorted(migrations, key=lambda m: m.version)
    versions = [m.version for m in ordered]
    if len(set(versions)) != len(versions) or any(v < 1 for v in versions):
        raise ValueError(f"migration versions must be unique and positive: {versions}")
    return ordered


def applied_versions(conn: Connection) -> set[int]:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                 " name TEXT NOT NULL, applied_at REAL NOT NULL)")
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def apply_migrations(conn: Connection, migrations: Iterable[Migration] | None = None,
                     clock: Callable[[], float] = time.time) -> list[int]:
    """Apply every migration not yet applied, in version order; returns those applied.

    ``conn`` must be in autocommit mode (isolation_level None). A vault written by a newer
    build (a version above every known one) is refused rather than guessed at.
    """
    ordered = _check(list(MIGRATIONS if migrations is None else migrations))
    known = ordered[-1].version if ordered else 0
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    done = applied_versions(conn)
    if current > known:
        raise VaultTooNew(current, known)
    applied: list[int] = []
    for migration in ordered:
        if migration.version in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration.apply(conn)
            conn.execute("INSERT INTO schema_migrations (version, name, applied_at)"
                         " VALUES (?, ?, ?)", (migration.version, migration.name, clock()))
            current = max(current, migration.version)
            conn.execute(f"PRAGMA user_version = {int(current)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
