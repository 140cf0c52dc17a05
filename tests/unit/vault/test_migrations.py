"""Migrations: forward only, each in its own transaction, from every earlier version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlcipher3

from agent_desktop.vault import MIGRATIONS, Migration, VaultTooNew
from agent_desktop.vault.migrations import apply_migrations, core_v1


def _extra_v2(conn) -> None:
    conn.execute("CREATE TABLE test_v2 (id INTEGER PRIMARY KEY, body TEXT)")


def _extra_v3(conn) -> None:
    conn.execute("ALTER TABLE test_v2 ADD COLUMN flag INTEGER NOT NULL DEFAULT 0")
    conn.execute("CREATE INDEX test_v2_flag ON test_v2 (flag)")


def _extra_v4(conn) -> None:
    conn.execute("INSERT INTO profile (key, value, updated_at) VALUES ('seeded', 'yes', 0)")


CHAIN = [Migration(1, "vault core", core_v1), Migration(2, "t2", _extra_v2),
         Migration(3, "t3", _extra_v3), Migration(4, "t4", _extra_v4)]


def _connect(path: Path):
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    return conn


def _schema(conn) -> list[tuple[str, str]]:
    return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE "
                               "'sqlite_%' AND sql IS NOT NULL").fetchall())


@pytest.mark.parametrize("start", range(len(CHAIN) + 1))
def test_a_vault_at_every_earlier_version_migrates_to_the_latest(tmp_path: Path,
                                                                 start: int) -> None:
    fresh = _connect(tmp_path / "fresh.db")
    apply_migrations(fresh, CHAIN)
    conn = _connect(tmp_path / "old.db")
    assert apply_migrations(conn, CHAIN[:start]) == list(range(1, start + 1))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == start
    assert apply_migrations(conn, CHAIN) == list(range(start + 1, len(CHAIN) + 1))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(CHAIN)
    assert _schema(conn) == _schema(fresh)
    assert conn.execute("SELECT value FROM profile WHERE key = 'seeded'").fetchone() == ("yes",)
    assert apply_migrations(conn, CHAIN) == []  # idempotent


@pytest.mark.parametrize("start", range(len(MIGRATIONS) + 1))
def test_the_real_migration_list_applies_from_every_earlier_version(tmp_path: Path,
                                                                   start: int) -> None:
    conn = _connect(tmp_path / "v.db")
    apply_migrations(conn, MIGRATIONS[:start])
    apply_migrations(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1].version


def test_a_failing_migration_rolls_back_alone_and_is_retried(tmp_path: Path) -> None:
    def broken(conn) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration bug")

    conn = _connect(tmp_path / "v.db")
    with pytest.raises(RuntimeError, match="migration bug"):
        apply_migrations(conn, [CHAIN[0], CHAIN[1], Migration(3, "broken", broken)])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2  # 1 and 2 stayed
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names and "test_v2" in names
    assert apply_migrations(conn, CHAIN) == [3, 4]


def test_a_version_merged_late_below_the_current_one_is_still_applied(tmp_path: Path) -> None:
    conn = _connect(tmp_path / "v.db")
    apply_migrations(conn, [CHAIN[0], CHAIN[3]])  # 2 and 3 not merged yet
    assert apply_migrations(conn, CHAIN[:3] + [CHAIN[3]]) == [2, 3]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4


def test_a_vault_from_a_newer_build_is_refused(tmp_path: Path) -> None:
    conn = _connect(tmp_path / "v.db")
    apply_migrations(conn, CHAIN)
    with pytest.raises(VaultTooNew, match="schema version 4"):
        apply_migrations(conn, CHAIN[:2])


def test_duplicate_versions_are_a_programming_error(tmp_path: Path) -> None:
    conn = _connect(tmp_path / "v.db")
    with pytest.raises(ValueError, match="unique"):
        apply_migrations(conn, [CHAIN[0], Migration(1, "again", _extra_v2)])
