"""Several processes at one vault (the desktop and CLIs, or an attacker's parallel guesses):
the throttle's check, key derivation and count are one critical section, the locked-state
log stays one chain, and two creates never both succeed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agent_desktop.vault import Vault
from agent_desktop.vault.device_secret import SERVICE
from agent_desktop.vault.keyring_backend import secure_backend
from tests.support.vault_env import PASSWORD, VaultFactory, unique_profile

ROOT = Path(__file__).resolve().parents[3]
WRONG = "Definitely-Wrong-Pass-1"


def _race(factory: VaultFactory, profile: str, action: str, password: str, n: int) -> list[str]:
    """Start ``n`` children, wait until each is ready, release them together."""
    children = [subprocess.Popen(
        [sys.executable, "-m", "tests.support.vault_racer", str(factory.home),
         str(factory.policy_file), profile, action, password],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for _ in range(n)]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outcomes = []
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            outcomes.append(out.strip())
        return sorted(outcomes)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


def _locked_vault(factory: VaultFactory, free_attempts: int) -> Vault:
    vault = factory(settings=factory.settings(unlock_throttle_free_attempts=free_attempts))
    vault.create(PASSWORD)
    vault.lock()
    return vault


def test_parallel_guesses_are_checked_one_at_a_time(make_vault: VaultFactory) -> None:
    vault = _locked_vault(make_vault, 1)
    outcomes = _race(make_vault, vault.profile, "unlock", WRONG, 3)
    # the first guess is checked and counted; the others find the delay it started
    assert outcomes == ["UnlockThrottled", "UnlockThrottled", "WrongPassword"]
    assert vault.status().failed_attempts == 1


def test_parallel_failed_unlocks_are_all_counted_and_keep_the_log_intact(
        make_vault: VaultFactory) -> None:
    vault = _locked_vault(make_vault, 20)
    assert _race(make_vault, vault.profile, "unlock", WRONG, 3) == ["WrongPassword"] * 3
    assert vault.status().failed_attempts == 3
    seen: list[list[dict]] = []
    vault.add_unlock_hook(lambda conn, pending: seen.append(pending))
    vault.unlock(PASSWORD)
    records = [(r["action"], r["detail"].get("failures")) for r in seen[0]]
    assert records[0] == ("vault.lock", None)
    assert sorted(records[1:]) == [("vault.unlock_failed", n) for n in (1, 2, 3)]


def test_two_creates_of_one_profile_leave_one_working_vault(make_vault: VaultFactory) -> None:
    profile = unique_profile()
    make_vault.settings()
    vault = make_vault(profile)  # registered for keyring cleanup; created by the children
    assert _race(make_vault, profile, "create", PASSWORD, 2) == ["VaultExists", "ok"]
    vault.unlock(PASSWORD)
    assert vault.get_secret("none").result() is None


def test_deleting_the_throttle_file_or_both_copies_buys_no_guesses(
        make_vault: VaultFactory) -> None:
    vault = _locked_vault(make_vault, 2)
    settings = vault.settings
    for _ in range(2):
        try:
            vault.unlock(WRONG)
        except Exception as err:  # noqa: BLE001 - only the class matters here
            assert type(err).__name__ == "WrongPassword"
    (vault.directory / "throttle.json").unlink()
    restarted = make_vault(vault.profile, settings=settings)
    assert _throttled(restarted)
    assert restarted.status().failed_attempts == 2  # the keyring copy holds the count
    (vault.directory / "throttle.json").unlink(missing_ok=True)
    secure_backend().delete_password(SERVICE, f"vault-throttle:{vault.profile}")
    assert _throttled(make_vault(vault.profile, settings=settings))


def _throttled(vault) -> bool:
    from agent_desktop.vault import UnlockThrottled

    try:
        vault.unlock(PASSWORD)
    except UnlockThrottled:
        return True
    return False
