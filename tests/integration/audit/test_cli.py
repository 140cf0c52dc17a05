"""`agent-desktop audit enroll|status|sync-now|verify-local` as a person or script runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_desktop.audit.credentials import CredentialStore, DeviceCredentials
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.vault.keyring_backend import secure_backend
from agent_desktop.vault.vault import Vault
from tests.integration.audit.conftest import PASSWORD, open_raw, write_policy
from tests.support.audit_server import AuditServer
from tests.support.ports import free_port
from tests.support.vault_env import VaultFactory, unique_profile


def cli(*args: str, stdin: str = "", group: str = "audit") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent_desktop", group, *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))


def enrolled_vault(vaults: VaultFactory, profile: str, device_id: str, user: str
                   ) -> tuple[Vault, AuditRecorder]:
    """A created (unlocked) vault with the recorder of an enrolled device attached."""
    CredentialStore(secure_backend(), profile).save(
        DeviceCredentials(device_id, "adt_x", "00" * 32, "http://127.0.0.1:9"))
    bus = EventBus()
    vault = vaults(profile, bus=bus)
    recorder = AuditRecorder(vault, bus, device_id=device_id, user=user, role="agent")
    vault.create(PASSWORD)
    return vault, recorder


def outbox_actions(vault: Vault) -> list[str]:
    raw = open_raw(vault)
    try:
        return [row[0] for row in
                raw.execute("SELECT json_extract(body, '$.action') FROM audit_outbox ORDER BY seq")]
    finally:
        raw.close()


@pytest.fixture
def profile(secret_service: str) -> Iterator[str]:
    name = unique_profile()
    yield name
    CredentialStore(secure_backend(), name).delete()


def test_enroll_record_sync_status_verify(audit_server: AuditServer, agent_home: Path,
                                          vaults: VaultFactory, profile: str) -> None:
    write_policy(agent_home, server_url=audit_server.base_url, ca_bundle=str(audit_server.ca_file))
    token = audit_server.token("enroll", agent="agent-007", team="blue")
    done = cli("--profile", profile, "enroll", "--token-stdin", stdin=token + "\n")
    assert done.returncode == 0, done.stderr
    creds = CredentialStore(secure_backend(), profile).require()
    assert creds.device_id in done.stdout and token not in done.stdout + done.stderr

    bus = EventBus()
    vault = vaults(profile, bus=bus)
    recorder = AuditRecorder(vault, bus, device_id=creds.device_id, user="agent-007", role="agent")
    vault.create(PASSWORD)
    for _ in range(7):
        recorder.record("phi.view", patient="pat-1")
    vault.close()

    locked = cli("--profile", profile, "status", "--json")
    assert locked.returncode == 0, locked.stderr
    data = json.loads(locked.stdout)
    assert data["enrolled"] and data["device_id"] == creds.device_id
    assert data["pending_locked_events"] == 1  # the lock waits for the next unlock

    synced = cli("--profile", profile, "sync-now", "--json", "--password-stdin", stdin=PASSWORD + "\n")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert json.loads(synced.stdout)["backlog"] == 0

    status = cli("--profile", profile, "status", "--json", "--password-stdin", stdin=PASSWORD + "\n")
    data = json.loads(status.stdout)
    # 1 create-unlock + 7 + lock + CLI unlock (synced) + lock + this unlock (not yet synced)
    assert data["receipted_seq"] == 10 and data["backlog"] == 2 and data["halted"] is None
    verified = cli("--profile", profile, "verify-local", "--json", "--password-stdin",
                   stdin=PASSWORD + "\n")
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"]
    exported = cli("--profile", profile, "export-local", "--password-stdin", stdin=PASSWORD + "\n")
    bundle = json.loads(exported.stdout)
    assert bundle["resourceType"] == "Bundle"
    resources = [entry["resource"] for entry in bundle["entry"]]
    assert {r["resourceType"] for r in resources} == {"AuditEvent"} and len(resources) >= 2


def test_verify_local_fails_on_a_tampered_outbox(agent_home: Path, vaults: VaultFactory,
                                                 profile: str) -> None:
    vault, recorder = enrolled_vault(vaults, profile, "dev-cli-1", "agent-007")
    for _ in range(3):
        recorder.record("phi.view", patient="pat-1")
    vault.lock()
    conn = open_raw(vault)
    conn.execute("UPDATE audit_outbox SET body = replace(body, 'pat-1', 'pat-2') WHERE seq = 2")
    conn.close()
    vault.close()
    done = cli("--profile", profile, "verify-local", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 1
    assert "seq 2" in done.stdout and "does not verify" in done.stderr


def test_sync_now_reports_an_unreachable_server(agent_home: Path, vaults: VaultFactory,
                                                profile: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    write_policy(agent_home, server_url=url)
    CredentialStore(secure_backend(), profile).save(
        DeviceCredentials("dev-cli-2", "adt_x", "00" * 32, url))
    vault = vaults(profile)
    AuditRecorder(vault, vaults.bus, device_id="dev-cli-2", user="agent-007", role="agent")
    vault.create(PASSWORD)
    vault.close()
    done = cli("--profile", profile, "sync-now", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 1
    assert "last_error: the audit server is unreachable" in done.stdout


def test_vault_unlock_check_is_audited_once_enrolled(agent_home: Path, vaults: VaultFactory,
                                                     profile: str) -> None:
    vault, _ = enrolled_vault(vaults, profile, "dev-cli-2", "agent-9")
    vault.close()

    checked = cli("--profile", profile, "unlock-check", "--password-stdin", stdin=PASSWORD + "\n",
                  group="vault")
    assert checked.returncode == 0, checked.stderr

    actions = outbox_actions(vaults(profile))
    # create's unlock, the lock at close, the CLI's unlock (which chained the pending lock)
    assert actions.count("vault.unlock") == 2, actions
    assert actions[-1] == "vault.unlock" and "vault.lock" in actions


def test_resume_sync_clears_a_halt_and_is_audited(agent_home: Path, vaults: VaultFactory,
                                                  profile: str) -> None:
    from agent_desktop.audit import outbox

    vault, recorder = enrolled_vault(vaults, profile, "dev-cli-3", "agent-9")
    recorder.record("phi.view", patient="pat-1")
    vault.transaction(lambda c: outbox.halt(c, 2, "server reported a chain break at seq 2")).result()
    vault.close()

    resumed = cli("--profile", profile, "resume-sync", "--json", "--password-stdin",
                  stdin=PASSWORD + "\n")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == {"resumed": True,
                                          "halted_reason": "server reported a chain break at seq 2"}
    raw = open_raw(vaults(profile))
    halted = raw.execute("SELECT halted_reason FROM audit_chain_state").fetchone()[0]
    raw.close()
    actions = outbox_actions(vaults(profile))
    assert halted is None
    assert actions[-1] == "audit.sync_resume"

    again = cli("--profile", profile, "resume-sync", "--json", "--password-stdin",
                stdin=PASSWORD + "\n")
    assert json.loads(again.stdout) == {"resumed": False, "halted": None}
