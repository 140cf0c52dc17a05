"""Wipe crypto-shreds; locked-state events wait authenticated and reach the unlock hooks."""

from __future__ import annotations

import json
import os

import pytest

from agent_desktop.phi_guard import detail_problem
from agent_desktop.vault import HeaderTampered, VaultError, WrongPassword
from agent_desktop.vault import events as ev
from agent_desktop.vault.device_secret import SERVICE
from agent_desktop.vault.keyring_backend import secure_backend
from tests.support.vault_env import PASSWORD, VaultFactory


def _secret(profile: str) -> str | None:
    return secure_backend().get_password(SERVICE, f"vault-device-secret:{profile}")


def test_wipe_leaves_nothing_readable_and_reports_itself_at_the_next_enrolment(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    wiped: list[object] = []
    make_vault.bus.subscribe(ev.VaultWiped, wiped.append)
    vault.create(PASSWORD)
    vault.put_secret("sip", b"secret").result()
    old_secret = _secret(vault.profile)
    vault.lock()
    copies = {n: (vault.directory / n).read_bytes() for n in ("vault.db", "vault.header")}
    vault.unlock(PASSWORD)
    vault.wipe()

    assert not vault.unlocked and not vault.exists()
    assert sorted(os.listdir(vault.directory)) == ["locked-events.jsonl"]
    text = (vault.directory / "locked-events.jsonl").read_text()
    assert "secret" not in text
    assert _secret(vault.profile) not in (None, old_secret)  # the old device secret is gone
    assert wiped == [ev.VaultWiped(vault.profile)]

    # a copy taken before the wipe is useless afterwards, even with the right password
    for name, data in copies.items():
        (vault.directory / name).write_bytes(data)
    with pytest.raises(HeaderTampered):
        vault.unlock(PASSWORD)
    for name in copies:
        (vault.directory / name).unlink()

    seen: list[list[dict]] = []
    vault.add_unlock_hook(lambda conn, pending: seen.append(pending))
    vault.create(PASSWORD)
    assert [r["action"] for r in seen[0]] == ["vault.lock", "vault.wipe"]
    assert vault.get_secret("sip").result() is None


def test_wipe_while_locked_carries_pending_failures_over(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    with pytest.raises(WrongPassword):
        vault.unlock("Wrong-Password-Entered-1")
    vault.wipe()
    vault.wipe()  # a repeated remote revoke is harmless
    seen: list[list[dict]] = []
    vault.add_unlock_hook(lambda conn, pending: seen.append(pending))
    vault.create(PASSWORD)
    assert [r["action"] for r in seen[0]] == [
        "vault.lock", "vault.unlock_failed", "vault.wipe", "vault.wipe"]


def test_pending_records_are_cleared_only_after_every_hook_succeeded(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock("idle")
    calls: list[int] = []

    def fine(conn, pending) -> None:
        calls.append(len(pending))

    def broken(conn, pending) -> None:
        conn.execute("BEGIN")
        raise RuntimeError("audit outbox unavailable")

    vault.add_unlock_hook(fine)
    vault.add_unlock_hook(broken)
    vault.unlock(PASSWORD)  # a broken hook does not keep the agent out
    assert vault.submit(lambda c: c.in_transaction).result() is False
    vault.lock("manual")
    vault._hooks.remove(broken)
    vault.unlock(PASSWORD)
    assert calls == [1, 2]  # offered again, with the new lock record after it
    vault.lock()
    vault.unlock(PASSWORD)
    assert calls == [1, 2, 1]


def test_without_hooks_pending_records_are_kept(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    vault.unlock(PASSWORD)
    assert vault.status().pending_locked_events == 1


def _lines(vault) -> list[str]:
    return (vault.directory / "locked-events.jsonl").read_text().splitlines()


def _tamper_and_unlock(make_vault: VaultFactory, edit) -> list[dict]:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock("one")
    vault.lock_now("unused")  # already locked: no record
    vault.unlock(PASSWORD)
    vault.lock("two")
    vault.unlock(PASSWORD)
    vault.lock("three")
    path = vault.directory / "locked-events.jsonl"
    path.write_text(edit(_lines(vault)))
    seen: list[list[dict]] = []
    vault.add_unlock_hook(lambda conn, pending: seen.append(pending))
    vault.unlock(PASSWORD)
    return seen[0]


@pytest.mark.parametrize("edit", [
    pytest.param(lambda lines: "\n".join([lines[1], lines[0], lines[2]]) + "\n", id="reordered"),
    pytest.param(lambda lines: "\n".join([lines[0], lines[2]]) + "\n", id="middle-deleted"),
    pytest.param(lambda lines: "\n".join(lines[:2]) + "\n", id="tail-deleted"),
    pytest.param(lambda lines: "", id="emptied"),
    pytest.param(lambda lines: "\n".join(lines).replace('"three"', '"four"') + "\n", id="edited"),
])
def test_a_tampered_pending_file_becomes_one_synthetic_failure_record(
        make_vault: VaultFactory, edit) -> None:
    pending = _tamper_and_unlock(make_vault, edit)
    assert len(pending) == 1
    assert pending[0]["action"] == "vault.locked_log_tampered"
    assert pending[0]["outcome"] == "failure"
    # the alarm must reach auditors as itself: it passes the audit chain's PHI guard
    assert detail_problem(pending[0]["detail"]) is None
    assert pending[0]["detail"]["reason"] in ("record_failed_check", "records_removed")


def test_an_untampered_pending_file_is_delivered_in_order(make_vault: VaultFactory) -> None:
    pending = _tamper_and_unlock(make_vault, lambda lines: "\n".join(lines) + "\n")
    # the second unlock had no hook, so "two" was kept for the next one
    assert [r["detail"]["reason"] for r in pending] == ["one", "two", "three"]


def test_locked_events_refuse_phi_looking_details(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    with pytest.raises(VaultError, match="unsafe detail"):
        vault.record_locked_event("vault.lock", "success", {"caller": "+1 555 010 9999"})
    vault.record_locked_event("screen.lock", "success", {"source": "logind"})
    lines = [json.loads(x)["record"] for x in _lines(vault)]
    assert lines[-1]["action"] == "screen.lock"


def test_wipe_deletes_the_files_even_when_the_keyring_is_unreachable(
        make_vault: VaultFactory) -> None:
    from agent_desktop.vault import VaultStorageError
    from tests.support.vault_env import UNREACHABLE, UnreachableKeyring

    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    # policy names the backend explicitly, so the vault takes it (and finds it down)
    settings = make_vault.settings(keyring_backend=UNREACHABLE)
    offline = make_vault(vault.profile, settings=settings, keyring_backend=UnreachableKeyring())
    with pytest.raises(VaultStorageError, match="files were deleted, but the OS keyring"):
        offline.wipe()
    assert not vault.exists()
    assert not (vault.directory / "vault.header").exists()


def test_wiping_an_open_vault_tells_listeners_to_drop_phi(make_vault: VaultFactory) -> None:
    vault = make_vault()
    seen: list[object] = []
    make_vault.bus.subscribe(ev.VaultLocked, seen.append)
    make_vault.bus.subscribe(ev.VaultWiped, seen.append)
    vault.create(PASSWORD)
    vault.wipe()
    assert seen == [ev.VaultLocked(vault.profile, "wipe"), ev.VaultWiped(vault.profile)]
