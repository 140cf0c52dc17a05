"""Wrong passwords throttle; edited, truncated or foreign headers and databases fail clearly."""

from __future__ import annotations

import json

import pytest

from agent_desktop.vault import (
    HeaderTampered,
    UnlockThrottled,
    VaultCorrupted,
    WrongPassword,
    crypto,
)
from agent_desktop.vault import events as ev
from agent_desktop.vault.header import canonical
from tests.support.vault_env import PASSWORD, FakeClock, VaultFactory

WRONG = "Definitely-Wrong-Pass-1"


def test_wrong_password_raises_counts_and_throttles_with_growing_delays(
        make_vault: VaultFactory) -> None:
    clock = FakeClock()
    settings = make_vault.settings(unlock_throttle_free_attempts=3,
                                   unlock_throttle_max_seconds=60)
    vault = make_vault(clock=clock, settings=settings)
    failed: list[ev.UnlockFailed] = []
    make_vault.bus.subscribe(ev.UnlockFailed, failed.append)
    vault.create(PASSWORD)
    vault.lock()

    for expected in (1, 2):
        with pytest.raises(WrongPassword) as err:
            vault.unlock(WRONG)
        assert err.value.failures == expected and err.value.retry_after == 0
    with pytest.raises(WrongPassword) as err:
        vault.unlock(WRONG)
    assert err.value.failures == 3 and err.value.retry_after == 5
    # even the right password is not checked during the delay
    with pytest.raises(UnlockThrottled) as throttled:
        vault.unlock(PASSWORD)
    assert throttled.value.retry_after_seconds == pytest.approx(5)
    assert vault.status().retry_after_seconds == pytest.approx(5)
    clock.advance(5)
    with pytest.raises(WrongPassword) as err:
        vault.unlock(WRONG)
    assert err.value.retry_after == 10
    assert [f.failures for f in failed] == [1, 2, 3, 4]
    assert failed[-1] == ev.UnlockFailed(vault.profile, 4, 10.0)

    # persisted: a restarted app (new object) is still throttled
    restarted = make_vault(vault.profile, clock=clock, settings=settings)
    assert restarted.status().failed_attempts == 4
    with pytest.raises(UnlockThrottled):
        restarted.unlock(PASSWORD)
    clock.advance(3600)  # the cap keeps even many failures at 60 s
    restarted.unlock(PASSWORD)
    assert restarted.status().failed_attempts == 0


def test_delays_are_capped_by_policy(make_vault: VaultFactory) -> None:
    clock = FakeClock()
    settings = make_vault.settings(unlock_throttle_free_attempts=1,
                                   unlock_throttle_max_seconds=12)
    vault = make_vault(clock=clock, settings=settings)
    vault.create(PASSWORD)
    vault.lock()
    delays = []
    for _ in range(5):
        with pytest.raises(WrongPassword) as err:
            vault.unlock(WRONG)
        delays.append(err.value.retry_after)
        clock.advance(err.value.retry_after)
    assert delays == [5, 10, 12, 12, 12]


def test_resetting_the_throttle_file_by_hand_does_not_buy_guesses(
        make_vault: VaultFactory) -> None:
    clock = FakeClock()
    settings = make_vault.settings(unlock_throttle_free_attempts=3)
    vault = make_vault(clock=clock, settings=settings)
    vault.create(PASSWORD)
    vault.lock()
    with pytest.raises(WrongPassword):
        vault.unlock(WRONG)
    path = vault.directory / "throttle.json"
    data = json.loads(path.read_text())
    data["failures"] = 0
    path.write_text(json.dumps(data))
    with pytest.raises(UnlockThrottled):
        vault.unlock(PASSWORD)


def test_every_failed_unlock_is_recorded_for_the_audit_trail(make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    for _ in range(2):
        with pytest.raises(WrongPassword):
            vault.unlock(WRONG)
    seen: list[list[dict]] = []
    vault.add_unlock_hook(lambda conn, pending: seen.append(pending))
    vault.unlock(PASSWORD)
    actions = [(r["action"], r["outcome"], r["detail"].get("failures")) for r in seen[0]]
    assert actions == [("vault.lock", "success", None),
                       ("vault.unlock_failed", "failure", 1),
                       ("vault.unlock_failed", "failure", 2)]
    assert all(r["ts"].endswith("Z") for r in seen[0])


def _rewrite_header(vault, edit, remac: bool) -> None:
    data = json.loads(vault.header_path.read_bytes())
    data.pop("mac")
    edit(data)
    if remac:  # an attacker who also holds the device secret can recompute the outer MAC
        data["mac"] = crypto.mac(vault.device_subkey(crypto.HEADER_MAC_INFO), canonical(data))
    else:
        data["mac"] = "0" * 64
    vault.header_path.write_text(json.dumps(data))


@pytest.mark.parametrize("remac", [False, True], ids=["edited", "edited-and-remaced"])
def test_a_header_edited_to_a_cheaper_kdf_fails_to_unlock(make_vault: VaultFactory,
                                                         remac: bool) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()

    def cheapen(data: dict) -> None:
        data["kdf"]["n"] = 2**10

    _rewrite_header(vault, cheapen, remac)
    # the outer MAC catches the edit; past it, the AES-GCM associated data still does
    with pytest.raises(HeaderTampered if not remac else WrongPassword):
        vault.unlock(PASSWORD)
    assert not vault.unlocked


def test_a_header_with_a_flipped_ciphertext_byte_is_reported_as_tampered(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()

    def flip(data: dict) -> None:
        ct = bytearray.fromhex(data["wrap"]["ciphertext"])
        ct[0] ^= 1
        data["wrap"]["ciphertext"] = ct.hex()

    _rewrite_header(vault, flip, remac=False)
    with pytest.raises(HeaderTampered, match="modified"):
        vault.unlock(PASSWORD)
    assert vault.status().failed_attempts == 0  # tampering is not a password guess


def test_a_truncated_header_gives_a_clear_error_and_is_not_overwritten(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    raw = vault.header_path.read_bytes()
    vault.header_path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(VaultCorrupted, match="truncated"):
        vault.unlock(PASSWORD)
    assert vault.header_path.read_bytes() == raw[: len(raw) // 2]


def test_a_header_from_another_vault_is_refused(make_vault: VaultFactory) -> None:
    first, second = make_vault(), make_vault()
    first.create(PASSWORD)
    second.create(PASSWORD)
    first.lock()
    second.lock()
    first.header_path.write_bytes(second.header_path.read_bytes())
    with pytest.raises(HeaderTampered, match=f"belongs to profile {second.profile}"):
        first.unlock(PASSWORD)


def test_a_header_from_an_earlier_vault_of_the_same_profile_is_refused(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    old_header = vault.header_path.read_bytes()
    old_db = vault.db_path.read_bytes()
    vault.wipe()
    vault.create(PASSWORD)
    vault.lock()
    vault.header_path.write_bytes(old_header)
    with pytest.raises(HeaderTampered):
        vault.unlock(PASSWORD)
    assert old_db  # the old database is unreadable without its (shredded) device secret


def test_a_corrupted_database_gives_a_clear_error_and_can_be_quarantined(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.put_secret("k", b"v").result()
    vault.lock()
    raw = bytearray(vault.db_path.read_bytes())
    raw[:4096] = bytes(4096)  # the first page (salt and schema) destroyed
    vault.db_path.write_bytes(bytes(raw))
    with pytest.raises(VaultCorrupted, match="damaged") as err:
        vault.unlock(PASSWORD)
    assert "quarantine" in str(err.value)
    assert vault.db_path.read_bytes() == bytes(raw)  # nothing overwritten
    assert vault.status().failed_attempts == 0

    moved = vault.quarantine()
    assert (moved / "vault.db").read_bytes() == bytes(raw)
    assert (moved / "vault.header").exists()
    assert not vault.exists()
    vault.create(PASSWORD)  # a fresh one, only on request
    assert vault.get_secret("k").result() is None


def test_a_database_swapped_for_another_vaults_is_refused(make_vault: VaultFactory) -> None:
    first, second = make_vault(), make_vault()
    first.create(PASSWORD)
    second.create(PASSWORD)
    first.lock()
    second.lock()
    first.db_path.write_bytes(second.db_path.read_bytes())
    with pytest.raises(VaultCorrupted, match="does not belong"):
        first.unlock(PASSWORD)


def test_a_plaintext_sqlite_file_in_place_of_the_vault_is_refused(
        make_vault: VaultFactory) -> None:
    import sqlite3

    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    vault.db_path.unlink()
    plain = sqlite3.connect(vault.db_path)
    plain.execute("CREATE TABLE t (x)")
    plain.commit()
    plain.close()
    with pytest.raises(VaultCorrupted, match="unencrypted"):
        vault.unlock(PASSWORD)


def test_a_missing_database_or_header_is_reported_not_recreated(
        make_vault: VaultFactory) -> None:
    vault = make_vault()
    vault.create(PASSWORD)
    vault.lock()
    vault.db_path.rename(vault.directory / "elsewhere.db")
    with pytest.raises(VaultCorrupted, match="database file is missing"):
        vault.unlock(PASSWORD)
    (vault.directory / "elsewhere.db").rename(vault.db_path)
    vault.header_path.rename(vault.directory / "elsewhere.header")
    with pytest.raises(VaultCorrupted, match="header file is missing"):
        vault.unlock(PASSWORD)
    with pytest.raises(VaultCorrupted, match="without its header"):
        vault.create(PASSWORD)
