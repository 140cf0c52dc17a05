"""The outbox inside the vault: plain functions over the vault's SQLCipher connection.

Every function here runs on the vault thread (inside ``Vault.transaction``/``submit`` or an
unlock hook); none commits by itself, so callers decide the transaction boundary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agent_desktop.audit.event import GENESIS_HASH, ChainBreak, build_event, verify_chain
from agent_desktop.errors import AgentDesktopError


class OutboxOwnedByOtherDevice(AgentDesktopError):
    """The vault's audit chain belongs to another enrolled device id."""


@dataclass(frozen=True)
class ChainState:
    device_id: str
    last_seq: int
    last_hash: str
    acked_seq: int
    acked_hash: str
    last_sync_ts: str | None
    halted_seq: int | None
    halted_reason: str | None

    @property
    def halted(self) -> bool:
        return self.halted_reason is not None


@dataclass(frozen=True)
class Batch:
    """Stored events in seq order, as the exact JSON text that was hashed."""

    first_seq: int
    last_seq: int
    last_hash: str
    ids: list[str]
    bodies: list[str]

    def payload(self, device_id: str) -> bytes:
        # the stored text is spliced in as is: no re-encoding, so the server sees the very
        # bytes whose hashes were chained
        return (f'{{"device_id":{json.dumps(device_id)},"events":['
                + ",".join(self.bodies) + "]}").encode("utf-8")


def encode(event: Mapping[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_state(conn: Any) -> ChainState | None:
    row = conn.execute(
        "SELECT device_id, last_seq, last_hash, acked_seq, acked_hash, last_sync_ts, "
        "halted_seq, halted_reason FROM audit_chain_state WHERE singleton = 1").fetchone()
    return ChainState(*row) if row else None


def ensure_chain_state(conn: Any, device_id: str) -> ChainState:
    state = chain_state(conn)
    if state is None:
        conn.execute(
            "INSERT INTO audit_chain_state (singleton, device_id, last_seq, last_hash, "
            "acked_seq, acked_hash) VALUES (1, ?, 0, ?, 0, ?)",
            (device_id, GENESIS_HASH, GENESIS_HASH))
        state = chain_state(conn)
        assert state is not None
    elif state.device_id != device_id:
        raise OutboxOwnedByOtherDevice(
            "This vault's audit trail belongs to another device enrolment.",
            "Sync or export the existing trail before re-enrolling this workstation.")
    return state


def append(conn: Any, *, device_id: str, user: str, role: str, action: str,
           outcome: str, patient: str | None, call_id: str | None,
           detail: Mapping[str, Any] | None, ts: str, event_id: str) -> dict[str, Any]:
    """Build the next event of the chain, store it and move the head; returns the event."""
    state = ensure_chain_state(conn, device_id)
    event = build_event(device_id=device_id, seq=state.last_seq + 1, prev_hash=state.last_hash,
                        user=user, role=role, action=action, outcome=outcome, patient=patient,
                        call_id=call_id, detail=detail, ts=ts, event_id=event_id)
    store(conn, [event])
    return event


def store(conn: Any, events: list[dict[str, Any]]) -> None:
    """Insert already-built events that continue the chain, and move the head."""
    if not events:
        return
    conn.executemany("INSERT INTO audit_outbox (seq, id, body) VALUES (?, ?, ?)",
                     [(e["seq"], e["id"], encode(e)) for e in events])
    conn.execute("UPDATE audit_chain_state SET last_seq = ?, last_hash = ? WHERE singleton = 1",
                 (events[-1]["seq"], events[-1]["hash"]))


def read_batch(conn: Any, limit: int, after_seq: int = 0) -> Batch | None:
    """The oldest ``limit`` stored events with seq above ``after_seq``."""
    rows = conn.execute("SELECT seq, id, body FROM audit_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                        (after_seq, limit)).fetchall()
    if not rows:
        return None
    last_hash = json.loads(rows[-1][2])["hash"]
    return Batch(first_seq=rows[0][0], last_seq=rows[-1][0], last_hash=last_hash,
                 ids=[r[1] for r in rows], bodies=[r[2] for r in rows])


def acknowledge(conn: Any, last_seq: int, last_hash: str, when: str) -> int:
    """Delete the events a verified receipt covers; keep the receipted point. Returns count."""
    cur = conn.execute("DELETE FROM audit_outbox WHERE seq <= ?", (last_seq,))
    conn.execute("UPDATE audit_chain_state SET acked_seq = ?, acked_hash = ?, last_sync_ts = ? "
                 "WHERE singleton = 1", (last_seq, last_hash, when))
    return int(cur.rowcount)


def halt(conn: Any, seq: int | None, reason: str) -> None:
    conn.execute("UPDATE audit_chain_state SET halted_seq = ?, halted_reason = ? WHERE singleton = 1",
                 (seq, reason))


def clear_halt(conn: Any) -> None:
    conn.execute("UPDATE audit_chain_state SET halted_seq = NULL, halted_reason = NULL "
                 "WHERE singleton = 1")


def backlog(conn: Any) -> int:
    """Events recorded but not yet receipted: from the chain-state row, O(1) (a count(*)
    would decrypt every page of a large backlog once per sync round)."""
    state = chain_state(conn)
    return state.last_seq - state.acked_seq if state else 0


def stored_events(conn: Any) -> Iterable[dict[str, Any]]:
    for (body,) in conn.execute("SELECT body FROM audit_outbox ORDER BY seq"):
        yield json.loads(body)


@dataclass(frozen=True)
class LocalVerification:
    ok: bool
    events: int
    acked_seq: int
    last_seq: int
    problem: str | None
    broken_seq: int | None


def verify_local(conn: Any) -> LocalVerification:
    """Recompute the chain of what is still stored, from the last receipted point to the head."""
    state = chain_state(conn)
    if state is None:
        return LocalVerification(True, 0, 0, 0, None, None)
    count = 0

    def counted() -> Iterable[dict[str, Any]]:
        nonlocal count
        for event in stored_events(conn):
            count += 1
            yield event

    try:
        seq, head = verify_chain(counted(), prev_hash=state.acked_hash, prev_seq=state.acked_seq)
        for event_seq, event in enumerate(stored_events(conn), start=state.acked_seq + 1):
            if event.get("device_id") != state.device_id:
                raise ChainBreak(event_seq, "event carries another device id")
        if (seq, head) != (state.last_seq, state.last_hash):
            raise ChainBreak(seq + 1, f"outbox ends at seq {seq} but the chain head is seq "
                             f"{state.last_seq} (events were removed)")
    except ChainBreak as err:
        return LocalVerification(False, count, state.acked_seq, state.last_seq, str(err), err.seq)
    except (ValueError, KeyError) as err:  # a body that is no longer JSON
        return LocalVerification(False, count, state.acked_seq, state.last_seq,
                                 f"stored event is unreadable: {type(err).__name__}", None)
    return LocalVerification(True, count, state.acked_seq, state.last_seq, None, None)

