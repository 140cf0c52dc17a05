"""Arrows point one way: the vault imports no capability, and the migrations that
capabilities now register keep the numbers a vault made by an earlier build carries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.vault import Migration
from agent_desktop.vault.migrations import MIGRATIONS
from tests.support.vault_env import PASSWORD, VaultFactory

FIXTURE = Path(__file__).parents[2] / "fixtures" / "vault_schema_b5712b1.json"


def _replay(statements: list[str]) -> Any:
    def apply(conn: Any) -> None:
        for statement in statements:
            conn.execute(statement)
    return apply


def _legacy_migrations() -> list[Migration]:
    """The migrations of the build before capabilities registered them, replayed from the
    schema that build created (tests/fixtures, captured from its code)."""
    data = json.loads(FIXTURE.read_text())
    return [Migration(m["version"], m["name"], _replay(m["statements"]))
            for m in data["migrations"]]


def _schema(conn: Any) -> list[tuple[str, str]]:
    return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE "
                               "'sqlite_%' AND name != 'schema_migrations'").fetchall())


def test_the_vault_package_imports_neither_audit_nor_verify() -> None:
    code = ("import sys, agent_desktop.vault, agent_desktop.vault.idle;"
            "bad = sorted(m for m in sys.modules if m.startswith(('agent_desktop.audit',"
            " 'agent_desktop.verify', 'agent_desktop.directory', 'agent_desktop.server')));"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == ""


def test_a_vault_made_by_the_previous_build_opens_and_records(make_vault: VaultFactory) -> None:
    legacy = _legacy_migrations()
    today = sorted(m.version for m in MIGRATIONS)
    assert today[:len(legacy)] == [m.version for m in legacy]  # same numbering, later ones added
    old = make_vault(migrations=legacy)
    old.create(PASSWORD)
    old.put_secret("sip", b"kept").result()
    old.lock()

    fresh = make_vault()
    fresh.create(PASSWORD)
    expected = fresh.submit(_schema).result()
    fresh.lock()

    reopened = make_vault(old.profile)  # today's registry, as the workstation builds it
    recorder = AuditRecorder(reopened, reopened.bus, device_id="dev-legacy", user="agent-1",
                             role="agent")
    reopened.unlock(PASSWORD)
    applied = reopened.submit(lambda c: [r[0] for r in c.execute(
        "SELECT version FROM schema_migrations ORDER BY version")]).result()
    assert applied == today  # the old versions kept, the newer ones (17: recordings) applied
    assert reopened.submit(_schema).result() == expected
    assert reopened.get_secret("sip").result() == b"kept"
    event = recorder.record("phi.view", patient="pat-1")
    assert event["seq"] >= 2  # after vault.unlock
    assert recorder.verify_local().ok
