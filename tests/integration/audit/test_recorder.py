"""record(): durable, gap-free, chained, PHI-free; guard/reveal never show PHI unrecorded."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from agent_desktop.audit import outbox
from agent_desktop.audit.event import GENESIS_HASH, InvalidEvent, verify_chain
from agent_desktop.audit.notices import AuditRecorded
from agent_desktop.audit.recorder import AuditRecorder, AuditWriteFailed
from agent_desktop.bus import EventBus
from agent_desktop.vault import Vault, WrongPassword
from tests.integration.audit.conftest import PASSWORD
from tests.support.vault_env import VaultFactory


def stored(vault: Any) -> list[dict[str, Any]]:
    return list(vault.submit(lambda c: list(outbox.stored_events(c))).result())


def test_record_returns_the_stored_chained_event(recorder: AuditRecorder, vault: Any) -> None:
    (unlock,) = stored(vault)  # the unlock that opened the vault is the first event
    assert (unlock["seq"], unlock["action"], unlock["prev_hash"]) == (1, "vault.unlock", GENESIS_HASH)
    first = recorder.record("call.answer", call_id="call-1")
    second = recorder.record("phi.view", patient="pat-42", call_id="call-1",
                             detail={"fields": ["demographics"]})
    assert (first["seq"], second["seq"]) == (2, 3)
    assert first["prev_hash"] == unlock["hash"] and second["prev_hash"] == first["hash"]
    assert stored(vault) == [unlock, first, second]
    assert verify_chain(stored(vault)) == (3, second["hash"])


def test_concurrent_records_get_gap_free_seq(recorder: AuditRecorder, vault: Any) -> None:
    def work() -> None:
        for _ in range(25):
            recorder.record("phi.view", patient="pat-1")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = stored(vault)
    assert [e["seq"] for e in events] == list(range(1, 102))
    verify_chain(events)


def test_phi_looking_detail_is_refused_and_nothing_written(recorder: AuditRecorder, vault: Any) -> None:
    with pytest.raises(InvalidEvent, match="detail.answer") as date:
        recorder.record("verify.fail", detail={"answer": "1984-03-12"})
    with pytest.raises(InvalidEvent, match="patient") as name:
        recorder.record("phi.view", patient="Jane Q Public")
    # the refusal names the field, never the value
    assert "1984" not in str(date.value) and "Jane" not in str(name.value)
    assert [e["action"] for e in stored(vault)] == ["vault.unlock"]


def test_record_publishes_seq_and_action_only(recorder: AuditRecorder, bus: EventBus) -> None:
    seen: list[AuditRecorded] = []
    bus.subscribe(AuditRecorded, seen.append)
    recorder.record("phi.reveal", patient="pat-9")
    assert seen == [AuditRecorded(2, "phi.reveal")]


def test_guard_runs_body_after_commit(recorder: AuditRecorder, vault: Any) -> None:
    seen_in_body: list[int] = []
    with recorder.guard("phi.reveal", patient="pat-5", call_id="call-5") as event:
        seen_in_body.append(len(stored(vault)))
        assert event["action"] == "phi.reveal"
    assert seen_in_body == [2]


def test_guard_never_runs_body_when_vault_locked(recorder: AuditRecorder, vault: Any) -> None:
    vault.lock()
    shown: list[str] = []
    with pytest.raises(AuditWriteFailed, match="vault is locked") as info:
        with recorder.guard("phi.reveal", patient="pat-5"):
            shown.append("PHI")
    assert shown == []
    assert "Nothing was shown" in str(info.value) and info.value.hint


def test_reveal_never_calls_show_when_disk_is_full(recorder: AuditRecorder, vault: Any) -> None:
    recorder.record("call.answer")
    # A real SQLITE_FULL: cap the database at the pages it already has, then fill them.
    def fill(conn: Any) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
    vault.submit(fill).result()
    shown: list[str] = []
    with pytest.raises(AuditWriteFailed, match="disk is full"):
        for _ in range(200):  # the free space left in the last pages runs out quickly
            recorder.reveal("phi.reveal", lambda: shown.append("PHI"), patient="pat-5",
                            detail={"fields": ["medications", "allergies", "conditions"]})
    count = len(shown)
    assert count < 200
    events = stored(vault)
    assert len(events) == 2 + count  # every shown reveal is recorded, the failed one is not shown
    verify_chain(events)


def test_locked_state_events_join_the_chain_in_order_at_unlock(recorder: AuditRecorder,
                                                               vault: Vault) -> None:
    recorder.record("call.answer")
    vault.lock("idle")                                  # the vault records vault.lock itself
    for _ in range(2):
        with pytest.raises(WrongPassword):
            vault.unlock("not-the-password-at-all")    # ... and each failed unlock
    vault.unlock(PASSWORD)
    events = stored(vault)
    assert [e["action"] for e in events] == ["vault.unlock", "call.answer", "vault.lock",
                                             "vault.unlock_failed", "vault.unlock_failed",
                                             "vault.unlock"]
    assert events[2]["detail"] == {"reason": "idle"}
    assert [e["detail"].get("failures") for e in events[3:5]] == [1, 2]
    assert [e["outcome"] for e in events[3:5]] == ["failure", "failure"]
    assert events[5]["detail"] == {"pending_joined": 3}
    verify_chain(events)
    assert recorder.verify_local().ok
    assert vault.status().pending_locked_events == 0


def test_pending_records_stay_when_joining_fails(recorder: AuditRecorder, vault: Vault,
                                                 vaults: VaultFactory, bus: EventBus,
                                                 device_id: str) -> None:
    vault.lock()
    vault.close()
    # another device id cannot append to this vault's chain: the hook fails, nothing is lost
    again = vaults(vault.profile, bus=bus)
    AuditRecorder(again, bus, device_id="dev-someone-else", user="agent-007", role="agent")
    again.unlock(PASSWORD)
    assert again.status().pending_locked_events == 1
    again.close()
    third = vaults(vault.profile, bus=bus)
    rec = AuditRecorder(third, bus, device_id=device_id, user="agent-007", role="agent")
    third.unlock(PASSWORD)
    assert [e["action"] for e in stored(third)][-2:] == ["vault.lock", "vault.unlock"]
    assert rec.verify_local().ok and third.status().pending_locked_events == 0
