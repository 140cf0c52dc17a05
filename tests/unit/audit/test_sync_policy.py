"""Pure parts of sync and recording: backoff, error codes, failure messages, payload bytes."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import requests

from agent_desktop.audit import outbox
from agent_desktop.audit.event import GENESIS_HASH, build_event
from agent_desktop.audit.recorder import _pending_fields, explain_write_failure
from agent_desktop.audit.sync import Outcome, Round, SyncWorker, _error_code, _retry_after
from agent_desktop.bus import EventBus


class Settings:
    def __init__(self, **values: Any) -> None:
        self.values = {"audit.batch_size": 100, "audit.max_backoff_seconds": 60,
                       "audit.sync_interval_seconds": 15, "audit.server_url": "",
                       "audit.receipt_public_key": "", "audit.ca_bundle": "", **values}

    def get(self, name: str) -> Any:
        return self.values[name]


def worker(rng: float) -> SyncWorker:
    return SyncWorker(None, EventBus(), Settings(), session=requests.Session(),  # type: ignore[arg-type]
                      store=None, rng=lambda: rng)  # type: ignore[arg-type]


def response(code: int, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = code
    resp._content = body
    resp.headers.update(headers or {})
    return resp


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    low, high = worker(0.0), worker(1.0)
    seen_low, seen_high = [], []
    for _ in range(10):
        low._failures += 1
        high._failures += 1
        seen_low.append(low.backoff(Round(Outcome.RETRY)))
        seen_high.append(high.backoff(Round(Outcome.RETRY)))
    assert seen_high[:7] == [1, 2, 4, 8, 16, 32, 60]
    assert seen_low[:3] == [0.5, 1, 2]                      # jitter spans half the step
    assert max(seen_high) == 60 and max(seen_low) == 30


def test_retry_after_wins_over_a_shorter_backoff_but_not_the_cap() -> None:
    w = worker(0.0)
    w._failures = 1
    assert w.backoff(Round(Outcome.RETRY, retry_after=7)) == 7
    assert w.backoff(Round(Outcome.RETRY, retry_after=10_000)) == 60


def test_revoked_code_is_found_in_the_usual_error_shapes() -> None:
    assert _error_code(response(403, b'{"error":"device_revoked"}')) == "device_revoked"
    assert _error_code(response(403, b'{"detail":{"code":"device_revoked"}}')) == "device_revoked"
    assert _error_code(response(403, b'{"error":{"code":"device_revoked","message":"x"}}')) == "device_revoked"
    assert _error_code(response(403, b"<html>")) is None


def test_retry_after_header_parsing() -> None:
    assert _retry_after(response(429, b"", {"Retry-After": "12"})) == 12
    assert _retry_after(response(429, b"", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) is None
    assert _retry_after(response(429, b"")) is None


def test_write_failures_say_why() -> None:
    class VaultLocked(Exception):
        pass

    assert explain_write_failure("phi.reveal", VaultLocked()).reason == "the vault is locked"
    full = sqlite3.OperationalError("database or disk is full")
    try:
        try:
            raise full
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError("cannot rollback - no transaction is active") from None
    except sqlite3.OperationalError as err:
        hidden = err
    hidden.__context__ = full
    assert explain_write_failure("phi.reveal", hidden).reason == "the disk is full"
    assert "Nothing was shown" in str(explain_write_failure("phi.view", OSError("x")))


def test_pending_records_accept_mappings_and_objects() -> None:
    assert _pending_fields({"action": "vault.lock", "outcome": "success", "detail": {"reason": "idle"},
                            "ts": 0})[:3] == ("vault.lock", "success", {"reason": "idle"})
    assert _pending_fields({"action": "vault.lock", "ts": 0})[3] == "1970-01-01T00:00:00.000Z"


def test_batch_payload_carries_the_stored_bytes_unchanged() -> None:
    events, prev = [], GENESIS_HASH
    for seq in (1, 2):
        e = build_event(device_id="dev-1", seq=seq, prev_hash=prev, user="a1", role="agent",
                        action="phi.view", patient="pat-1", detail={"note": "ñ"})
        events.append(e)
        prev = e["hash"]
    bodies = [outbox.encode(e) for e in events]
    batch = outbox.Batch(1, 2, prev, [e["id"] for e in events], bodies)
    payload = json.loads(batch.payload("dev-1"))
    assert payload == {"device_id": "dev-1", "events": events}
