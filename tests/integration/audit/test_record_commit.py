"""What one record writes: the outbox row alone (one page in the WAL), and the outbox of a
vault made before that layout (migration 18) keeps every event and goes on recording."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

from agent_desktop.audit import outbox
from agent_desktop.audit.event import GENESIS_HASH, build_event
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.vault import Vault
from agent_desktop.vault.migrations import MIGRATIONS
from tests.integration.audit.conftest import PASSWORD, ROLE, USER, open_raw
from tests.support.vault_env import VaultFactory

FRAME_HEADER = 24  # bytes before each page in a WAL frame


def _query(vault: Vault, sql: str) -> list[tuple[Any, ...]]:
    return list(vault.submit(lambda c: c.execute(sql).fetchall()).result())


def test_recording_an_event_appends_one_page_to_the_wal(recorder: AuditRecorder,
                                                        vault: Vault) -> None:
    ((page_size,),) = _query(vault, "PRAGMA page_size")
    wal = vault.db_path.with_name(vault.db_path.name + "-wal")
    recorder.record("phi.view", patient="pat-1", call_id="call-1")
    frames = []
    for i in range(12):
        before = wal.stat().st_size
        recorder.record("phi.view", patient=f"pat-{i}", call_id="call-1",
                        detail={"fields": ["demographics"]})
        frames.append((wal.stat().st_size - before) / (FRAME_HEADER + int(page_size)))
    # one frame: the outbox's last leaf (a leaf that fills up adds a page now and then);
    # the earlier layout wrote three (that leaf, the id index's leaf, the chain-state row)
    assert Counter(frames).most_common(1)[0][0] == 1, frames
    assert recorder.verify_local().ok


def _pre_18(vaults: VaultFactory, bus: EventBus, device_id: str, count: int
            ) -> tuple[Vault, list[dict[str, Any]]]:
    """A vault at the layout before migration 18, holding ``count`` events written the way
    that build wrote them (outbox row, then the head moved in the chain-state row)."""
    old = vaults(bus=bus, migrations=[m for m in MIGRATIONS if m.version != 18])
    old.create(PASSWORD)
    events, prev = [], GENESIS_HASH
    for seq in range(1, count + 1):
        event = build_event(device_id=device_id, seq=seq, prev_hash=prev, user=USER, role=ROLE,
                            action="phi.view", patient=f"pat-{seq}")
        events.append(event)
        prev = event["hash"]

    def write(conn: Any) -> None:
        conn.execute("INSERT INTO audit_chain_state (singleton, device_id, last_seq, last_hash, "
                     "acked_seq, acked_hash) VALUES (1, ?, ?, ?, 0, ?)",
                     (device_id, count, prev, GENESIS_HASH))
        conn.executemany("INSERT INTO audit_outbox (seq, id, body) VALUES (?, ?, ?)",
                         [(e["seq"], e["id"], outbox.encode(e)) for e in events])

    old.transaction(write).result()
    assert [r[1] for r in _query(old, "PRAGMA table_info(audit_outbox)")] == ["seq", "id", "body"]
    assert _query(old, "PRAGMA index_list(audit_outbox)")  # UNIQUE(id)
    return old, events


def _outbox_layout(vault: Vault) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = [row[1] for row in _query(vault, "PRAGMA table_info(audit_outbox)")]
    return columns, _query(vault, "PRAGMA index_list(audit_outbox)")


def test_an_outbox_from_before_the_one_page_layout_keeps_its_events_and_goes_on(
        vaults: VaultFactory, bus: EventBus, device_id: str) -> None:
    old, before = _pre_18(vaults, bus, device_id, 3)
    old.close()

    again = vaults(old.profile, bus=bus)  # today's registry applies 18
    recorder = AuditRecorder(again, bus, device_id=device_id, user=USER, role=ROLE)
    again.unlock(PASSWORD)
    assert _outbox_layout(again) == (["seq", "id", "hash", "body"], [])
    rows = _query(again, "SELECT seq, hash, body FROM audit_outbox ORDER BY seq")
    assert all(json.loads(body)["hash"] == stored for _, stored, body in rows)
    kept = again.submit(lambda c: list(outbox.stored_events(c))).result()
    assert kept[:3] == before  # then the reopen's lock and unlock, joined at unlock
    after = recorder.record("phi.view", patient="pat-9")
    assert (after["seq"], after["prev_hash"]) == (kept[-1]["seq"] + 1, kept[-1]["hash"])
    assert recorder.verify_local().ok


def test_a_garbled_event_from_before_the_migration_still_opens_and_is_reported(
        vaults: VaultFactory, bus: EventBus, device_id: str) -> None:
    old, _ = _pre_18(vaults, bus, device_id, 3)
    old.lock()
    raw = open_raw(old)
    raw.execute("UPDATE audit_outbox SET body = '{not json' WHERE seq = 2")
    raw.close()
    old.close()

    again = vaults(old.profile, bus=bus)
    recorder = AuditRecorder(again, bus, device_id=device_id, user=USER, role=ROLE)
    again.unlock(PASSWORD)
    result = recorder.verify_local()
    assert not result.ok and "unreadable" in (result.problem or "")


def test_cutting_events_the_checkpointed_head_covers_is_caught_inside_the_database(
        recorder: AuditRecorder, vault: Vault) -> None:
    for i in range(5):
        recorder.record("phi.reveal", patient=f"pat-{i}")
    vault.lock()
    vault.unlock(PASSWORD)  # the unlock's events are stored as a batch: the head checkpointed
    head = vault.submit(outbox.chain_state).result()
    assert head is not None and head.checkpoint_seq == head.last_seq == 8
    raw = open_raw(vault)  # an insider with the key, while the desktop runs
    raw.execute("DELETE FROM audit_outbox WHERE seq >= 7")
    raw.close()
    # the database's own check, without the keyring anchor
    result = vault.submit(outbox.verify_local).result()
    assert not result.ok and result.broken_seq == 7 and "removed" in (result.problem or "")


def test_editing_the_stored_hash_of_the_newest_event_is_detected(
        recorder: AuditRecorder, vault: Vault) -> None:
    last = recorder.record("phi.reveal", patient="pat-1")
    raw = open_raw(vault)
    raw.execute("UPDATE audit_outbox SET hash = ? WHERE seq = ?", (os.urandom(32).hex(), last["seq"]))
    raw.close()
    result = vault.submit(outbox.verify_local).result()
    assert not result.ok and result.broken_seq == last["seq"]


def test_a_second_writer_on_the_same_vault_never_forks_the_chain(
        vaults: VaultFactory, vault: Vault, recorder: AuditRecorder, bus: EventBus,
        device_id: str) -> None:
    """Another process (here another connection) appends between two of our records: the
    head this recorder remembers is stale, and its next event follows the other's."""
    recorder.record("phi.view", patient="pat-1")
    other = vaults(vault.profile, bus=EventBus())
    other_recorder = AuditRecorder(other, other.bus, device_id=device_id, user=USER, role=ROLE)
    other.unlock(PASSWORD)  # its unlock hook appends too
    theirs = other_recorder.record("phi.view", patient="pat-2")
    ours = recorder.record("phi.view", patient="pat-3")
    assert (ours["seq"], ours["prev_hash"]) == (theirs["seq"] + 1, theirs["hash"])
    assert recorder.verify_local().ok
    other.close()


def test_after_a_receipt_empties_the_outbox_the_chain_goes_on_from_the_receipted_head(
        recorder: AuditRecorder, vault: Vault) -> None:
    last = recorder.record("phi.view", patient="pat-1")
    deleted = vault.transaction(lambda c: outbox.acknowledge(
        c, last["seq"], last["hash"], "2026-12-01T00:00:00.000Z")).result()
    assert deleted == 2 and vault.submit(outbox.backlog).result() == 0
    after = recorder.record("phi.view", patient="pat-2")
    assert (after["seq"], after["prev_hash"]) == (last["seq"] + 1, last["hash"])
    assert recorder.verify_local().ok
