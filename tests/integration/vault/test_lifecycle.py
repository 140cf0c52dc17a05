"""Create, unlock, lock and the two factors, against the real Secret Service."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from keyrings.alt.file import PlaintextKeyring

from agent_desktop.vault import (
    DEFAULT_SCRYPT,
    DeviceSecretMissing,
    InsecureKeyringError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WeakPassword,
)
from agent_desktop.vault import events as ev
from agent_desktop.vault.device_secret import SERVICE
from agent_desktop.vault.header import parse
from agent_desktop.vault.keyring_backend import secure_backend
from tests.support.vault_env import OTHER_PASSWORD, PASSWORD, VaultFactory

MARKER = "Synthetic-Patient-Zebulon-Quartz"


def test_create_then_unlock_with_password_and_device_returns_the_stored_data(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    assert vault.status().unlocked
    vault.put_secret("sip.password", b"s3cret-sip").result()
    vault.lock()
    assert not vault.status().unlocked

    again = make_vault(vault.profile)  # a fresh process would build a new object
    again.unlock(PASSWORD)
    assert again.get_secret("sip.password").result() == b"s3cret-sip"
    assert again.get_secret("missing").result() is None


def test_database_on_disk_is_ciphertext(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.put_secret("marker", MARKER.encode()).result()
    vault.transaction(lambda c: c.execute(
        "INSERT INTO profile (key, value, updated_at) VALUES ('name', ?, 0)", (MARKER,))).result()
    vault.lock()
    for name in os.listdir(vault.directory):
        data = (vault.directory / name).read_bytes()
        assert MARKER.encode() not in data, name
    raw = vault.db_path.read_bytes()
    assert len(raw) >= 4096 and not raw.startswith(b"SQLite format 3\x00")
    plain = sqlite3.connect(vault.db_path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        plain.execute("SELECT * FROM sqlite_master").fetchall()
    plain.close()


def test_vault_files_are_private(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.put_secret("a", b"b").result()
    assert stat.S_IMODE(os.stat(vault.directory).st_mode) == 0o700
    names = os.listdir(vault.directory)
    assert {"vault.db", "vault.header"} <= set(names)
    for name in names:
        assert stat.S_IMODE(os.stat(vault.directory / name).st_mode) == 0o600, name


def test_default_kdf_cost_is_recorded_in_the_header(make_vault: VaultFactory) -> None:
    vault = make_vault(kdf=DEFAULT_SCRYPT)
    vault.create(PASSWORD)
    header, _, _ = parse(vault.header_path.read_bytes())
    assert (header.kdf.n, header.kdf.r, header.kdf.p) == (DEFAULT_SCRYPT.n, DEFAULT_SCRYPT.r,
                                                          DEFAULT_SCRYPT.p)
    vault.lock()
    vault.unlock(PASSWORD)
    assert vault.last_unlock is not None and vault.last_unlock.kdf_seconds > 0


def test_right_password_without_the_keyring_entry_does_not_unlock(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    secure_backend().delete_password(SERVICE, f"vault-device-secret:{vault.profile}")
    with pytest.raises(DeviceSecretMissing, match="keyring"):
        vault.unlock(PASSWORD)
    assert not vault.status().unlocked
    # and the device is not silently re-enrolled: the next try fails the same way
    with pytest.raises(DeviceSecretMissing):
        vault.unlock(PASSWORD)


def test_plaintext_keyring_backend_is_refused(make_vault: VaultFactory, tmp_path) -> None:
    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "plain-keyring.cfg")  # type: ignore[misc]
    vault = make_vault(keyring_backend=plain)
    with pytest.raises(InsecureKeyringError, match="keyrings.alt.file.PlaintextKeyring"):
        vault.create(PASSWORD)
    assert not vault.exists()
    assert not (tmp_path / "plain-keyring.cfg").exists()


@pytest.mark.parametrize("backend", ["keyring.backends.null.Keyring",
                                     "keyring.backends.fail.Keyring"])
def test_null_and_failing_keyring_backends_are_refused(make_vault: VaultFactory,
                                                       backend: str) -> None:
    import importlib

    module, _, name = backend.rpartition(".")
    vault = make_vault(keyring_backend=getattr(importlib.import_module(module), name)())
    with pytest.raises(InsecureKeyringError, match=backend.replace(".", r"\.")):
        vault.create(PASSWORD)
    assert not vault.exists()


def test_policy_can_require_a_specific_backend(make_vault: VaultFactory) -> None:
    settings = make_vault.settings(keyring_backend="keyring.backends.kwallet.DBusKeyring")
    vault = make_vault(settings=settings)
    with pytest.raises(InsecureKeyringError, match="Policy requires"):
        vault.create(PASSWORD)


def test_lock_overwrites_the_key_and_every_call_raises(make_vault: VaultFactory) -> None:
    vault = make_vault()
    seen: list[object] = []
    make_vault.bus.subscribe(ev.VaultLocked, seen.append)
    vault.create(PASSWORD)
    dek = vault._dek
    assert dek is not None and any(dek)
    vault.lock("idle")
    assert dek == bytearray(32)  # the same buffer, overwritten in place
    assert vault._dek is None and vault._conn is None
    assert seen == [ev.VaultLocked(vault.profile, "idle")]
    for call in (lambda: vault.submit(lambda c: 1), lambda: vault.transaction(lambda c: 1),
                 lambda: vault.get_secret("x"), lambda: vault.put_secret("x", b"y")):
        with pytest.raises(VaultLocked, match="locked"):
            call().result()


def test_work_queued_before_a_lock_fails_with_vault_locked(make_vault: VaultFactory) -> None:
    import threading

    vault = make_vault()
    vault.create(PASSWORD)
    gate, started = threading.Event(), threading.Event()

    def block(conn) -> bool:
        started.set()
        return gate.wait(5)

    blocker = vault.submit(block)
    assert started.wait(5)
    queued = vault.submit(lambda c: c.execute("SELECT 1").fetchone())
    locker = threading.Thread(target=vault.lock)
    locker.start()
    while vault.unlocked:
        pass
    gate.set()
    locker.join()
    assert blocker.result() is True
    with pytest.raises(VaultLocked):
        queued.result()


def test_create_refuses_an_existing_vault_and_unlock_a_missing_one(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    with pytest.raises(VaultNotFound, match="vault create"):
        vault.unlock(PASSWORD)
    vault.create(PASSWORD)
    before = vault.header_path.read_bytes()
    with pytest.raises(VaultExists):
        vault.create(OTHER_PASSWORD)
    assert vault.header_path.read_bytes() == before


@pytest.mark.parametrize("password, problem", [
    ("short-1", "at least 12"),
    ("aaaaaaaaaaaaaaaa", "too few different"),
    ("qwertyuiopasdf", "sequence"),
    ("Password123456!", "most common"),
])
def test_weak_passwords_are_refused_at_create(make_vault: VaultFactory, password: str,
                                               problem: str) -> None:
    vault = make_vault()
    with pytest.raises(WeakPassword, match=problem):
        vault.create(password)
    assert not vault.exists()


def test_password_containing_the_agent_id_is_refused(make_vault: VaultFactory) -> None:
    vault = make_vault("jdoe")
    with pytest.raises(WeakPassword, match="agent id"):
        vault.create("my-JDoe-vault-2026")


def test_unlock_hook_sees_migrated_schema_and_events_arrive_in_order(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    order: list[str] = []
    make_vault.bus.subscribe(ev.VaultUnlocked, lambda e: order.append("event"))

    def hook(conn, pending) -> None:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"secrets", "phi_cache", "profile"} <= tables
        order.append("hook")

    vault.add_unlock_hook(hook)
    vault.create(PASSWORD)
    vault.lock()
    vault.unlock(PASSWORD)
    assert order == ["hook", "event", "hook", "event"]


def test_transaction_rolls_back_when_the_function_raises(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)

    def fails(conn) -> None:
        conn.execute("INSERT INTO secrets (name, value, updated_at) VALUES ('x', x'00', 0)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        vault.transaction(fails).result()
    assert vault.get_secret("x").result() is None
    vault.put_secret("y", b"1").result()  # the connection is usable afterwards
    assert vault.get_secret("y").result() == b"1"


def test_work_runs_on_one_vault_thread(make_vault: VaultFactory) -> None:
    import threading

    vault = make_vault()
    vault.create(PASSWORD)
    idents = {vault.submit(lambda c: threading.get_ident()).result() for _ in range(20)}
    assert len(idents) == 1 and threading.get_ident() not in idents


def test_device_subkey_works_while_locked_and_separates_purposes(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    a = vault.device_subkey(b"audit mac")
    vault.lock()
    assert vault.device_subkey(b"audit mac") == a
    assert len(a) == 32 and vault.device_subkey(b"other") != a
    other = make_vault()
    other.create(PASSWORD)
    assert other.device_subkey(b"audit mac") != a


def test_change_password_rewraps_the_key_without_reencrypting(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.put_secret("k", b"v").result()
    vault.lock()
    db_before = vault.db_path.read_bytes()
    vault.change_password(PASSWORD, OTHER_PASSWORD)
    assert vault.db_path.read_bytes() == db_before
    from agent_desktop.vault import WrongPassword

    with pytest.raises(WrongPassword):
        vault.unlock(PASSWORD)
    vault.unlock(OTHER_PASSWORD)
    assert vault.get_secret("k").result() == b"v"


def test_change_password_with_a_wrong_old_password_changes_nothing(
        make_vault: VaultFactory) -> None:
    from agent_desktop.vault import WrongPassword

    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    header = vault.header_path.read_bytes()
    with pytest.raises(WrongPassword):
        vault.change_password("Not-The-Password-99", OTHER_PASSWORD)
    with pytest.raises(WeakPassword):
        vault.change_password(PASSWORD, "short")
    assert vault.header_path.read_bytes() == header
    assert vault.status().failed_attempts == 1


def test_connection_runs_with_the_required_pragmas(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)

    def pragmas(conn) -> dict[str, object]:
        return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in (
            "journal_mode", "synchronous", "foreign_keys", "secure_delete",
            "cipher_memory_security", "cipher_version", "user_version")}

    got = vault.submit(pragmas).result()
    assert got["journal_mode"] == "wal"
    assert got["synchronous"] == 2  # FULL
    assert got["foreign_keys"] == 1 and got["secure_delete"] == 1
    assert str(got["cipher_memory_security"]) == "1"
    assert str(got["cipher_version"]).startswith("4.")
    assert got["user_version"] >= 1


def test_a_vault_written_by_an_older_build_opens_with_newer_migrations(
        make_vault: VaultFactory) -> None:
    from agent_desktop.vault import MIGRATIONS, Migration

    def later(conn) -> None:
        conn.execute("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO later_feature (id) SELECT count(*) FROM secrets")

    old = make_vault(migrations=MIGRATIONS[:1])
    old.create(PASSWORD)
    old.put_secret("kept", b"1").result()
    old.lock()
    newer = make_vault(old.profile, migrations=[*MIGRATIONS, Migration(99, "later", later)])
    newer.unlock(PASSWORD)
    assert newer.get_secret("kept").result() == b"1"
    assert newer.submit(lambda c: (c.execute("PRAGMA user_version").fetchone()[0],
                                   c.execute("SELECT id FROM later_feature").fetchone()[0])
                        ).result() == (99, 1)
    newer.lock()
    from agent_desktop.vault import VaultTooNew

    with pytest.raises(VaultTooNew, match="schema version 99"):
        make_vault(old.profile, migrations=MIGRATIONS[:1]).unlock(PASSWORD)
