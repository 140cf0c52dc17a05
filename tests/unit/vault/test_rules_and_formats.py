"""Password rules, throttle arithmetic, header parsing, key wrapping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent_desktop.vault import HeaderTampered, VaultCorrupted, WeakPassword, crypto
from agent_desktop.vault.header import Header, parse, read
from agent_desktop.vault.password_rules import check_password
from agent_desktop.vault.throttle import Throttle

SECRET = bytes(range(32))


@pytest.mark.parametrize("password", ["Correct-Horse-Battery-7", "four unrelated words here",
                                      "Zx9!mQ2#rT5$wK8"])
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(password, 12, "jdoe")


@pytest.mark.parametrize("password, problem", [
    ("Tr0ub4dor&3", "at least 12"),
    ("abcabcabcabcabc", "too few different"),
    ("abcdefghijklmn", "sequence"),
    ("0987654321098", "sequence"),
    ("welcome2026!!", "most common"),
    ("jdoe-rules-forever", "agent id"),
])
def test_weak_passwords_name_the_broken_rule(password: str, problem: str) -> None:
    with pytest.raises(WeakPassword, match=problem):
        check_password(password, 12, "jdoe")


def test_throttle_delays_grow_and_cap(tmp_path: Path) -> None:
    now = [1000.0]
    throttle = Throttle(tmp_path / "t.json", free_attempts=3, max_seconds=300,
                        clock=lambda: now[0])
    assert [throttle.delay_after(n) for n in range(1, 10)] == [0, 0, 5, 10, 20, 40, 80, 160, 300]
    key = crypto.subkey(SECRET, crypto.THROTTLE_MAC_INFO)
    for _ in range(3):
        throttle.record_failure(key)
    assert throttle.retry_after(key) == 5
    now[0] += 2
    assert throttle.retry_after(key) == 3
    throttle.reset(key)
    assert throttle.retry_after(key) == 0
    other_key = crypto.subkey(os.urandom(32), crypto.THROTTLE_MAC_INFO)
    # a state file MACed by another key (copied from elsewhere) counts as tampered
    assert throttle.retry_after(other_key) == 5


def _header() -> tuple[Header, bytearray]:
    dek = crypto.random_key()
    head = Header("id1", "jdoe", "2026-01-01T00:00:00.000Z", crypto.ScryptParams(n=2**10),
                  os.urandom(16), b"", b"")
    kek = crypto.derive_kek("pw", head.salt, head.kdf, SECRET)
    nonce, wrapped = crypto.wrap(kek, dek, head.aad())
    return Header(head.vault_id, head.profile, head.created, head.kdf, head.salt, nonce,
                  wrapped), dek


def test_header_round_trip_and_unwrap(tmp_path: Path) -> None:
    head, dek = _header()
    mac_key = crypto.subkey(SECRET, crypto.HEADER_MAC_INFO)
    path = tmp_path / "h"
    path.write_bytes(head.to_bytes(mac_key))
    back = read(path, mac_key, "jdoe")
    assert back == head
    kek = crypto.derive_kek("pw", back.salt, back.kdf, SECRET)
    assert crypto.unwrap(kek, back.nonce, back.wrapped_dek, back.aad()) == dek
    wrong_device = crypto.derive_kek("pw", back.salt, back.kdf, os.urandom(32))
    assert crypto.unwrap(wrong_device, back.nonce, back.wrapped_dek, back.aad()) is None


@pytest.mark.parametrize("raw, error", [
    (b"", VaultCorrupted), (b"{\"format\": ", VaultCorrupted), (b"\xff\xfe", VaultCorrupted),
    (b"[1, 2]", VaultCorrupted), (b"{}", HeaderTampered),
    (b'{"mac": "x", "format": "something-else", "kdf": {}, "wrap": {}}', HeaderTampered),
])
def test_garbage_headers_are_reported_not_guessed(raw: bytes, error: type) -> None:
    with pytest.raises(error):
        parse(raw)


def test_wipe_buffer_zeroes_in_place() -> None:
    buf = bytearray(b"\x01" * 32)
    crypto.wipe_buffer(buf)
    assert buf == bytearray(32)
