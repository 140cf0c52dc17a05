"""Vault.transact: a durable transaction run on the caller's thread, under the same
connection lock as the vault thread's jobs (no hand-off for a short write)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from agent_desktop.vault import Vault, VaultLocked
from tests.support.vault_env import PASSWORD, VaultFactory


def _open(make_vault: VaultFactory) -> Vault:
    vault = make_vault()
    vault.create(PASSWORD)
    return vault


def _put(name: str) -> Any:
    def put(conn: Any) -> int:
        conn.execute("INSERT INTO profile (key, value, updated_at) VALUES (?, 'v', 0)", (name,))
        return threading.get_ident()
    return put


def _keys(vault: Vault) -> list[str]:
    return vault.submit(lambda c: [r[0] for r in c.execute("SELECT key FROM profile ORDER BY key")]
                        ).result()


def test_transact_commits_on_the_calling_thread_and_the_row_outlives_a_reopen(
        make_vault: VaultFactory) -> None:
    vault = _open(make_vault)
    assert vault.transact(_put("a")) == threading.get_ident()
    vault.close()
    again = make_vault(vault.profile)
    again.unlock(PASSWORD)
    assert _keys(again) == ["a"]


def test_transact_rolls_back_everything_when_its_function_raises(make_vault: VaultFactory) -> None:
    vault = _open(make_vault)

    def half(conn: Any) -> None:
        _put("half")(conn)
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        vault.transact(half)
    assert _keys(vault) == []
    vault.transact(_put("after"))  # the connection is usable again (no transaction left open)
    assert _keys(vault) == ["after"]


def test_transact_refuses_while_locked(make_vault: VaultFactory) -> None:
    vault = _open(make_vault)
    vault.lock()
    with pytest.raises(VaultLocked):
        vault.transact(_put("x"))


def test_transact_gives_up_after_its_timeout_while_the_vault_thread_holds_the_connection(
        make_vault: VaultFactory) -> None:
    vault = _open(make_vault)
    holding, release = threading.Event(), threading.Event()

    def hold(conn: Any) -> None:
        holding.set()
        release.wait(30)

    job = vault.submit(hold)
    assert holding.wait(30)
    try:
        with pytest.raises(TimeoutError):
            vault.transact(_put("late"), timeout=0.05)
    finally:
        release.set()
    job.result(30)
    assert _keys(vault) == []


def test_a_lock_waits_for_a_transaction_in_progress_which_stays_committed(
        make_vault: VaultFactory) -> None:
    vault = _open(make_vault)
    inside, finish, locked = threading.Event(), threading.Event(), threading.Event()
    closed_under_us: list[bool] = []

    def slow(conn: Any) -> None:
        _put("kept")(conn)
        inside.set()
        finish.wait(30)
        closed_under_us.append(locked.is_set())

    writer = threading.Thread(target=lambda: vault.transact(slow))
    writer.start()
    assert inside.wait(30)
    locker = threading.Thread(target=lambda: (vault.lock(), locked.set()))
    locker.start()
    deadline = time.monotonic() + 30
    while vault.unlocked:  # the lock has begun: it refuses new work from its first instant
        assert time.monotonic() < deadline, "the lock did not begin"
        time.sleep(0.005)
    finish.set()  # the lock has begun; it must still wait for this transaction to end
    writer.join(30)
    locker.join(30)
    assert closed_under_us == [False] and locked.is_set()
    vault.unlock(PASSWORD)
    assert _keys(vault) == ["kept"]
