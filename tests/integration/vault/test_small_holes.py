"""Smaller holes an adversarial review found: each fixed at its root."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent_desktop.vault import UnlockThrottled, VaultCorrupted, WrongPassword
from tests.support.vault_env import OTHER_PASSWORD, PASSWORD, FakeClock, VaultFactory

ROOT = Path(__file__).resolve().parents[3]


def test_an_empty_database_file_is_refused_without_being_written(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    for name in ("vault.db-wal", "vault.db-shm"):
        (vault.directory / name).unlink(missing_ok=True)
    (vault.directory / "vault.db").write_bytes(b"")
    with pytest.raises(VaultCorrupted, match="empty") as err:
        vault.unlock(PASSWORD)
    assert "Nothing was changed" in (err.value.hint or "")
    assert (vault.directory / "vault.db").stat().st_size == 0
    assert not (vault.directory / "vault.db-wal").exists()


def test_a_throttled_password_change_is_recorded(make_vault: VaultFactory) -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock, settings=make_vault.settings(unlock_throttle_free_attempts=1))
    vault.create(PASSWORD)
    vault.lock()
    with pytest.raises(WrongPassword):
        vault.change_password("Wrong-Old-Password-1", OTHER_PASSWORD)
    with pytest.raises(UnlockThrottled):
        vault.change_password(PASSWORD, OTHER_PASSWORD)
    clock.advance(3600)
    seen: list[list[dict]] = []
    vault.add_unlock_hook(lambda conn, pending: seen.append(pending))
    vault.unlock(PASSWORD)
    assert [(r["action"], r["outcome"]) for r in seen[0]][-2:] == [
        ("vault.unlock_failed", "failure"), ("vault.password_change", "denied")]


def test_the_vaults_folder_is_private(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    for folder in (vault.directory.parent, vault.directory):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_keyring_backend_that_fails_to_load_is_a_plain_error(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "nosuch.module.Keyring",
           "AGENT_DESKTOP_HOME": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "agent_desktop", "vault", "--profile",
                               "p1", *args], cwd=ROOT, env=env, input=PASSWORD + "\n",
                              capture_output=True, text=True, timeout=120)

    status = cli("status")
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    create = cli("create", "--password-stdin")
    assert create.returncode == 1 and "Traceback" not in create.stderr
    assert "keyring backend could not be loaded" in create.stderr
