"""`agent-desktop vault ...` end to end in a subprocess, against the real Secret Service."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.vault_env import OTHER_PASSWORD, PASSWORD, VaultFactory, unique_profile

ROOT = Path(__file__).resolve().parents[3]


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent_desktop", "vault", *args], cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_vault_cli_lifecycle_for_scripts(make_vault: VaultFactory) -> None:
    profile = unique_profile("cli")
    make_vault(profile)  # registers the keyring entries for cleanup

    status = cli("--profile", profile, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["exists"] is False

    weak = cli("--profile", profile, "create", "--password-stdin", stdin="short\n")
    assert weak.returncode == 1 and "too weak" in weak.stderr

    created = cli("--profile", profile, "create", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert cli("--profile", profile, "unlock-check", "--password-stdin",
               stdin=PASSWORD + "\n").returncode == 0

    wrong = cli("--profile", profile, "unlock-check", "--password-stdin",
                stdin="Not-The-Password-1\n")
    assert wrong.returncode == 1 and "Wrong vault password (1 failed attempt)" in wrong.stderr
    assert PASSWORD not in wrong.stderr + wrong.stdout

    changed = cli("--profile", profile, "change-password", "--password-stdin",
                  stdin=f"{PASSWORD}\n{OTHER_PASSWORD}\n")
    assert changed.returncode == 0, changed.stderr
    assert cli("--profile", profile, "unlock-check", "--password-stdin",
               stdin=OTHER_PASSWORD + "\n").returncode == 0

    status = json.loads(cli("--profile", profile, "status", "--json").stdout)
    assert status["exists"] is True and status["failed_attempts"] == 0

    refused = cli("--profile", profile, "wipe")  # not a TTY and no --yes
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert cli("--profile", profile, "wipe", "--yes").returncode == 0
    assert json.loads(cli("--profile", profile, "status", "--json").stdout)["exists"] is False


def test_vault_cli_without_a_terminal_asks_for_password_stdin(make_vault: VaultFactory) -> None:
    profile = unique_profile("cli")
    make_vault(profile)
    result = cli("--profile", profile, "create")
    assert result.returncode == 1 and "--password-stdin" in result.stderr


def test_vault_cli_quarantines_a_damaged_vault(make_vault: VaultFactory) -> None:
    profile = unique_profile("cli")
    vault = make_vault(profile)
    vault.create(PASSWORD)
    vault.lock()
    vault.header_path.write_bytes(b"{ truncated")
    check = cli("--profile", profile, "unlock-check", "--password-stdin", stdin=PASSWORD + "\n")
    assert check.returncode == 1 and "vault quarantine" in check.stderr
    moved = cli("--profile", profile, "quarantine")
    assert moved.returncode == 0, moved.stderr
    assert "moved aside" in moved.stdout and not vault.exists()
